/**
 * `send` function: the Broadcaster's second half. Each signed queue delivery (`POST /fn/send`) carries
 * one `send.batch` wake-up: the sender claims a small batch of the tenant's due campaign jobs, takes
 * each through the gates to the provider exactly once, and stages its own next wake-up
 * (send-batch.ts). Answers: 2xx when the batch ran, or for a message it cannot read (logged; a retry
 * cannot fix it); 5xx only for what a retry can fix (the database unavailable).
 */
import { Hono } from 'hono';
import { sendBatchMessage } from '../../core/queue/send-batch-message';
import type { AppEnv } from '../shared/app';
import { droppedDelivery, readDelivery, verifyDelivery } from '../shared/queue/verify-delivery';
import type { Services } from '../shared/services';
import { sendBatch, type SenderDeps } from './send-batch';

export type SendServices = Pick<Services, 'config' | 'db' | 'queue' | 'deliveries' | 'counters' | 'alerts' | 'sms' | 'log' | 'now' | 'random'>;

export function senderDeps(services: Omit<SendServices, 'deliveries'>, options: Pick<SenderDeps, 'batchSize' | 'sendingLeaseMs' | 'alerting'> = {}): SenderDeps {
  return {
    db: services.db,
    queue: services.queue,
    counters: services.counters,
    alerts: services.alerts,
    bulk: services.sms.bulk,
    log: services.log,
    now: services.now,
    random: services.random,
    publicUrl: services.config.publicUrl,
    edgePublicUrl: services.config.edgePublicUrl,
    ...options,
  };
}

export function sendRoutes(services: SendServices): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const deps = senderDeps(services);
  const verified = verifyDelivery(services.deliveries, services.config.publicUrl);

  routes.post('/', verified, async (c) => {
    const delivery = c.get('delivery');
    const log = c.get('log').child({ messageId: delivery.messageId, retried: delivery.retried });
    const wake = readDelivery(delivery, sendBatchMessage, log, 'send');
    if (wake === undefined) return c.json(droppedDelivery);
    const outcome = await sendBatch({ ...deps, log: log.child({ tenantId: wake.tenantId, campaignId: wake.campaignId }) }, wake);
    if (outcome.claimed > 0) log.info('send batch', { ...outcome, reason: wake.reason });
    return c.json({ ok: true, ...outcome });
  });

  return routes;
}
