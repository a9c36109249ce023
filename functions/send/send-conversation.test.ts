import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationSender } from '../../core/routing';
import { newId } from '../../core/ids';
import { queryRows } from '../../db/client';
import { budgets, contacts, costs, events, prices, sendingNumbers, sendJobs } from '../../db/schema/index';
import { testId } from '../../db/testing';
import { startApiHarness, type ApiHarness } from '../api/testing/api-harness';
import { startProviderServer, type ProviderReply, type ProviderServer } from '../shared/sms/test-support/provider-server';
import { createTwilioSms } from '../shared/sms/twilio';
import { conversationSenderDeps, sendConversation, sweepConversationReplies, type ConversationSenderDeps } from './send-conversation';

let h: ApiHarness;
let twilio: ProviderServer;
let twilioReply: ProviderReply = { status: 500, json: {} };
beforeAll(async () => {
  h = await startApiHarness();
  await h.db.insert(prices).values({ provider: 'twilio', country: 'AU', microsPerPart: 51_500 }).onConflictDoNothing();
  twilio = await startProviderServer(() => twilioReply);
});
afterAll(async () => {
  await twilio.close();
  await h.close();
});

let seq = 0;
const mobile = () => `+61477${String((Date.now() % 10_000) * 100 + (seq++ % 100)).padStart(6, '0')}`;

/** A tenant with one 1:1 number of `provider`, a contact, and a queued reply to them. */
async function queuedReply(options: { provider?: 'sandbox' | 'twilio'; body?: string } = {}) {
  const { tenant } = await h.newTenant();
  const numberId = testId('sendingNumber');
  const from = mobile();
  await h.db.insert(sendingNumbers).values({ id: numberId, tenantId: tenant.id, e164: from, provider: options.provider ?? 'sandbox', use: 'conversation' });
  const contactId = testId('contact');
  const to = mobile();
  await h.db.insert(contacts).values({ id: contactId, tenantId: tenant.id, phoneE164: to, firstName: 'Jo' });
  const jobId = newId('sendJob', h.now().getTime(), new Uint8Array(10).map(() => Math.floor(Math.random() * 256)));
  await h.db.insert(sendJobs).values({ id: jobId, tenantId: tenant.id, kind: 'conversation', contactId, toE164: to, sendingNumberId: numberId, body: options.body ?? 'See you then', clientMessageId: `cm-${jobId}` });
  return { tenantId: tenant.id, jobId, from, to, contactId };
}

const sandboxDeps = (): ConversationSenderDeps => conversationSenderDeps(h.services);
const twilioDeps = (): ConversationSenderDeps => ({
  ...sandboxDeps(),
  conversation: conversationSender(createTwilioSms({ accountSid: 'AC00000000000000000000000000000000', authToken: 'token', baseUrl: twilio.url, fetch, timeoutMs: 2_000 })),
});

async function job(id: string) {
  const [row] = await h.db.select().from(sendJobs).where(eq(sendJobs.id, id));
  if (row === undefined) throw new Error('no job');
  return row;
}

async function sandboxCalls(key: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(h.db, sql`select count(*)::int as n from sandbox_receipts where idempotency_key = ${key}`);
  return row?.n ?? 0;
}

