/**
 * One verified provider callback, from storage to effect. The routes (index.ts) verify the signature
 * and read the wire format; this module does the rest, the same way for both providers:
 *
 * 1. **Tenant**: only from our number in the callback (the sender of a status update, the recipient of
 *    an inbound message), looked up in `sending_numbers`. An unknown number is logged, stored with a
 *    null tenant and acknowledged: never routed to some tenant.
 * 2. **Store** in `webhook_events` (primary key provider + event id). A callback whose row is already
 *    processed is a replay: answered 200, nothing changes. A row left unprocessed (the process died
 *    mid-way, or a reply had to wait for the provider) is processed again: every step below is
 *    idempotent.
 * 3. **Effect**, in one transaction with marking the row processed:
 *    - status → the send job found by (provider, provider message id) moves forward only
 *      (core/messages/status.ts `nextStatus`), with a `SENT` / `DELIVERED` / `FAILED` event keyed
 *      `<TYPE>:<job id>` (the sender writes `SENT:<job id>` too, so either writer's retry adds nothing);
 *    - inbound → the contact (created when the number is new to the tenant), an `INBOUND` event keyed
 *      `INBOUND:<provider>:<event id>`, the thread summary (`conversations`: unread + 1, last inbound),
 *      `REPLIED` when it answers a campaign message, and STOP / START effects (record-opt-out.ts) with
 *      `OPT_OUT` / `RESUBSCRIBE` events; then the answer (compliance-reply.ts), outside the transaction.
 * 4. **Late outcomes**, after that commit: a campaign job this callback moved to `failed`, or a STOP that
 *    put a number newly on the list in answer to a campaign message, counts towards that campaign's
 *    recent failure / opt-out rate, which may auto-pause it (functions/send/send-alerts.ts
 *    `afterLateOutcome`). Only the callback that made the change counts it (a replay, a second
 *    `failed` or a second STOP changes nothing, so counts nothing); an error there is logged and never
 *    changes the answer.
 * 5. **Lag**: `webhook_events.provider_time` → `processed_at` is the webhook lag the metrics read; the
 *    log line of each processed callback carries it as `lagMs`.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { newId } from '../../core/ids';
import { eventTypeFor, nextStatus } from '../../core/messages/status';
import { classifyInbound, decideInbound } from '../../core/webhooks/inbound-decision';
import { webhookLagMs, type InboundCallback, type ProviderCallback, type StatusCallback } from '../../core/webhooks/provider-callback';
import type { Db, Tx } from '../../db/client';
import { campaigns, contacts, conversations, events, sendingNumbers, sendJobs, tenants, webhookEvents, type SmsProviderName } from '../../db/schema/index';
import { afterLateOutcome } from '../send/send-alerts';
import type { Logger } from '../shared/log';
import { recordOptIn, recordOptOut } from '../shared/opt-out/record-opt-out';
import type { Services } from '../shared/services';
import { sendComplianceReply } from './compliance-reply';

export type WebhookServices = Pick<Services, 'config' | 'db' | 'log' | 'now' | 'random' | 'counters' | 'alerts' | 'sms'>;

export type CallbackSource = {
  /** The endpoint (and wire format) the callback arrived on. */
  provider: 'twilio' | 'signalhouse';
  /** `send_jobs.provider` of messages sent on this route: the provider itself, or `sandbox` standing in for it. */
  jobProvider: SmsProviderName;
};

export type CallbackOutcome =
  | 'processed'
  | 'replay'
  | 'unknown_number'
  | 'unknown_message'
  | 'tenant_mismatch'
  | 'unknown_event'
  | 'unreadable'
  | 'sender_not_a_phone';

export type ProcessResult = {
  outcome: CallbackOutcome;
  /** True when a retry of this callback can still do something (the provider was unavailable for a reply): answer 503. */
  retry: boolean;
};

type SendingNumber = typeof sendingNumbers.$inferSelect;

function storedKind(callback: ProviderCallback): string {
  if (callback.kind === 'status' || callback.kind === 'inbound') return callback.kind;
  return callback.kind === 'unknown' ? callback.label.slice(0, 200) : 'unreadable';
}

