/**
 * The part of `Services` the queue chain uses. The cron function, the ops routes, the tests and the
 * benchmark take this slice, so they keep compiling as `Services` grows (mailer, counters, blobs…).
 */
import type { Services } from '../services';

export type QueueServices = Pick<Services, 'config' | 'log' | 'database' | 'db' | 'queue' | 'deliveries' | 'now' | 'random'>;
