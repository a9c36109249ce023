/**
 * SignalHouse webhook signatures: `X-SignalHouse-Signature` is the lowercase hex HMAC-SHA256, keyed with
 * the endpoint's signing secret, of `<X-SignalHouse-Timestamp>.<raw body>`; the timestamp is in
 * milliseconds and a request more than five minutes off is refused. `X-SignalHouse-Delivery-Id`
 * identifies one delivery of one event: the webhook's dedupe key.
 */
import type { SignatureCheck } from './hmac';
import { timestampedSignature, verifyTimestamped } from './timestamped-hmac';

export const signalHouseHeaders = {
  signature: 'x-signalhouse-signature',
  timestamp: 'x-signalhouse-timestamp',
  deliveryId: 'x-signalhouse-delivery-id',
} as const;

export function signalHouseSignature(secret: string, timestamp: string, rawBody: string): Promise<string> {
  return timestampedSignature(secret, timestamp, rawBody);
}

export function verifySignalHouseRequest(request: {
  secrets: readonly string[];
  signature: string | undefined | null;
  timestamp: string | undefined | null;
  rawBody: string;
  nowMs: number;
  toleranceMs?: number;
}): Promise<SignatureCheck> {
  return verifyTimestamped(request);
}
