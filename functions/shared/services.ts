/**
 * What a handler may use: built once per process by the composition root (compose.ts) and handed to
 * every function's routes. Tests build their own with real adapters on a throw-away database.
 */
import type { Database, Db } from '../../db/client';
import type { Alerts } from '../../core/ports/alerts';
import type { BlobStore } from '../../core/ports/blob-store';
import type { Counters } from '../../core/ports/counters';
import type { Mailer } from '../../core/ports/mailer';
import type { DeliveryVerifier, Queue } from '../../core/ports/queue';
import type { LocalUploadReceiver } from './blobs/local-blob-store';
import type { Config } from './config';
import type { Logger } from './log';
import type { DevMailbox } from './mail/dev-mailbox';
import type { SmsServices } from './sms/create-sms';

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
  /** Uploaded files (Spaces through S3, or the local folder). */
  blobs: BlobStore;
  /** The local folder's presigned-upload receiver; undefined on S3. */
  blobUploads: LocalUploadReceiver | undefined;
  /** Rate limits, spend caps, pause flags, alert de-duplication (Upstash Redis, or Postgres tables). */
  counters: Counters;
  /** Near/at a spend cap, pauses, error spikes, auto-pauses: the log, plus a webhook and email when configured. De-duplicated per window. */
  alerts: Alerts;
  /** The SMS route senders (bulk: SignalHouse or sandbox; 1:1: Twilio or sandbox) and the sandbox's hooks. */
  sms: SmsServices;
};
