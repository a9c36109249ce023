/**
 * SignalHouse, the bulk (campaign) provider: `POST https://v2.signalhouse.io/message/sms` with
 * `Authorization: Bearer <api key>` and a JSON body
 * `{senderPhoneNumber, recipientPhoneNumber: [..], messageBody, statusCallbackUrl}`, numbers as digits
 * without the plus.
 *
 * Reading the answer (every shape through zod; anything unknown is a clear provider_error, never a crash):
 * - 201 with `insertedMessages[]._id`: the message document. Its `status` says whether it was taken; a
 *   201 can still carry a FAILED message, which is a refusal of this message with its `errorCode`.
 * - 201 with `enqueuedCount: 0` and `errorCode: "OUT"`: the recipient opted out → `opted_out`.
 * - 429 and 5xx: retryable (`unavailable`). 401/403/404: our credentials or URL are wrong for every
 *   message (`provider_error`). Any other 4xx: this message was refused (`rejected`, or `invalid_number`
 *   for the number codes below).
 */
import { z } from 'zod';
import type { SmsProvider, SmsSend, SmsSendResult } from '../../../core/ports/sms-provider';
import { fromSignalHouseMessageStatus } from '../../../core/messages/status';
import { e164Digits, excerpt, postToProvider, providerFailure } from './provider-http';

export type SignalHouseOptions = {
  apiKey: string;
  /** https://v2.signalhouse.io, or a local server in tests. */
  baseUrl?: string;
  fetch: typeof fetch;
  /** Give up on a hung request after this long (ms). Default 15 s. */
  timeoutMs?: number;
};

export const signalHouseDefaultBaseUrl = 'https://v2.signalhouse.io';

/** SignalHouse's code for a recipient who opted out (carrier or SignalHouse-level STOP). */
export const signalHouseOptedOutCode = 'OUT';

/**
 * Codes we read as "this number cannot take an SMS". SignalHouse publishes no full list; a code not
 * here still fails the message permanently (`rejected`, with the code recorded), so a new code costs a
 * label, not a message.
 */
const invalidNumberCodes = new Set(['INVALID_NUMBER', 'INVALID_RECIPIENT', 'INVALID_PHONE_NUMBER', 'LANDLINE', 'NOT_MOBILE', 'UNALLOCATED']);

const code = z.union([z.string(), z.number()]).transform(String);

const messageDocument = z.looseObject({
  _id: z.string().min(1),
  status: z.string().optional(),
  segmentCount: z.number().int().positive().optional(),
  errorCode: code.nullish(),
  errorMessage: z.string().nullish(),
  failureReason: z.string().nullish(),
});

const sendAnswer = z.looseObject({
  insertedMessages: z.array(messageDocument).optional(),
  enqueuedCount: z.number().int().nonnegative().optional(),
  errorCode: code.nullish(),
  message: z.string().nullish(),
});

const errorAnswer = z.looseObject({
  errorCode: code.nullish(),
  message: z.union([z.string(), z.array(z.string())]).nullish(),
  error: z.string().nullish(),
});

