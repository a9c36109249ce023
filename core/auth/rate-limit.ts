/**
 * Fixed-window rate limits: the decisions only; the counting happens in a `counters` store (a
 * Postgres table now, Redis later). A fixed window lets a burst of up to twice the limit straddle a
 * window edge; for slowing down login-link floods that is plenty, and it costs one upsert per check.
 */
export type RateLimitRule = {
  /** Part of the counter key, e.g. `magic-link:email`. */
  name: string;
  limit: number;
  windowMs: number;
};

/**
 * Magic-link requests. Per address: enough for a person who mistyped or lost a mail a few times, too
 * few to bomb an inbox. Per client address: an office behind one NAT signs in many people at 9 am.
 */
export const magicLinkRules = {
  perEmail: { name: 'magic-link:email', limit: 5, windowMs: 15 * 60_000 },
  perIp: { name: 'magic-link:ip', limit: 30, windowMs: 15 * 60_000 },
} as const satisfies Record<string, RateLimitRule>;

export type RateWindow = { key: string; windowStart: Date; resetAt: Date };

export function rateWindow(rule: RateLimitRule, subject: string, now: Date): RateWindow {
  const start = Math.floor(now.getTime() / rule.windowMs) * rule.windowMs;
  return { key: `${rule.name}:${subject}`, windowStart: new Date(start), resetAt: new Date(start + rule.windowMs) };
}

export type RateDecision = { allowed: boolean; remaining: number; retryAfterSeconds: number };

/** `count` is the number of hits in the window including this one. */
export function rateDecision(rule: RateLimitRule, window: RateWindow, count: number, now: Date): RateDecision {
  const allowed = count <= rule.limit;
  return {
    allowed,
    remaining: Math.max(0, rule.limit - count),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((window.resetAt.getTime() - now.getTime()) / 1000)),
  };
}
