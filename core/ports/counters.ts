/**
 * The Counters port: hot counters and switches that every send checks. Production: Upstash Redis
 * (atomic Lua scripts over its REST API). Embedded default: the `counters` and `flags` tables on the
 * same PostgreSQL (or PGlite) as everything else.
 *
 * - Windowed counters: rate limits (per tenant per minute, per number per minute), warm-up caps (per
 *   number per day), spend (per tenant per day and per month). A window is either a fixed length aligned
 *   to the epoch (every minute, every hour) or an explicit period the caller computed (a tenant's local
 *   day or calendar month, which no fixed length can express).
 * - `tryConsume` is the one operation that enforces a cap: "add `amount` unless that would pass
 *   `limit`", decided and applied in one atomic step, so parallel senders can never together pass the
 *   cap.
 * - Flags: a value under a key, optionally expiring (pause switches, circuit breakers).
 * - `setIfAbsent`: a flag written only if none is live, for once-per-window alerts.
 *
 * Keys are built by the callers and carry the tenant id themselves (`rate:ten_…:minute`). Windows are
 * computed from the injected clock, so tests move time by moving the clock.
 */
import { DomainError } from '../errors';

/**
 * A fixed window of this many seconds, aligned to the epoch (60 → every UTC minute), or an explicit
 * period [start, end) the caller computed.
 */
export type CounterWindow = number | { start: Date; end: Date };

export type ConsumeResult = {
  /** True when `amount` was added; false when adding it would have passed `limit` (nothing was added). */
  allowed: boolean;
  /** The count in the window after this call (unchanged when not allowed). */
  value: number;
  /** When the window ends: a caller stopped by the cap may try again then (a deferral, not a drop). */
  resetAt: Date;
};

export interface Counters {
  /** Which adapter this is, for the start-up banner and logs. */
  readonly kind: 'postgres' | 'upstash';
  /**
   * Adds `by` (default 1; negative to give back what a failed attempt had taken) to the key's count in
   * the current window and returns the new count.
   */
  incrementWindow(key: string, window: CounterWindow, by?: number): Promise<number>;
  /** The key's count in the current window (0 when nothing was counted). */
  readWindow(key: string, window: CounterWindow): Promise<number>;
  /**
   * Adds `amount` only if the count stays at or under `limit`: atomic, so concurrent callers together
   * never pass the limit. `amount` 0 only checks (allowed while the count is at or under the limit).
   */
  tryConsume(key: string, window: CounterWindow, amount: number, limit: number): Promise<ConsumeResult>;
  /** Sets (or replaces) a flag; it expires after `ttlSeconds`, or never when that is omitted. */
  setFlag(key: string, value: string, ttlSeconds?: number): Promise<void>;
  /** The flag's value, or null when it is not set or has expired. */
  getFlag(key: string): Promise<string | null>;
  clearFlag(key: string): Promise<void>;
  /**
   * Sets a flag only if none is live, and says whether this call set it: the first caller in a window
   * gets true, everyone after it false until the flag expires. Shares its keys with `setFlag`.
   */
  setIfAbsent(key: string, ttlSeconds: number, value?: string): Promise<boolean>;
}

export type ResolvedWindow = { start: Date; end: Date };

/** The window that holds `now`. Throws `bad_request` for a window that is not a positive, whole span. */
export function resolveWindow(window: CounterWindow, now: Date): ResolvedWindow {
  if (typeof window === 'number') {
    if (!Number.isSafeInteger(window) || window <= 0) throw new DomainError('bad_request', `a counter window must be a whole number of seconds above 0, got ${window}`);
    const ms = window * 1000;
    const start = Math.floor(now.getTime() / ms) * ms;
    return { start: new Date(start), end: new Date(start + ms) };
  }
  const start = window.start.getTime();
  const end = window.end.getTime();
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) {
    throw new DomainError('bad_request', 'a counter window must end after it starts');
  }
  return { start: new Date(start), end: new Date(end) };
}

const maxKeyLength = 512;

/** Keys are visible text: no control characters (they end up in Redis keys and log lines). */
export function assertCounterKey(key: string): void {
  if (key.length === 0 || key.length > maxKeyLength || /\p{Cc}/u.test(key)) {
    throw new DomainError('bad_request', `a counter key must be 1–${maxKeyLength} characters without control characters`);
  }
}

/** Counts are whole numbers a JS number holds exactly (micros of spend included). */
export function assertCount(value: number, name: string, options: { allowNegative?: boolean } = {}): void {
  if (!Number.isSafeInteger(value) || (!options.allowNegative && value < 0)) {
    throw new DomainError('bad_request', `${name} must be a whole number${options.allowNegative ? '' : ' of 0 or more'}, got ${value}`);
  }
}

export function assertTtlSeconds(ttlSeconds: number): void {
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new DomainError('bad_request', `a TTL must be a whole number of seconds above 0, got ${ttlSeconds}`);
  }
}
