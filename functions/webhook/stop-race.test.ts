/**
 * A STOP racing the sender. The guarantee: a STOP processed before a job's final gate check (the DNC
 * read right before the provider call, send-batch.ts `freshFacts`) is never followed by a send to that
 * number. The interleavings are made exact by running the STOP webhook from inside the sender, at a
 * chosen step, through the Counters port the sender calls at that step (the real Postgres counters,
 * with a hook that first lets the STOP through the real signed webhook).
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Counters } from '../../core/ports/counters';
import { budgets, sandboxReceipts, sendJobs } from '../../db/schema/index';
import { seedContacts } from '../enqueue/testing/broadcaster-fixtures';
import { sendBatch } from '../send/send-batch';
import { senderDeps } from '../send/index';
import { advanceToSendingHours, queueCampaign, startWebhookHarness, type WebhookHarness } from './testing/webhook-harness';

let h: WebhookHarness;
beforeAll(async () => {
  h = await startWebhookHarness();
});
afterAll(async () => {
  await h.close();
});

let sid = 0;
const newSid = () => `SMRACE${String(Date.now())}${String(sid++).padStart(4, '0')}`;

/** The real counters, running `before` once when the sender first calls `method` with a key matching `key`. */
function countersWithHook(real: Counters, method: 'readWindow' | 'tryConsume', key: (k: string) => boolean, before: () => Promise<void>): Counters & { fired(): boolean } {
  let fired = false;
  const hook = async (k: string) => {
    if (!fired && key(k)) {
      fired = true;
      await before();
    }
  };
  return {
    kind: real.kind,
    fired: () => fired,
    incrementWindow: (k, w, by) => real.incrementWindow(k, w, by),
    readWindow: async (k, w) => {
      if (method === 'readWindow') await hook(k);
      return real.readWindow(k, w);
    },
    tryConsume: async (k, w, amount, limit) => {
      if (method === 'tryConsume') await hook(k);
      return real.tryConsume(k, w, amount, limit);
    },
    setFlag: (k, v, ttl) => real.setFlag(k, v, ttl),
    getFlag: (k) => real.getFlag(k),
    clearFlag: (k) => real.clearFlag(k),
    setIfAbsent: (k, ttl, v) => real.setIfAbsent(k, ttl, v),
  };
}

async function setUp() {
  const t = await h.newTenant();
  // A budget makes the sender read the spend counters after its claim (the first hook point), and a
  // tenant rate makes it take the rate counter right after the gate check (the second).
  await h.api.db.insert(budgets).values({ tenantId: t.tenantId, dailyMicros: 1_000_000_000, monthlyMicros: 10_000_000_000, perMinute: 1000 });
  const contacts = await seedContacts(h.api.db, t.tenantId, 1);
  const [contact] = contacts;
  if (contact === undefined) throw new Error('no contact');
  const { campaignId, jobs } = await queueCampaign(h, t, contacts);
  const job = jobs[0];
  if (job === undefined) throw new Error('no job');
  advanceToSendingHours(h);
  const stop = async () => {
    const res = await h.postTwilio({ AccountSid: 'AC1', MessageSid: newSid(), SmsStatus: 'received', From: contact.phone, To: t.conversation.e164, Body: 'STOP' });
    expect(res.status).toBe(200);
  };
  const campaignSends = async () => h.api.db.select().from(sandboxReceipts).where(and(eq(sandboxReceipts.fromNumber, t.bulk.e164), eq(sandboxReceipts.toNumber, contact.phone)));
  const jobRow = async () => (await h.api.db.select({ status: sendJobs.status, skipReason: sendJobs.skipReason, attempts: sendJobs.attempts }).from(sendJobs).where(eq(sendJobs.id, job.id)))[0];
  return { t, campaignId, stop, campaignSends, jobRow };
}

describe('a STOP racing a campaign send', () => {
  it('STOP before the batch: the job is cancelled and never claimed', async () => {
    const s = await setUp();
    await s.stop();
    const outcome = await sendBatch(senderDeps(h.services), { tenantId: s.t.tenantId, campaignId: s.campaignId });
    expect(outcome.claimed).toBe(0);
    expect(await s.jobRow()).toEqual({ status: 'cancelled', skipReason: 'opted_out', attempts: 0 });
    expect(await s.campaignSends()).toEqual([]);
  });

  it('STOP after the sender claimed the job but before its final gate check: no send', async () => {
    const s = await setUp();
    const counters = countersWithHook(h.services.counters, 'readWindow', (k) => k === `spend:${s.t.tenantId}:day`, async () => {
      // The job is claimed (`sending`): the STOP cannot cancel it; only the final gate can stop it.
      expect((await s.jobRow())?.status).toBe('sending');
      await s.stop();
    });
    const outcome = await sendBatch({ ...senderDeps(h.services), counters }, { tenantId: s.t.tenantId, campaignId: s.campaignId });
    expect(counters.fired()).toBe(true);
    expect(outcome).toMatchObject({ claimed: 1, sent: 0, skipped: 1 });
    expect(await s.jobRow()).toMatchObject({ status: 'skipped', skipReason: 'opted_out' });
    expect(await s.campaignSends()).toEqual([]);
  });

  it('STOP just after the final gate check: that one send goes (the boundary), and nothing after it', async () => {
    const s = await setUp();
    const counters = countersWithHook(h.services.counters, 'tryConsume', (k) => k === `rate:${s.t.tenantId}:minute`, s.stop);
    const outcome = await sendBatch({ ...senderDeps(h.services), counters }, { tenantId: s.t.tenantId, campaignId: s.campaignId });
    expect(counters.fired()).toBe(true);
    expect(outcome).toMatchObject({ claimed: 1, sent: 1 });
    expect(await s.campaignSends()).toHaveLength(1);
    // Nothing later reaches the number: another run finds nothing to send.
    const again = await sendBatch(senderDeps(h.services), { tenantId: s.t.tenantId, campaignId: s.campaignId });
    expect(again.claimed).toBe(0);
    expect(await s.campaignSends()).toHaveLength(1);
  });
});