export async function processCallback(
  services: WebhookServices,
  source: CallbackSource,
  callback: ProviderCallback,
  payload: unknown,
  log: Logger,
  correlationId: string | null = null,
): Promise<ProcessResult> {
  const { db } = services;
  const receivedAt = services.now();
  const [number] = callback.ourNumber === null ? [] : await db.select().from(sendingNumbers).where(eq(sendingNumbers.e164, callback.ourNumber));
  const key = and(eq(webhookEvents.provider, source.provider), eq(webhookEvents.providerEventId, callback.eventId));

  const stored = await db
    .insert(webhookEvents)
    .values({ provider: source.provider, providerEventId: callback.eventId, tenantId: number?.tenantId ?? null, kind: storedKind(callback), payload, providerTime: callback.providerTime, receivedAt })
    .onConflictDoNothing()
    .returning({ id: webhookEvents.providerEventId });
  if (stored.length === 0) {
    const [existing] = await db.select({ processedAt: webhookEvents.processedAt }).from(webhookEvents).where(key);
    if (existing?.processedAt != null) return { outcome: 'replay', retry: false };
  }

  const markProcessed = async (handle: Db | Tx, error: string | null) => {
    const at = services.now();
    await handle.update(webhookEvents).set({ processedAt: at, error }).where(key);
    return at;
  };
  const done = async (outcome: CallbackOutcome, handle: Db | Tx = db): Promise<ProcessResult> => {
    const at = await markProcessed(handle, outcome === 'processed' ? null : outcome);
    log.info('webhook processed', { provider: source.provider, eventId: callback.eventId, kind: callback.kind, outcome, lagMs: webhookLagMs(callback.providerTime, at) });
    return { outcome, retry: false };
  };

  if (number === undefined) {
    log.warn('callback for a number no tenant owns: stored and acknowledged, not routed', { provider: source.provider, eventId: callback.eventId, number: callback.ourNumber });
    return done('unknown_number');
  }
  const tenantLog = log.child({ tenantId: number.tenantId });
  switch (callback.kind) {
    case 'status':
      return applyStatus(services, { source, callback, number, receivedAt, log: tenantLog, done });
    case 'inbound':
      return receiveInbound(services, { source, callback, number, receivedAt, log: tenantLog, done, correlationId });
    case 'unknown':
      tenantLog.warn('callback of a kind we do not act on: stored and acknowledged', { provider: source.provider, eventId: callback.eventId, label: callback.label });
      return done('unknown_event');
    case 'unreadable':
      tenantLog.warn('signed callback we cannot read: stored and acknowledged', { provider: source.provider, eventId: callback.eventId, label: callback.label });
      return done('unreadable');
  }
}

type StepInput<C> = {
  source: CallbackSource;
  callback: C;
  number: SendingNumber;
  receivedAt: Date;
  log: Logger;
  done: (outcome: CallbackOutcome, handle?: Db | Tx) => Promise<ProcessResult>;
};

/** A campaign's outcome reported after the send, to count once its callback has committed. */
type LateOutcome = { tenantId: string; campaignId: string; outcome: 'failed' | 'opted_out' };

async function applyStatus(services: WebhookServices, input: StepInput<StatusCallback>): Promise<ProcessResult> {
  const { callback, number, source, log } = input;
  const applied = await services.db.transaction(async (tx): Promise<{ result: ProcessResult; late: LateOutcome | null }> => {
    const [job] = await tx
      .select()
      .from(sendJobs)
      .where(and(eq(sendJobs.provider, source.jobProvider), eq(sendJobs.providerMessageId, callback.providerMessageId)))
      .for('update');
    if (job === undefined) {
      // A compliance reply (not a job), or a message sent before this system: nothing to move.
      log.info('status callback for a message that is not a send job', { providerMessageId: callback.providerMessageId, status: callback.rawStatus });
      return { result: await input.done('unknown_message', tx), late: null };
    }
    if (job.tenantId !== number.tenantId) {
      log.error('status callback: the job belongs to another tenant than the number it was sent from; ignored', { jobId: job.id, numberId: number.id });
      return { result: await input.done('tenant_mismatch', tx), late: null };
    }
    let late: LateOutcome | null = null;
    const next = nextStatus(job.status, callback.status);
    if (next !== job.status && (next === 'sent' || next === 'delivered' || next === 'failed')) {
      const at = callback.providerTime ?? input.receivedAt;
      const moved = await tx
        .update(sendJobs)
        .set({
          status: next,
          ...(next === 'sent' ? { sentAt: job.sentAt ?? at } : {}),
          ...(next === 'delivered' ? { deliveredAt: at, sentAt: job.sentAt ?? at } : {}),
          ...(next === 'failed' ? { failedAt: at, errorCode: callback.errorCode ?? callback.rawStatus, errorMessage: callback.errorMessage?.slice(0, 500) ?? null } : {}),
          ...(job.parts === null && callback.parts !== null ? { parts: callback.parts } : {}),
          updatedAt: services.now(),
        })
        // Fenced on the status read under the row lock: nothing else moves it meanwhile.
        .where(and(eq(sendJobs.id, job.id), eq(sendJobs.status, job.status)))
        .returning({ id: sendJobs.id });
      // `failed` is final: only the callback that moved the job there counts the failure.
      if (next === 'failed' && moved.length > 0 && job.kind === 'campaign' && job.campaignId !== null) late = { tenantId: job.tenantId, campaignId: job.campaignId, outcome: 'failed' };
      const type = eventTypeFor(next);
      await tx
        .insert(events)
        .values({
          id: newId('event', input.receivedAt.getTime(), services.random(10)),
          tenantId: job.tenantId,
          type,
          contactId: job.contactId,
          campaignId: job.campaignId,
          sendJobId: job.id,
          templateId: job.templateId,
          occurredAt: at,
          data: { provider: source.provider, providerMessageId: callback.providerMessageId, status: callback.rawStatus, errorCode: callback.errorCode, errorMessage: callback.errorMessage, source: 'callback' },
          correlationId: job.correlationId,
          dedupeKey: `${type}:${job.id}`,
        })
        .onConflictDoNothing();
    } else if (next === job.status && job.status !== callback.status) {
      log.info('status callback would not move the message forward; kept', { jobId: job.id, status: job.status, callback: callback.rawStatus });
    }
    return { result: await input.done('processed', tx), late };
  });
  if (applied.late !== null) await countLateOutcome(services, applied.late, log);
  return applied.result;
}

