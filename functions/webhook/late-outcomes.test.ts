/**
 * Outcomes that arrive after the send, through the signed webhook, count towards a campaign's
 * auto-pause rates: a delivery failure (SignalHouse `MESSAGE_FAILED`, as the sandbox imitates it) and a
 * STOP answering a campaign message. The campaign was sent by the real sender (100 messages: the
 * product's minimum sample), and alerts go through the composition root's Alerts service to a local
 * receiver, so "one alert" is what a person would get.
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertWebhookBodySchema, type AlertBody } from '../../core/alerts/alert';
import { queryRows } from '../../db/client';
import { auditLog, campaigns, doNotContact, sendJobs } from '../../db/schema/index';
import { seedContacts } from '../enqueue/testing/broadcaster-fixtures';
import { senderDeps } from '../send/index';
import { sendBatch } from '../send/send-batch';
import { startAlertReceiver, type AlertReceiver } from '../shared/alerts/test-support/alert-receiver';
import { advanceToSendingHours, queueCampaign, startWebhookHarness, type WebhookHarness } from './testing/webhook-harness';

let h: WebhookHarness;
let receiver: AlertReceiver;
beforeAll(async () => {
  receiver = await startAlertReceiver();
  h = await startWebhookHarness({ env: { ALERT_WEBHOOK_URL: `${receiver.url}/hooks/alerts` } });
});
afterAll(async () => {
  await h.close();
  await receiver.close();
});

type Tenant = Awaited<ReturnType<WebhookHarness['newTenant']>>;
type SentJob = { id: string; toE164: string; providerMessageId: string };

const alertsFor = (tenantId: string): AlertBody[] =>
  receiver.received.map((r) => alertWebhookBodySchema.parse(r.body).alert).filter((a) => a.tenantId === tenantId);

/**
 * A campaign of 110 contacts: the first 100 sent (and left `sent`: no sandbox callback is posted), 10
 * still queued, so the campaign is `sending` and can be paused.
 */
async function sentCampaign(t: Tenant): Promise<{ campaignId: string; sent: SentJob[] }> {
  const first = await seedContacts(h.api.db, t.tenantId, 100);
  const { campaignId } = await queueCampaign(h, t, first);
  // Later queues get later job ids, so the sender claims the first 100 before these.
  h.api.advance(5);
  await seedContacts(h.api.db, t.tenantId, 10);
  const session = await h.api.login(t.adminEmail);
  const more = await h.api.request(`/api/campaigns/${campaignId}/queue`, { method: 'POST', as: session });
  if (more.status !== 202) throw new Error(await more.text());
  advanceToSendingHours(h);
  expect(await sendBatch(senderDeps(h.services, { batchSize: 100 }), { tenantId: t.tenantId, campaignId })).toMatchObject({ claimed: 100, sent: 100 });
  const rows = await h.api.db
    .select({ id: sendJobs.id, toE164: sendJobs.toE164, providerMessageId: sendJobs.providerMessageId })
    .from(sendJobs)
    .where(and(eq(sendJobs.campaignId, campaignId), eq(sendJobs.status, 'sent')));
  const sent = rows.flatMap((r) => (r.providerMessageId === null ? [] : [{ ...r, providerMessageId: r.providerMessageId }]));
  expect(sent).toHaveLength(100);
  return { campaignId, sent };
}

/** The SignalHouse status callback saying the message was not delivered, signed, with its delivery id. */
function failed(t: Tenant, job: SentJob, deliveryId: string) {
  const body = {
    timestamp: h.api.now().toISOString(),
    event: 'MESSAGE_FAILED',
    identifier: job.providerMessageId,
    metaData: { _id: job.providerMessageId, status: 'FAILED', errorCode: 'UNDELIVERED', failureReason: 'carrier', senderPhoneNumber: t.bulk.e164.slice(1), recipientPhoneNumber: job.toE164.slice(1), segmentCount: 1 },
  };
  return h.postSignalHouse(body, { deliveryId });
}

let sid = 0;
/** A text from `from` to the tenant's bulk number (the number the campaign was sent from). */
function text(t: Tenant, from: string, body: string, deliveryId = `in-${String(Date.now())}-${String(sid++)}`) {
  const messageId = `IN${deliveryId}`;
  return h.postSignalHouse(
    { timestamp: h.api.now().getTime(), event: 'MESSAGE_RECEIVED', identifier: messageId, metaData: { Message: { _id: messageId, senderPhoneNumber: from.slice(1), recipientPhoneNumber: t.bulk.e164.slice(1), messageBody: body } } },
    { deliveryId },
  );
}

