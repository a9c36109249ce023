/**
 * The HTTP call both real SMS adapters make, and the failures they share: one POST with a timeout,
 * the answer read as text (then parsed by each adapter with zod), and the thrown errors the port
 * defines (core/ports/sms-provider.ts `SmsProviderErrorDetails`).
 *
 * Whether a network failure may have reached the provider decides exactly-once: a refused connection
 * or a failed DNS lookup never sent a byte (`maybeAccepted: false`, safe to retry); a timeout or a reset
 * may have struck after the provider took the message (`maybeAccepted: true`, reconcile, never resend
 * blindly).
 */
import { DomainError } from '../../../core/errors';
import type { SmsProviderErrorDetails } from '../../../core/ports/sms-provider';
import type { ProviderName } from '../../../core/routing';

export type ProviderAnswer = { status: number; text: string; json: unknown };

/** Error codes of a connection that was never made: the request cannot have reached the provider. */
const neverConnected = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_INVALID_URL']);

export async function postToProvider(
  provider: ProviderName,
  label: string,
  request: { fetch: typeof fetch; url: string; headers: Record<string, string>; body: string; timeoutMs: number },
): Promise<ProviderAnswer> {
  let response: Response;
  try {
    response = await request.fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    const code = networkErrorCode(error);
    const maybeAccepted = !neverConnected.has(code);
    throw providerFailure('unavailable', `${label} could not be reached (${code}).`, { provider, providerCode: code, maybeAccepted }, error);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    // The provider answered, then the body broke off: it had the request and may have taken it.
    throw providerFailure('unavailable', `${label}'s answer broke off (HTTP ${response.status}).`, { provider, httpStatus: response.status, providerCode: networkErrorCode(error), maybeAccepted: true }, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

export function providerFailure(code: 'unavailable' | 'provider_error', message: string, details: SmsProviderErrorDetails, cause?: unknown): DomainError {
  return new DomainError(code, message, { retryable: code === 'unavailable', details, cause });
}

/** A short, log-safe excerpt of an answer we could not read. */
export function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

/** E.164 → the digits SignalHouse wants; undefined when it is not E.164. */
export function e164Digits(number: string): string | undefined {
  return /^\+[1-9]\d{6,14}$/.test(number) ? number.slice(1) : undefined;
}

function networkErrorCode(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout';
    const cause: unknown = error.cause;
    if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') return cause.code;
    if ('code' in error && typeof error.code === 'string') return error.code;
  }
  return 'network_error';
}
