import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client';
import { auditLog, campaigns, contacts, conversations, doNotContact, events, sendJobs, tenants } from '../../db/schema/index';
import { testId } from '../../db/testing';
import { sandboxMagicNumbers } from '../shared/sms/sandbox';
import { recordInboundMessage } from './testing/inbound-fixture';
import { startApiHarness, type ApiHarness, type Session } from './testing/api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h.close();
});

let seq = 0;
const uniqueMobile = () => `+61488${String((Date.now() % 10_000) * 100 + (seq++ % 100)).padStart(6, '0')}`;

type Message = { id: string; direction: 'inbound' | 'outbound'; kind: string | null; body: string; tick: string | null; status: string | null; errorCode: string | null; canRetry: boolean; problem: string | null; from: string | null };
type Reply = { id: string; status: string; message: Message };

async function setUp(options: { numbers?: number } = {}) {
  const { tenant, admin } = await h.newTenant();
  const session = await h.login(admin.email);
  const numbers: string[] = [];
  for (let i = 0; i < (options.numbers ?? 1); i++) {
    const e164 = uniqueMobile();
    const res = await h.request('/api/sending-numbers', { json: { e164, provider: 'sandbox', use: 'conversation' }, as: session });
    if (res.status !== 201) throw new Error(await res.text());
    numbers.push(e164);
  }
  return { tenantId: tenant.id, session, numbers };
}

async function addContact(tenantId: string, phone = uniqueMobile(), firstName = 'Sam') {
  const id = testId('contact');
  await h.db.insert(contacts).values({ id, tenantId, phoneE164: phone, firstName, lastName: 'Lee' });
  return { id, phone };
}

const reply = (session: Session, contactId: string, body: string, clientMessageId: string) =>
  h.request(`/api/conversations/${contactId}/messages`, { json: { body, clientMessageId }, as: session });

async function providerCalls(key: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(h.db, sql`select count(*)::int as n from sandbox_receipts where idempotency_key = ${key}`);
  return row?.n ?? 0;
}

async function thread(session: Session, contactId: string) {
  const res = await h.request(`/api/conversations/${contactId}`, { as: session });
  expect(res.status).toBe(200);
  return (await res.json()) as { contact: { name: string | null; phoneE164: string }; thread: { unreadCount: number } | null; messages: Message[]; timeline: { type: string }[] };
}

