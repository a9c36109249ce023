/**
 * The Counters port on PostgreSQL (and PGlite): the embedded default, on the `counters` and `flags`
 * tables (db/schema/counters.ts). Every operation is one statement, so it is atomic on its own:
 *
 * - a window's count is one row keyed (key, window_start), created or bumped by one upsert;
 * - `tryConsume` inserts or bumps only under the cap (`INSERT … SELECT … WHERE amount <= limit ON
 *   CONFLICT DO UPDATE … WHERE value + amount <= limit`). Concurrent upserts on one row queue on its
 *   row lock and each re-checks the cap against the latest committed value, so parallel callers together
 *   never pass it;
 * - an expired flag is ignored by reads and overwritten by writes, so correctness never waits for the
 *   cron prune (which only keeps the tables small).
 *
 * Times come from the injected clock, on both the windows and the expiries.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import {
  assertCount,
  assertCounterKey,
  assertTtlSeconds,
  resolveWindow,
  type ConsumeResult,
  type CounterWindow,
  type Counters,
} from '../../../core/ports/counters';
import { queryRows, type Db } from '../../../db/client';

export type PostgresCountersOptions = {
  db: Db;
  now: () => Date;
};

// int8 arrives as a number on both drivers (db/client.ts); a BigInt would mean a count past 2^53.
const countRow = z.object({ value: z.number() });
const consumeRow = z.object({ consumed: z.number().nullable() });
const flagRow = z.object({ value: z.string() });

export function createPostgresCounters(options: PostgresCountersOptions): Counters {
  const { db } = options;

  async function readWindow(key: string, window: CounterWindow): Promise<number> {
    assertCounterKey(key);
    const { start } = resolveWindow(window, options.now());
    const rows = await queryRows(db, sql`select value from counters where key = ${key} and window_start = ${start.toISOString()}::timestamptz`);
    return rows.length === 0 ? 0 : countRow.parse(rows[0]).value;
  }

  return {
    kind: 'postgres',

    async incrementWindow(key, window, by = 1) {
      assertCounterKey(key);
      assertCount(by, 'by', { allowNegative: true });
      const { start, end } = resolveWindow(window, options.now());
      const rows = await queryRows(
        db,
        sql`insert into counters as c (key, window_start, value, expires_at)
            values (${key}, ${start.toISOString()}::timestamptz, ${by}::bigint, ${end.toISOString()}::timestamptz)
            on conflict (key, window_start) do update set value = c.value + excluded.value
            returning c.value`,
      );
      return countRow.parse(rows[0]).value;
    },

    readWindow,

    async tryConsume(key, window, amount, limit): Promise<ConsumeResult> {
      assertCounterKey(key);
      assertCount(amount, 'amount');
      assertCount(limit, 'limit');
      const { start, end } = resolveWindow(window, options.now());
      const rows = await queryRows(
        db,
        sql`with attempt as (
              insert into counters as c (key, window_start, value, expires_at)
              select ${key}, ${start.toISOString()}::timestamptz, ${amount}::bigint, ${end.toISOString()}::timestamptz
               where ${amount}::bigint <= ${limit}::bigint
              on conflict (key, window_start) do update set value = c.value + excluded.value
               where c.value + excluded.value <= ${limit}::bigint
              returning c.value
            )
            select (select value from attempt) as consumed`,
      );
      const consumed = consumeRow.parse(rows[0]).consumed;
      if (consumed !== null) return { allowed: true, value: consumed, resetAt: end };
      // Refused: the decision above was atomic; this read only reports where the count stands.
      return { allowed: false, value: await readWindow(key, { start, end }), resetAt: end };
    },

    async setFlag(key, value, ttlSeconds) {
      assertCounterKey(key);
      if (ttlSeconds !== undefined) assertTtlSeconds(ttlSeconds);
      const now = options.now();
      const expiresAt = ttlSeconds === undefined ? null : new Date(now.getTime() + ttlSeconds * 1000).toISOString();
      await queryRows(
        db,
        sql`insert into flags (key, value, updated_at, expires_at)
            values (${key}, ${value}, ${now.toISOString()}::timestamptz, ${expiresAt}::timestamptz)
            on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
      );
    },

    async getFlag(key) {
      assertCounterKey(key);
      const rows = await queryRows(
        db,
        sql`select value from flags where key = ${key} and (expires_at is null or expires_at > ${options.now().toISOString()}::timestamptz)`,
      );
      return rows.length === 0 ? null : flagRow.parse(rows[0]).value;
    },

    async clearFlag(key) {
      assertCounterKey(key);
      await queryRows(db, sql`delete from flags where key = ${key}`);
    },

    async setIfAbsent(key, ttlSeconds, value = '1') {
      assertCounterKey(key);
      assertTtlSeconds(ttlSeconds);
      const now = options.now();
      const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
      // Only an expired flag may be overwritten; a live one (expiring or not) makes this call lose.
      const rows = await queryRows(
        db,
        sql`insert into flags as f (key, value, updated_at, expires_at)
            values (${key}, ${value}, ${now.toISOString()}::timestamptz, ${expiresAt}::timestamptz)
            on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at, expires_at = excluded.expires_at
             where f.expires_at is not null and f.expires_at <= ${now.toISOString()}::timestamptz
            returning f.key`,
      );
      return rows.length > 0;
    },
  };
}
