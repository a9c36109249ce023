/**
 * The embedded default end to end: a campaign sent through the sandbox ends `delivered` (or `failed`,
 * for the sandbox's undeliverable number) because the cron tick posts the sandbox's signed status
 * callbacks to `/api/webhooks/signalhouse`, which verifies and applies them like SignalHouse's own.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts, events, sandboxReceipts, sendJobs, webhookEvents } from '../../db/schema/index';
import { runCronTick } from '../cron/index';
import { seedContacts } from '../enqueue/testing/broadcaster-fixtures';
import { sendBatch } from '../send/send-batch';
import { senderDeps } from '../send/index';
import { sandboxMagicNumbers } from '../shared/sms/sandbox';
import { advanceToSendingHours, queueCampaign, startWebhookHarness, type WebhookHarness } from './testing/webhook-harness';

let h: WebhookHarness;
beforeAll(async () => {
  h = await startWebhookHarness();
});
afterAll(async () => {
  await h.close();
});

describe('sandbox status callbacks through the signed webhook', () => {
  it('a campaign sent through the sandbox ends delivered, and the undeliverable number failed', async () => {
    const t = await h.newTenant();
    const seeded = await seedContacts(h.api.db, t.tenantId, 2);
    const undeliverable = sandboxMagicNumbers.undelivered[1];
    const [odd] = await h.api.db.insert(contacts).values({ id: `ctc_undeliverable${t.tenantId.slice(-8)}`, tenantId: t.tenantId, phoneE164: undeliverable }).returning();
    if (odd === undefined) throw new Error('no contact');
    const recipients = [...seeded, { id: odd.id, phone: undeliverable }];
    const { campaignId, jobs } = await queueCampaign(h, t, recipients);
    expect(jobs).toHaveLength(3);
    advanceToSendingHours(h);

    expect(await sendBatch(senderDeps(h.services), { tenantId: t.tenantId, campaignId })).toMatchObject({ claimed: 3, sent: 3 });
    const statuses = async () => new Map((await h.api.db.select({ id: sendJobs.id, status: sendJobs.status }).from(sendJobs).where(eq(sendJobs.campaignId, campaignId))).map((j) => [j.id, j.status]));
    expect([...(await statuses()).values()]).toEqual(['sent', 'sent', 'sent']);

    // Not due yet: the sandbox calls back two seconds after the send.
    expect((await runCronTick(h.services)).sandboxCallbacks).toEqual({ delivered: 0, failed: 0 });
    h.api.advance(3_000);
    expect((await runCronTick(h.services)).sandboxCallbacks).toEqual({ delivered: 3, failed: 0 });

    const after = await statuses();
    for (const job of jobs) expect(after.get(job.id)).toBe(job.toE164 === undeliverable ? 'failed' : 'delivered');
    const recorded = await h.api.db.select({ type: events.type }).from(events).where(eq(events.campaignId, campaignId));
    expect(recorded.map((e) => e.type).sort()).toEqual(['DELIVERED', 'DELIVERED', 'FAILED', 'SENT', 'SENT', 'SENT']);
    // Each callback was stored once, for the tenant, with the sandbox's signature verified.
    const stored = await h.api.db.select().from(webhookEvents).where(eq(webhookEvents.tenantId, t.tenantId));
    expect(stored.map((s) => s.kind)).toEqual(['status', 'status', 'status']);
    // Posted once each: a later tick has nothing to post.
    h.api.advance(60_000);
    expect((await runCronTick(h.services)).sandboxCallbacks).toEqual({ delivered: 0, failed: 0 });
    const receipts = await h.api.db.select({ delivered: sandboxReceipts.callbackDeliveredAt }).from(sandboxReceipts).where(eq(sandboxReceipts.fromNumber, t.bulk.e164));
    expect(receipts.every((r) => r.delivered !== null)).toBe(true);
  });
});