describe('replying in a conversation', () => {
  it('sends a reply through the 1:1 route once, and the same clientMessageId again sends nothing', async () => {
    const { tenantId, session, numbers } = await setUp();
    const contact = await addContact(tenantId);
    const first = await reply(session, contact.id, 'Thanks Sam, see you at 3.', 'cm-once-0001');
    expect(first.status).toBe(202);
    const sent = (await first.json()) as Reply;
    expect(sent.status).toBe('sent');
    expect(sent.message).toMatchObject({ direction: 'outbound', body: 'Thanks Sam, see you at 3.', tick: 'sent', from: numbers[0] });
    expect(await providerCalls(sent.id)).toBe(1);

    const again = await reply(session, contact.id, 'Thanks Sam, see you at 3.', 'cm-once-0001');
    expect(again.status).toBe(202);
    expect(((await again.json()) as Reply).id).toBe(sent.id);
    expect(await providerCalls(sent.id)).toBe(1);
    const jobs = await h.db.select().from(sendJobs).where(eq(sendJobs.tenantId, tenantId));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ kind: 'conversation', provider: 'sandbox', status: 'sent', clientMessageId: 'cm-once-0001' });

    // The id reused for another text is refused, and writes nothing.
    const reused = await reply(session, contact.id, 'Something else', 'cm-once-0001');
    expect(reused.status).toBe(409);
    expect(((await reused.json()) as { error: { code: string } }).error.code).toBe('idempotency_conflict');
    expect(await h.db.select().from(sendJobs).where(eq(sendJobs.tenantId, tenantId))).toHaveLength(1);
    // One audit row: who sent what to whom.
    const audit = await h.db.select().from(auditLog).where(and(eq(auditLog.tenantId, tenantId), eq(auditLog.action, 'conversation.reply')));
    expect(audit).toHaveLength(1);
  });

  it('two requests racing with one clientMessageId send once', async () => {
    const { tenantId, session } = await setUp();
    const contact = await addContact(tenantId);
    const answers = await Promise.all([reply(session, contact.id, 'Racing', 'cm-race-0001'), reply(session, contact.id, 'Racing', 'cm-race-0001')]);
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as Reply[];
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    expect(bodies[0]?.id).toBe(bodies[1]?.id);
    expect(await providerCalls(bodies[0]?.id ?? '')).toBe(1);
  });

  it('shows a provider failure with its code, and a retry is a new attempt with the same text', async () => {
    const { tenantId, session } = await setUp();
    const [invalid] = sandboxMagicNumbers.invalidNumber.filter((n) => n.startsWith('+61'));
    const contact = await addContact(tenantId, invalid);
    const res = await reply(session, contact.id, 'Are you still keen?', 'cm-fail-0001');
    expect(res.status).toBe(202);
    const failed = (await res.json()) as Reply;
    expect(failed.status).toBe('failed');
    expect(failed.message).toMatchObject({ tick: 'failed', errorCode: '21211', canRetry: true, problem: 'Not a valid phone number (21211)' });
    const view = await thread(session, contact.id);
    expect(view.messages.at(-1)).toMatchObject({ id: failed.id, tick: 'failed', errorCode: '21211' });
    expect(view.timeline.map((e) => e.type)).toContain('FAILED');

    const retried = await h.request(`/api/conversations/${contact.id}/messages/${failed.id}/retry`, { method: 'POST', as: session });
    expect(retried.status).toBe(202);
    const second = (await retried.json()) as Reply;
    expect(second).toMatchObject({ id: failed.id, status: 'failed', message: { body: 'Are you still keen?', errorCode: '21211' } });
    expect(await providerCalls(failed.id)).toBe(1);
    expect(await providerCalls(`${failed.id}#2`)).toBe(1);
  });

  it('a retry after a provider outage goes out', async () => {
    const { tenantId, session } = await setUp();
    const [flaky] = sandboxMagicNumbers.unavailableThenAccepted.filter((n) => n.startsWith('+61'));
    const contact = await addContact(tenantId, flaky);
    const failed = (await (await reply(session, contact.id, 'Hello again', 'cm-flaky-001')).json()) as Reply;
    expect(failed).toMatchObject({ status: 'failed', message: { errorCode: '20500', canRetry: true } });
    const retried = (await (await h.request(`/api/conversations/${contact.id}/messages/${failed.id}/retry`, { method: 'POST', as: session })).json()) as Reply;
    expect(retried).toMatchObject({ id: failed.id, status: 'sent', message: { tick: 'sent', errorCode: null, canRetry: false } });
    // A second click on the old retry button changes nothing and sends nothing.
    const double = (await (await h.request(`/api/conversations/${contact.id}/messages/${failed.id}/retry`, { method: 'POST', as: session })).json()) as Reply;
    expect(double.status).toBe('sent');
    expect((await providerCalls(failed.id)) + (await providerCalls(`${failed.id}#2`)) + (await providerCalls(`${failed.id}#3`))).toBe(2);
  });

  it('an opted-out answer from the provider puts the number on the DNC list', async () => {
    const { tenantId, session } = await setUp();
    const [out] = sandboxMagicNumbers.optedOut.filter((n) => n.startsWith('+61'));
    const contact = await addContact(tenantId, out);
    const failed = (await (await reply(session, contact.id, 'Hi', 'cm-out-00001')).json()) as Reply;
    expect(failed.message).toMatchObject({ tick: 'failed', errorCode: '21610' });
    const dnc = await h.db.select().from(doNotContact).where(and(eq(doNotContact.tenantId, tenantId), eq(doNotContact.phoneE164, out ?? '')));
    expect(dnc).toHaveLength(1);
    // Now a retry is stopped by the DNC gate before any provider call.
    const retried = (await (await h.request(`/api/conversations/${contact.id}/messages/${failed.id}/retry`, { method: 'POST', as: session })).json()) as Reply;
    expect(retried).toMatchObject({ status: 'skipped', message: { tick: 'failed', problem: 'Not sent: this contact opted out' } });
    expect(await providerCalls(`${failed.id}#2`)).toBe(0);
  });

  it('pause and DNC stop a reply before the provider, visibly', async () => {
    const { tenantId, session } = await setUp();
    const dncContact = await addContact(tenantId);
    await h.db.insert(doNotContact).values({ tenantId, phoneE164: dncContact.phone, source: 'manual', reason: 'asked by phone' });
    const skipped = (await (await reply(session, dncContact.id, 'Hi', 'cm-dnc-00001')).json()) as Reply;
    expect(skipped).toMatchObject({ status: 'skipped', message: { tick: 'failed', problem: 'Not sent: this number is on the do-not-contact list', canRetry: true } });
    expect(await providerCalls(skipped.id)).toBe(0);

    const contact = await addContact(tenantId);
    await h.db.update(tenants).set({ pausedAt: h.now() }).where(eq(tenants.id, tenantId));
    const paused = (await (await reply(session, contact.id, 'Hi', 'cm-pause-0001')).json()) as Reply;
    expect(paused).toMatchObject({ status: 'skipped', message: { problem: 'Not sent: sending is paused for your organisation', canRetry: true } });
    expect(await providerCalls(paused.id)).toBe(0);
    // Resumed: the retry goes out.
    await h.db.update(tenants).set({ pausedAt: null }).where(eq(tenants.id, tenantId));
    const retried = (await (await h.request(`/api/conversations/${contact.id}/messages/${paused.id}/retry`, { method: 'POST', as: session })).json()) as Reply;
    expect(retried.status).toBe('sent');
  });

  it('without a 1:1 number the reply is refused and nothing is written', async () => {
    const { tenantId, session } = await setUp({ numbers: 0 });
    const contact = await addContact(tenantId);
    const res = await reply(session, contact.id, 'Hi', 'cm-nonum-0001');
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe('no_conversation_number');
    expect(await h.db.select().from(sendJobs).where(eq(sendJobs.tenantId, tenantId))).toHaveLength(0);
    expect(await h.db.select().from(conversations).where(eq(conversations.tenantId, tenantId))).toHaveLength(0);
  });

  it('refuses bad input with a code, and viewers cannot send', async () => {
    const { tenantId, session } = await setUp();
    const contact = await addContact(tenantId);
    expect((await reply(session, contact.id, '   ', 'cm-blank-0001')).status).toBe(400);
    expect((await reply(session, contact.id, 'x'.repeat(1601), 'cm-long-00001')).status).toBe(400);
    expect((await reply(session, contact.id, 'Hi', 'short')).status).toBe(400);
    expect((await h.request(`/api/conversations/${contact.id}/messages`, { json: { body: 'Hi' }, as: session })).status).toBe(400);
    const viewer = await h.login((await h.addUser(tenantId, 'viewer')).email);
    expect((await reply(viewer, contact.id, 'Hi', 'cm-viewer-0001')).status).toBe(403);
    expect(await h.db.select().from(sendJobs).where(eq(sendJobs.tenantId, tenantId))).toHaveLength(0);
  });
});

