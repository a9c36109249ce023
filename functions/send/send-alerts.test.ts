/**
 * Alerts and auto-pause through the real sender: the API harness (PGlite or PostgreSQL, Postgres
 * counters, the sandbox provider and its magic numbers) with `ALERT_WEBHOOK_URL` pointing at a local
 * receiver, so every alert below went through the composition root's Alerts service, its
 * once-per-window claim and the webhook adapter's wire format.
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertWebhookBodySchema, type AlertBody } from '../../core/alerts/alert';
import { queryRows } from '../../db/client';
import { auditLog, campaigns, contacts, prices, sendJobs } from '../../db/schema/index';
import { createTestTenant, testId } from '../../db/testing';
import { startApiHarness, type ApiHarness, type Session } from '../api/testing/api-harness';
import { seedContacts } from '../enqueue/testing/broadcaster-fixtures';
import { startAlertReceiver, type AlertReceiver } from '../shared/alerts/test-support/alert-receiver';
import { sandboxMagicNumbers } from '../shared/sms/sandbox';
import { senderDeps } from './index';
import { afterLateOutcome } from './send-alerts';
import { sendBatch, type BatchOutcome, type SenderDeps } from './send-batch';

let h: ApiHarness;
let receiver: AlertReceiver;
beforeAll(async () => {
  receiver = await startAlertReceiver();
  h = await startApiHarness({ env: { ALERT_WEBHOOK_URL: `${receiver.url}/hooks/alerts` } });
  await h.db.insert(prices).values({ provider: 'sandbox', country: 'AU', microsPerPart: 45_000 }).onConflictDoNothing();
});
afterAll(async () => {
  await h.close();
  await receiver.close();
});

/** Alerts the receiver got for one tenant, in order. */
function alertsFor(tenantId: string): AlertBody[] {
  return receiver.received
    .map((r) => alertWebhookBodySchema.parse(r.body).alert)
    .filter((a) => a.tenantId === tenantId);
}
const kinds = (tenantId: string) => alertsFor(tenantId).map((a) => a.kind);

// Sending hours all day, every day, so the tests do not depend on the hour they run at.
// (The US magic numbers are in New Jersey, which has a state rule of its own.)
const always = { start: '00:00', end: '24:00' };
const allDay = { fallback: always, countries: { AU: { week: always }, US: { week: always, regions: { NJ: always } } } };

let seq = 0;
const sendingE164 = () => `+61498${String((Date.now() % 10_000) * 100 + (seq++ % 100)).padStart(6, '0')}`;

async function setUp(overrides: { autoPauseFailureRateBps?: number; autoPauseOptOutRateBps?: number } = {}) {
  const { tenant, admin } = await createTestTenant(h.db, { name: `Alerts ${seq}`, quietHours: allDay, ...overrides });
  const session = await h.login(admin.email);
  const number = await h.request('/api/sending-numbers', { json: { e164: sendingE164(), provider: 'sandbox', use: 'bulk' }, as: session });
  if (number.status !== 201) throw new Error(await number.text());
  const template = (await (await h.request('/api/templates', { json: { name: 'T', body: 'Hi {first_name|there}, news' }, as: session })).json()) as { id: string };
  const created = await h.request('/api/campaigns', { json: { name: 'Spring offer', templateIds: [template.id] }, as: session });
  if (created.status !== 201) throw new Error(await created.text());
  const campaignId = ((await created.json()) as { id: string }).id;
  return { tenant, session, campaignId };
}

async function queue(session: Session, campaignId: string): Promise<number> {
  const res = await h.request(`/api/campaigns/${campaignId}/queue`, { method: 'POST', as: session });
  if (res.status !== 202) throw new Error(await res.text());
  // Later queues get later job ids, so they are claimed after these.
  h.advance(5);
  return ((await res.json()) as { queued: number }).queued;
}

async function addContacts(tenantId: string, phones: readonly string[]) {
  await h.db.insert(contacts).values(phones.map((phone) => ({ id: testId('contact'), tenantId, phoneE164: phone })));
}