describe('sendConversation', () => {
  it('claims a reply once: two senders racing make one provider call', async () => {
    const { tenantId, jobId } = await queuedReply();
    const outcomes = await Promise.all([sendConversation(sandboxDeps(), { tenantId, jobId }), sendConversation(sandboxDeps(), { tenantId, jobId })]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['not_claimed', 'sent']);
    expect(await sandboxCalls(jobId)).toBe(1);
    expect(await job(jobId)).toMatchObject({ status: 'sent', attempts: 1, provider: 'sandbox', parts: 1 });
    // A late redelivery finds nothing to do.
    expect(await sendConversation(sandboxDeps(), { tenantId, jobId })).toEqual({ outcome: 'not_claimed' });
    expect(await sandboxCalls(jobId)).toBe(1);
  });

  it('speaks Twilio on the wire, records SENT with the provider id, and charges the price', async () => {
    const { tenantId, jobId, from, to } = await queuedReply({ provider: 'twilio' });
    twilioReply = { status: 201, json: { sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued', num_segments: '1', to, from, body: 'See you then' } };
    const before = twilio.requests.length;
    const outcome = await sendConversation(twilioDeps(), { tenantId, jobId });
    expect(outcome).toEqual({ outcome: 'sent', providerMessageId: 'SM0123456789abcdef0123456789abcdef' });
    const requests = twilio.requests.slice(before);
    expect(requests).toHaveLength(1);
    const form = new URLSearchParams(requests[0]?.body ?? '');
    expect(Object.fromEntries(form)).toEqual({ To: to, From: from, Body: 'See you then', StatusCallback: 'http://localhost:8787/api/webhooks/twilio' });
    expect(await job(jobId)).toMatchObject({ status: 'sent', provider: 'twilio', providerMessageId: 'SM0123456789abcdef0123456789abcdef', costMicros: 51_500 });
    expect(await h.db.select().from(costs).where(eq(costs.sendJobId, jobId))).toMatchObject([{ amountMicros: 51_500, parts: 1, provider: 'twilio' }]);
    const sent = await h.db.select().from(events).where(eq(events.sendJobId, jobId));
    expect(sent.map((e) => e.type)).toEqual(['SENT']);
  });

  it('a provider that may have taken the message sends the reply to reconciliation, never again', async () => {
    const { tenantId, jobId } = await queuedReply({ provider: 'twilio' });
    twilioReply = 'drop';
    const before = twilio.requests.length;
    expect(await sendConversation(twilioDeps(), { tenantId, jobId })).toEqual({ outcome: 'reconcile' });
    expect(await job(jobId)).toMatchObject({ status: 'reconcile', errorCode: 'outcome_unknown' });
    expect(await sendConversation(twilioDeps(), { tenantId, jobId })).toEqual({ outcome: 'not_claimed' });
    expect(twilio.requests.length - before).toBe(1);
  });

  it("records Twilio's refusal with its code", async () => {
    const { tenantId, jobId } = await queuedReply({ provider: 'twilio' });
    twilioReply = { status: 400, json: { code: 21408, message: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number", more_info: 'https://www.twilio.com/docs/errors/21408', status: 400 } };
    expect(await sendConversation(twilioDeps(), { tenantId, jobId })).toEqual({ outcome: 'failed', errorCode: '21408' });
    expect(await job(jobId)).toMatchObject({ status: 'failed', errorCode: '21408' });
    expect((await h.db.select().from(events).where(eq(events.sendJobId, jobId))).map((e) => e.type)).toEqual(['FAILED']);
  });

  it('never sends from a number of another route or provider', async () => {
    // A sandbox number cannot stand in when the 1:1 route is real Twilio.
    const { tenantId, jobId } = await queuedReply({ provider: 'sandbox' });
    const before = twilio.requests.length;
    expect(await sendConversation(twilioDeps(), { tenantId, jobId })).toEqual({ outcome: 'failed', errorCode: 'no_conversation_number' });
    expect(twilio.requests.length).toBe(before);
  });

  it('a spent budget stops a reply before the provider', async () => {
    const { tenantId, jobId } = await queuedReply();
    await h.db.insert(budgets).values({ tenantId, dailyMicros: 0, monthlyMicros: 0 });
    expect(await sendConversation(sandboxDeps(), { tenantId, jobId })).toEqual({ outcome: 'skipped', reason: 'monthly_budget' });
    expect(await sandboxCalls(jobId)).toBe(0);
  });

  it('leaves campaign jobs and jobs of other tenants alone', async () => {
    const { jobId } = await queuedReply();
    const other = await h.newTenant();
    expect(await sendConversation(sandboxDeps(), { tenantId: other.tenant.id, jobId })).toEqual({ outcome: 'not_claimed' });
    expect(await job(jobId)).toMatchObject({ status: 'queued', attempts: 0 });
  });
});

describe('sweepConversationReplies', () => {
  it('sends a reply whose inline send was lost, and fails one that waited too long', async () => {
    const fresh = await queuedReply();
    const lost = await queuedReply();
    const old = await queuedReply();
    const at = h.now().getTime();
    await h.db.update(sendJobs).set({ createdAt: new Date(at - 60_000) }).where(eq(sendJobs.id, lost.jobId));
    await h.db.update(sendJobs).set({ createdAt: new Date(at - 11 * 60_000) }).where(eq(sendJobs.id, old.jobId));
    const outcome = await sweepConversationReplies(sandboxDeps());
    expect(outcome).toMatchObject({ sent: 1, expired: 1 });
    expect(await job(lost.jobId)).toMatchObject({ status: 'sent' });
    expect(await job(old.jobId)).toMatchObject({ status: 'failed', errorCode: 'not_sent_in_time' });
    expect(await job(fresh.jobId)).toMatchObject({ status: 'queued' });
    expect(await sandboxCalls(old.jobId)).toBe(0);
    // Run again: nothing more is sent.
    await sweepConversationReplies(sandboxDeps());
    expect(await sandboxCalls(lost.jobId)).toBe(1);
  });
});
