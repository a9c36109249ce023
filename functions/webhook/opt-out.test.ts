import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optInConfirmation, optOutConfirmation } from '../../core/webhooks/inbound-decision';
import { queryRows } from '../../db/client';
import { doNotContact, events, sandboxReceipts, sendJobs } from '../../db/schema/index';
import { seedContacts } from '../enqueue/testing/broadcaster-fixtures';
import { sandboxMagicNumbers } from '../shared/sms/sandbox';
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
const newSid = () => `SM${String(Date.now())}${String(sid++).padStart(6, '0')}`;

type Tenant = Awaited<ReturnType<WebhookHarness['newTenant']>>;

/** An inbound text from `from` to the tenant's conversation number (Twilio) or bulk number (SignalHouse). */
async function text(t: Tenant, from: string, body: string, via: 'twilio' | 'signalhouse' = 'twilio', messageSid = newSid()) {
  if (via === 'twilio') return h.postTwilio({ AccountSid: 'AC1', MessageSid: messageSid, SmsStatus: 'received', From: from, To: t.conversation.e164, Body: body, NumSegments: '1' });
  return h.postSignalHouse(
    { timestamp: h.api.now().getTime(), event: 'MESSAGE_RECEIVED', identifier: messageSid, metaData: { Message: { _id: messageSid, senderPhoneNumber: from.slice(1), recipientPhoneNumber: t.bulk.e164.slice(1), messageBody: body } } },
    { deliveryId: `dlv-${messageSid}` },
  );
}

const dncOf = async (tenantId: string, phone: string) => (await h.api.db.select().from(doNotContact).where(and(eq(doNotContact.tenantId, tenantId), eq(doNotContact.phoneE164, phone))))[0];
/** What the tenant's own numbers sent to `phone` (other files share the database, and may text the same number). */
const repliesTo = async (t: Tenant, phone: string) =>
  h.api.db
    .select({ from: sandboxReceipts.fromNumber, body: sandboxReceipts.body, imitates: sandboxReceipts.imitates, outcome: sandboxReceipts.outcome })
    .from(sandboxReceipts)
    .where(and(eq(sandboxReceipts.toNumber, phone), inArray(sandboxReceipts.fromNumber, [t.conversation.e164, t.bulk.e164])));
const typesFor = async (tenantId: string, contactPhone: string) =>
  (await queryRows<{ type: string }>(h.api.db, sql`select e.type from events e join contacts c on c.id = e.contact_id where e.tenant_id = ${tenantId} and c.phone_e164 = ${contactPhone} order by e.type`)).map((r) => r.type);