const deps = (batchSize: number, alerting?: SenderDeps['alerting']) => senderDeps(h.services, { batchSize, ...(alerting ? { alerting } : {}) });

async function drain(tenantId: string, campaignId: string | null, d: SenderDeps): Promise<BatchOutcome[]> {
  const outcomes: BatchOutcome[] = [];
  for (let i = 0; i < 100; i++) {
    const outcome = await sendBatch(d, { tenantId, campaignId });
    outcomes.push(outcome);
    if (outcome.next.kind !== 'continue') return outcomes;
  }
  throw new Error('the chain did not stop');
}
const sum = (outcomes: BatchOutcome[], key: 'sent' | 'failed' | 'claimed') => outcomes.reduce((n, o) => n + o[key], 0);

async function statusCounts(campaignId: string): Promise<Record<string, number>> {
  const rows = await queryRows<{ status: string; n: number }>(h.db, sql`select status, count(*)::int as n from send_jobs where campaign_id = ${campaignId} group by 1`);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

describe('budget alerts', () => {
  it('warns once at 80 % of the daily cap and once when the cap is hit, however many batches see it', async () => {
    const { tenant, session, campaignId } = await setUp();
    // 45,000 micros a message: the cap is 10 messages, 80 % is the 8th.
    const cap = await h.request(`/api/tenants/${tenant.id}/budget`, { json: { dailyMicros: 450_000, monthlyMicros: 100_000_000 }, as: session });
    expect(cap.status).toBe(200);
    await seedContacts(h.db, tenant.id, 14);
    await queue(session, campaignId);

    const seen: string[][] = [];
    for (let i = 0; i < 6; i++) {
      await sendBatch(deps(3), { tenantId: tenant.id, campaignId });
      seen.push(kinds(tenant.id));
    }
    // 3, 6 (60 %): nothing; 9 (90 %): near cap; 10 (the cap) and a refusal: cap hit; resting: nothing new.
    expect(seen.slice(0, 2)).toEqual([[], []]);
    expect(seen[2]).toEqual(['budget_near_cap']);
    expect(seen[3]).toEqual(['budget_near_cap', 'budget_cap_hit']);
    expect(seen[5]).toEqual(['budget_near_cap', 'budget_cap_hit']);
    expect((await statusCounts(campaignId)).sent).toBe(10);

    const [near, hit] = alertsFor(tenant.id);
    expect(near).toMatchObject({ severity: 'warning', details: { period: 'daily', spentMicros: 405_000, capMicros: 450_000, usedBps: 9_000, alertAtPercent: 80 } });
    expect(hit).toMatchObject({ severity: 'critical', details: { period: 'daily', spentMicros: 450_000, capMicros: 450_000, usedBps: 10_000 } });
    expect(hit?.title).toBe(`${tenant.name}: daily spend cap reached ($0.45 of $0.45)`);
  });

  it('parallel senders hitting the cap together raise one cap alert', async () => {
    const { tenant, session, campaignId } = await setUp();
    await h.request(`/api/tenants/${tenant.id}/budget`, { json: { dailyMicros: 450_000, monthlyMicros: 100_000_000, alertAtPercent: 100 }, as: session });
    await seedContacts(h.db, tenant.id, 30);
    await queue(session, campaignId);
    await Promise.all([drain(tenant.id, campaignId, deps(4)), drain(tenant.id, campaignId, deps(4)), drain(tenant.id, null, deps(4))]);
    expect((await statusCounts(campaignId)).sent).toBe(10);
    expect(kinds(tenant.id)).toEqual(['budget_cap_hit']);
  });
});

describe('auto-pause', () => {
  it('pauses a campaign whose failure rate passes the tenant’s threshold, with a reason, an audit row and one alert', async () => {
    // The tenant's threshold (3 %) over the product's minimum sample (100 messages).
    const { tenant, session, campaignId } = await setUp({ autoPauseFailureRateBps: 300 });
    const failing = [...sandboxMagicNumbers.invalidNumber, ...sandboxMagicNumbers.rejected];
    await addContacts(tenant.id, failing);
    await seedContacts(h.db, tenant.id, 96);
    expect(await queue(session, campaignId)).toBe(100);
    await seedContacts(h.db, tenant.id, 40);
    expect(await queue(session, campaignId)).toBe(40);

    const outcomes = await drain(tenant.id, campaignId, deps(25));
    // The first 100 went out (4 of them failed: 4 %); then the campaign stopped with 40 still queued.
    expect(sum(outcomes, 'claimed')).toBe(100);
    expect(await statusCounts(campaignId)).toEqual({ sent: 96, failed: 4, queued: 40 });
    const [campaign] = await h.db.select().from(campaigns).where(eq(campaigns.id, campaignId));
    expect(campaign).toMatchObject({ status: 'paused', pausedReason: 'auto-paused: 4 of the last 100 messages failed (threshold 3 %)' });
    const audit = await h.db.select().from(auditLog).where(and(eq(auditLog.tenantId, tenant.id), eq(auditLog.action, 'campaign.auto_pause')));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorUserId: null, targetType: 'campaign', targetId: campaignId });

    expect(kinds(tenant.id)).toEqual(['campaign_auto_paused']);
    expect(alertsFor(tenant.id)[0]).toMatchObject({ campaignId, severity: 'critical', details: { campaignName: 'Spring offer', reason: 'failure_rate', count: 4, sample: 100, rateBps: 400, thresholdBps: 300 } });

    // The API shows it paused with the reason; a person resumes it and it finishes from a clean sample.
    const shown = (await (await h.request(`/api/campaigns/${campaignId}`, { as: session })).json()) as { status: string; pausedReason: string };
    expect(shown).toMatchObject({ status: 'paused', pausedReason: campaign?.pausedReason });
    expect((await h.request(`/api/campaigns/${campaignId}/resume`, { method: 'POST', as: session })).status).toBe(200);
    expect(sum(await drain(tenant.id, campaignId, deps(25)), 'sent')).toBe(40);
    expect(await statusCounts(campaignId)).toEqual({ sent: 136, failed: 4 });
    expect(kinds(tenant.id)).toEqual(['campaign_auto_paused']);
  });

  it('pauses on opt-outs the provider reports, and leaves a campaign under its thresholds alone', async () => {
    const { tenant, session, campaignId } = await setUp({ autoPauseOptOutRateBps: 150 });
    await addContacts(tenant.id, sandboxMagicNumbers.optedOut);
    await seedContacts(h.db, tenant.id, 8);
    await queue(session, campaignId);
    await seedContacts(h.db, tenant.id, 5);
    await queue(session, campaignId);
    // A shorter sample, as a test may set: 2 of 10 opted out is 20 %, past 1.5 %.
    await drain(tenant.id, campaignId, deps(5, { autoPauseMinSample: 10 }));
    expect(await statusCounts(campaignId)).toEqual({ sent: 8, failed: 2, queued: 5 });
    expect(alertsFor(tenant.id)).toMatchObject([{ kind: 'campaign_auto_paused', details: { reason: 'opt_out_rate', count: 2, sample: 10, rateBps: 2_000 } }]);

    const calm = await setUp({ autoPauseOptOutRateBps: 5_000 });
    await addContacts(calm.tenant.id, sandboxMagicNumbers.optedOut);
    await seedContacts(h.db, calm.tenant.id, 8);
    await queue(calm.session, calm.campaignId);
    await drain(calm.tenant.id, calm.campaignId, deps(5, { autoPauseMinSample: 10 }));
    expect(await statusCounts(calm.campaignId)).toEqual({ sent: 8, failed: 2 });
    const [done] = await h.db.select().from(campaigns).where(eq(campaigns.id, calm.campaignId));
    expect(done?.status).toBe('done');
    expect(kinds(calm.tenant.id)).toEqual([]);
  });
});

