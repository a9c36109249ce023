/**
 * The Queue port on QStash (production). Speaks QStash's HTTP API directly:
 * `POST {baseUrl}/v2/publish/{destination URL}` with the JSON body and `Upstash-*` headers.
 *
 * Plain `fetch` rather than `@upstash/qstash`'s Client: the Client takes no `fetch` (so tests could not
 * point it at a local server except through globals), reads QSTASH_* from `process.env` on its own, and
 * retries internally — we want one retry policy (the outbox sweep) and config only from the
 * composition root. Verification of incoming deliveries does use the library (delivery-verifier.ts).
 *
 * Error mapping: 429 and 5xx and network failures are `unavailable` (retryable: the outbox keeps the row
 * pending and the sweep publishes it again with the same dedupe id); any other 4xx is `provider_error`
 * (not retryable: the request itself is wrong).
 */
import { z } from 'zod';
import { DomainError } from '../../../core/errors';
import type { OutgoingMessage, PublishResult, Queue } from '../../../core/ports/queue';
import { functionUrl } from './function-url';

export type QStashQueueOptions = {
  /** QStash's API origin (QSTASH_URL; default https://qstash.upstash.io). */
  baseUrl: string;
  token: string;
  /** PUBLIC_URL: deliveries go to `${publicUrl}/fn/<name>`. */
  publicUrl: string;
  fetch?: typeof fetch;
  /** Retries when a message sets none. QStash's own default is 3; so is ours. */
  defaultRetries?: number;
  /** Per publish call; a publish that hangs longer is treated as unavailable (and swept later). */
  timeoutMs?: number;
};

const publishAnswer = z.object({
  messageId: z.string().min(1),
  url: z.string().optional(),
  deduplicated: z.boolean().optional(),
});

const errorAnswer = z.object({ error: z.string() });

/** Header values must be visible ASCII: a dedupe id with spaces or non-ASCII would be mangled or refused. */
const headerSafe = /^[\x21-\x7e]{1,256}$/;

export function createQStashQueue(options: QStashQueueOptions): Queue {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;

  return {
    async publish(message: OutgoingMessage): Promise<PublishResult> {
      if (!headerSafe.test(message.dedupeId)) {
        throw new DomainError('bad_request', 'A dedupe id must be 1-256 visible ASCII characters.', { details: { dedupeId: message.dedupeId } });
      }
      const destination = functionUrl(options.publicUrl, message.destination);
      const headers: Record<string, string> = {
        authorization: `Bearer ${options.token}`,
        'content-type': 'application/json',
        'upstash-deduplication-id': message.dedupeId,
        'upstash-retries': String(message.retries ?? options.defaultRetries ?? 3),
      };
      if (message.delaySeconds !== undefined && message.delaySeconds > 0) headers['upstash-delay'] = `${Math.ceil(message.delaySeconds)}s`;
      // QStash forwards `Content-Type` as sent, and `Upstash-Forward-X-Request-Id` as `X-Request-Id`, which
      // the function host adopts as its request id: the correlation id follows the message.
      if (message.correlationId !== undefined && headerSafe.test(message.correlationId)) {
        headers['upstash-forward-x-request-id'] = message.correlationId;
      }

      let response: Response;
      try {
        response = await doFetch(`${base}/v2/publish/${destination}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(message.body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new DomainError('unavailable', 'QStash could not be reached.', { retryable: true, cause: error });
      }

      const text = await response.text();
      if (!response.ok) {
        const parsed = errorAnswer.safeParse(safeJson(text));
        const reason = parsed.success ? parsed.data.error : text.slice(0, 200);
        const details = { status: response.status, error: reason, destination };
        if (response.status === 429 || response.status >= 500) {
          throw new DomainError('unavailable', `QStash is unavailable (${response.status}).`, { retryable: true, details });
        }
        throw new DomainError('provider_error', `QStash refused the message (${response.status}): ${reason}`, { details });
      }
      const parsed = publishAnswer.safeParse(safeJson(text));
      if (!parsed.success) {
        // Accepted or not, we cannot tell; republishing with the same dedupe id is safe.
        throw new DomainError('provider_error', 'QStash answered in an unexpected format.', { retryable: true, details: { status: response.status, body: text.slice(0, 200) } });
      }
      // QStash answers 202 (and, in newer versions, `deduplicated: true`) for a duplicate dedupe id.
      return { messageId: parsed.data.messageId, deduplicated: parsed.data.deduplicated ?? response.status === 202 };
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
