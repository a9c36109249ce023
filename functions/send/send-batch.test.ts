import { and, eq, sql } from 'drizzle-orm';
import { senderLanes } from '../../core/queue/send-batch-message';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, fromLocal, toLocal, weekdayOf } from '../../core/gates/zoned-time';
import { queryRows } from '../../db/client';
import { campaigns, contacts, costs, doNotContact, events, outbox, prices, sendJobs, shortLinks, tenants } from '../../db/schema/index';
import { testId } from '../../db/testing';
import { startApiHarness, type ApiHarness, type Session } from '../api/testing/api-harness';
import { seedContacts } from '../enqueue/testing/broadcaster-fixtures';
import { sandboxMagicNumbers } from '../shared/sms/sandbox';
import { sendBatch, type BatchOutcome } from './send-batch';
import { senderDeps } from './index';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
  await h.db.insert(prices).values({ provider: 'sandbox', country: 'AU', microsPerPart: 45_000 }).onConflictDoNothing();
});
afterAll(async () => {
  await h.close();
});

const zone = 'Australia/Sydney';

/** Moves the harness clock forward to the next `weekday` (0 = Sunday) at `hh:mm` in Sydney. */
function advanceTo(weekday: number, hour: number, minute = 0): Date {
  const now = h.now();
  const local = toLocal(now, zone);
  let date = { year: local.year, month: local.month, day: local.day };
  for (let i = 0; i < 15; i++) {
    const at = fromLocal({ ...date, hour, minute }, zone);
    if (weekdayOf(date) === weekday && at.getTime() > now.getTime()) {
      h.advance(at.getTime() - now.getTime());
      return at;
    }
    date = addDays(date, 1);
  }
  throw new Error('no such day within two weeks');
}

let seq = 0;
const sendingE164 = () => `+61499${String((Date.now() % 10_000) * 100 + (seq++ % 100)).padStart(6, '0')}`;

async function setUp(options: { templates?: string[]; linkUrl?: string; number?: Record<string, unknown> } = {}) {
  const { tenant, admin } = await h.newTenant();
  const session = await h.login(admin.email);
  const number = await h.request('/api/sending-numbers', { json: { e164: sendingE164(), provider: 'sandbox', use: 'bulk', ...options.number }, as: session });
  if (number.status !== 201) throw new Error(await number.text());
  const templateIds: string[] = [];
  for (const body of options.templates ?? ['Hi {first_name|there}, A', 'Hi {first_name|there}, B']) {
    templateIds.push(((await (await h.request('/api/templates', { json: { name: body.slice(0, 20), body }, as: session })).json()) as { id: string }).id);
  }
  const created = await h.request('/api/campaigns', { json: { name: 'Send', templateIds, ...(options.linkUrl ? { linkUrl: options.linkUrl } : {}) }, as: session });
  if (created.status !== 201) throw new Error(await created.text());
  const campaignId = ((await created.json()) as { id: string }).id;
  return { tenant, session, campaignId, numberId: ((await number.json()) as { id: string }).id };
}

async function queue(session: Session, campaignId: string) {
  const res = await h.request(`/api/campaigns/${campaignId}/queue`, { method: 'POST', as: session });
  if (res.status !== 202) throw new Error(await res.text());
  return (await res.json()) as { queued: number };
}

const deps = (batchSize = 10) => senderDeps(h.services, { batchSize });

/** Runs batches the way the chain would, until it stops asking to continue. */
async function drain(tenantId: string, campaignId: string | null, batchSize = 10): Promise<BatchOutcome[]> {
  const outcomes: BatchOutcome[] = [];
  for (let i = 0; i < 100; i++) {
    const outcome = await sendBatch(deps(batchSize), { tenantId, campaignId });
    outcomes.push(outcome);
    if (outcome.next.kind !== 'continue') return outcomes;
  }
  throw new Error('the chain did not stop');
}

const total = (outcomes: BatchOutcome[], key: keyof Omit<BatchOutcome, 'next'>) => outcomes.reduce((sum, o) => sum + o[key], 0);