const campaignOf = async (id: string) => (await h.api.db.select().from(campaigns).where(eq(campaigns.id, id)))[0];
const autoPauses = async (tenantId: string) => h.api.db.$count(auditLog, and(eq(auditLog.tenantId, tenantId), eq(auditLog.action, 'campaign.auto_pause')));
async function statusCounts(campaignId: string): Promise<Record<string, number>> {
  const rows = await queryRows<{ status: string; n: number }>(h.api.db, sql`select status, count(*)::int as n from send_jobs where campaign_id = ${campaignId} group by 1`);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

describe('delivery failures reported by status callbacks', () => {
  it('pause the campaign once they pass the tenant’s threshold, with one alert; replayed and repeated failures count once', async () => {
    // The tenant's failure threshold: 3 % of the product's minimum sample of 100 messages.
    const t = await h.newTenant({ autoPauseFailureRateBps: 300 });
    const { campaignId, sent } = await sentCampaign(t);
    const [a, b, c, d, e] = sent;
    if (a === undefined || b === undefined || c === undefined || d === undefined || e === undefined) throw new Error('too few jobs');

    for (const job of [a, b, c]) expect(await (await failed(t, job, `fail-${job.id}`)).json()).toEqual({ ok: true, outcome: 'processed' });
    // 3 of 100 is not past 3 %. Each failure again: the same delivery (a replay), and a second
    // `failed` callback with its own delivery id (processed, but the job was already failed).
    for (const job of [a, b, c]) {
      expect(await (await failed(t, job, `fail-${job.id}`)).json()).toEqual({ ok: true, outcome: 'replay' });
      expect(await (await failed(t, job, `fail-again-${job.id}`)).json()).toEqual({ ok: true, outcome: 'processed' });
    }
    expect((await campaignOf(campaignId))?.status).toBe('sending');
    expect(alertsFor(t.tenantId)).toEqual([]);

    // The fourth distinct failure: 4 of 100 is past 3 %.
    expect((await failed(t, d, `fail-${d.id}`)).status).toBe(200);
    expect(await campaignOf(campaignId)).toMatchObject({ status: 'paused', pausedReason: 'auto-paused: 4 of the last 100 messages failed (threshold 3 %)' });
    expect(alertsFor(t.tenantId)).toMatchObject([{ kind: 'campaign_auto_paused', campaignId, details: { reason: 'failure_rate', count: 4, sample: 100, thresholdBps: 300 } }]);
    expect(await autoPauses(t.tenantId)).toBe(1);

    // A later failure finds the campaign paused: counted, nothing more to do; the queued jobs wait.
    expect((await failed(t, e, `fail-${e.id}`)).status).toBe(200);
    expect(alertsFor(t.tenantId)).toHaveLength(1);
    expect(await statusCounts(campaignId)).toEqual({ sent: 95, failed: 5, queued: 10 });
  });
});

describe('STOP replies to a campaign message', () => {
  it('pause the campaign past the opt-out threshold; a second STOP, a replay or an ordinary reply does not count', async () => {
    const t = await h.newTenant({ autoPauseOptOutRateBps: 300 });
    const { campaignId, sent } = await sentCampaign(t);
    const [a, b, c, d, e] = sent;
    if (a === undefined || b === undefined || c === undefined || d === undefined || e === undefined) throw new Error('too few jobs');

    for (const job of [a, b, c]) expect((await text(t, job.toE164, 'STOP', `stop-${job.id}`)).status).toBe(200);
    // Not new opt-outs: the same delivery again, the same person texting STOP a second time;
    // not opt-outs at all: a reply that is not a keyword.
    expect(await (await text(t, a.toE164, 'STOP', `stop-${a.id}`)).json()).toEqual({ ok: true, outcome: 'replay' });
    expect((await text(t, b.toE164, 'Stop')).status).toBe(200);
    expect((await text(t, d.toE164, 'stop sending me deals')).status).toBe(200);
    expect((await campaignOf(campaignId))?.status).toBe('sending');
    expect(alertsFor(t.tenantId)).toEqual([]);

    // The fourth person: 4 of 100 opted out, past 3 %.
    expect((await text(t, d.toE164, 'UNSUBSCRIBE')).status).toBe(200);
    expect(await h.api.db.$count(doNotContact, eq(doNotContact.tenantId, t.tenantId))).toBe(4);
    expect(await campaignOf(campaignId)).toMatchObject({ status: 'paused', pausedReason: 'auto-paused: 4 of the last 100 recipients opted out (threshold 3 %)' });
    expect(alertsFor(t.tenantId)).toMatchObject([{ kind: 'campaign_auto_paused', campaignId, details: { reason: 'opt_out_rate', count: 4, sample: 100, thresholdBps: 300 } }]);
    expect(await autoPauses(t.tenantId)).toBe(1);

    expect((await text(t, e.toE164, 'STOP')).status).toBe(200);
    expect(alertsFor(t.tenantId)).toHaveLength(1);
  });
});
