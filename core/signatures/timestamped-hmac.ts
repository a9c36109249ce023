/**
 * The signature scheme of SignalHouse webhooks, which our edge click callback reuses:
 *
 *   lowercase hex( HMAC-SHA256( key = secret, data = <timestamp> + "." + <raw body> ) )
 *
 * with the timestamp (milliseconds since the epoch) sent beside it. Binding the timestamp into the MAC
 * and refusing one more than the tolerance away from our clock (either way: a clock running ahead is as
 * suspect as a replay) turns a captured request into something that stops working within minutes; the
 * event id (`webhook_events` primary key) stops replays inside that window.
 */
import { hmac, timingSafeEqual, toHex, type SignatureCheck } from './hmac';

/** Five minutes, either way. */
export const defaultToleranceMs = 5 * 60_000;

/** The timestamp is signed as the exact text of its header, so it is kept as a string. */
export async function timestampedSignature(secret: string, timestamp: string, rawBody: string): Promise<string> {
  return toHex(await hmac('SHA-256', secret, `${timestamp}.${rawBody}`));
}

export type TimestampedRequest = {
  /** Current secret first, then the next one during a rotation. */
  secrets: readonly string[];
  signature: string | undefined | null;
  timestamp: string | undefined | null;
  rawBody: string;
  nowMs: number;
  toleranceMs?: number;
};

export async function verifyTimestamped(request: TimestampedRequest): Promise<SignatureCheck> {
  const signature = request.signature?.trim().toLowerCase();
  const timestamp = request.timestamp?.trim();
  if (!signature || !timestamp) return { ok: false, reason: 'missing' };
  if (!/^[0-9a-f]{64}$/.test(signature) || !/^\d{1,16}$/.test(timestamp)) return { ok: false, reason: 'malformed' };
  if (Math.abs(request.nowMs - Number(timestamp)) > (request.toleranceMs ?? defaultToleranceMs)) return { ok: false, reason: 'stale' };
  let matched = false;
  for (const secret of request.secrets) {
    if (secret.length === 0) continue;
    if (timingSafeEqual(await timestampedSignature(secret, timestamp, request.rawBody), signature)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: 'mismatch' };
}