export function createSignalHouseSms(options: SignalHouseOptions): SmsProvider<'signalhouse'> {
  const endpoint = `${(options.baseUrl ?? signalHouseDefaultBaseUrl).replace(/\/+$/, '')}/message/sms`;
  const base = { provider: 'signalhouse' as const, sandbox: false };

  function refusal(errorCode: string | undefined, message: string, providerMessageId: string | undefined): SmsSendResult<'signalhouse'> {
    const id = providerMessageId === undefined ? {} : { providerMessageId };
    if (errorCode === signalHouseOptedOutCode) return { ...base, kind: 'opted_out', code: errorCode, message, ...id };
    if (errorCode !== undefined && invalidNumberCodes.has(errorCode.toUpperCase())) return { ...base, kind: 'invalid_number', code: errorCode, message, ...id };
    return { ...base, kind: 'rejected', code: errorCode ?? 'FAILED', message, ...id };
  }

  return {
    ...base,
    async send(message: SmsSend): Promise<SmsSendResult<'signalhouse'>> {
      const sender = e164Digits(message.from);
      if (sender === undefined) {
        throw providerFailure('provider_error', `SignalHouse sends from an E.164 number; got ${JSON.stringify(message.from)}.`, { provider: 'signalhouse', maybeAccepted: false });
      }
      const recipient = e164Digits(message.to);
      if (recipient === undefined) {
        return { ...base, kind: 'invalid_number', code: 'not_e164', message: 'The recipient is not an E.164 number; nothing was sent.' };
      }
      const answer = await postToProvider('signalhouse', 'SignalHouse', {
        fetch: options.fetch,
        url: endpoint,
        headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          senderPhoneNumber: sender,
          recipientPhoneNumber: [recipient],
          messageBody: message.body,
          statusCallbackUrl: message.statusCallbackUrl,
        }),
        timeoutMs: options.timeoutMs ?? 15_000,
      });

      if (answer.status >= 200 && answer.status < 300) {
        const parsed = sendAnswer.safeParse(answer.json);
        if (!parsed.success) {
          throw providerFailure('provider_error', `SignalHouse answered HTTP ${answer.status} in an unknown shape: ${excerpt(answer.text)}`, {
            provider: 'signalhouse',
            httpStatus: answer.status,
            maybeAccepted: true,
          });
        }
        const { insertedMessages = [], enqueuedCount, errorCode, message: note } = parsed.data;
        const document = insertedMessages[0];
        const documentCode = document?.errorCode ?? errorCode ?? undefined;
        const reason = document?.failureReason ?? document?.errorMessage ?? note ?? undefined;
        if (documentCode === signalHouseOptedOutCode) {
          return refusal(documentCode, reason ?? 'The recipient has opted out.', document?._id);
        }
        if (document !== undefined) {
          const update = document.status === undefined ? undefined : fromSignalHouseMessageStatus(document.status);
          if (update?.kind === 'status' && update.status === 'failed') {
            return refusal(documentCode, reason ?? `SignalHouse failed the message (${document.status ?? 'FAILED'}).`, document._id);
          }
          if (enqueuedCount !== 0) {
            return {
              ...base,
              kind: 'accepted',
              providerMessageId: document._id,
              status: update?.kind === 'status' ? update.status : 'queued',
              ...(document.segmentCount === undefined ? {} : { parts: document.segmentCount }),
            };
          }
        }
        if (enqueuedCount === 0) {
          return refusal(documentCode, reason ?? 'SignalHouse did not enqueue the message.', document?._id);
        }
        throw providerFailure('provider_error', `SignalHouse answered HTTP ${answer.status} without a message: ${excerpt(answer.text)}`, {
          provider: 'signalhouse',
          httpStatus: answer.status,
          maybeAccepted: true,
        });
      }

      const error = errorAnswer.safeParse(answer.json);
      const errorCode = error.success ? (error.data.errorCode ?? undefined) : undefined;
      const rawMessage = error.success ? (error.data.message ?? error.data.error ?? undefined) : undefined;
      const detail = (Array.isArray(rawMessage) ? rawMessage.join('; ') : rawMessage) ?? excerpt(answer.text);
      const details = { provider: 'signalhouse' as const, httpStatus: answer.status, providerCode: errorCode ?? `http_${answer.status}`, maybeAccepted: false };
      if (answer.status === 429 || answer.status >= 500) {
        throw providerFailure('unavailable', `SignalHouse is unavailable (HTTP ${answer.status}): ${detail}`, details);
      }
      if (answer.status === 401 || answer.status === 403 || answer.status === 404) {
        throw providerFailure('provider_error', `SignalHouse refused our request (HTTP ${answer.status}): check SIGNALHOUSE_API_KEY and the API URL. ${detail}`, details);
      }
      if (answer.status >= 400 && answer.status < 500) {
        return refusal(errorCode ?? `http_${answer.status}`, detail || `SignalHouse refused the message (HTTP ${answer.status}).`, undefined);
      }
      // A redirect: the API never handled the request (we do not follow redirects with a POST body).
      throw providerFailure('provider_error', `SignalHouse answered HTTP ${answer.status}: ${detail}`, details);
    },
  };
}
