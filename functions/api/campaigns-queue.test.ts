import { and, eq, sql } from 'drizzle-orm';
import { senderLanes } from '../../core/queue/send-batch-message';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickTemplate } from '../../core/messages/templates';
import { queryRows } from '../../db/client';
import { analyzeFromRows } from '../../db/statistics';
import { campaigns, doNotContact, outbox, sendingNumbers, sendJobs, suppressionRules } from '../../db/schema/index';
import { testId } from '../../db/testing';
import { seedContacts } from '../enqueue/testing/broadcaster-fixtures';
import { startApiHarness, type ApiHarness, type Session } from './testing/api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h.close();
});

type QueueAnswer = { queued: number; skipped: { dnc: number; suppressed: number; optedOut: number; invalid: number }; alreadyQueued: number; segmentSize: number; campaign: { status: string; counts: Record<string, number> & { skippedByReason: Record<string, number> } } };

let seq = 0;
const sendingE164 = () => `+61499${String((Date.now() % 10_000) * 100 + (seq++ % 100)).padStart(6, '0')}`;

async function setUp() {
  const { tenant, admin } = await h.newTenant();
  const session = await h.login(admin.email);
  const number = await h.request('/api/sending-numbers', { json: { e164: sendingE164(), provider: 'sandbox', use: 'bulk' }, as: session });
  if (number.status !== 201) throw new Error(await number.text());
  const templateIds: string[] = [];
  for (const body of ['A {first_name|there}', 'B {first_name|there}', 'C {first_name|there}']) {
    templateIds.push(((await (await h.request('/api/templates', { json: { name: body, body }, as: session })).json()) as { id: string }).id);
  }
  return { tenant, session, templateIds };
}

async function newCampaign(session: Session, json: Record<string, unknown>): Promise<string> {
  const res = await h.request('/api/campaigns', { json: { name: 'Q', ...json }, as: session });
  if (res.status !== 201) throw new Error(await res.text());
  return ((await res.json()) as { id: string }).id;
}

async function queue(session: Session, campaignId: string, json?: unknown): Promise<QueueAnswer> {
  const res = await h.request(`/api/campaigns/${campaignId}/queue`, { method: 'POST', json, as: session });
  expect(res.status).toBe(202);
  return (await res.json()) as QueueAnswer;
}

