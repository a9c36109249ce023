/**
 * When a failed delivery is tried again. The local relay follows `relayRetryPolicy`; QStash applies its
 * own schedule (`qstashRetryDelaySeconds`, kept here so docs and tests can state it). Both retry only
 * what the handler said a retry can fix (a non-2xx answer or no answer at all).
 */
export type RetryPolicy = {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Growth per attempt: the n-th retry waits about baseMs * factor^(n-1). */
  factor: number;
  /** Upper bound of one delay, so a long outage is still probed now and then. */
  maxMs: number;
};

/**
 * The local relay's default: 1 s, 4 s, 16 s, 64 s, ~4 min, then every 10 min. With the default eight
 * attempts a message keeps trying for about 25 minutes before it becomes a dead letter: long enough to
 * ride out a restart of the local server, short enough that a broken handler shows up the same session.
 */
export const relayRetryPolicy: RetryPolicy = { baseMs: 1_000, factor: 4, maxMs: 10 * 60_000 };

/**
 * Delay before retrying after `attempt` (1-based: the attempt that just failed) with "equal jitter":
 * half the exponential delay is fixed, half is random. The fixed half keeps the backoff visible (a
 * flapping handler is never hammered); the random half spreads a burst of failures over time.
 * `random` is a number in [0, 1).
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: number): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  if (!(random >= 0 && random < 1)) throw new RangeError(`random must be in [0, 1), got ${random}`);
  const exponential = Math.min(policy.maxMs, policy.baseMs * policy.factor ** (attempt - 1));
  return Math.round(exponential / 2 + (random * exponential) / 2);
}

export type RetryDecision = { kind: 'retry'; delayMs: number } | { kind: 'dead' };

/** After a failed attempt: try again later, or give up (a dead letter) once `maxAttempts` are spent. */
export function decideRetry(input: { attempt: number; maxAttempts: number; policy: RetryPolicy; random: number }): RetryDecision {
  if (input.attempt >= input.maxAttempts) return { kind: 'dead' };
  return { kind: 'retry', delayMs: retryDelayMs(input.attempt, input.policy, input.random) };
}

/**
 * QStash's documented backoff for the n-th retry: min(1 day, e^(2.5·n)) seconds — 12 s, 2 min 28 s,
 * 30 min, 6 h 7 min, then 1 day. Not used to schedule anything (QStash does that); it states what
 * production does.
 */
export function qstashRetryDelaySeconds(retry: number): number {
  if (!Number.isInteger(retry) || retry < 1) throw new RangeError(`retry must be a positive integer, got ${retry}`);
  return Math.min(86_400, Math.floor(Math.exp(2.5 * retry)));
}
