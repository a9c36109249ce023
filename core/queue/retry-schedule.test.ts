import { describe, expect, it } from 'vitest';
import { decideRetry, qstashRetryDelaySeconds, relayRetryPolicy, retryDelayMs, type RetryPolicy } from './retry-schedule';

const policy: RetryPolicy = { baseMs: 100, factor: 2, maxMs: 1_000 };

describe('retryDelayMs', () => {
  it.each([
    // attempt, random, expected: half fixed, half jittered, capped at maxMs
    [1, 0, 50],
    [1, 0.999_999, 100],
    [2, 0, 100],
    [2, 0.5, 150],
    [3, 0, 200],
    [4, 0.5, 600],
    [5, 0, 500],
    [9, 0, 500],
    [9, 0.999_999, 1_000],
  ])('attempt %i with random %f waits %i ms', (attempt, random, expected) => {
    expect(retryDelayMs(attempt, policy, random)).toBe(expected);
  });

  it('never shrinks from one attempt to the next at the same jitter', () => {
    for (const random of [0, 0.3, 0.9]) {
      const delays = Array.from({ length: 12 }, (_, i) => retryDelayMs(i + 1, relayRetryPolicy, random));
      expect(delays).toEqual([...delays].sort((a, b) => a - b));
    }
  });

  it('states the relay default: 1 s, 4 s, 16 s … capped at 10 minutes (before jitter)', () => {
    const upper = (attempt: number) => retryDelayMs(attempt, relayRetryPolicy, 0) * 2;
    expect([1, 2, 3, 4, 5, 6, 7].map(upper)).toEqual([1_000, 4_000, 16_000, 64_000, 256_000, 600_000, 600_000]);
  });

  it.each([
    [0, 0.5],
    [1.5, 0.5],
    [1, 1],
    [1, -0.1],
    [1, Number.NaN],
  ])('refuses attempt %f with random %f', (attempt, random) => {
    expect(() => retryDelayMs(attempt, policy, random)).toThrow(RangeError);
  });
});

describe('decideRetry', () => {
  it.each([
    [1, 3, 'retry'],
    [2, 3, 'retry'],
    [3, 3, 'dead'],
    [4, 3, 'dead'],
    [1, 1, 'dead'],
  ] as const)('attempt %i of %i → %s', (attempt, maxAttempts, kind) => {
    expect(decideRetry({ attempt, maxAttempts, policy, random: 0 }).kind).toBe(kind);
  });

  it('carries the backoff delay when it retries', () => {
    expect(decideRetry({ attempt: 2, maxAttempts: 5, policy, random: 0 })).toEqual({ kind: 'retry', delayMs: 100 });
  });
});

describe('qstashRetryDelaySeconds', () => {
  it.each([
    [1, 12],
    [2, 148],
    [3, 1_808],
    [4, 22_026],
    [5, 86_400],
    [6, 86_400],
  ])('retry %i waits %i s', (retry, seconds) => {
    expect(qstashRetryDelaySeconds(retry)).toBe(seconds);
  });
});
