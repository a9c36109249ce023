/**
 * The edge Worker's click callback to `POST /api/webhooks/clicks`: the same timestamped HMAC-SHA256 as
 * SignalHouse's (see timestamped-hmac.ts), keyed with `EDGE_CALLBACK_SECRET`. The Worker signs with
 * `signEdgeCallback`; the webhook checks with `verifyEdgeCallback`, and a stale or forged callback gets 401.
 */
import type { SignatureCheck } from './hmac';
import { timestampedSignature, verifyTimestamped } from './timestamped-hmac';

export const edgeCallbackHeaders = {
  signature: 'x-reactor-signature',
  timestamp: 'x-reactor-timestamp',
} as const;

/** The headers to send with `rawBody` (sent byte for byte as signed). */
export async function signEdgeCallback(input: { secret: string; rawBody: string; nowMs: number }): Promise<Record<string, string>> {
  const timestamp = String(Math.floor(input.nowMs));
  return {
    [edgeCallbackHeaders.timestamp]: timestamp,
    [edgeCallbackHeaders.signature]: await timestampedSignature(input.secret, timestamp, input.rawBody),
  };
}

export function verifyEdgeCallback(request: {
  secrets: readonly string[];
  signature: string | undefined | null;
  timestamp: string | undefined | null;
  rawBody: string;
  nowMs: number;
  toleranceMs?: number;
}): Promise<SignatureCheck> {
  return verifyTimestamped(request);
}