describe('outcomes reported after the send', () => {
  it('a STOP reply or a failed delivery counts against the campaign’s rate and can pause it', async () => {
    const { tenant, session, campaignId } = await setUp();
    await seedContacts(h.db, tenant.id, 10);
    await queue(session, campaignId);
    await seedContacts(h.db, tenant.id, 5);
    await queue(session, campaignId);
    const d = deps(10, { autoPauseMinSample: 10 });
    expect(await sendBatch(d, { tenantId: tenant.id, campaignId })).toMatchObject({ sent: 10 });
    const [campaign] = await h.db.select().from(campaigns).where(eq(campaigns.id, campaignId));
    if (campaign === undefined) throw new Error('no campaign');
    // The webhook reports a STOP: 1 of 10 is past the default 5 %.
    expect(await afterLateOutcome(d, { tenant, campaign, outcome: 'opted_out' })).toEqual({ autoPaused: [campaignId], raised: ['campaign_auto_paused'] });
    expect(alertsFor(tenant.id)).toMatchObject([{ kind: 'campaign_auto_paused', details: { reason: 'opt_out_rate', count: 1, sample: 10 } }]);
    expect(await statusCounts(campaignId)).toEqual({ sent: 10, queued: 5 });
    // A second report finds it paused already: nothing more happens.
    expect(await afterLateOutcome(d, { tenant, campaign, outcome: 'failed' })).toEqual({ autoPaused: [], raised: [] });
  });
});

