/** The Counters adapter the environment chooses. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../db/client';
import { openTestDatabase } from '../../../db/testing';
import { parseConfig } from '../config';
import { createCounters } from './create-counters';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

describe('createCounters', () => {
  it('uses the database tables without Upstash keys, Upstash with them', () => {
    expect(createCounters(parseConfig({}).counters, { db: database.db, now: () => new Date() }).counters.kind).toBe('postgres');
    const config = parseConfig({ UPSTASH_REDIS_REST_URL: 'https://eu1-example.upstash.io', UPSTASH_REDIS_REST_TOKEN: 'token' });
    expect(createCounters(config.counters, { db: database.db, now: () => new Date() }).counters.kind).toBe('upstash');
  });
});