describe('POST /api/campaigns/:id/queue', () => {
  it('queues the segment, skipping DNC, opted-out, suppressed and untextable numbers with their reasons', async () => {
    const { tenant, session, templateIds } = await setUp();
    const people = await seedContacts(h.db, tenant.id, 40);
    const [dnc, stop, carrier, suppressed, expired, lifted] = people;
    const now = h.now();
    await h.db.insert(doNotContact).values([
      { tenantId: tenant.id, phoneE164: dnc!.phone, source: 'manual' },
      { tenantId: tenant.id, phoneE164: stop!.phone, source: 'stop_keyword' },
      { tenantId: tenant.id, phoneE164: carrier!.phone, source: 'provider_opt_out' },
    ]);
    await h.db.insert(suppressionRules).values([
      { id: testId('suppression'), tenantId: tenant.id, phoneE164: suppressed!.phone, reason: 'cooldown', expiresAt: new Date(now.getTime() + 86_400_000) },
      { id: testId('suppression'), tenantId: tenant.id, phoneE164: expired!.phone, reason: 'cooldown', expiresAt: new Date(now.getTime() - 1_000) },
      { id: testId('suppression'), tenantId: tenant.id, phoneE164: lifted!.phone, reason: 'cooldown', liftedAt: now },
    ]);
    // Someone else's DNC list does not apply here.
    const other = await h.newTenant();
    await h.db.insert(doNotContact).values({ tenantId: other.tenant.id, phoneE164: people[10]!.phone, source: 'manual' });

    const campaignId = await newCampaign(session, { templateIds });
    const answer = await queue(session, campaignId);
    expect(answer).toMatchObject({ queued: 36, skipped: { dnc: 1, optedOut: 2, suppressed: 1, invalid: 0 }, alreadyQueued: 0, segmentSize: 40 });
    expect(answer.campaign.status).toBe('queued');
    expect(answer.campaign.counts).toMatchObject({ total: 40, queued: 36, skipped: 4, skippedByReason: { dnc: 1, opted_out: 2, suppressed: 1 } });

    const jobs = await h.db.select().from(sendJobs).where(eq(sendJobs.campaignId, campaignId));
    expect(jobs.find((j) => j.contactId === stop!.id)).toMatchObject({ status: 'skipped', skipReason: 'opted_out', toE164: stop!.phone });
    expect(jobs.find((j) => j.contactId === expired!.id)?.status).toBe('queued');
    expect(jobs.every((j) => /^job_[0-9a-z]{26}$/.test(j.id) && j.kind === 'campaign' && j.tenantId === tenant.id)).toBe(true);

    // The same template a contact would get from core's rotation (so a retry renders the same text).
    for (const job of jobs) expect(job.templateId).toBe(await pickTemplate(campaignId, job.contactId, templateIds));
    const used = new Set(jobs.map((j) => j.templateId));
    expect(used.size).toBe(3);

    // The sender is woken once per lane, through the outbox.
    const wakes = await h.db.select().from(outbox).where(and(eq(outbox.tenantId, tenant.id), eq(outbox.destination, 'send')));
    expect(wakes.map((w) => (w.body as { data: unknown }).data)).toEqual(Array.from({ length: senderLanes }, () => ({ tenantId: tenant.id, campaignId, reason: 'queued' })));
    expect(new Set(wakes.map((w) => w.dedupeId)).size).toBe(senderLanes);
  });

  it('is idempotent: queueing again adds nobody, then adds only who joined the segment since', async () => {
    const { tenant, session, templateIds } = await setUp();
    await seedContacts(h.db, tenant.id, 25);
    const campaignId = await newCampaign(session, { templateIds });
    expect((await queue(session, campaignId)).queued).toBe(25);
    const again = await queue(session, campaignId);
    expect(again).toMatchObject({ queued: 0, skipped: { dnc: 0, suppressed: 0, optedOut: 0, invalid: 0 }, alreadyQueued: 25, segmentSize: 25 });
    await seedContacts(h.db, tenant.id, 5);
    expect(await queue(session, campaignId)).toMatchObject({ queued: 5, alreadyQueued: 25, segmentSize: 30 });
    expect((await h.db.select().from(sendJobs).where(eq(sendJobs.campaignId, campaignId))).length).toBe(30);
    // Only the queues that added jobs woke the sender (each once per lane).
    expect((await h.db.select().from(outbox).where(and(eq(outbox.tenantId, tenant.id), eq(outbox.destination, 'send')))).length).toBe(2 * senderLanes);
  });

  it('on the embedded database, a big queue refreshes the planner statistics of send_jobs (PostgreSQL leaves it to autovacuum)', async () => {
    const { tenant, session, templateIds } = await setUp();
    // Counts manual ANALYZEs only (autovacuum's have their own column), reported as the ANALYZE ends.
    const analyzes = async () =>
      (await queryRows<{ n: number }>(h.db, sql`select analyze_count::int as n from pg_stat_user_tables where relname = 'send_jobs'`))[0]?.n ?? 0;
    const embedded = h.services.database.kind === 'pglite';
    await seedContacts(h.db, tenant.id, 10);
    const before = await analyzes();
    expect((await queue(session, await newCampaign(session, { templateIds }))).queued).toBe(10);
    expect(await analyzes()).toBe(before);
    await seedContacts(h.db, tenant.id, analyzeFromRows - 10);
    expect((await queue(session, await newCampaign(session, { templateIds }))).queued).toBe(analyzeFromRows);
    expect(await analyzes()).toBe(before + (embedded ? 1 : 0));
  });

  it('two queues of one campaign at the same moment add each contact once', async () => {
    const { tenant, session, templateIds } = await setUp();
    await seedContacts(h.db, tenant.id, 200);
    const campaignId = await newCampaign(session, { templateIds });
    const [a, b] = await Promise.all([queue(session, campaignId), queue(session, campaignId)]);
    expect(a!.queued + b!.queued).toBe(200);
    expect(a!.alreadyQueued + b!.alreadyQueued).toBe(200);
    expect((await h.db.select().from(sendJobs).where(eq(sendJobs.campaignId, campaignId))).length).toBe(200);
  });

  it('selects by tags (any or all); a segment given when queueing replaces the stored one', async () => {
    const { tenant, session, templateIds } = await setUp();
    await seedContacts(h.db, tenant.id, 3, { tags: ['vip', 'sydney'] });
    await seedContacts(h.db, tenant.id, 4, { tags: ['vip'] });
    await seedContacts(h.db, tenant.id, 5, { tags: ['sydney'] });
    await seedContacts(h.db, tenant.id, 6);
    const any = await newCampaign(session, { templateIds, segment: { tags: ['vip', 'sydney'] } });
    expect((await queue(session, any)).queued).toBe(12);
    const all = await newCampaign(session, { templateIds, segment: { tags: ['vip', 'sydney'], tagsMatch: 'all' } });
    expect((await queue(session, all)).queued).toBe(3);
    const everyone = await newCampaign(session, { templateIds });
    const answer = await queue(session, everyone, { segment: { tags: ['vip'] } });
    expect(answer.queued).toBe(7);
    const [row] = await h.db.select().from(campaigns).where(eq(campaigns.id, everyone));
    expect(row?.segment).toEqual({ tags: ['vip'], tagsMatch: 'any' });
    expect((await h.request(`/api/campaigns/${everyone}/queue`, { json: { segment: { tags: 'vip' } }, as: session })).status).toBe(400);
    expect((await h.request(`/api/campaigns/${everyone}/queue`, { json: { everyone: true }, as: session })).status).toBe(400);
  });

  it('a contact whose number is one of the sending numbers is skipped as invalid', async () => {
    const { tenant, session, templateIds } = await setUp();
    const [contact] = await seedContacts(h.db, tenant.id, 2);
    await h.db.insert(sendingNumbers).values({ id: testId('sendingNumber'), tenantId: tenant.id, e164: contact!.phone, provider: 'twilio', use: 'conversation' });
    const answer = await queue(session, await newCampaign(session, { templateIds }));
    expect(answer).toMatchObject({ queued: 1, skipped: { invalid: 1 } });
  });

  it('refuses to queue without an active bulk number to send from (409), and paused campaigns stay paused', async () => {
    const { tenant, session, templateIds } = await setUp();
    await seedContacts(h.db, tenant.id, 3);
    const campaignId = await newCampaign(session, { templateIds });
    const numbers = (await (await h.request('/api/sending-numbers', { as: session })).json()) as { sendingNumbers: { id: string }[] };
    for (const n of numbers.sendingNumbers) await h.request(`/api/sending-numbers/${n.id}`, { method: 'PATCH', json: { status: 'disabled' }, as: session });
    const res = await h.request(`/api/campaigns/${campaignId}/queue`, { method: 'POST', as: session });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe('no_sending_number');
    expect(await h.db.select().from(sendJobs).where(eq(sendJobs.campaignId, campaignId))).toEqual([]);

    for (const n of numbers.sendingNumbers) await h.request(`/api/sending-numbers/${n.id}`, { method: 'PATCH', json: { status: 'active' }, as: session });
    await queue(session, campaignId);
    await h.request(`/api/campaigns/${campaignId}/pause`, { method: 'POST', as: session });
    await seedContacts(h.db, tenant.id, 2);
    const whilePaused = await queue(session, campaignId);
    expect(whilePaused).toMatchObject({ queued: 2, campaign: { status: 'paused' } });
  });

  it('a done campaign reopens only when a queue adds someone', async () => {
    const { tenant, session, templateIds } = await setUp();
    await seedContacts(h.db, tenant.id, 2);
    const campaignId = await newCampaign(session, { templateIds });
    await queue(session, campaignId);
    await h.db.update(campaigns).set({ status: 'done', doneAt: h.now() }).where(eq(campaigns.id, campaignId));
    expect((await queue(session, campaignId)).campaign.status).toBe('done');
    await seedContacts(h.db, tenant.id, 1);
    expect(await queue(session, campaignId)).toMatchObject({ queued: 1, campaign: { status: 'queued' } });
  });
});
