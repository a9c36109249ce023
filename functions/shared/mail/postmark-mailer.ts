/**
 * The production Mailer: Postmark's HTTP API (`POST /email`, `X-Postmark-Server-Token`).
 *
 * Link and open tracking are switched off per message: tracking would rewrite the magic link through
 * Postmark's redirect domain, and the token would then pass through a third party's logs.
 *
 * Outcomes: 200 with ErrorCode 0 → sent. 422 with an address problem (300 invalid email, 406 inactive
 * recipient: bounced before or marked as spam) → rejected, a result the caller records. Anything else
 * (401 bad token, 422 sender signature problems, 429, 5xx, a network failure) throws a DomainError
 * `provider_error`, retryable for 429/5xx/network, so an operator sees it in the logs.
 */
import { z } from 'zod';
import { DomainError } from '../../../core/errors';
import type { MailMessage, MailResult, Mailer } from '../../../core/ports/mailer';

export type PostmarkOptions = {
  serverToken: string;
  /** A confirmed sender signature, e.g. `Revenue Reactor <login@example.com>`. */
  from: string;
  /** https://api.postmarkapp.com, or a local server in tests. */
  apiUrl: string;
  messageStream: string;
  fetch?: typeof fetch;
  /** Give up on a hung request after this long (ms). Default 10 s. */
  timeoutMs?: number;
};

const responseSchema = z.object({
  ErrorCode: z.number(),
  Message: z.string().optional(),
  MessageID: z.string().optional(),
});

/** Postmark error codes that are about the recipient, not about us. */
const recipientErrorCodes = new Set([300, 406]);

export function createPostmarkMailer(options: PostmarkOptions): Mailer {
  const doFetch = options.fetch ?? fetch;
  const endpoint = `${options.apiUrl.replace(/\/+$/, '')}/email`;
  return {
    kind: 'postmark',
    async send(message: MailMessage): Promise<MailResult> {
      const payload = {
        From: options.from,
        To: message.to,
        Subject: message.subject,
        TextBody: message.text,
        ...(message.html === undefined ? {} : { HtmlBody: message.html }),
        ...(message.tag === undefined ? {} : { Tag: message.tag }),
        MessageStream: options.messageStream,
        TrackLinks: 'None',
        TrackOpens: false,
      };
      let response: Response;
      try {
        response = await doFetch(endpoint, {
          method: 'POST',
          headers: { accept: 'application/json', 'content-type': 'application/json', 'x-postmark-server-token': options.serverToken },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        throw new DomainError('provider_error', 'Postmark could not be reached.', { retryable: true, cause: error });
      }
      const text = await response.text();
      let parsed: z.infer<typeof responseSchema> | undefined;
      try {
        const result = responseSchema.safeParse(JSON.parse(text));
        parsed = result.success ? result.data : undefined;
      } catch {
        parsed = undefined;
      }
      if (response.status === 200 && parsed?.ErrorCode === 0 && parsed.MessageID) {
        return { status: 'sent', messageId: parsed.MessageID };
      }
      if (response.status === 422 && parsed && recipientErrorCodes.has(parsed.ErrorCode)) {
        return { status: 'rejected', reason: `postmark ${parsed.ErrorCode}: ${parsed.Message ?? 'recipient refused'}` };
      }
      const retryable = response.status === 429 || response.status >= 500;
      throw new DomainError('provider_error', `Postmark refused the message (HTTP ${response.status}${parsed ? `, ErrorCode ${parsed.ErrorCode}: ${parsed.Message ?? ''}` : ''}).`, {
        retryable,
        details: { status: response.status, errorCode: parsed?.ErrorCode },
      });
    },
  };
}
