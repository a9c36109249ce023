/**
 * What a handler may use: built once per process by the composition root (compose.ts) and handed to
 * every function's routes. Tests build their own with real adapters on a throw-away database.
 */
import type { Database, Db } from '../../db/client';
import type { Mailer } from '../../core/ports/mailer';
import type { DeliveryVerifier, Queue } from '../../core/ports/queue';
import type { Config } from './config';
import type { Logger } from './log';
import type { DevMailbox } from './mail/dev-mailbox';

export type Clock = () => Date;
export type RandomBytes = (length: number) => Uint8Array;

export type Services = {
  config: Config;
  log: Logger;
  database: Database;
  db: Db;
  queue: Queue;
  /** Checks `Upstash-Signature` on deliveries to queue-driven functions. */
  deliveries: DeliveryVerifier;
  now: Clock;
  random: RandomBytes;
  /** Magic links and invites (Postmark, or the dev mailbox in local mode). */
  mailer: Mailer;
  /** The same object as `mailer` when it is the dev mailbox (local mode); undefined otherwise. */
  devMailbox: DevMailbox | undefined;
};