describe('the inbox', () => {
  it('lists threads by newest activity with unread counts and previews; a thread holds both directions in time order', async () => {
    const { tenantId, session, numbers } = await setUp({ numbers: 2 });
    const ana = await addContact(tenantId, uniqueMobile(), 'Ana');
    const bo = await addContact(tenantId, uniqueMobile(), 'Bo');
    const t0 = h.now().getTime();
    h.advance(1_000);
    // Ana writes to the second number; the reply goes back from it.
    await recordInboundMessage(h.db, { tenantId, contactId: ana.id, from: ana.phone, to: numbers[1] ?? '', body: 'Is the offer still on?', at: new Date(t0 + 1_000) });
    h.advance(1_000);
    await recordInboundMessage(h.db, { tenantId, contactId: bo.id, from: bo.phone, to: numbers[0] ?? '', body: 'Call me', at: new Date(t0 + 2_000) });
    await recordInboundMessage(h.db, { tenantId, contactId: bo.id, from: bo.phone, to: numbers[0] ?? '', body: 'Please', at: new Date(t0 + 2_500) });

    let list = (await (await h.request('/api/conversations', { as: session })).json()) as {
      threads: { contactId: string; unreadCount: number; contact: { name: string }; lastMessage: { direction: string; body: string } }[];
      unreadThreads: number;
    };
    expect(list.threads.map((t) => [t.contact.name, t.unreadCount, t.lastMessage.body])).toEqual([
      ['Bo Lee', 2, 'Please'],
      ['Ana Lee', 1, 'Is the offer still on?'],
    ]);
    expect(list.unreadThreads).toBe(2);

    h.advance(1_000);
    const sent = (await (await reply(session, ana.id, 'Yes, until Friday.', 'cm-inbox-0001')).json()) as Reply;
    expect(sent.message.from).toBe(numbers[1]);
    list = (await (await h.request('/api/conversations', { as: session })).json()) as typeof list;
    expect(list.threads[0]).toMatchObject({ contactId: ana.id, lastMessage: { direction: 'outbound', body: 'Yes, until Friday.' } });

    const view = await thread(session, ana.id);
    expect(view.contact).toMatchObject({ name: 'Ana Lee', phoneE164: ana.phone });
    expect(view.messages.map((m) => [m.direction, m.body, m.tick])).toEqual([
      ['inbound', 'Is the offer still on?', null],
      ['outbound', 'Yes, until Friday.', 'sent'],
    ]);
    expect(view.timeline.map((e) => e.type)).toEqual(['INBOUND', 'SENT']);
    expect(view.thread?.unreadCount).toBe(1);

    // Mark read: the unread count goes to zero; reading again writes nothing more.
    const read = await h.request(`/api/conversations/${ana.id}/read`, { method: 'POST', as: session });
    expect(read.status).toBe(200);
    expect((await thread(session, ana.id)).thread?.unreadCount).toBe(0);
    expect((await h.request(`/api/conversations/${ana.id}/read`, { method: 'POST', as: session })).status).toBe(200);
    const reads = await h.db.select().from(auditLog).where(and(eq(auditLog.tenantId, tenantId), eq(auditLog.action, 'conversation.read')));
    expect(reads).toHaveLength(1);

    const unreadOnly = (await (await h.request('/api/conversations?unread=true', { as: session })).json()) as typeof list;
    expect(unreadOnly.threads.map((t) => t.contactId)).toEqual([bo.id]);
  });

  it('shows campaign messages that went out and automatic STOP answers in the thread, not jobs still waiting', async () => {
    const { tenantId, session, numbers } = await setUp();
    const contact = await addContact(tenantId);
    const campaignId = testId('campaign');
    await h.db.insert(campaigns).values({ id: campaignId, tenantId, name: 'Spring offer', status: 'sending' });
    const t0 = h.now().getTime() - 60_000;
    await h.db.insert(sendJobs).values({ id: testId('sendJob'), tenantId, kind: 'campaign', campaignId, contactId: contact.id, toE164: contact.phone, body: 'Hi Sam, 20% off this week. Reply STOP to opt out', status: 'delivered', provider: 'sandbox', sentAt: new Date(t0), createdAt: new Date(t0 - 5_000) });
    const other = testId('campaign');
    await h.db.insert(campaigns).values({ id: other, tenantId, name: 'Later', status: 'queued' });
    await h.db.insert(sendJobs).values({ id: testId('sendJob'), tenantId, kind: 'campaign', campaignId: other, contactId: contact.id, toE164: contact.phone, status: 'queued' });
    await recordInboundMessage(h.db, { tenantId, contactId: contact.id, from: contact.phone, to: numbers[0] ?? '', body: 'STOP', at: new Date(t0 + 1_000) });
    // The webhook's own confirmation: a SENT event with `data.reply` and no send job.
    await h.db.insert(events).values({ id: testId('event'), tenantId, type: 'SENT', contactId: contact.id, occurredAt: new Date(t0 + 2_000), data: { reply: 'opt_out', body: 'You are unsubscribed. Reply START to resubscribe.', from: numbers[0], to: contact.phone } });
    const view = await thread(session, contact.id);
    expect(view.messages.map((m) => [m.direction, m.body, m.tick])).toEqual([
      ['outbound', 'Hi Sam, 20% off this week. Reply STOP to opt out', 'delivered'],
      ['inbound', 'STOP', null],
      ['outbound', 'You are unsubscribed. Reply START to resubscribe.', 'sent'],
    ]);
    expect(view.messages.map((m) => m.kind)).toEqual(['campaign', null, 'auto']);
  });

  it('pages through threads with a cursor', async () => {
    const { tenantId, session, numbers } = await setUp();
    const base = h.now().getTime();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await addContact(tenantId);
      ids.push(c.id);
      await recordInboundMessage(h.db, { tenantId, contactId: c.id, from: c.phone, to: numbers[0] ?? '', body: `m${i}`, at: new Date(base + i * 1000) });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const res = await h.request(`/api/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { as: session });
      const body = (await res.json()) as { threads: { contactId: string }[]; nextCursor: string | null };
      seen.push(...body.threads.map((t) => t.contactId));
      cursor = body.nextCursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual([...ids].reverse());
    expect((await h.request('/api/conversations?cursor=nonsense', { as: session })).status).toBe(400);
  });

  it("never shows another tenant's threads or contacts", async () => {
    const a = await setUp();
    const b = await setUp();
    const theirs = await addContact(b.tenantId);
    await recordInboundMessage(h.db, { tenantId: b.tenantId, contactId: theirs.id, from: theirs.phone, to: b.numbers[0] ?? '', body: 'secret', at: h.now() });
    const list = (await (await h.request('/api/conversations', { as: a.session })).json()) as { threads: unknown[] };
    expect(list.threads).toEqual([]);
    expect((await h.request(`/api/conversations/${theirs.id}`, { as: a.session })).status).toBe(404);
    expect((await reply(a.session, theirs.id, 'Hi', 'cm-cross-0001')).status).toBe(404);
    expect((await h.request(`/api/conversations/${theirs.id}/read`, { method: 'POST', as: a.session })).status).toBe(404);
    const [row] = await h.db.select().from(conversations).where(eq(conversations.contactId, theirs.id));
    expect(row?.unreadCount).toBe(1);
    expect(await h.db.select().from(events).where(eq(events.tenantId, a.tenantId))).toHaveLength(0);
  });
});
