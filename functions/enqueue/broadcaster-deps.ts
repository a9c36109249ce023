/**
 * What the Broadcaster's code needs (enqueue, campaign progress, prices, tenant pause and budgets):
 * the raw database for its set-based SQL, the queue for the send chain, and the clock. The API's
 * campaign, template and budget routes receive it the way the imports routes receive the Ingestor's:
 * every query in functions/enqueue takes the tenant id the route read from the session and carries it
 * in its WHERE clause, and every change a person makes is audited through the session's scope
 * (`scope.mutate(…, { within: tx })`) inside the same transaction.
 */
import type { Queue } from '../../core/ports/queue';
import type { Database, Db } from '../../db/client';
import type { Logger } from '../shared/log';
import type { Clock, RandomBytes, Services } from '../shared/services';

export type BroadcasterDeps = {
  db: Db;
  /** Which database `db` is (the embedded one is analyzed after a big enqueue: db/statistics.ts). */
  database: Pick<Database, 'db' | 'kind'>;
  queue: Queue;
  log: Logger;
  now: Clock;
  random: RandomBytes;
  /** The short-link origin: `{link}` in a preview stands for a link of this length. */
  edgePublicUrl: string;
};

export function broadcasterDeps(services: Pick<Services, 'db' | 'database' | 'queue' | 'log' | 'now' | 'random' | 'config'>): BroadcasterDeps {
  return { db: services.db, database: services.database, queue: services.queue, log: services.log, now: services.now, random: services.random, edgePublicUrl: services.config.edgePublicUrl };
}