async function receiveInbound(services: WebhookServices, input: StepInput<InboundCallback> & { correlationId: string | null }): Promise<ProcessResult> {
  const { callback, number, source, log } = input;
  const { db } = services;
  const phone = callback.from;
  if (phone === null) {
    log.warn('inbound message from a sender that is not a phone number: stored, not threaded', { eventId: callback.eventId, from: callback.rawFrom });
    return input.done('sender_not_a_phone');
  }
  const [tenant] = await db.select().from(tenants).where(eq(tenants.id, number.tenantId));
  if (tenant === undefined) throw new Error(`sending number ${number.id} names a tenant that does not exist`);
  const at = callback.providerTime ?? input.receivedAt;
  const intent = classifyInbound(callback.body, tenant);
  const eventKey = `${source.provider}:${callback.eventId}`;

  const effects = await db.transaction(async (tx) => {
    // A number new to the tenant becomes a contact, so the thread has someone to belong to.
    await tx
      .insert(contacts)
      .values({ id: newId('contact', input.receivedAt.getTime(), services.random(10)), tenantId: tenant.id, phoneE164: phone })
      .onConflictDoNothing({ target: [contacts.tenantId, contacts.phoneE164] });
    const [contact] = await tx.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.tenantId, tenant.id), eq(contacts.phoneE164, phone)));
    if (contact === undefined) throw new Error('the contact just written cannot be read back');
    // The message this answers: the latest campaign message this number sent the contact.
    const [answered] = await tx
      .select({ id: sendJobs.id, campaignId: sendJobs.campaignId, templateId: sendJobs.templateId, correlationId: sendJobs.correlationId })
      .from(sendJobs)
      .where(and(eq(sendJobs.tenantId, tenant.id), eq(sendJobs.contactId, contact.id), eq(sendJobs.kind, 'campaign'), eq(sendJobs.sendingNumberId, number.id), inArray(sendJobs.status, ['sent', 'delivered'])))
      .orderBy(desc(sendJobs.sentAt), desc(sendJobs.id))
      .limit(1);
    const correlationId = answered?.correlationId ?? input.correlationId;
    const event = (type: 'INBOUND' | 'REPLIED' | 'OPT_OUT' | 'RESUBSCRIBE', data: Record<string, unknown>, withCampaign: boolean) =>
      tx
        .insert(events)
        .values({
          id: newId('event', input.receivedAt.getTime(), services.random(10)),
          tenantId: tenant.id,
          type,
          contactId: contact.id,
          campaignId: withCampaign ? (answered?.campaignId ?? null) : null,
          sendJobId: withCampaign ? (answered?.id ?? null) : null,
          templateId: withCampaign ? (answered?.templateId ?? null) : null,
          occurredAt: at,
          data,
          correlationId,
          dedupeKey: `${type}:${eventKey}`,
        })
        .onConflictDoNothing()
        .returning({ id: events.id });

    const inbound = await event(
      'INBOUND',
      {
        body: callback.body,
        from: phone,
        to: number.e164,
        provider: source.provider,
        providerMessageId: callback.providerMessageId,
        parts: callback.parts,
        sendingNumberId: number.id,
        intent,
        ...(answered === undefined ? {} : { inReplyTo: { sendJobId: answered.id, campaignId: answered.campaignId } }),
      },
      true,
    );
    if (inbound.length > 0) {
      await tx
        .insert(conversations)
        .values({ contactId: contact.id, tenantId: tenant.id, lastMessageAt: at, lastInboundAt: at, unreadCount: 1, updatedAt: input.receivedAt })
        .onConflictDoUpdate({
          target: conversations.contactId,
          set: {
            unreadCount: sql`${conversations.unreadCount} + 1`,
            lastInboundAt: sql`greatest(${conversations.lastInboundAt}, excluded.last_inbound_at)`,
            lastMessageAt: sql`greatest(${conversations.lastMessageAt}, excluded.last_message_at)`,
            updatedAt: input.receivedAt,
          },
        });
    }
    if (intent === null && answered !== undefined) {
      await event('REPLIED', { providerMessageId: callback.providerMessageId, body: callback.body }, true);
    }
    let subscribedAfterOptIn = true;
    let late: LateOutcome | null = null;
    if (intent === 'opt_out') {
      const result = await recordOptOut(tx, { tenantId: tenant.id, phoneE164: phone, contactId: contact.id, reason: `${callback.body.trim().slice(0, 40)} to ${number.e164} (${source.provider})`, at: input.receivedAt });
      // A second STOP from a number already on the list is not a new opt-out (the opt-out rate counts people).
      if (result.newlyOptedOut) await event('OPT_OUT', { source: 'keyword', keyword: callback.body.trim().slice(0, 40), provider: source.provider, to: number.e164, cancelledJobs: result.cancelledJobIds.length }, true);
      // The campaign it answers lost a recipient: counted towards its opt-out rate once this commits.
      if (result.newlyOptedOut && answered?.campaignId != null) late = { tenantId: tenant.id, campaignId: answered.campaignId, outcome: 'opted_out' };
      if (result.cancelledJobIds.length > 0) log.info('STOP cancelled queued jobs', { contactId: contact.id, jobs: result.cancelledJobIds.slice(0, 20), count: result.cancelledJobIds.length });
    } else if (intent === 'opt_in') {
      const result = await recordOptIn(tx, { tenantId: tenant.id, phoneE164: phone });
      if (result.lifted) await event('RESUBSCRIBE', { source: 'keyword', keyword: callback.body.trim().slice(0, 40), provider: source.provider, to: number.e164 }, true);
      if (result.stillBlockedBy !== null) log.info('START received, but a staff DNC entry still blocks the number', { contactId: contact.id, source: result.stillBlockedBy });
      subscribedAfterOptIn = result.stillBlockedBy === null;
    }
    const decision = decideInbound({ text: callback.body, tenant, providerConfirmsStop: number.providerSendsStopConfirmation, subscribedAfterOptIn });
    // Without an answer to send, the callback is complete with this commit.
    if (decision.reply === null) await input.done('processed', tx);
    return { contactId: contact.id, decision, correlationId, late };
  });

  // The confirmation goes out first (it is owed at once); the opt-out is counted whatever became of
  // it, since a retry of this callback finds the number already on the list and would not count it.
  try {
    const reply = effects.decision.reply;
    if (reply === null) return { outcome: 'processed', retry: false };
    const outcome = await sendComplianceReply(services, {
      number,
      to: phone,
      kind: reply.kind,
      body: reply.body,
      contactId: effects.contactId,
      claimKey: `sms-reply:${eventKey}`,
      inboundMessageId: callback.providerMessageId,
      correlationId: effects.correlationId,
      log,
    });
    if (outcome === 'retry_later') return { outcome: 'processed', retry: true };
    return await input.done('processed');
  } finally {
    if (effects.late !== null) await countLateOutcome(services, effects.late, log);
  }
}

