/**
 * One behaviour suite, two adapters: the Counters port on PostgreSQL (PGlite, or the real server when
 * DATABASE_URL is set) and on Upstash Redis (the real Redis on 127.0.0.1:6379 behind a local endpoint
 * that speaks Upstash's REST API). Time moves with a fake clock; on Redis, whose TTLs run on Redis's own
 * clock, `advance` also shortens the live TTLs of the test's keys by the same amount.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../../core/errors';
import type { Counters } from '../../../core/ports/counters';
import type { Database } from '../../../db/client';
import { openTestDatabase } from '../../../db/testing';
import { createPostgresCounters } from './postgres-counters';
import { startUpstashRestProxy, type UpstashRestProxy } from './test-support/upstash-rest-proxy';
import { createUpstashCounters } from './upstash-counters';

type Clock = { now(): Date; advance(ms: number): void };

function fakeClock(startIso: string): Clock {
  let t = Date.parse(startIso);
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

type Harness = {
  counters: Counters;
  /** Moves time forward for the adapter: its clock, and on Redis the remaining TTLs. */
  advance(ms: number): Promise<void>;
};

type AdapterSetup = {
  name: 'postgres' | 'upstash';
  open(): Promise<void>;
  /** A fresh harness per test: its own clock and nothing counted yet. */
  harness(): Promise<Harness>;
  close(): Promise<void>;
};

const start = '2026-03-02T10:00:30.000Z';

function postgresSetup(): AdapterSetup {
  let database: Database | undefined;
  return {
    name: 'postgres',
    async open() {
      database = await openTestDatabase();
    },
    async harness() {
      if (!database) throw new Error('not open');
      // One database per file, tests one after another: each starts from empty tables.
      await database.db.execute(sql`delete from counters`);
      await database.db.execute(sql`delete from flags`);
      const clock = fakeClock(start);
      return {
        counters: createPostgresCounters({ db: database.db, now: clock.now }),
        advance: async (ms) => clock.advance(ms),
      };
    },
    async close() {
      await database?.close();
    },
  };
}

function upstashSetup(): AdapterSetup {
  let proxy: UpstashRestProxy | undefined;
  return {
    name: 'upstash',
    async open() {
      proxy = await startUpstashRestProxy();
    },
    async harness() {
      if (!proxy) throw new Error('not open');
      const redis = proxy.redis;
      const clock = fakeClock(start);
      // A prefix per test: other test runs may share this Redis.
      const prefix = `rrtest:${randomBytes(6).toString('hex')}:`;
      return {
        counters: createUpstashCounters({ url: proxy.url, token: proxy.token, now: clock.now, prefix }),
        async advance(ms) {
          clock.advance(ms);
          const keys = await redis.keys(`${prefix}*`);
          for (const key of keys) {
            const ttl = await redis.pttl(key);
            if (ttl < 0) continue;
            if (ttl <= ms) await redis.del(key);
            else await redis.pexpire(key, ttl - ms);
          }
        },
      };
    },
    async close() {
      if (!proxy) return;
      const keys = await proxy.redis.keys('rrtest:*');
      if (keys.length > 0) await proxy.redis.del(...keys);
      await proxy.close();
    },
  };
}

