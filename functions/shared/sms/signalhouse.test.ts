/**
 * The SignalHouse adapter against a local server that speaks SignalHouse's send API: Bearer auth, the
 * JSON body with digit-only numbers, 201 with `insertedMessages[]` (which may carry a FAILED message),
 * 201 with `enqueuedCount: 0, errorCode: "OUT"` for an opted-out recipient, and its error answers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../../core/errors';
import { smsErrorDetails } from '../../../core/ports/sms-provider';
import { createSignalHouseSms } from './signalhouse';
import { closedPort, startProviderServer, type ProviderReply, type ProviderServer } from './test-support/provider-server';

const apiKey = 'sh_live_test_key';
const callback = 'https://reactor.example/api/webhooks/signalhouse';
let server: ProviderServer;
/** Answers for particular recipients (digits); anyone else is accepted. */
const scripted = new Map<string, ProviderReply>();
let nextId = 0;

beforeAll(async () => {
  server = await startProviderServer((request) => {
    if (request.headers.authorization !== `Bearer ${apiKey}`) return { status: 401, json: { message: 'Unauthorized', statusCode: 401 } };
    if (request.method !== 'POST' || request.path !== '/message/sms') return { status: 404, json: { message: `Cannot ${request.method} ${request.path}`, error: 'Not Found', statusCode: 404 } };
    const body = JSON.parse(request.body) as { senderPhoneNumber?: unknown; recipientPhoneNumber?: unknown; messageBody?: unknown };
    if (!Array.isArray(body.recipientPhoneNumber) || typeof body.senderPhoneNumber !== 'string' || typeof body.messageBody !== 'string') {
      return { status: 400, json: { message: ['recipientPhoneNumber must be an array'], error: 'Bad Request', statusCode: 400 } };
    }
    const recipient = String(body.recipientPhoneNumber[0]);
    const reply = scripted.get(recipient);
    if (reply) return reply;
    nextId += 1;
    return {
      status: 201,
      json: {
        message: 'Messages enqueued',
        enqueuedCount: 1,
        insertedMessages: [
          { _id: `66a1f0c2e4b0${String(nextId).padStart(12, '0')}`, status: 'QUEUED', senderPhoneNumber: body.senderPhoneNumber, recipientPhoneNumber: recipient, messageBody: body.messageBody, segmentCount: 2 },
        ],
      },
    };
  });
});
afterAll(() => server.close());
beforeEach(() => {
  scripted.clear();
  server.requests.length = 0;
});

const provider = (overrides: { apiKey?: string; baseUrl?: string; timeoutMs?: number } = {}) =>
  createSignalHouseSms({ apiKey, baseUrl: server.url, fetch, ...overrides });

const message = (to: string) => ({ from: '+61480000001', to, body: 'Hi Sam, reply STOP to opt out', statusCallbackUrl: callback, idempotencyKey: 'job_1' });

function failure(code: 'unavailable' | 'provider_error', details: { maybeAccepted: boolean; providerCode?: string }) {
  return (error: unknown) => {
    const d = smsErrorDetails(error);
    return (
      error instanceof DomainError &&
      error.code === code &&
      error.retryable === (code === 'unavailable') &&
      d?.provider === 'signalhouse' &&
      d.maybeAccepted === details.maybeAccepted &&
      (details.providerCode === undefined || d.providerCode === details.providerCode)
    );
  };
}