describe('STOP', () => {
  it.each(['STOP', 'stop', 'Stop.', '  STOP!  ', 'ＳＴＯＰ', 'stop   all', 'Unsubscribe', 'opt–out', 'Opt Out', 'QUIT 🙏'])(
    '%j opts out: DNC for the tenant, a confirmation from the receiving number, an OPT_OUT event',
    async (keyword) => {
      const t = await h.newTenant();
      const [contact] = await seedContacts(h.api.db, t.tenantId, 1);
      if (contact === undefined) throw new Error('no contact');
      const res = await text(t, contact.phone, keyword);
      expect(res.status).toBe(200);
      expect(await dncOf(t.tenantId, contact.phone)).toMatchObject({ source: 'stop_keyword', createdBy: null });
      expect(await repliesTo(t, contact.phone)).toEqual([{ from: t.conversation.e164, body: optOutConfirmation(t.name), imitates: 'twilio', outcome: 'accepted' }]);
      expect(await typesFor(t.tenantId, contact.phone)).toEqual(['INBOUND', 'OPT_OUT', 'SENT']);
    },
  );

  it('"stop sending me deals" is not an opt-out: no DNC, no confirmation, an inbound message staff see', async () => {
    const t = await h.newTenant();
    const [contact] = await seedContacts(h.api.db, t.tenantId, 1);
    if (contact === undefined) throw new Error('no contact');
    expect((await text(t, contact.phone, 'stop sending me deals')).status).toBe(200);
    expect(await dncOf(t.tenantId, contact.phone)).toBeUndefined();
    expect(await repliesTo(t, contact.phone)).toEqual([]);
    const [inbound] = await h.api.db.select().from(events).where(and(eq(events.tenantId, t.tenantId), eq(events.contactId, contact.id), eq(events.type, 'INBOUND')));
    expect(inbound?.data).toMatchObject({ body: 'stop sending me deals', intent: null });
  });

  it('cancels the contact’s queued and deferred jobs (skip reason opted_out) and leaves other contacts and finished jobs alone', async () => {
    const t = await h.newTenant();
    const contacts = await seedContacts(h.api.db, t.tenantId, 2);
    const [stopper, other] = contacts;
    if (stopper === undefined || other === undefined) throw new Error('no contacts');
    const { jobs } = await queueCampaign(h, t, contacts);
    const deferredId = `job_${newSid().toLowerCase()}`;
    await h.api.db.insert(sendJobs).values({ id: deferredId, tenantId: t.tenantId, kind: 'conversation', contactId: stopper.id, toE164: stopper.phone, body: 'later', status: 'deferred', deferUntil: new Date(h.api.now().getTime() + 3_600_000) });
    const sentId = `job_${newSid().toLowerCase()}`;
    await h.api.db.insert(sendJobs).values({ id: sentId, tenantId: t.tenantId, kind: 'conversation', contactId: stopper.id, toE164: stopper.phone, body: 'earlier', status: 'sent', provider: 'sandbox', providerMessageId: newSid() });

    expect((await text(t, stopper.phone, 'STOP', 'signalhouse')).status).toBe(200);
    const status = async (id: string) => (await h.api.db.select({ status: sendJobs.status, skipReason: sendJobs.skipReason }).from(sendJobs).where(eq(sendJobs.id, id)))[0];
    const stopperJob = jobs.find((j) => j.contactId === stopper.id);
    const otherJob = jobs.find((j) => j.contactId === other.id);
    expect(await status(stopperJob?.id ?? '')).toEqual({ status: 'cancelled', skipReason: 'opted_out' });
    expect(await status(deferredId)).toEqual({ status: 'cancelled', skipReason: 'opted_out' });
    expect(await status(sentId)).toMatchObject({ status: 'sent' });
    expect(await status(otherJob?.id ?? '')).toMatchObject({ status: 'queued' });
    // The confirmation went from the bulk number that received the STOP, through the bulk route.
    expect(await repliesTo(t, stopper.phone)).toEqual([{ from: t.bulk.e164, body: optOutConfirmation(t.name), imitates: 'signalhouse', outcome: 'accepted' }]);
  });

  it('is shared across providers: a STOP to the Twilio number stops the SignalHouse campaign send', async () => {
    const t = await h.newTenant();
    const contacts = await seedContacts(h.api.db, t.tenantId, 2);
    const { campaignId } = await queueCampaign(h, t, contacts);
    const [stopper] = contacts;
    if (stopper === undefined) throw new Error('no contact');
    // Waiting for its sending window, as quiet hours leave a job.
    await queryRows(h.api.db, sql`update send_jobs set status = 'deferred', defer_until = ${h.api.now().toISOString()}::timestamptz, skip_reason = 'quiet_hours' where campaign_id = ${campaignId}`);
    expect((await text(t, stopper.phone, 'stop', 'twilio')).status).toBe(200);
    // Deferred jobs are cancelled by the STOP itself…
    const [cancelled] = await h.api.db.select({ status: sendJobs.status, skipReason: sendJobs.skipReason }).from(sendJobs).where(and(eq(sendJobs.campaignId, campaignId), eq(sendJobs.contactId, stopper.id)));
    expect(cancelled).toEqual({ status: 'cancelled', skipReason: 'opted_out' });
    // …and the bulk sender never texts the number: only the other contact gets the campaign.
    advanceToSendingHours(h);
    await sendBatch(senderDeps(h.services), { tenantId: t.tenantId, campaignId });
    const bulkSends = await h.api.db.select({ to: sandboxReceipts.toNumber }).from(sandboxReceipts).where(eq(sandboxReceipts.fromNumber, t.bulk.e164));
    expect(bulkSends.map((r) => r.to)).toEqual([contacts[1]?.phone]);
  });

  it('is idempotent: a replayed STOP sends nothing twice and records nothing twice', async () => {
    const t = await h.newTenant();
    const [contact] = await seedContacts(h.api.db, t.tenantId, 1);
    if (contact === undefined) throw new Error('no contact');
    const messageSid = newSid();
    expect((await text(t, contact.phone, 'STOP', 'twilio', messageSid)).status).toBe(200);
    expect((await text(t, contact.phone, 'STOP', 'twilio', messageSid)).status).toBe(200);
    // A crash after the effects but before the row was marked processed: the retry is processed again.
    await queryRows(h.api.db, sql`update webhook_events set processed_at = null where provider = 'twilio' and provider_event_id = ${`${messageSid}:received`}`);
    expect((await text(t, contact.phone, 'STOP', 'twilio', messageSid)).status).toBe(200);
    expect(await repliesTo(t, contact.phone)).toHaveLength(1);
    expect(await typesFor(t.tenantId, contact.phone)).toEqual(['INBOUND', 'OPT_OUT', 'SENT']);
    // A second, new STOP is recorded as a message but is no new opt-out.
    expect((await text(t, contact.phone, 'stop')).status).toBe(200);
    expect((await typesFor(t.tenantId, contact.phone)).filter((x) => x === 'OPT_OUT')).toHaveLength(1);
  });

  it('handles the same STOP arriving three times at once: one opt-out, one confirmation', async () => {
    const t = await h.newTenant();
    const [contact] = await seedContacts(h.api.db, t.tenantId, 1);
    if (contact === undefined) throw new Error('no contact');
    const messageSid = newSid();
    const answers = await Promise.all([1, 2, 3].map(() => text(t, contact.phone, 'STOP', 'twilio', messageSid)));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await repliesTo(t, contact.phone)).toHaveLength(1);
    expect(await typesFor(t.tenantId, contact.phone)).toEqual(['INBOUND', 'OPT_OUT', 'SENT']);
    const [thread] = await queryRows<{ unread: number }>(h.api.db, sql`select unread_count as unread from conversations where contact_id = ${contact.id}`);
    expect(thread?.unread).toBe(1);
  });

  it('sends no confirmation of its own where the number’s provider confirms STOP itself', async () => {
    const t = await h.newTenant({}, { providerSendsStopConfirmation: true });
    const [contact] = await seedContacts(h.api.db, t.tenantId, 1);
    if (contact === undefined) throw new Error('no contact');
    expect((await text(t, contact.phone, 'STOP')).status).toBe(200);
    expect(await dncOf(t.tenantId, contact.phone)).toMatchObject({ source: 'stop_keyword' });
    expect(await repliesTo(t, contact.phone)).toEqual([]);
  });

  it('honours the tenant’s own opt-out words', async () => {
    const t = await h.newTenant({ optOutKeywords: ['Remove me'] });
    const [contact] = await seedContacts(h.api.db, t.tenantId, 1);
    if (contact === undefined) throw new Error('no contact');
    expect((await text(t, contact.phone, 'REMOVE ME!')).status).toBe(200);
    expect(await dncOf(t.tenantId, contact.phone)).toMatchObject({ source: 'stop_keyword' });
  });

  it('answers 503 when the provider cannot take the confirmation, and the provider’s retry sends it once', async () => {
    const t = await h.newTenant();
    // The sandbox refuses every other call to this number with a 503.
    const phone = sandboxMagicNumbers.unavailableThenAccepted[1];
    const messageSid = newSid();
    const first = await text(t, phone, 'STOP', 'twilio', messageSid);
    expect(first.status).toBe(503);
    // The opt-out itself is recorded already.
    expect(await dncOf(t.tenantId, phone)).toMatchObject({ source: 'stop_keyword' });
    const retry = await text(t, phone, 'STOP', 'twilio', messageSid);
    expect(retry.status).toBe(200);
    expect(await text(t, phone, 'STOP', 'twilio', messageSid).then((r) => r.status)).toBe(200);
    expect((await repliesTo(t, phone)).map((r) => r.outcome)).toEqual(['unavailable', 'accepted']);
  });
});

