import { randomBytes } from 'node:crypto';
import { senderLanes } from '../../core/queue/send-batch-message';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client';
import { campaigns, campaignTemplates, messageTemplates, sendingNumbers, sendJobs } from '../../db/schema/index';
import { createTestTenant, testId } from '../../db/testing';
import { enqueueCampaign } from '../enqueue/enqueue-campaign';
import { seedContacts } from '../enqueue/testing/broadcaster-fixtures';
import { tenantScope } from '../shared/auth/tenant-scope';
import { createAlerts } from '../shared/alerts/create-alerts';
import { createCounters } from '../shared/counters/create-counters';
import { startQueueHarness, type QueueHarness } from '../shared/queue/test-support/queue-harness';
import { createMailer } from '../shared/mail/create-mailer';
import { createSms } from '../shared/sms/create-sms';
import { sendRoutes, type SendServices } from './index';
import { wakeDueSenders } from './wake-due-senders';

let h: QueueHarness;
let services: SendServices;
beforeAll(async () => {
  h = await startQueueHarness();
  const { config, db, queue, deliveries, log, now, random } = h.services;
  const { counters } = createCounters(config.counters, { db, now });
  const alerts = createAlerts(config.alerts, { log, counters, mailer: createMailer(config, { log, now }).mailer });
  services = { config, db, queue, deliveries, log, now, random, counters, ...alerts, ...createSms(config, { db, log, now, random }) };
  h.mount('send', sendRoutes(services));
});
afterAll(async () => {
  await h.close();
});

describe('send function', () => {
  it('refuses a delivery without a valid signature, and sends nothing', async () => {
    const res = await fetch(`${h.url}/fn/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'send.batch', v: 1, data: { tenantId: 'ten_x', campaignId: null, reason: 'queued' } }) });
    expect(res.status).toBe(401);
  });

  it('a queued campaign sends itself to the end through the queue chain, one provider call per job', async () => {
    const db = h.db();
    // Sending hours all day, so the test does not depend on the hour it runs at.
    const { tenant, admin } = await createTestTenant(db, { quietHours: { fallback: { start: '00:00', end: '24:00' }, countries: { AU: { week: { start: '00:00', end: '24:00' } } } } });
    const templateId = testId('template');
    const campaignId = testId('campaign');
    await db.insert(messageTemplates).values({ id: templateId, tenantId: tenant.id, name: 'T', body: 'Hi {first_name|there}' });
    await db.insert(sendingNumbers).values({ id: testId('sendingNumber'), tenantId: tenant.id, e164: `+61499${String(randomBytes(3).readUIntBE(0, 3) % 1_000_000).padStart(6, '0')}`, provider: 'sandbox', use: 'bulk' });
    await db.insert(campaigns).values({ id: campaignId, tenantId: tenant.id, name: 'Chain' });
    await db.insert(campaignTemplates).values({ campaignId, templateId, tenantId: tenant.id, position: 0 });
    await seedContacts(db, tenant.id, 260);

    const scope = tenantScope(db, { tenantId: tenant.id, actor: { userId: admin.id, requestId: 'test' }, now: services.now, random: services.random });
    const queued = await enqueueCampaign({ ...services, database: h.database, edgePublicUrl: services.config.edgePublicUrl }, { scope, campaignId, correlationId: 'test' });
    expect(queued.queued).toBe(260);

    await h.drain();
    const jobs = await db.select().from(sendJobs).where(eq(sendJobs.campaignId, campaignId));
    expect(jobs.map((j) => j.status)).toEqual(Array.from({ length: 260 }, () => 'sent'));
    const [perJob] = await queryRows<{ jobs: number; calls: number }>(
      db,
      sql`select count(distinct idempotency_key)::int as jobs, count(*)::int as calls from sandbox_receipts where idempotency_key in (select id from send_jobs where campaign_id = ${campaignId})`,
    );
    expect(perJob).toEqual({ jobs: 260, calls: 260 });
    const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
    expect(campaign?.status).toBe('done');
    // 260 jobs in batches of 250: one wake-up per lane, and one continuation if a lane's batch came
    // back full. Lanes claiming at the same moment may split the jobs so that neither batch is full;
    // either way the chains end with the work, no lane lost and none running on.
    const [deliveries] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from relay_messages where destination = 'send' and state = 'delivered'`);
    expect([senderLanes, senderLanes + 1]).toContain(deliveries?.n);
  });

  it('the cron safety net wakes a tenant whose chain was lost, once a minute, and leaves a running one alone', async () => {
    const db = h.db();
    const { tenant } = await createTestTenant(db);
    const templateId = testId('template');
    const campaignId = testId('campaign');
    await db.insert(messageTemplates).values({ id: templateId, tenantId: tenant.id, name: 'T', body: 'Hi' });
    await db.insert(campaigns).values({ id: campaignId, tenantId: tenant.id, name: 'Lost', status: 'queued' });
    const [contact] = await seedContacts(db, tenant.id, 2);
    await db.insert(sendJobs).values({ id: testId('sendJob'), tenantId: tenant.id, kind: 'campaign', campaignId, contactId: contact!.id, toE164: contact!.phone, templateId });
    const wakes = () => queryRows<{ n: number }>(db, sql`select count(*)::int as n from outbox where tenant_id = ${tenant.id} and destination = 'send'`);

    expect(await wakeDueSenders(services)).toBeGreaterThanOrEqual(1);
    await wakeDueSenders(services);
    expect((await wakes())[0]?.n).toBe(senderLanes);

    // A sender claimed something a moment ago: its chain is alive, no sweep wake-up.
    await queryRows(db, sql`delete from outbox where tenant_id = ${tenant.id}`);
    await db.update(sendJobs).set({ claimedAt: services.now() }).where(eq(sendJobs.campaignId, campaignId));
    await wakeDueSenders(services);
    expect((await wakes())[0]?.n).toBe(0);
  });
});
