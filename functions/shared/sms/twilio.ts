/**
 * Twilio, the 1:1 (conversation) provider: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with
 * HTTP Basic auth (Account SID : Auth Token) and form fields `To`, `From` (or `MessagingServiceSid` when
 * the sender is a Messaging Service, `MG…`), `Body`, `StatusCallback`.
 *
 * Reading the answer (every shape through zod):
 * - 201 with the message resource (`sid`, `status`, `num_segments` as a string): accepted.
 * - Errors are JSON `{code, message, more_info, status}`: 21610 (unsubscribed recipient) → `opted_out`;
 *   21211 (invalid 'To'), 21614 (not a mobile number) → `invalid_number`; 429 or code 20429 (too many
 *   requests) and 5xx → retryable `unavailable`; 401/403/404 (credentials, account) → `provider_error`;
 *   any other 4xx → `rejected` with Twilio's code.
 */
import { z } from 'zod';
import type { SmsProvider, SmsSend, SmsSendResult } from '../../../core/ports/sms-provider';
import { fromTwilioStatus } from '../../../core/messages/status';
import { excerpt, postToProvider, providerFailure } from './provider-http';

export type TwilioOptions = {
  accountSid: string;
  authToken: string;
  /** https://api.twilio.com, or a local server in tests. */
  baseUrl?: string;
  fetch: typeof fetch;
  /** Give up on a hung request after this long (ms). Default 15 s. */
  timeoutMs?: number;
};

export const twilioDefaultBaseUrl = 'https://api.twilio.com';

export const twilioErrorCodes = {
  unsubscribedRecipient: 21610,
  invalidToNumber: 21211,
  notMobile: 21614,
  tooManyRequests: 20429,
} as const;

const invalidNumberCodes: ReadonlySet<number> = new Set([twilioErrorCodes.invalidToNumber, twilioErrorCodes.notMobile]);

const messageResource = z.looseObject({
  sid: z.string().regex(/^[A-Z]{2}[0-9a-zA-Z]+$/),
  status: z.string(),
  num_segments: z.union([z.string().regex(/^\d+$/), z.number().int()]).nullish(),
  error_code: z.union([z.number().int(), z.string()]).nullish(),
  error_message: z.string().nullish(),
});

const errorAnswer = z.looseObject({
  code: z.number().int(),
  message: z.string(),
  more_info: z.string().nullish(),
  status: z.number().int().optional(),
});

export function createTwilioSms(options: TwilioOptions): SmsProvider<'twilio'> {
  const endpoint = `${(options.baseUrl ?? twilioDefaultBaseUrl).replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  const base = { provider: 'twilio' as const, sandbox: false };

  return {
    ...base,
    async send(message: SmsSend): Promise<SmsSendResult<'twilio'>> {
      if (!/^\+[1-9]\d{6,14}$/.test(message.to)) {
        return { ...base, kind: 'invalid_number', code: 'not_e164', message: 'The recipient is not an E.164 number; nothing was sent.' };
      }
      const form = new URLSearchParams();
      form.set('To', message.to);
      // A Messaging Service picks the sender from its pool; otherwise the number itself sends.
      if (/^MG[0-9a-fA-F]{32}$/.test(message.from)) form.set('MessagingServiceSid', message.from);
      else form.set('From', message.from);
      form.set('Body', message.body);
      form.set('StatusCallback', message.statusCallbackUrl);

      const answer = await postToProvider('twilio', 'Twilio', {
        fetch: options.fetch,
        url: endpoint,
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        timeoutMs: options.timeoutMs ?? 15_000,
      });

      if (answer.status >= 200 && answer.status < 300) {
        const parsed = messageResource.safeParse(answer.json);
        if (!parsed.success) {
          throw providerFailure('provider_error', `Twilio answered HTTP ${answer.status} in an unknown shape: ${excerpt(answer.text)}`, {
            provider: 'twilio',
            httpStatus: answer.status,
            maybeAccepted: true,
          });
        }
        const resource = parsed.data;
        const update = fromTwilioStatus(resource.status);
        if (update.kind === 'status' && update.status === 'failed') {
          const failureCode = resource.error_code == null ? resource.status : String(resource.error_code);
          return { ...base, kind: 'rejected', code: failureCode, message: resource.error_message ?? `Twilio failed the message (${resource.status}).`, providerMessageId: resource.sid };
        }
        const parts = resource.num_segments == null ? undefined : Number(resource.num_segments);
        return {
          ...base,
          kind: 'accepted',
          providerMessageId: resource.sid,
          status: update.kind === 'status' ? update.status : 'queued',
          ...(parts === undefined || parts < 1 ? {} : { parts }),
        };
      }

      const error = errorAnswer.safeParse(answer.json);
      const code = error.success ? error.data.code : undefined;
      const detail = error.success ? error.data.message : excerpt(answer.text);
      const details = { provider: 'twilio' as const, httpStatus: answer.status, providerCode: code === undefined ? `http_${answer.status}` : String(code), maybeAccepted: false };
      if (answer.status === 429 || code === twilioErrorCodes.tooManyRequests || answer.status >= 500) {
        throw providerFailure('unavailable', `Twilio is unavailable (HTTP ${answer.status}${code === undefined ? '' : `, code ${code}`}): ${detail}`, details);
      }
      if (answer.status === 401 || answer.status === 403 || answer.status === 404) {
        throw providerFailure('provider_error', `Twilio refused our request (HTTP ${answer.status}${code === undefined ? '' : `, code ${code}`}): check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN. ${detail}`, details);
      }
      if (answer.status >= 400 && answer.status < 500) {
        if (code === twilioErrorCodes.unsubscribedRecipient) return { ...base, kind: 'opted_out', code: String(code), message: detail };
        if (code !== undefined && invalidNumberCodes.has(code)) return { ...base, kind: 'invalid_number', code: String(code), message: detail };
        return { ...base, kind: 'rejected', code: code === undefined ? `http_${answer.status}` : String(code), message: detail };
      }
      // A redirect: the API never handled the request (we do not follow redirects with a POST body).
      throw providerFailure('provider_error', `Twilio answered HTTP ${answer.status}: ${detail}`, details);
    },
  };
}