/**
 * Counts a late failure or opt-out towards the campaign's auto-pause rates, with the tenant's and the
 * campaign's thresholds read in one query. A finished campaign has nothing left to pause and is not
 * counted. Runs after the callback's commit and never throws: the callback is recorded whatever
 * happens here, and a failure costs at most this one count (logged).
 */
async function countLateOutcome(services: WebhookServices, late: LateOutcome, log: Logger): Promise<void> {
  try {
    const [facts] = await services.db
      .select({
        tenant: { id: tenants.id, name: tenants.name, autoPauseFailureRateBps: tenants.autoPauseFailureRateBps, autoPauseOptOutRateBps: tenants.autoPauseOptOutRateBps },
        campaign: { id: campaigns.id, name: campaigns.name, autoPauseFailureRateBps: campaigns.autoPauseFailureRateBps, autoPauseOptOutRateBps: campaigns.autoPauseOptOutRateBps },
      })
      .from(campaigns)
      .innerJoin(tenants, eq(tenants.id, campaigns.tenantId))
      .where(and(eq(campaigns.tenantId, late.tenantId), eq(campaigns.id, late.campaignId), inArray(campaigns.status, ['queued', 'sending', 'paused'])));
    if (facts === undefined) return;
    const { db, counters, alerts, now, random } = services;
    await afterLateOutcome({ db, counters, alerts, now, random, log }, { ...facts, outcome: late.outcome });
  } catch (error) {
    log.error('a late outcome could not be counted towards the campaign’s auto-pause rates', { campaignId: late.campaignId, outcome: late.outcome, err: error });
  }
}
