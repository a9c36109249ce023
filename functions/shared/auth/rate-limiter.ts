/**
 * A fixed-window rate limiter on the `counters` table (the embedded Counters store): one upsert per
 * check, atomic on both PGlite and PostgreSQL, so concurrent requests cannot both slip under the
 * limit. Rows carry `expires_at` for the cron sweep. When Upstash Redis lands as the Counters port,
 * this becomes a call to it; the rules and decisions (core/auth/rate-limit.ts) stay.
 */
import { sql } from 'drizzle-orm';
import { rateDecision, rateWindow, type RateDecision, type RateLimitRule } from '../../../core/auth/rate-limit';
import type { Db } from '../../../db/client';
import { counters } from '../../../db/schema/index';

export async function hitRateLimit(db: Db, rule: RateLimitRule, subject: string, now: Date): Promise<RateDecision> {
  const window = rateWindow(rule, subject, now);
  const [row] = await db
    .insert(counters)
    .values({ key: window.key, windowStart: window.windowStart, value: 1, expiresAt: window.resetAt })
    .onConflictDoUpdate({ target: [counters.key, counters.windowStart], set: { value: sql`${counters.value} + 1` } })
    .returning({ value: counters.value });
  return rateDecision(rule, window, Number(row?.value ?? 1), now);
}