describe('SignalHouse adapter', () => {
  it('sends the documented request and reads the inserted message', async () => {
    const result = await provider().send(message('+61412345678'));
    expect(result).toEqual({ provider: 'signalhouse', sandbox: false, kind: 'accepted', providerMessageId: '66a1f0c2e4b0000000000001', status: 'queued', parts: 2 });
    const [request] = server.requests;
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      senderPhoneNumber: '61480000001',
      recipientPhoneNumber: ['61412345678'],
      messageBody: 'Hi Sam, reply STOP to opt out',
      statusCallbackUrl: callback,
    });
  });

  it.each<[string, ProviderReply, Record<string, unknown>]>([
    [
      'a 201 carrying a FAILED message → rejected, with the message id',
      { status: 201, json: { enqueuedCount: 0, insertedMessages: [{ _id: 'm_failed', status: 'FAILED', errorCode: 'CARRIER_REJECTED', failureReason: 'Rejected by carrier' }] } },
      { kind: 'rejected', code: 'CARRIER_REJECTED', message: 'Rejected by carrier', providerMessageId: 'm_failed' },
    ],
    [
      'a 201 FAILED for an invalid number → invalid_number',
      { status: 201, json: { enqueuedCount: 0, insertedMessages: [{ _id: 'm_bad', status: 'FAILED', errorCode: 'INVALID_NUMBER' }] } },
      { kind: 'invalid_number', code: 'INVALID_NUMBER', providerMessageId: 'm_bad' },
    ],
    [
      'a 201 with enqueuedCount 0 and errorCode OUT → opted_out',
      { status: 201, json: { message: 'Recipient has opted out', enqueuedCount: 0, errorCode: 'OUT' } },
      { kind: 'opted_out', code: 'OUT', message: 'Recipient has opted out' },
    ],
    [
      'a 201 whose inserted message carries errorCode OUT → opted_out, with the message id',
      { status: 201, json: { enqueuedCount: 0, insertedMessages: [{ _id: 'm_out', status: 'FAILED', errorCode: 'OUT' }] } },
      { kind: 'opted_out', code: 'OUT', providerMessageId: 'm_out' },
    ],
    [
      'a 201 that enqueued nothing without saying why → rejected',
      { status: 201, json: { enqueuedCount: 0, insertedMessages: [] } },
      { kind: 'rejected', code: 'FAILED' },
    ],
    [
      'a 400 validation answer → rejected with the HTTP status as code',
      { status: 400, json: { message: ['messageBody should not be empty'], error: 'Bad Request', statusCode: 400 } },
      { kind: 'rejected', code: 'http_400', message: 'messageBody should not be empty' },
    ],
    [
      'a 422 with a number code → invalid_number',
      { status: 422, json: { errorCode: 'LANDLINE', message: 'Recipient is a landline' } },
      { kind: 'invalid_number', code: 'LANDLINE', message: 'Recipient is a landline' },
    ],
  ])('reads %s', async (_name, reply, expected) => {
    scripted.set('61412345679', reply);
    const result = await provider().send(message('+61412345679'));
    expect(result).toMatchObject({ provider: 'signalhouse', sandbox: false, ...expected });
  });

  it.each<[string, ProviderReply, 'unavailable' | 'provider_error', boolean, string | undefined]>([
    ['429 → retryable', { status: 429, json: { message: 'Too Many Requests', statusCode: 429 } }, 'unavailable', false, 'http_429'],
    ['500 → retryable', { status: 500, json: { message: 'Internal server error', statusCode: 500 } }, 'unavailable', false, 'http_500'],
    ['503 as HTML → retryable', { status: 503, text: '<html>Service Unavailable</html>' }, 'unavailable', false, 'http_503'],
    ['a 201 in an unknown shape → may have been accepted', { status: 201, json: { ok: true } }, 'provider_error', true, undefined],
    ['a 200 that is not JSON → may have been accepted', { status: 200, text: '<html>captive portal</html>' }, 'provider_error', true, undefined],
    ['a 201 whose message has no id → may have been accepted', { status: 201, json: { enqueuedCount: 1, insertedMessages: [{ status: 'QUEUED' }] } }, 'provider_error', true, undefined],
    ['a redirect → never handled', { status: 302, text: '' }, 'provider_error', false, 'http_302'],
  ])('throws on %s', async (_name, reply, code, maybeAccepted, providerCode) => {
    scripted.set('61412345670', reply);
    await expect(provider().send(message('+61412345670'))).rejects.toSatisfy(failure(code, { maybeAccepted, providerCode }));
  });

  it('throws a non-retryable provider_error when the key is refused', async () => {
    await expect(provider({ apiKey: 'wrong' }).send(message('+61412345678'))).rejects.toSatisfy(failure('provider_error', { maybeAccepted: false, providerCode: 'http_401' }));
  });

  it('answers invalid_number for a recipient that is not E.164, without calling SignalHouse', async () => {
    expect(await provider().send(message('0412345678'))).toMatchObject({ kind: 'invalid_number', code: 'not_e164' });
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a sender that is not E.164 (a configuration error), without calling SignalHouse', async () => {
    await expect(provider().send({ ...message('+61412345678'), from: 'ACME' })).rejects.toSatisfy(failure('provider_error', { maybeAccepted: false }));
    expect(server.requests).toHaveLength(0);
  });

  describe('network failures', () => {
    it('connection refused: retryable, and certainly not accepted', async () => {
      const port = await closedPort();
      await expect(provider({ baseUrl: `http://127.0.0.1:${port}` }).send(message('+61412345678'))).rejects.toSatisfy(
        failure('unavailable', { maybeAccepted: false, providerCode: 'ECONNREFUSED' }),
      );
    });

    it('no answer before the timeout: retryable, but it may have been accepted', async () => {
      scripted.set('61412345671', 'hang');
      await expect(provider({ timeoutMs: 200 }).send(message('+61412345671'))).rejects.toSatisfy(failure('unavailable', { maybeAccepted: true, providerCode: 'timeout' }));
    });

    it('connection dropped after the request: it may have been accepted', async () => {
      scripted.set('61412345672', 'drop');
      await expect(provider().send(message('+61412345672'))).rejects.toSatisfy(failure('unavailable', { maybeAccepted: true }));
    });
  });
});