describe('START and HELP', () => {
  it('START lifts the opt-out and confirms; the sender may text the number again', async () => {
    const t = await h.newTenant();
    const [contact] = await seedContacts(h.api.db, t.tenantId, 1);
    if (contact === undefined) throw new Error('no contact');
    await text(t, contact.phone, 'STOP');
    expect((await text(t, contact.phone, 'Start')).status).toBe(200);
    expect(await dncOf(t.tenantId, contact.phone)).toBeUndefined();
    expect((await repliesTo(t, contact.phone)).map((r) => r.body)).toEqual([optOutConfirmation(t.name), optInConfirmation(t.name)]);
    expect(await typesFor(t.tenantId, contact.phone)).toEqual(['INBOUND', 'INBOUND', 'OPT_OUT', 'RESUBSCRIBE', 'SENT', 'SENT']);
  });

  it('START does not lift a DNC entry staff made, and confirms nothing', async () => {
    const t = await h.newTenant();
    const [contact] = await seedContacts(h.api.db, t.tenantId, 1);
    if (contact === undefined) throw new Error('no contact');
    await h.api.db.insert(doNotContact).values({ tenantId: t.tenantId, phoneE164: contact.phone, source: 'manual', reason: 'asked by phone' });
    expect((await text(t, contact.phone, 'START')).status).toBe(200);
    expect(await dncOf(t.tenantId, contact.phone)).toMatchObject({ source: 'manual' });
    expect(await repliesTo(t, contact.phone)).toEqual([]);
  });

  it('HELP answers with the tenant’s help text', async () => {
    const t = await h.newTenant({ helpText: 'Acme Realty: call 1300 000 000. Reply STOP to opt out.' });
    const [contact] = await seedContacts(h.api.db, t.tenantId, 1);
    if (contact === undefined) throw new Error('no contact');
    expect((await text(t, contact.phone, 'help')).status).toBe(200);
    expect((await repliesTo(t, contact.phone)).map((r) => r.body)).toEqual(['Acme Realty: call 1300 000 000. Reply STOP to opt out.']);
    expect(await dncOf(t.tenantId, contact.phone)).toBeUndefined();
  });
});
