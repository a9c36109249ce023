/**
 * The sandbox's status callbacks: built in each provider's wire format and checked with the very
 * signature code the webhook uses (core/signatures), then delivered to a local HTTP server standing in
 * for the webhook, with due times, retries and "at most once at a time" from the receipt log.
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fromSignalHouseEvent, fromSignalHouseMessageStatus, fromTwilioStatus } from '../../../core/messages/status';
import { signalHouseHeaders, verifySignalHouseRequest } from '../../../core/signatures/signalhouse';
import { parseTwilioForm, twilioSignatureHeader, verifyTwilioRequest } from '../../../core/signatures/twilio';
import type { Database } from '../../../db/client';
import { sandboxReceipts } from '../../../db/schema/index';
import { openTestDatabase } from '../../../db/testing';
import { silentLogger } from '../log';
import { createSandboxSms, sandboxMagicNumbers, type SandboxImitation } from './sandbox';
import { buildSandboxCallback, createSandboxWebhookSecrets, deliverDueSandboxCallbacks, type SandboxReceipt } from './sandbox-callbacks';
import { startProviderServer, type RecordedRequest } from './test-support/provider-server';

let database: Database;
const random = (n: number) => new Uint8Array(randomBytes(n));
const secrets = createSandboxWebhookSecrets(random);
const t0 = Date.parse('2026-03-02T10:00:00.000Z');

beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

async function sendOne(imitates: SandboxImitation, to: string, callbackUrl: string, at = t0): Promise<SandboxReceipt> {
  const sandbox = createSandboxSms({ db: database.db, imitates, now: () => new Date(at), random, log: silentLogger });
  const result = await sandbox.send({ from: '+61480000001', to, body: 'Hi Sam', statusCallbackUrl: callbackUrl });
  if (result.kind !== 'accepted') throw new Error(`not accepted: ${result.kind}`);
  const [row] = await database.db.select().from(sandboxReceipts).where(eq(sandboxReceipts.id, result.providerMessageId));
  if (!row) throw new Error('no receipt');
  return row;
}

describe('buildSandboxCallback', () => {
  it('Twilio: a form post that verifies against the full URL (query included) with the sandbox token', async () => {
    const url = 'https://reactor.example/api/webhooks/twilio?tenant=abc';
    const receipt = await sendOne('twilio', '+61412345678', url);
    const request = await buildSandboxCallback(receipt, secrets, t0 + 2_000);
    expect(request).toMatchObject({ url, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const params = parseTwilioForm(request.body);
    expect(params).toMatchObject({ MessageSid: receipt.id, SmsSid: receipt.id, MessageStatus: 'delivered', From: '+61480000001', To: '+61412345678', ApiVersion: '2010-04-01' });
    expect(params).not.toHaveProperty('ErrorCode');
    expect(fromTwilioStatus(String(params.MessageStatus))).toEqual({ kind: 'status', status: 'delivered' });
    const signature = request.headers[twilioSignatureHeader];
    expect(await verifyTwilioRequest({ authTokens: [secrets.twilioAuthToken], signature, url, params })).toEqual({ ok: true });
    expect(await verifyTwilioRequest({ authTokens: ['0'.repeat(32)], signature, url, params })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('Twilio, undelivered: MessageStatus undelivered with ErrorCode 30003, which the status map reads as failed', async () => {
    const receipt = await sendOne('twilio', sandboxMagicNumbers.undelivered[0], 'https://reactor.example/api/webhooks/twilio');
    const params = parseTwilioForm((await buildSandboxCallback(receipt, secrets, t0)).body);
    expect(params).toMatchObject({ MessageStatus: 'undelivered', ErrorCode: '30003' });
    expect(fromTwilioStatus(String(params.MessageStatus))).toEqual({ kind: 'status', status: 'failed' });
  });

  it('SignalHouse: JSON {timestamp, event, identifier, metaData} signed over "<timestamp>.<body>", fresh for five minutes', async () => {
    const url = 'https://reactor.example/api/webhooks/signalhouse';
    const receipt = await sendOne('signalhouse', sandboxMagicNumbers.undelivered[1], url);
    const request = await buildSandboxCallback(receipt, secrets, t0 + 2_000);
    const payload = JSON.parse(request.body) as { event: string; identifier: string; timestamp: string; metaData: Record<string, unknown> };
    expect(payload).toMatchObject({
      event: 'MESSAGE_FAILED',
      identifier: receipt.id,
      timestamp: '2026-03-02T10:00:02.000Z',
      metaData: { _id: receipt.id, status: 'FAILED', senderPhoneNumber: '61480000001', recipientPhoneNumber: '61491570158', segmentCount: 1, errorCode: 'UNDELIVERED' },
    });
    expect(fromSignalHouseEvent(payload.event)).toEqual({ kind: 'status', status: 'failed' });
    expect(fromSignalHouseMessageStatus(String(payload.metaData.status))).toEqual({ kind: 'status', status: 'failed' });
    expect(request.headers[signalHouseHeaders.deliveryId]).toBe(`${receipt.id}:MESSAGE_FAILED`);
    const check = (nowMs: number, secret = secrets.signalHouseSecret) =>
      verifySignalHouseRequest({
        secrets: [secret],
        signature: request.headers[signalHouseHeaders.signature],
        timestamp: request.headers[signalHouseHeaders.timestamp],
        rawBody: request.body,
        nowMs,
      });
    expect(await check(t0 + 3_000)).toEqual({ ok: true });
    expect(await check(t0 + 2_000 + 5 * 60_000 + 1)).toEqual({ ok: false, reason: 'stale' });
    expect(await check(t0 + 3_000, 'whsec_other')).toEqual({ ok: false, reason: 'mismatch' });
  });
});

describe('deliverDueSandboxCallbacks', () => {
  // The receipts above point at hosts that do not exist: nothing here may ever post to them.
  beforeEach(async () => {
    await database.db.delete(sandboxReceipts);
  });

  it('posts each callback once it is due, retries a refused one after its backoff, and never posts a delivered one again', async () => {
    const received: RecordedRequest[] = [];
    let answer = 500;
    const webhook = await startProviderServer(async (request) => {
      // The stand-in webhook checks signatures with the same code the real one uses.
      const url = `${webhookUrl}${request.path.slice('/api/webhooks/twilio'.length)}`;
      const verified = await verifyTwilioRequest({
        authTokens: [secrets.twilioAuthToken],
        signature: typeof request.headers[twilioSignatureHeader] === 'string' ? request.headers[twilioSignatureHeader] : undefined,
        url,
        params: parseTwilioForm(request.body),
      });
      if (!verified.ok) return { status: 401, json: { error: { code: 'invalid_signature' } } };
      received.push(request);
      return answer === 200 ? { status: 200, text: '<Response/>' } : { status: answer, json: {} };
    });
    const webhookUrl = `${webhook.url}/api/webhooks/twilio`;
    try {
      // Its own clock, far from other tests' receipts in this database.
      let clock = Date.parse('2031-01-01T00:00:00.000Z');
      const now = () => new Date(clock);
      const receipt = await sendOne('twilio', '+61412340001', webhookUrl, clock);
      const deliver = () => deliverDueSandboxCallbacks({ db: database.db, secrets, now, fetch, log: silentLogger });

      expect(await deliver()).toEqual({ delivered: 0, failed: 0 }); // not due for 2 s
      clock += 2_000;
      expect(await deliver()).toEqual({ delivered: 0, failed: 1 }); // the webhook answers 500
      answer = 200;
      expect(await deliver()).toEqual({ delivered: 0, failed: 0 }); // backing off (5 s)
      clock += 5_000;
      expect(await deliver()).toEqual({ delivered: 1, failed: 0 });
      clock += 3_600_000;
      expect(await deliver()).toEqual({ delivered: 0, failed: 0 });

      expect(received).toHaveLength(2);
      expect(parseTwilioForm(received[1]?.body ?? '')).toMatchObject({ MessageSid: receipt.id, MessageStatus: 'delivered' });
      const [row] = await database.db.select().from(sandboxReceipts).where(eq(sandboxReceipts.id, receipt.id));
      expect(row).toMatchObject({ callbackAttempts: 2, callbackDeliveredAt: new Date(clock - 3_600_000) });
    } finally {
      await webhook.close();
    }
  });

  it('two deliverers running at once post each callback once', async () => {
    const received: string[] = [];
    const webhook = await startProviderServer((request) => {
      received.push(request.body);
      return { status: 200, json: { ok: true } };
    });
    try {
      const clock = Date.parse('2032-01-01T00:00:00.000Z');
      for (let i = 0; i < 6; i++) await sendOne('signalhouse', `+6141234100${i}`, `${webhook.url}/api/webhooks/signalhouse`, clock);
      const later = () => new Date(clock + 10_000);
      const deliver = () => deliverDueSandboxCallbacks({ db: database.db, secrets, now: later, fetch, log: silentLogger, limit: 4 });
      const outcomes = await Promise.all([deliver(), deliver(), deliver()]);
      const remaining = await deliver();
      expect(outcomes.reduce((n, o) => n + o.delivered, 0) + remaining.delivered).toBe(6);
      expect(new Set(received).size).toBe(6);
      expect(received).toHaveLength(6);
    } finally {
      await webhook.close();
    }
  });
});
