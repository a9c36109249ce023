import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256, toHex } from '../../core/signatures/hmac';
import { twilioSignature, twilioSignatureHeader } from '../../core/signatures/twilio';
import { queryRows } from '../../db/client';
import { conversations, events, sendJobs, webhookEvents } from '../../db/schema/index';
import { seedContacts } from '../enqueue/testing/broadcaster-fixtures';
import { emptyTwiml } from './index';
import { webhookLag } from './webhook-lag';
import { publicUrl, startWebhookHarness, twilioUrl, uniqueSendingNumber, type WebhookHarness } from './testing/webhook-harness';

let h: WebhookHarness;
beforeAll(async () => {
  h = await startWebhookHarness();
});
afterAll(async () => {
  await h.close();
});

let sid = 0;
const newSid = (prefix = 'SM') => `${prefix}${String(Date.now())}${String(sid++).padStart(6, '0')}`;

const storedEvents = async (provider: 'twilio' | 'signalhouse', id: string) =>
  h.api.db.select().from(webhookEvents).where(and(eq(webhookEvents.provider, provider), eq(webhookEvents.providerEventId, id)));

/** A sent campaign-like job on the tenant's bulk number, as the sender leaves it. */
async function sentJob(tenantId: string, numberId: string, provider: 'sandbox', providerMessageId: string) {
  const [contact] = await seedContacts(h.api.db, tenantId, 1);
  if (contact === undefined) throw new Error('no contact');
  const id = `job_${providerMessageId.toLowerCase()}`;
  // A conversation job needs no campaign; the webhook treats every kind alike.
  await h.api.db.insert(sendJobs).values({ id, tenantId, kind: 'conversation', contactId: contact.id, toE164: contact.phone, body: 'hello', sendingNumberId: numberId, status: 'sent', provider, providerMessageId, sentAt: h.api.now() });
  return { id, contact };
}

const jobStatus = async (id: string) => (await h.api.db.select({ status: sendJobs.status, errorCode: sendJobs.errorCode }).from(sendJobs).where(eq(sendJobs.id, id)))[0];
const eventTypes = async (jobId: string) => (await h.api.db.select({ type: events.type }).from(events).where(eq(events.sendJobId, jobId))).map((e) => e.type).sort();

