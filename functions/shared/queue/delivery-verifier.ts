/**
 * Checks `Upstash-Signature` on a delivery with `@upstash/qstash`'s Receiver: the JWT is verified with
 * the current signing key, then the next one (so a key rotation in the QStash console never drops a
 * delivery), then its `sub` must equal the URL that was called and its `body` claim the SHA-256 of the
 * raw body. The same verifier serves the local relay, which signs with the keys in DATA_DIR.
 */
import { Receiver } from '@upstash/qstash';
import type { DeliveryVerifier } from '../../../core/ports/queue';
import type { Logger } from '../log';

export type SigningKeys = { currentSigningKey: string; nextSigningKey: string };

export type DeliveryVerifierOptions = {
  /** Seconds of clock skew tolerated on `nbf`/`exp` between the signer and us. Default 5. */
  clockToleranceSeconds?: number;
  /** Rejections are logged at `warn` with the reason (never the token). */
  log?: Logger;
};

export function createDeliveryVerifier(keys: SigningKeys, options: DeliveryVerifierOptions = {}): DeliveryVerifier {
  // devMode: false, and both keys given: the Receiver then never looks at process.env (QSTASH_DEV etc.).
  const receiver = new Receiver({ currentSigningKey: keys.currentSigningKey, nextSigningKey: keys.nextSigningKey, devMode: false });
  const clockTolerance = options.clockToleranceSeconds ?? 5;
  return {
    async verify({ signature, body, url }) {
      if (signature === undefined || signature === '') {
        options.log?.warn('delivery rejected', { reason: 'missing signature', url });
        return false;
      }
      try {
        return await receiver.verify({ signature, body, url, clockTolerance });
      } catch (error) {
        options.log?.warn('delivery rejected', { reason: error instanceof Error ? error.message : String(error), url });
        return false;
      }
    },
  };
}
