/**
 * `cron` function: the periodic housekeeping and the queue probe's handler.
 *
 * - `POST /fn/cron/tick` (signed delivery) and `runCronTick(services)` (the local server's timer; DO's
 *   scheduled trigger, through the DO wrapper): sweeps the outbox, prunes expired counters, wakes idle
 *   senders, sends 1:1 replies whose inline send died and, when a route runs on the sandbox, posts its due status callbacks to the signed webhooks
 *   (`deliverDueCallbacks`, the sandbox's stand-in for a provider calling back), and on PGlite vacuums the
 *   database every five minutes (`vacuumEmbedded`). Idempotent and cheap: a tick that
 *   finds nothing does one indexed query, and two overlapping ticks publish a row twice at worst,
 *   which its dedupe id turns into one delivery.
 * - `POST /fn/cron/scheduled`: DO's scheduled trigger (see do-adapter.ts `scheduledInvocation`).
 * - `POST /fn/cron` (signed delivery): queue messages addressed to `cron`, dispatched on the
 *   envelope's type (today `probe.step`). A message this code cannot read is a permanent failure:
 *   logged and answered 2xx, because a retry cannot fix it.
 */
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { queryRows } from '../../db/client';
import { probeStepMessage } from '../../core/queue/probe-step-message';
import type { AppEnv } from '../shared/app';
import { sweepOutbox, type PublishOutcome } from '../shared/queue/outbox';
import { handleProbeStep } from '../shared/queue/queue-probe';
import { scheduledInvocation } from '../shared/do-adapter';
import { droppedDelivery, readDelivery, verifyDelivery } from '../shared/queue/verify-delivery';
import { wakeDueSenders } from '../send/wake-due-senders';
import { conversationSenderDeps, sweepConversationReplies } from '../send/send-conversation';
import type { QueueServices } from '../shared/queue/queue-services';
import type { DeliverOutcome } from '../shared/sms/sandbox-callbacks';
import type { Services } from '../shared/services';

/** The queue slice, plus the SMS services when the caller has them (the sandbox's callbacks). */
export type CronServices = QueueServices & Partial<Pick<Services, 'sms' | 'counters'>>;

/** Rows younger than this are being published by the handler that staged them. */
const sweepAfterSeconds = 10;

export async function runCronTick(
  services: CronServices,
): Promise<{
  ok: true;
  outbox: PublishOutcome;
  expiredCounters: number;
  sendersWoken: number;
  replies: Awaited<ReturnType<typeof sweepConversationReplies>> | null;
  sandboxCallbacks: DeliverOutcome | null;
  vacuumed: boolean;
}> {
  const outbox = await sweepOutbox(services.db, services.queue, { olderThanSeconds: sweepAfterSeconds, log: services.log, now: services.now });
  if (outbox.published > 0 || outbox.failed > 0) services.log.info('cron tick: outbox swept', { ...outbox });
  const expiredCounters = await pruneExpiredCounters(services);
  // The send chain's safety net: idle tenants with due jobs get a wake-up (functions/send/wake-due-senders.ts).
  const sendersWoken = await wakeDueSenders(services);
  // 1:1 replies whose inline send died with its request (functions/send/send-conversation.ts).
  const { sms, counters } = services;
  const replies = sms === undefined || counters === undefined ? null : await sweepConversationReplies(conversationSenderDeps({ ...services, sms, counters }));
  if (replies !== null && replies.sent + replies.expired + replies.other > 0) services.log.info('cron tick: unsent replies swept', { ...replies });
  // The sandbox's "provider calling back": signed callbacks to /api/webhooks/*, like the real ones.
  const sandboxCallbacks = (await services.sms?.sandbox?.deliverDueCallbacks()) ?? null;
  if (sandboxCallbacks !== null && (sandboxCallbacks.delivered > 0 || sandboxCallbacks.failed > 0)) services.log.info('cron tick: sandbox status callbacks posted', { ...sandboxCallbacks });
  const vacuumed = await vacuumEmbedded(services);
  return { ok: true, outbox, expiredCounters, sendersWoken, replies, sandboxCallbacks, vacuumed };
}

/** How often the embedded database is vacuumed (see `vacuumEmbedded`). */
export const embeddedVacuumEveryMs = 5 * 60_000;
const lastVacuum = new WeakMap<object, number>();

/**
 * PGlite runs single-user, so nothing vacuums it: every send leaves dead job versions and index entries
 * behind (three updates a job), and the planner keeps the statistics of the table as it was before a big
 * enqueue or import. A long campaign then slowed down batch by batch. This does autovacuum's work here,
 * at most every five minutes: `VACUUM (ANALYZE)` of the whole database, which skips pages that have not
 * changed since the last one (seconds once after a million-row import, tens of milliseconds after).
 * PostgreSQL has autovacuum and is left to it.
 */
async function vacuumEmbedded(services: QueueServices): Promise<boolean> {
  if (services.database.kind !== 'pglite') return false;
  const now = services.now().getTime();
  const last = lastVacuum.get(services.database);
  if (last !== undefined && now - last < embeddedVacuumEveryMs) return false;
  lastVacuum.set(services.database, now);
  const started = performance.now();
  await services.db.execute(sql`vacuum (analyze)`);
  services.log.info('cron tick: embedded database vacuumed', { ms: Math.round(performance.now() - started) });
  return true;
}

/**
 * Windowed counters and flags on the embedded Counters store expire like Redis keys would: a window
 * nobody reads again is deleted here (indexed on expires_at), so the table stays the size of the
 * live windows.
 */
async function pruneExpiredCounters(services: QueueServices): Promise<number> {
  const now = services.now().toISOString();
  const [row] = await queryRows<{ n: number }>(
    services.db,
    sql`with c as (delete from counters where expires_at < ${now}::timestamptz returning 1),
             f as (delete from flags where expires_at < ${now}::timestamptz returning 1)
        select ((select count(*) from c) + (select count(*) from f))::int as n`,
  );
  return row?.n ?? 0;
}

export function cronRoutes(services: CronServices): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const verified = verifyDelivery(services.deliveries, services.config.publicUrl);

  routes.post('/tick', verified, async (c) => c.json(await runCronTick(services)));

  // DO's scheduled trigger carries no signature; the DO wrapper marks it with a header that it strips
  // from every web request (and so does the local server), so only the platform can set it.
  routes.post(scheduledInvocation.path, async (c) => {
    if (c.req.header(scheduledInvocation.header) !== '1') {
      return c.json({ error: { code: 'invalid_signature', message: 'Only the scheduled trigger may call this.' } }, 401);
    }
    return c.json(await runCronTick(services));
  });

  routes.post('/', verified, async (c) => {
    const delivery = c.get('delivery');
    const log = c.get('log').child({ messageId: delivery.messageId, retried: delivery.retried });
    const probeStep = readDelivery(delivery, probeStepMessage, log, 'cron');
    if (probeStep === undefined) return c.json(droppedDelivery);
    const outcome = await handleProbeStep({ ...services, log }, probeStep);
    if (outcome === 'unknown_probe') log.warn('probe step for an unknown probe, dropped', { ...probeStep });
    return c.json({ ok: true, outcome });
  });

  return routes;
}
