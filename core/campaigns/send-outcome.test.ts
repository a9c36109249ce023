import { describe, expect, it } from 'vitest';
import { afterThrownSend, maxSendAttempts, sendRetryDelayMs } from './send-outcome';

describe('sendRetryDelayMs', () => {
  it('backs off from 30 s, doubling, to at most 15 minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(sendRetryDelayMs)).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000]);
  });
});

describe('afterThrownSend', () => {
  const table: [string, Parameters<typeof afterThrownSend>[0], ReturnType<typeof afterThrownSend>][] = [
    ['a 503 (certainly not taken) is retried', { code: 'unavailable', details: { maybeAccepted: false, httpStatus: 503, providerCode: '20500' }, attempts: 1 }, { action: 'retry', delayMs: 30_000, errorCode: '20500' }],
    ['a 429 without a provider code keeps the HTTP status', { code: 'unavailable', details: { maybeAccepted: false, httpStatus: 429 }, attempts: 2 }, { action: 'retry', delayMs: 60_000, errorCode: 'http_429' }],
    ['bad credentials wait the longest step for an operator', { code: 'provider_error', details: { maybeAccepted: false, httpStatus: 401 }, attempts: 1 }, { action: 'retry', delayMs: 900_000, errorCode: 'http_401' }],
    ['after the last attempt it fails', { code: 'unavailable', details: { maybeAccepted: false, httpStatus: 503 }, attempts: maxSendAttempts }, { action: 'fail', errorCode: 'http_503' }],
    ['a timeout after the request left is never resent', { code: 'unavailable', details: { maybeAccepted: true }, attempts: 1 }, { action: 'reconcile', errorCode: 'outcome_unknown' }],
    ['an error we do not know is never resent', { code: undefined, details: undefined, attempts: 1 }, { action: 'reconcile', errorCode: 'outcome_unknown' }],
  ];
  it.each(table)('%s', (_name, thrown, expected) => {
    expect(afterThrownSend(thrown)).toEqual(expected);
  });
});
