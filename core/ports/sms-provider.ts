/**
 * The SmsProvider port: one text message to one recipient. Production: SignalHouse for bulk (campaign)
 * sends, Twilio for 1:1 conversation replies. Embedded default: the sandbox, standing in for either,
 * which records every call and sends nothing.
 *
 * An adapter declares its name as a literal type (`provider: 'signalhouse'`), which is what
 * core/routing.ts certifies: only `bulkSender(adapter)` makes a bulk sender, and it accepts only
 * SignalHouse or the sandbox; `conversationSender(adapter)` only Twilio or the sandbox.
 *
 * Expected outcomes are results, not exceptions: the provider taking the message, the recipient having
 * opted out, the number being invalid, any other permanent refusal of this one message. A retry cannot
 * change them, so the send path records them and moves on. Only failures of the provider itself throw
 * (see `SmsProviderErrorDetails`).
 */
import { z } from 'zod';
import type { DeliveryStatus } from '../messages/status';
import type { ProviderName } from '../routing';

export type SmsSend = {
  /**
   * The sending number in E.164 (`+61412345678`). Twilio also takes a Messaging Service SID (`MG…`)
   * here, which it then sends as `MessagingServiceSid` instead of `From`.
   */
  from: string;
  /** The recipient in E.164. */
  to: string;
  body: string;
  /**
   * Where the provider posts status updates for this message: built from PUBLIC_URL, because the
   * webhook checks Twilio's signature against exactly this URL.
   */
  statusCallbackUrl: string;
  /**
   * The job's own identity (e.g. the send job id). Neither SignalHouse nor Twilio's Messages API
   * de-duplicates on a key of ours, so the real adapters send it nowhere; exactly-once is the send
   * path's claim on the job. The sandbox records it with every call, so tests can count provider calls
   * per job.
   */
  idempotencyKey?: string;
};

/** Fields every result carries: which adapter answered, and whether anything left the machine. */
type ResultBase<P extends ProviderName> = {
  provider: P;
  /** True only from the sandbox: nothing was sent to any phone. */
  sandbox: boolean;
};

export type SmsAccepted<P extends ProviderName = ProviderName> = ResultBase<P> & {
  kind: 'accepted';
  providerMessageId: string;
  /** Segments the provider counted, when it says (Twilio `num_segments`, SignalHouse `segmentCount`). */
  parts?: number;
  /** Where the message stands in the provider's answer (usually `queued`; callbacks move it on). */
  status: DeliveryStatus;
};

/** The recipient opted out at the provider or carrier (Twilio 21610; SignalHouse `errorCode: "OUT"`): add to DNC. */
export type SmsOptedOut<P extends ProviderName = ProviderName> = ResultBase<P> & {
  kind: 'opted_out';
  code: string;
  message: string;
  providerMessageId?: string;
};

/** The number cannot take an SMS (malformed, unallocated, a landline): mark the job FAILED with the code. */
export type SmsInvalidNumber<P extends ProviderName = ProviderName> = ResultBase<P> & {
  kind: 'invalid_number';
  code: string;
  message: string;
  providerMessageId?: string;
};

/** Any other permanent refusal of this message (content blocked, an unreachable destination, …). */
export type SmsRejected<P extends ProviderName = ProviderName> = ResultBase<P> & {
  kind: 'rejected';
  code: string;
  message: string;
  /** Set when the provider created a message record before failing it (a SignalHouse 201 with a FAILED message). */
  providerMessageId?: string;
};

export type SmsSendResult<P extends ProviderName = ProviderName> = SmsAccepted<P> | SmsOptedOut<P> | SmsInvalidNumber<P> | SmsRejected<P>;

export interface SmsProvider<P extends ProviderName = ProviderName> {
  /** The literal name core/routing.ts certifies; also written to the job as the provider that sent it. */
  readonly provider: P;
  /** True for the sandbox: nothing this adapter "sends" leaves the machine. */
  readonly sandbox: boolean;
  /**
   * Hands one message to the provider. Resolves with the outcome for this message; rejects with a
   * `DomainError` only when the provider itself failed (see `SmsProviderErrorDetails`).
   */
  send(message: SmsSend): Promise<SmsSendResult<P>>;
}

/**
 * The `details` of a `DomainError` thrown by `send`:
 *
 * - `unavailable` (retryable): the network failed, or the provider answered 429 or 5xx. Retry with
 *   backoff.
 * - `provider_error` (not retryable): the request itself is wrong for every message (bad credentials,
 *   an unknown account, a URL that is not the API), or the answer could not be read. An operator must
 *   act; a retry repeats the failure.
 *
 * `maybeAccepted` is what exactly-once needs: true when the provider may have taken the message although
 * we have no answer we can read (a timeout or a reset after the request went out, a 2xx in an unknown
 * shape). Such a job must not be sent again blindly; it goes to reconciliation. False when the provider
 * certainly did not take it (the connection was refused, it answered 429, 5xx or 4xx).
 */
export type SmsProviderErrorDetails = {
  provider: ProviderName;
  /** The HTTP status, when there was an answer. */
  httpStatus?: number;
  /** The provider's own error code (Twilio `code`, SignalHouse `errorCode`), or the network error code. */
  providerCode?: string;
  maybeAccepted: boolean;
};

const errorDetailsSchema = z.object({
  provider: z.enum(['signalhouse', 'twilio', 'sandbox']),
  httpStatus: z.number().int().optional(),
  providerCode: z.string().optional(),
  maybeAccepted: z.boolean(),
}) satisfies z.ZodType<SmsProviderErrorDetails>;

/** The details of an error `send` threw; undefined for anything else (then assume `maybeAccepted`). */
export function smsErrorDetails(error: unknown): SmsProviderErrorDetails | undefined {
  if (typeof error !== 'object' || error === null || !('details' in error)) return undefined;
  const parsed = errorDetailsSchema.safeParse(error.details);
  return parsed.success ? parsed.data : undefined;
}
