/**
 * Chooses the Counters adapter from config: Upstash Redis when `UPSTASH_REDIS_REST_URL` and
 * `UPSTASH_REDIS_REST_TOKEN` are set, else the `counters` and `flags` tables on the app's database.
 */
import type { Counters } from '../../../core/ports/counters';
import type { Db } from '../../../db/client';
import type { CountersConfig } from '../config';
import { createPostgresCounters } from './postgres-counters';
import { createUpstashCounters } from './upstash-counters';

export function createCounters(config: CountersConfig, options: { db: Db; now: () => Date; fetch?: typeof fetch }): { counters: Counters } {
  if (config.kind === 'upstash') {
    return { counters: createUpstashCounters({ url: config.url, token: config.token, fetch: options.fetch, now: options.now }) };
  }
  return { counters: createPostgresCounters({ db: options.db, now: options.now }) };
}