describe('error-rate spike', () => {
  it('alerts once when provider errors pass 20 % of calls; the messages are retried, not lost', async () => {
    const { tenant, session, campaignId } = await setUp();
    await addContacts(tenant.id, [...sandboxMagicNumbers.unavailableThenAccepted, ...sandboxMagicNumbers.rateLimitedThenAccepted]);
    await seedContacts(h.db, tenant.id, 6);
    await queue(session, campaignId);
    // 4 errors in 10 calls (40 %) over a sample shortened to 10.
    const d = deps(5, { errorRateMinSample: 10 });
    await drain(tenant.id, campaignId, d);
    expect(alertsFor(tenant.id)).toMatchObject([{ kind: 'error_rate_spike', severity: 'warning', details: { errors: 4, sample: 10, rateBps: 4_000, thresholdBps: 2_000 } }]);
    h.advance(31_000);
    await drain(tenant.id, campaignId, d);
    expect(await statusCounts(campaignId)).toEqual({ sent: 10 });
    expect(kinds(tenant.id)).toEqual(['error_rate_spike']);
    // Errors are not the campaign's failures: it was never paused.
    expect(await h.db.$count(auditLog, and(eq(auditLog.tenantId, tenant.id), eq(auditLog.action, 'campaign.auto_pause')))).toBe(0);
  });
});

describe('pause alert', () => {
  it('a person pausing the tenant raises one alert naming them and the reason; repeating the pause raises none', async () => {
    const { tenant, session } = await setUp();
    const paused = await h.request(`/api/tenants/${tenant.id}/pause`, { json: { reason: 'list under review' }, as: session });
    expect(paused.status).toBe(200);
    expect((await h.request(`/api/tenants/${tenant.id}/pause`, { json: { reason: 'again' }, as: session })).status).toBe(200);
    expect(alertsFor(tenant.id)).toMatchObject([{ kind: 'tenant_paused', severity: 'critical', details: { pausedBy: 'person', userId: session.userId, reason: 'list under review' } }]);
    const [request] = receiver.received.filter((r) => alertWebhookBodySchema.parse(r.body).alert.tenantId === tenant.id);
    expect(request).toMatchObject({ method: 'POST', path: '/hooks/alerts' });
    // Nothing was sent meanwhile, and a pause after a resume is a new pause: alerted again.
    expect(await h.db.$count(sendJobs, eq(sendJobs.tenantId, tenant.id))).toBe(0);
    await h.request(`/api/tenants/${tenant.id}/resume`, { method: 'POST', as: session });
    h.advance(1_000);
    await h.request(`/api/tenants/${tenant.id}/pause`, { method: 'POST', as: session });
    expect(kinds(tenant.id)).toEqual(['tenant_paused', 'tenant_paused']);
  });
});
