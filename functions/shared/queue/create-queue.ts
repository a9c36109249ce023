/**
 * Chooses the queue adapter from config (the composition root calls this once): QStash when its keys
 * are set, the local relay otherwise. Either way the caller gets a `Queue` to publish with and a
 * `DeliveryVerifier` for incoming deliveries; the relay is returned so the local server can start it
 * and stop it on Ctrl-C.
 */
import type { DeliveryVerifier, Queue } from '../../../core/ports/queue';
import type { Db } from '../../../db/client';
import type { Config } from '../config';
import type { Logger } from '../log';
import { createDeliveryVerifier } from './delivery-verifier';
import { createLocalQueue } from './local-queue';
import { createLocalRelay, type LocalRelay, type LocalRelayOptions } from './local-relay';
import { loadLocalSigningKeys } from './local-signing-keys';
import { createQStashQueue } from './qstash';

export type { LocalRelay };

export type QueueDeps = {
  db: Db;
  publicUrl: string;
  /** Where local state lives; the relay's keys file path comes from config (DATA_DIR/queue-keys.json). */
  dataDir: string;
  log: Logger;
  fetch?: typeof fetch;
  now?: () => Date;
  /** Tuning of the local relay (tests, the benchmark); ignored on QStash. */
  relay?: Partial<Omit<LocalRelayOptions, 'db' | 'keys' | 'log' | 'fetch' | 'now'>>;
};

export async function createQueue(
  config: Config['queue'],
  deps: QueueDeps,
): Promise<{ queue: Queue; deliveries: DeliveryVerifier; relay: LocalRelay | undefined }> {
  const log = deps.log.child({ component: 'queue' });
  if (config.kind === 'qstash') {
    return {
      queue: createQStashQueue({ baseUrl: config.baseUrl, token: config.token, publicUrl: deps.publicUrl, fetch: deps.fetch }),
      deliveries: createDeliveryVerifier({ currentSigningKey: config.currentSigningKey, nextSigningKey: config.nextSigningKey }, { log }),
      relay: undefined,
    };
  }
  const keys = await loadLocalSigningKeys(config.keysFile);
  const relay = createLocalRelay({ ...deps.relay, db: deps.db, keys, log, fetch: deps.fetch, now: deps.now });
  const queue = createLocalQueue({ db: deps.db, publicUrl: deps.publicUrl, now: deps.now, onPublished: () => relay.wake() });
  return { queue, deliveries: createDeliveryVerifier(keys, { log }), relay };
}
