/**
 * What the sender does with a job after the provider call, decided without I/O so the exactly-once
 * rules are tested as a table:
 *
 * - the provider answered (`accepted`, `opted_out`, `invalid_number`, `rejected`): record it; those
 *   are final (a refusal is `failed` with the provider's code; an opt-out also goes on the DNC list);
 * - the call threw and the provider **certainly did not** take the message (`maybeAccepted: false`:
 *   connection refused, 429, 5xx, or our own request was wrong): try again later with backoff, up to
 *   `maxSendAttempts`, then `failed`;
 * - the call threw and the provider **may have** taken it (a timeout after the request went out, an
 *   answer we cannot read, an error we do not know): never resend blindly, `reconcile`.
 */
export const maxSendAttempts = 6;

/** 30 s, 1 min, 2 min, 4 min, 8 min, then every 15 min: a provider outage is ridden out, not hammered. */
export function sendRetryDelayMs(attempt: number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 10));
  return Math.min(15 * 60_000, 30_000 * 2 ** exponent);
}

export type ThrownSend = {
  /** From `smsErrorDetails`; undefined when the error is not a provider error we know. */
  details: { maybeAccepted: boolean; providerCode?: string; httpStatus?: number } | undefined;
  /** The DomainError code (`unavailable`, `provider_error`), if it was one. */
  code: string | undefined;
  /** Attempts made so far, this one included. */
  attempts: number;
};

export type AfterThrow =
  | { action: 'retry'; delayMs: number; errorCode: string }
  | { action: 'fail'; errorCode: string }
  | { action: 'reconcile'; errorCode: 'outcome_unknown' };

export function afterThrownSend(thrown: ThrownSend): AfterThrow {
  if (thrown.details === undefined || thrown.details.maybeAccepted) return { action: 'reconcile', errorCode: 'outcome_unknown' };
  const errorCode = thrown.details.providerCode ?? (thrown.details.httpStatus !== undefined ? `http_${thrown.details.httpStatus}` : (thrown.code ?? 'provider_error'));
  if (thrown.attempts >= maxSendAttempts) return { action: 'fail', errorCode };
  // provider_error (our credentials, our URL) needs an operator; waiting the longest step gives them time.
  const delayMs = thrown.code === 'provider_error' ? sendRetryDelayMs(maxSendAttempts) : sendRetryDelayMs(thrown.attempts);
  return { action: 'retry', delayMs, errorCode };
}