describe('POST /api/webhooks/twilio', () => {
  it('answers an inbound message with empty TwiML, stores it for the receiving number’s tenant and threads it', async () => {
    const t = await h.newTenant();
    const messageSid = newSid();
    const res = await h.postTwilio({ AccountSid: 'AC1', MessageSid: messageSid, SmsSid: messageSid, SmsStatus: 'received', From: '+61412000001', To: t.conversation.e164, Body: 'Is this still available?', NumSegments: '1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/xml');
    expect(await res.text()).toBe(emptyTwiml);
    const [stored] = await storedEvents('twilio', `${messageSid}:received`);
    expect(stored).toMatchObject({ tenantId: t.tenantId, kind: 'inbound', error: null });
    expect(stored?.processedAt).not.toBeNull();
    const inbound = await h.api.db.select().from(events).where(and(eq(events.tenantId, t.tenantId), eq(events.type, 'INBOUND')));
    expect(inbound).toHaveLength(1);
    expect(inbound[0]?.data).toMatchObject({ body: 'Is this still available?', from: '+61412000001', to: t.conversation.e164, provider: 'twilio', providerMessageId: messageSid, intent: null });
    const [thread] = await h.api.db.select().from(conversations).where(eq(conversations.contactId, inbound[0]?.contactId ?? ''));
    expect(thread).toMatchObject({ tenantId: t.tenantId, unreadCount: 1 });
    expect(thread?.lastInboundAt).not.toBeNull();
  });

  it.each([
    ['a wrong auth token', { token: 'not-the-token' }],
    ['no signature', { signature: null }],
    ['a signature for another URL (one character)', { sign: true, url: `${publicUrl}/api/webhooks/twilio?x=1` }],
    ['a signature for another host', { sign: true, url: 'https://reactor.exampl/api/webhooks/twilio' }],
  ])('refuses %s with 401 and stores nothing', async (_name, change) => {
    const t = await h.newTenant();
    const messageSid = newSid();
    const params = { MessageSid: messageSid, SmsStatus: 'received', From: '+61412000002', To: t.conversation.e164, Body: 'hi' };
    let res: Response;
    if ('sign' in change) {
      // Signed correctly, but for a URL other than the one the request went to.
      const signature = await twilioSignature(h.secrets.twilioAuthToken, change.url, params);
      res = await h.postTwilio(params, { signature });
    } else res = await h.postTwilio(params, change);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    expect(await storedEvents('twilio', `${messageSid}:received`)).toHaveLength(0);
    expect(await h.api.db.select().from(events).where(eq(events.tenantId, t.tenantId))).toHaveLength(0);
  });

  it('refuses a changed parameter (signed, then the body altered)', async () => {
    const t = await h.newTenant();
    const messageSid = newSid();
    const params = { MessageSid: messageSid, SmsStatus: 'received', From: '+61412000003', To: t.conversation.e164, Body: 'hi' };
    const signature = await twilioSignature(h.secrets.twilioAuthToken, twilioUrl, params);
    const res = await h.postTwilio({ ...params, Body: 'hj' }, { signature });
    expect(res.status).toBe(401);
    expect(await storedEvents('twilio', `${messageSid}:received`)).toHaveLength(0);
  });

  it('accepts a signature over the URL with the standard port, and over the query string it was called with', async () => {
    const t = await h.newTenant();
    const withPort = { MessageSid: newSid(), SmsStatus: 'received', From: '+61412000004', To: t.conversation.e164, Body: 'one' };
    const signature = await twilioSignature(h.secrets.twilioAuthToken, 'https://reactor.example:443/api/webhooks/twilio', withPort);
    expect((await h.postTwilio(withPort, { signature })).status).toBe(200);
    const withQuery = { MessageSid: newSid(), SmsStatus: 'received', From: '+61412000004', To: t.conversation.e164, Body: 'two' };
    expect((await h.postTwilio(withQuery, { url: `${twilioUrl}?source=console&v=2` })).status).toBe(200);
    expect(await h.api.db.select().from(events).where(and(eq(events.tenantId, t.tenantId), eq(events.type, 'INBOUND')))).toHaveLength(2);
  });

  it('checks bodySHA256 for a JSON body: the hash must match the raw body', async () => {
    const t = await h.newTenant();
    const messageSid = newSid();
    const body = JSON.stringify({ MessageSid: messageSid, SmsStatus: 'received', From: '+61412000005', To: t.conversation.e164, Body: 'json hello' });
    const url = `${twilioUrl}?bodySHA256=${toHex(await sha256(body))}`;
    const signature = await twilioSignature(h.secrets.twilioAuthToken, url, {});
    const post = (raw: string) => h.app.request(url, { method: 'POST', headers: { 'content-type': 'application/json', [twilioSignatureHeader]: signature }, body: raw });
    expect((await post(body.replace('json hello', 'json hellp'))).status).toBe(401);
    expect(await storedEvents('twilio', `${messageSid}:received`)).toHaveLength(0);
    expect((await post(body)).status).toBe(200);
    expect(await storedEvents('twilio', `${messageSid}:received`)).toHaveLength(1);
  });

  it('moves a message forward only: sent → delivered; a replay or a late "sent" changes nothing', async () => {
    const t = await h.newTenant();
    const providerMessageId = newSid('SBX');
    const job = await sentJob(t.tenantId, t.conversation.id, 'sandbox', providerMessageId);
    const status = (MessageStatus: string, extra: Record<string, string> = {}) =>
      h.postTwilio({ AccountSid: 'AC1', MessageSid: providerMessageId, MessageStatus, SmsStatus: MessageStatus, From: t.conversation.e164, To: job.contact.phone, ...extra });

    expect((await status('delivered')).status).toBe(200);
    expect(await jobStatus(job.id)).toMatchObject({ status: 'delivered' });
    expect(await eventTypes(job.id)).toEqual(['DELIVERED']);
    const [before] = await storedEvents('twilio', `${providerMessageId}:delivered`);

    // The same callback again (Twilio retries with the same parameters): 200, nothing changes.
    expect((await status('delivered')).status).toBe(200);
    const [after] = await storedEvents('twilio', `${providerMessageId}:delivered`);
    expect(after?.processedAt).toEqual(before?.processedAt);
    // Out of order: "sent" and "undelivered" after "delivered" cannot move it back.
    expect((await status('sent')).status).toBe(200);
    expect((await status('undelivered', { ErrorCode: '30003' })).status).toBe(200);
    expect(await jobStatus(job.id)).toMatchObject({ status: 'delivered', errorCode: null });
    expect(await eventTypes(job.id)).toEqual(['DELIVERED']);
  });

  it('records a failure with the carrier error code', async () => {
    const t = await h.newTenant();
    const providerMessageId = newSid('SBX');
    const job = await sentJob(t.tenantId, t.conversation.id, 'sandbox', providerMessageId);
    expect((await h.postTwilio({ MessageSid: providerMessageId, MessageStatus: 'undelivered', ErrorCode: '30003', From: t.conversation.e164, To: job.contact.phone })).status).toBe(200);
    expect(await jobStatus(job.id)).toEqual({ status: 'failed', errorCode: '30003' });
    expect(await eventTypes(job.id)).toEqual(['FAILED']);
  });

  it('acknowledges a callback for a number no tenant owns, stores it without a tenant, routes it nowhere', async () => {
    const stranger = uniqueSendingNumber();
    const messageSid = newSid();
    const res = await h.postTwilio({ MessageSid: messageSid, SmsStatus: 'received', From: '+61412000006', To: stranger, Body: 'STOP' });
    expect(res.status).toBe(200);
    const [stored] = await storedEvents('twilio', `${messageSid}:received`);
    expect(stored).toMatchObject({ tenantId: null, error: 'unknown_number' });
    const [row] = await queryRows<{ n: number }>(h.api.db, sql`select count(*)::int as n from events where data->>'providerMessageId' = ${messageSid}`);
    expect(row?.n).toBe(0);
    const [dnc] = await queryRows<{ n: number }>(h.api.db, sql`select count(*)::int as n from do_not_contact where phone_e164 = '+61412000006'`);
    expect(dnc?.n).toBe(0);
  });

  it('keeps inbound to tenant B’s number out of tenant A, even for a contact both tenants have', async () => {
    const a = await h.newTenant({ name: 'Tenant A' });
    const b = await h.newTenant({ name: 'Tenant B' });
    const phone = '+61412000007';
    for (const tenantId of [a.tenantId, b.tenantId]) {
      await queryRows(h.api.db, sql`insert into contacts (id, tenant_id, phone_e164) values (${`ctc_${tenantId.slice(-12)}x`}, ${tenantId}, ${phone})`);
    }
    expect((await h.postTwilio({ MessageSid: newSid(), SmsStatus: 'received', From: phone, To: b.conversation.e164, Body: 'For B only' })).status).toBe(200);
    expect((await h.postTwilio({ MessageSid: newSid(), SmsStatus: 'received', From: phone, To: b.conversation.e164, Body: 'STOP' })).status).toBe(200);
    expect(await h.api.db.select().from(events).where(eq(events.tenantId, a.tenantId))).toHaveLength(0);
    expect(await h.api.db.select().from(conversations).where(eq(conversations.tenantId, a.tenantId))).toHaveLength(0);
    const [aDnc] = await queryRows<{ n: number }>(h.api.db, sql`select count(*)::int as n from do_not_contact where tenant_id = ${a.tenantId}`);
    expect(aDnc?.n).toBe(0);
    expect((await h.api.db.select().from(events).where(and(eq(events.tenantId, b.tenantId), eq(events.type, 'INBOUND')))).map((e) => (e.data as { body: string }).body).sort()).toEqual(['For B only', 'STOP']);
  });
});

describe('POST /api/webhooks/signalhouse', () => {
  const delivered = (id: string, from: string, to: string, event = 'MESSAGE_DELIVERED', status = 'DELIVERED') => ({
    timestamp: h.api.now().toISOString(),
    event,
    identifier: id,
    metaData: { _id: id, status, senderPhoneNumber: from.slice(1), recipientPhoneNumber: to.slice(1), segmentCount: 1, ...(status === 'FAILED' ? { errorCode: 'UNDELIVERED', failureReason: 'carrier' } : {}) },
  });

  it('accepts a valid signature and moves the message; a replayed delivery id changes nothing', async () => {
    const t = await h.newTenant();
    const providerMessageId = newSid('SBX');
    const job = await sentJob(t.tenantId, t.bulk.id, 'sandbox', providerMessageId);
    const body = delivered(providerMessageId, t.bulk.e164, job.contact.phone);
    const first = await h.postSignalHouse(body, { deliveryId: `d-${providerMessageId}` });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true, outcome: 'processed' });
    expect(await jobStatus(job.id)).toMatchObject({ status: 'delivered' });
    const replay = await h.postSignalHouse(body, { deliveryId: `d-${providerMessageId}` });
    expect(await replay.json()).toEqual({ ok: true, outcome: 'replay' });
    expect(await eventTypes(job.id)).toEqual(['DELIVERED']);
    // A late failure for a delivered message is stored, but cannot move it back.
    const late = await h.postSignalHouse(delivered(providerMessageId, t.bulk.e164, job.contact.phone, 'MESSAGE_FAILED', 'FAILED'));
    expect(late.status).toBe(200);
    expect(await jobStatus(job.id)).toMatchObject({ status: 'delivered' });
  });

  it('records the provider time, so webhook lag can be measured', async () => {
    const t = await h.newTenant();
    const providerMessageId = newSid('SBX');
    const job = await sentJob(t.tenantId, t.bulk.id, 'sandbox', providerMessageId);
    const body = { ...delivered(providerMessageId, t.bulk.e164, job.contact.phone), timestamp: new Date(h.api.now().getTime() - 4_000).toISOString() };
    expect((await h.postSignalHouse(body, { deliveryId: `lag-${providerMessageId}` })).status).toBe(200);
    const [stored] = await storedEvents('signalhouse', `lag-${providerMessageId}`);
    expect(stored?.providerTime?.getTime()).toBe(h.api.now().getTime() - 4_000);
    expect((stored?.processedAt?.getTime() ?? 0) - (stored?.providerTime?.getTime() ?? 0)).toBe(4_000);
    const lag = await webhookLag(h.api.db, { since: new Date(h.api.now().getTime() - 1_000) });
    expect(lag.find((l) => l.provider === 'signalhouse')?.maxMs).toBeGreaterThanOrEqual(4_000);
  });

  it.each([
    ['a stale timestamp (more than 5 minutes old)', { timestampMs: -6 * 60_000 }, 'stale_signature'],
    ['a timestamp from the future', { timestampMs: 6 * 60_000 }, 'stale_signature'],
    ['a wrong secret', { secret: 'whsec_wrong' }, 'invalid_signature'],
    ['a changed body', { tamper: (raw: string) => raw.replace('DELIVERED', 'DELIVERES') }, 'invalid_signature'],
  ])('refuses %s with 401 and stores nothing', async (_name, change, code) => {
    const t = await h.newTenant();
    const providerMessageId = newSid('SBX');
    const job = await sentJob(t.tenantId, t.bulk.id, 'sandbox', providerMessageId);
    const deliveryId = `bad-${providerMessageId}`;
    const options = 'timestampMs' in change ? { timestampMs: h.api.now().getTime() + change.timestampMs } : change;
    const res = await h.postSignalHouse(delivered(providerMessageId, t.bulk.e164, job.contact.phone), { ...options, deliveryId });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    expect(await storedEvents('signalhouse', deliveryId)).toHaveLength(0);
    expect(await jobStatus(job.id)).toMatchObject({ status: 'sent' });
  });

  it('refuses an unsigned request', async () => {
    const res = await h.app.request('/api/webhooks/signalhouse', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"event":"MESSAGE_DELIVERED"}' });
    expect(res.status).toBe(401);
  });

  it('stores and acknowledges an event it does not know', async () => {
    const t = await h.newTenant();
    const res = await h.postSignalHouse({ timestamp: Date.now(), event: 'NUMBER_CAMPAIGN_UPDATED', identifier: 'x1', metaData: { senderPhoneNumber: t.bulk.e164.slice(1), anything: [1, 2] } }, { deliveryId: 'unknown-event-1' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, outcome: 'unknown_event' });
    const [stored] = await storedEvents('signalhouse', 'unknown-event-1');
    expect(stored).toMatchObject({ tenantId: t.tenantId, kind: 'NUMBER_CAMPAIGN_UPDATED', error: 'unknown_event' });
    expect(stored?.payload).toMatchObject({ event: 'NUMBER_CAMPAIGN_UPDATED' });
  });

  it('threads an inbound MESSAGE_RECEIVED and records REPLIED when it answers a campaign message', async () => {
    const t = await h.newTenant();
    const [contact] = await seedContacts(h.api.db, t.tenantId, 1);
    if (contact === undefined) throw new Error('no contact');
    const [campaign] = await queryRows<{ id: string }>(h.api.db, sql`insert into campaigns (id, tenant_id, name, status) values (${`cmp_${newSid().toLowerCase()}`}, ${t.tenantId}, 'C', 'sending') returning id`);
    const jobId = `job_${newSid().toLowerCase()}`;
    await h.api.db.insert(sendJobs).values({ id: jobId, tenantId: t.tenantId, kind: 'campaign', campaignId: campaign?.id, contactId: contact.id, toE164: contact.phone, sendingNumberId: t.bulk.id, status: 'delivered', provider: 'sandbox', providerMessageId: newSid('SBX'), sentAt: h.api.now() });
    const res = await h.postSignalHouse({
      timestamp: h.api.now().getTime(),
      event: 'MESSAGE_RECEIVED',
      identifier: 'in-1',
      metaData: { Message: { _id: newSid('IN'), senderPhoneNumber: contact.phone.slice(1), recipientPhoneNumber: t.bulk.e164.slice(1), messageBody: 'stop sending me deals', segmentCount: 1 } },
    });
    expect(res.status).toBe(200);
    const rows = await h.api.db.select().from(events).where(and(eq(events.tenantId, t.tenantId), eq(events.contactId, contact.id)));
    expect(rows.map((r) => r.type).sort()).toEqual(['INBOUND', 'REPLIED']);
    expect(rows.find((r) => r.type === 'REPLIED')).toMatchObject({ campaignId: campaign?.id, sendJobId: jobId });
    const [dnc] = await queryRows<{ n: number }>(h.api.db, sql`select count(*)::int as n from do_not_contact where tenant_id = ${t.tenantId}`);
    expect(dnc?.n).toBe(0);
  });
});