async function receiptsPerJob(campaignId: string): Promise<Map<string, number>> {
  const rows = await queryRows<{ key: string; n: number }>(
    h.db,
    sql`select r.idempotency_key as key, count(*)::int as n from sandbox_receipts r join send_jobs j on j.id = r.idempotency_key where j.campaign_id = ${campaignId} group by 1`,
  );
  return new Map(rows.map((r) => [r.key, r.n]));
}

async function jobsOf(campaignId: string) {
  return h.db.select().from(sendJobs).where(eq(sendJobs.campaignId, campaignId));
}

describe('send', () => {
  it('sends every queued job exactly once, rendered, with the opt-out line on a first message, and closes the campaign', async () => {
    advanceTo(1, 10); // Monday 10:00 in Sydney: inside AU sending hours
    const { tenant, session, campaignId } = await setUp({ templates: ['Hi {first_name|there}, see {link}', 'Hello {first_name|there}. Reply STOP to opt out'], linkUrl: 'https://example.com/offer' });
    await seedContacts(h.db, tenant.id, 25, { firstName: 'Sam' });
    expect((await queue(session, campaignId)).queued).toBe(25);

    const outcomes = await drain(tenant.id, campaignId, 10);
    expect(outcomes.map((o) => o.claimed)).toEqual([10, 10, 5]);
    expect(total(outcomes, 'sent')).toBe(25);
    expect(outcomes.at(-1)?.next).toEqual({ kind: 'none' });

    const jobs = await jobsOf(campaignId);
    expect(jobs.every((j) => j.status === 'sent' && j.providerMessageId?.startsWith('SBX') && j.provider === 'sandbox' && j.attempts === 1)).toBe(true);
    const receipts = await receiptsPerJob(campaignId);
    expect(receipts.size).toBe(25);
    expect([...receipts.values()].every((n) => n === 1)).toBe(true);

    const withLink = jobs.filter((j) => j.body?.includes('see '));
    expect(withLink.length).toBeGreaterThan(0);
    for (const job of withLink) {
      const [link] = await h.db.select().from(shortLinks).where(eq(shortLinks.sendJobId, job.id));
      expect(job.body).toBe(`Hi Sam, see ${h.services.config.edgePublicUrl}/${link?.token}\nReply STOP to opt out`);
      expect(link).toMatchObject({ targetUrl: 'https://example.com/offer', contactId: job.contactId });
    }
    // The other template already says how to opt out: no second line.
    expect(jobs.filter((j) => !j.body?.includes('see ')).every((j) => j.body === 'Hello Sam. Reply STOP to opt out')).toBe(true);

    const costRows = await h.db.select().from(costs).where(eq(costs.tenantId, tenant.id));
    expect(costRows).toHaveLength(25);
    expect(costRows.every((c) => c.amountMicros === 45_000 * (c.parts ?? 0) && c.country === 'AU')).toBe(true);
    expect(await h.db.$count(events, and(eq(events.campaignId, campaignId), eq(events.type, 'SENT')))).toBe(25);
    const [campaign] = await h.db.select().from(campaigns).where(eq(campaigns.id, campaignId));
    expect(campaign).toMatchObject({ status: 'done' });
    const progress = (await (await h.request(`/api/campaigns/${campaignId}`, { as: session })).json()) as { counts: { sent: number; total: number } };
    expect(progress.counts).toMatchObject({ sent: 25, total: 25 });
  });

  it('two senders racing on one campaign still call the provider once per job', async () => {
    advanceTo(2, 11);
    const { tenant, session, campaignId } = await setUp();
    await seedContacts(h.db, tenant.id, 30);
    await queue(session, campaignId);
    await Promise.all([drain(tenant.id, campaignId, 7), drain(tenant.id, campaignId, 7), drain(tenant.id, null, 7)]);
    const receipts = await receiptsPerJob(campaignId);
    expect(receipts.size).toBe(30);
    expect([...receipts.values()].every((n) => n === 1)).toBe(true);
    expect((await jobsOf(campaignId)).every((j) => j.status === 'sent')).toBe(true);
  });

  it('defers outside the recipient’s sending hours and sends when they open', async () => {
    const sunday = advanceTo(0, 12); // AU: no sends on Sunday
    const { tenant, session, campaignId } = await setUp();
    await seedContacts(h.db, tenant.id, 4);
    await queue(session, campaignId);
    const [first] = await drain(tenant.id, campaignId);
    expect(first).toMatchObject({ claimed: 4, deferred: 4, sent: 0 });
    const monday9 = fromLocal({ ...addDays(toLocal(sunday, zone), 1), hour: 9 }, zone);
    expect(first?.next).toEqual({ kind: 'at', at: monday9.toISOString() });
    expect((await jobsOf(campaignId)).every((j) => j.status === 'deferred' && j.skipReason === 'quiet_hours' && j.deferUntil?.getTime() === monday9.getTime())).toBe(true);
    // The wake-up is staged for then, once per lane, however many chains ask.
    const wakes = await h.db.select().from(outbox).where(and(eq(outbox.tenantId, tenant.id), sql`${outbox.dedupeId} like '%:at:%'`));
    expect(wakes).toHaveLength(senderLanes);
    expect(await receiptsPerJob(campaignId)).toEqual(new Map());

    advanceTo(1, 9, 1);
    expect(total(await drain(tenant.id, campaignId), 'sent')).toBe(4);
  });

  it('skips numbers that opted out or were suppressed after the queue, right before the call', async () => {
    advanceTo(3, 10);
    const { tenant, session, campaignId } = await setUp();
    const people = await seedContacts(h.db, tenant.id, 5);
    await queue(session, campaignId);
    await h.db.insert(doNotContact).values({ tenantId: tenant.id, phoneE164: people[0]!.phone, source: 'stop_keyword' });
    await h.db.insert(doNotContact).values({ tenantId: tenant.id, phoneE164: people[1]!.phone, source: 'manual' });
    await h.db.execute(sql`insert into suppression_rules (id, tenant_id, phone_e164, reason) values (${testId('suppression')}, ${tenant.id}, ${people[2]!.phone}, 'cooldown')`);
    const [outcome] = await drain(tenant.id, campaignId);
    expect(outcome).toMatchObject({ sent: 2, skipped: 3 });
    const jobs = await jobsOf(campaignId);
    const reasonOf = (i: number) => jobs.find((j) => j.contactId === people[i]!.id)?.skipReason;
    expect([reasonOf(0), reasonOf(1), reasonOf(2)]).toEqual(['opted_out', 'dnc', 'suppressed']);
    expect((await receiptsPerJob(campaignId)).size).toBe(2);
  });

  it('a paused tenant or campaign gets no provider call; resume lets the jobs go', async () => {
    advanceTo(4, 10);
    const { tenant, session, campaignId } = await setUp();
    await seedContacts(h.db, tenant.id, 3);
    await queue(session, campaignId);
    await h.request(`/api/tenants/${tenant.id}/pause`, { method: 'POST', as: session });
    expect(await sendBatch(deps(), { tenantId: tenant.id, campaignId })).toMatchObject({ claimed: 0, next: { kind: 'none' } });
    await h.request(`/api/tenants/${tenant.id}/resume`, { method: 'POST', as: session });
    await h.request(`/api/campaigns/${campaignId}/pause`, { method: 'POST', as: session });
    expect(await sendBatch(deps(), { tenantId: tenant.id, campaignId })).toMatchObject({ claimed: 0, next: { kind: 'none' } });
    expect(await receiptsPerJob(campaignId)).toEqual(new Map());
    await h.request(`/api/campaigns/${campaignId}/resume`, { method: 'POST', as: session });
    expect(total(await drain(tenant.id, campaignId), 'sent')).toBe(3);
  });

  it('stops spending at the daily cap and defers the rest to the next local day', async () => {
    advanceTo(5, 10);
    const { tenant, session, campaignId } = await setUp();
    await seedContacts(h.db, tenant.id, 5);
    await h.request(`/api/tenants/${tenant.id}/budget`, { json: { dailyMicros: 90_000, monthlyMicros: 10_000_000 }, as: session });
    await queue(session, campaignId);
    const [outcome] = await drain(tenant.id, campaignId);
    // The cap reached, the tenant rests until its local midnight: the job that hit it waits for then,
    // the rest of the batch goes back to the queue untouched, and the chain sleeps until then.
    const midnight = fromLocal({ ...addDays(toLocal(h.now(), zone), 1) }, zone);
    expect(outcome).toMatchObject({ sent: 2, deferred: 1, released: 2, next: { kind: 'at', at: midnight.toISOString() } });
    const jobs = await jobsOf(campaignId);
    expect(jobs.filter((j) => j.status === 'deferred').map((j) => [j.skipReason, j.deferUntil?.toISOString()])).toEqual([['daily_budget', midnight.toISOString()]]);
    expect(jobs.filter((j) => j.status === 'queued').every((j) => j.attempts === 0)).toBe(true);
    expect(await sendBatch(deps(), { tenantId: tenant.id, campaignId })).toMatchObject({ claimed: 0, next: { kind: 'at', at: midnight.toISOString() } });
    const budget = (await (await h.request(`/api/tenants/${tenant.id}/budget`, { as: session })).json()) as { spent: { todayMicros: number } };
    expect(budget.spent.todayMicros).toBe(90_000);
  });

  it('holds the per-number rate to its setting, deferring to the next minute', async () => {
    advanceTo(1, 14);
    const { tenant, session, campaignId } = await setUp();
    await seedContacts(h.db, tenant.id, 12);
    await h.request(`/api/tenants/${tenant.id}/budget`, { json: { dailyMicros: 100_000_000, monthlyMicros: 100_000_000, perNumberPerMinute: 5 }, as: session });
    await queue(session, campaignId);
    const [first] = await drain(tenant.id, campaignId, 20);
    const nextMinute = new Date(Math.floor(h.now().getTime() / 60_000) * 60_000 + 60_000);
    expect(first).toMatchObject({ sent: 5, deferred: 1, released: 6, next: { kind: 'at', at: nextMinute.toISOString() } });
    expect((await jobsOf(campaignId)).filter((j) => j.status === 'deferred').map((j) => j.skipReason)).toEqual(['number_rate']);
    // Until the minute turns, the campaign rests: nothing is claimed (and nothing rewritten).
    expect(await sendBatch(deps(20), { tenantId: tenant.id, campaignId })).toMatchObject({ claimed: 0 });
    h.advance(60_000);
    expect(total(await drain(tenant.id, campaignId, 20), 'sent')).toBe(5);
    h.advance(60_000);
    expect(total(await drain(tenant.id, campaignId, 20), 'sent')).toBe(2);
  });

  it('caps a warming number per local day', async () => {
    const monday = advanceTo(2, 10);
    const { tenant, session, campaignId } = await setUp({ number: { warmupStartedAt: monday.toISOString() } });
    await h.db.update(tenants).set({ warmupCurve: { kind: 'steps', steps: [{ fromDay: 1, perDay: 3 }], warmFromDay: 3 } }).where(eq(tenants.id, tenant.id));
    await seedContacts(h.db, tenant.id, 5);
    await queue(session, campaignId);
    expect(total(await drain(tenant.id, campaignId), 'sent')).toBe(3);
    expect((await jobsOf(campaignId)).filter((j) => j.skipReason === 'warmup_cap')).toHaveLength(1);
    expect((await jobsOf(campaignId)).filter((j) => j.status === 'queued')).toHaveLength(1);
  });

  it('records each provider answer: invalid and refused fail, an opt-out also joins DNC, a 503 is retried later', async () => {
    advanceTo(3, 15);
    const { tenant, session, campaignId } = await setUp();
    const magic = [sandboxMagicNumbers.invalidNumber[1], sandboxMagicNumbers.optedOut[1], sandboxMagicNumbers.rejected[1], sandboxMagicNumbers.unavailableThenAccepted[1]];
    await h.db.insert(contacts).values(magic.map((phone) => ({ id: testId('contact'), tenantId: tenant.id, phoneE164: phone })));
    await queue(session, campaignId);
    const [outcome] = await drain(tenant.id, campaignId);
    expect(outcome).toMatchObject({ claimed: 4, failed: 3, deferred: 1, sent: 0 });
    const jobs = await jobsOf(campaignId);
    const byPhone = (phone: string) => jobs.find((j) => j.toE164 === phone);
    expect(byPhone(magic[0]!)).toMatchObject({ status: 'failed', errorCode: 'INVALID_NUMBER' });
    expect(byPhone(magic[1]!)).toMatchObject({ status: 'failed', errorCode: 'OUT' });
    expect(byPhone(magic[2]!)).toMatchObject({ status: 'failed', errorCode: 'BLOCKED' });
    expect(byPhone(magic[3]!)).toMatchObject({ status: 'deferred', skipReason: 'provider_unavailable', errorCode: 'http_503' });
    const [dnc] = await h.db.select().from(doNotContact).where(and(eq(doNotContact.tenantId, tenant.id), eq(doNotContact.phoneE164, magic[1]!)));
    expect(dnc?.source).toBe('provider_opt_out');
    expect(await h.db.$count(costs, eq(costs.tenantId, tenant.id))).toBe(0);

    h.advance(31_000);
    expect(total(await drain(tenant.id, campaignId), 'sent')).toBe(1);
    expect(byPhone(magic[3]!)?.id).toBeDefined();
    const [retried] = await h.db.select().from(sendJobs).where(eq(sendJobs.id, byPhone(magic[3]!)!.id));
    expect(retried).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('a job left in sending by a crash goes to reconciliation and is never resent', async () => {
    advanceTo(4, 15);
    const { tenant, session, campaignId } = await setUp();
    await seedContacts(h.db, tenant.id, 3);
    await queue(session, campaignId);
    const [crashed] = await jobsOf(campaignId);
    // A sender claimed it, marked it for its call (the mark names the provider) and called the
    // provider, then died before recording the answer.
    await h.db.update(sendJobs).set({ status: 'sending', attempts: 1, claimedAt: h.now(), provider: 'sandbox' }).where(eq(sendJobs.id, crashed!.id));
    await h.services.sms.bulk.adapter.send({ from: '+61499000000', to: crashed!.toE164, body: 'x', statusCallbackUrl: 'http://localhost:8787/api/webhooks/signalhouse', idempotencyKey: crashed!.id });

    // Within the lease it is left alone (it may still be in flight)…
    const [during] = await drain(tenant.id, campaignId);
    expect(during).toMatchObject({ stale: 0, sent: 2 });
    // …after it, it is shown for reconciliation, and the campaign can finish.
    h.advance(11 * 60_000);
    const [after] = await drain(tenant.id, campaignId);
    expect(after).toMatchObject({ stale: 1, claimed: 0 });
    const [row] = await h.db.select().from(sendJobs).where(eq(sendJobs.id, crashed!.id));
    expect(row).toMatchObject({ status: 'reconcile', errorCode: 'outcome_unknown' });
    expect((await receiptsPerJob(campaignId)).get(crashed!.id)).toBe(1);
    const progress = (await (await h.request(`/api/campaigns/${campaignId}`, { as: session })).json()) as { status: string; counts: { reconcile: number; sent: number } };
    expect(progress).toMatchObject({ status: 'done', counts: { reconcile: 1, sent: 2 } });
  });

  it('a job claimed by a sender that died before marking it goes back to the queue and is sent once', async () => {
    advanceTo(4, 16);
    const { tenant, session, campaignId } = await setUp();
    await seedContacts(h.db, tenant.id, 3);
    await queue(session, campaignId);
    const [claimed] = await jobsOf(campaignId);
    // Claimed (the claim clears the provider; only the mark, right before the call, names it), then the sender died.
    await h.db.update(sendJobs).set({ status: 'sending', attempts: 1, claimedAt: h.now(), provider: null }).where(eq(sendJobs.id, claimed!.id));
    expect((await drain(tenant.id, campaignId))[0]).toMatchObject({ sent: 2 });
    // After the claim lease it is certainly not with the provider: queued again and sent, with a new attempt token.
    h.advance(3 * 60_000);
    expect(total(await drain(tenant.id, campaignId), 'sent')).toBe(1);
    const [row] = await h.db.select().from(sendJobs).where(eq(sendJobs.id, claimed!.id));
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    expect((await receiptsPerJob(campaignId)).get(claimed!.id)).toBe(1);
  });
});