describe.each([postgresSetup(), upstashSetup()])('Counters on $name', (setup) => {
  let h: Harness;
  beforeAll(() => setup.open());
  afterAll(() => setup.close());
  beforeEach(async () => {
    h = await setup.harness();
  });

  describe('windowed counts', () => {
    it('counts within a fixed window and starts again in the next one', async () => {
      expect(await h.counters.incrementWindow('rate:ten_a:minute', 60)).toBe(1);
      expect(await h.counters.incrementWindow('rate:ten_a:minute', 60, 4)).toBe(5);
      expect(await h.counters.readWindow('rate:ten_a:minute', 60)).toBe(5);
      expect(await h.counters.readWindow('rate:ten_b:minute', 60)).toBe(0);

      await h.advance(29_000); // 10:00:59: the same minute
      expect(await h.counters.incrementWindow('rate:ten_a:minute', 60)).toBe(6);
      await h.advance(1_000); // 10:01:00: a new minute
      expect(await h.counters.readWindow('rate:ten_a:minute', 60)).toBe(0);
      expect(await h.counters.incrementWindow('rate:ten_a:minute', 60)).toBe(1);
    });

    it('counts an explicit period (a local day) as one window, whatever the clock says inside it', async () => {
      // Sydney's 2 March 2026 (UTC+11): 1 March 13:00 UTC to 2 March 13:00 UTC.
      const day = { start: new Date('2026-03-01T13:00:00.000Z'), end: new Date('2026-03-02T13:00:00.000Z') };
      expect(await h.counters.incrementWindow('spend:ten_a:day', day, 7_900)).toBe(7_900);
      await h.advance(2 * 3_600_000);
      expect(await h.counters.incrementWindow('spend:ten_a:day', day, 7_900)).toBe(15_800);
      const nextDay = { start: day.end, end: new Date('2026-03-03T13:00:00.000Z') };
      expect(await h.counters.readWindow('spend:ten_a:day', nextDay)).toBe(0);
    });

    it('gives back what a failed attempt took (a negative increment)', async () => {
      await h.counters.incrementWindow('spend:ten_a:day', 86_400, 15_800);
      expect(await h.counters.incrementWindow('spend:ten_a:day', 86_400, -7_900)).toBe(7_900);
    });

    it('holds micros beyond 32 bits exactly', async () => {
      expect(await h.counters.incrementWindow('spend:ten_a:month', 2_592_000, 4_000_000_000_123)).toBe(4_000_000_000_123);
    });
  });

  describe('tryConsume: the cap', () => {
    it('adds while the count stays at or under the limit, then refuses without adding', async () => {
      const key = 'rate:num_a:minute';
      expect(await h.counters.tryConsume(key, 60, 4, 10)).toEqual({ allowed: true, value: 4, resetAt: new Date('2026-03-02T10:01:00.000Z') });
      expect(await h.counters.tryConsume(key, 60, 6, 10)).toMatchObject({ allowed: true, value: 10 });
      expect(await h.counters.tryConsume(key, 60, 1, 10)).toMatchObject({ allowed: false, value: 10 });
      expect(await h.counters.tryConsume(key, 60, 0, 10)).toMatchObject({ allowed: true, value: 10 });
      expect(await h.counters.readWindow(key, 60)).toBe(10);
      await h.advance(30_000);
      expect(await h.counters.tryConsume(key, 60, 1, 10)).toEqual({ allowed: true, value: 1, resetAt: new Date('2026-03-02T10:02:00.000Z') });
    });

    it('refuses an amount larger than the whole limit, and stores nothing for it', async () => {
      expect(await h.counters.tryConsume('spend:ten_a:day', 86_400, 50_000, 40_000)).toMatchObject({ allowed: false, value: 0 });
      expect(await h.counters.readWindow('spend:ten_a:day', 86_400)).toBe(0);
      expect(await h.counters.tryConsume('spend:ten_a:day', 86_400, 40_000, 40_000)).toMatchObject({ allowed: true, value: 40_000 });
    });

    it('never lets parallel callers pass the limit together', async () => {
      const attempts = await Promise.all(Array.from({ length: 40 }, () => h.counters.tryConsume('rate:ten_a:minute', 60, 1, 25)));
      expect(attempts.filter((a) => a.allowed)).toHaveLength(25);
      expect(await h.counters.readWindow('rate:ten_a:minute', 60)).toBe(25);

      // Spend: 7,900 micros a part against a $0.10 cap → 12 parts fit (94,800), the 13th would pass it.
      const spends = await Promise.all(Array.from({ length: 20 }, () => h.counters.tryConsume('spend:ten_a:day', 86_400, 7_900, 100_000)));
      expect(spends.filter((a) => a.allowed)).toHaveLength(12);
      expect(await h.counters.readWindow('spend:ten_a:day', 86_400)).toBe(94_800);
    });
  });

  describe('flags', () => {
    it('sets, reads back exactly, replaces and clears a flag', async () => {
      expect(await h.counters.getFlag('pause:ten_a')).toBeNull();
      await h.counters.setFlag('pause:ten_a', '1');
      expect(await h.counters.getFlag('pause:ten_a')).toBe('1');
      await h.counters.setFlag('pause:ten_a', '{"since":"2026-03-02T10:00:30.000Z"}');
      expect(await h.counters.getFlag('pause:ten_a')).toBe('{"since":"2026-03-02T10:00:30.000Z"}');
      await h.counters.clearFlag('pause:ten_a');
      expect(await h.counters.getFlag('pause:ten_a')).toBeNull();
      await h.counters.clearFlag('pause:ten_a'); // clearing nothing is fine
    });

    it('expires a flag after its TTL; a flag set again without a TTL no longer expires', async () => {
      await h.counters.setFlag('breaker:ten_a', 'open', 60);
      await h.advance(59_000);
      expect(await h.counters.getFlag('breaker:ten_a')).toBe('open');
      await h.advance(2_000);
      expect(await h.counters.getFlag('breaker:ten_a')).toBeNull();

      await h.counters.setFlag('pause:ten_a', 'paused', 60);
      await h.counters.setFlag('pause:ten_a', 'paused');
      await h.advance(7 * 86_400_000);
      expect(await h.counters.getFlag('pause:ten_a')).toBe('paused');
    });
  });

  describe('setIfAbsent: once per window', () => {
    it('is true for the first caller only, until the flag expires', async () => {
      expect(await h.counters.setIfAbsent('alert:ten_a:budget-80', 3_600)).toBe(true);
      expect(await h.counters.setIfAbsent('alert:ten_a:budget-80', 3_600)).toBe(false);
      expect(await h.counters.getFlag('alert:ten_a:budget-80')).toBe('1');
      await h.advance(3_601_000);
      expect(await h.counters.setIfAbsent('alert:ten_a:budget-80', 3_600, 'again')).toBe(true);
      expect(await h.counters.getFlag('alert:ten_a:budget-80')).toBe('again');
    });

    it('loses to a flag that never expires', async () => {
      await h.counters.setFlag('alert:ten_a:paused', 'manual');
      expect(await h.counters.setIfAbsent('alert:ten_a:paused', 60)).toBe(false);
      expect(await h.counters.getFlag('alert:ten_a:paused')).toBe('manual');
    });

    it('lets exactly one of many parallel callers win', async () => {
      const wins = await Promise.all(Array.from({ length: 12 }, () => h.counters.setIfAbsent('alert:ten_a:spike', 600)));
      expect(wins.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('refuses malformed calls before touching the store', () => {
    it.each([
      ['an empty key', (c: Counters) => c.incrementWindow('', 60)],
      ['a key with a newline', (c: Counters) => c.getFlag('pause:\nten_a')],
      ['a zero-length window', (c: Counters) => c.incrementWindow('k', 0)],
      ['a fractional window', (c: Counters) => c.readWindow('k', 1.5)],
      ['a period that ends before it starts', (c: Counters) => c.readWindow('k', { start: new Date('2026-03-02'), end: new Date('2026-03-01') })],
      ['a negative amount', (c: Counters) => c.tryConsume('k', 60, -1, 10)],
      ['a fractional amount', (c: Counters) => c.tryConsume('k', 60, 0.5, 10)],
      ['a negative limit', (c: Counters) => c.tryConsume('k', 60, 1, -1)],
      ['a zero TTL', (c: Counters) => c.setIfAbsent('k', 0)],
      ['a fractional TTL', (c: Counters) => c.setFlag('k', 'v', 0.5)],
    ])('%s', async (_name, call) => {
      await expect(call(h.counters)).rejects.toSatisfy((e) => e instanceof DomainError && e.code === 'bad_request');
    });
  });
});
