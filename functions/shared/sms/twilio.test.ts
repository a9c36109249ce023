/**
 * The Twilio adapter against a local server that speaks Twilio's Messages API: Basic auth with the
 * Account SID and token, the form body, 201 with the message resource, and errors as
 * `{code, message, more_info, status}`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../../core/errors';
import { smsErrorDetails } from '../../../core/ports/sms-provider';
import { closedPort, startProviderServer, type ProviderReply, type ProviderServer } from './test-support/provider-server';
import { createTwilioSms } from './twilio';

const accountSid = `AC${'a1b2c3d4'.repeat(4)}`;
const authToken = 'f'.repeat(32);
const callback = 'https://reactor.example/api/webhooks/twilio';
let server: ProviderServer;
const scripted = new Map<string, ProviderReply>();
let nextSid = 0;

const twilioError = (status: number, code: number, message: string): ProviderReply => ({
  status,
  json: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});

beforeAll(async () => {
  server = await startProviderServer((request) => {
    const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    if (request.headers.authorization !== expectedAuth) return twilioError(401, 20003, 'Authenticate');
    if (request.path !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) return twilioError(404, 20404, 'The requested resource was not found');
    const form = new URLSearchParams(request.body);
    const to = form.get('To') ?? '';
    if (!form.get('Body')) return twilioError(400, 21602, 'Message body is required.');
    if (!form.get('From') && !form.get('MessagingServiceSid')) return twilioError(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message");
    const reply = scripted.get(to);
    if (reply) return reply;
    nextSid += 1;
    return {
      status: 201,
      json: {
        sid: `SM${String(nextSid).padStart(32, '0')}`,
        account_sid: accountSid,
        to,
        from: form.get('From'),
        messaging_service_sid: form.get('MessagingServiceSid'),
        body: form.get('Body'),
        status: form.get('MessagingServiceSid') ? 'accepted' : 'queued',
        num_segments: '1',
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        api_version: '2010-04-01',
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/SM${String(nextSid).padStart(32, '0')}.json`,
      },
    };
  });
});
afterAll(() => server.close());
beforeEach(() => {
  scripted.clear();
  server.requests.length = 0;
});

const provider = (overrides: { authToken?: string; accountSid?: string; baseUrl?: string; timeoutMs?: number } = {}) =>
  createTwilioSms({ accountSid, authToken, baseUrl: server.url, fetch, ...overrides });

const message = (to: string, from = '+61480000002') => ({ from, to, body: 'Thanks, talk soon', statusCallbackUrl: callback });

function failure(code: 'unavailable' | 'provider_error', details: { maybeAccepted: boolean; providerCode?: string }) {
  return (error: unknown) => {
    const d = smsErrorDetails(error);
    return (
      error instanceof DomainError &&
      error.code === code &&
      error.retryable === (code === 'unavailable') &&
      d?.provider === 'twilio' &&
      d.maybeAccepted === details.maybeAccepted &&
      (details.providerCode === undefined || d.providerCode === details.providerCode)
    );
  };
}

describe('Twilio adapter', () => {
  it('posts the documented form with Basic auth and reads the message resource', async () => {
    const result = await provider().send(message('+61412345678'));
    expect(result).toEqual({ provider: 'twilio', sandbox: false, kind: 'accepted', providerMessageId: `SM${'1'.padStart(32, '0')}`, status: 'queued', parts: 1 });
    const [request] = server.requests;
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request?.body ?? ''))).toEqual({
      To: '+61412345678',
      From: '+61480000002',
      Body: 'Thanks, talk soon',
      StatusCallback: callback,
    });
  });

  it('sends from a Messaging Service as MessagingServiceSid', async () => {
    const service = `MG${'0123456789abcdef'.repeat(2)}`;
    expect(await provider().send(message('+61412345678', service))).toMatchObject({ kind: 'accepted', status: 'queued' });
    const form = new URLSearchParams(server.requests[0]?.body ?? '');
    expect(form.get('MessagingServiceSid')).toBe(service);
    expect(form.has('From')).toBe(false);
  });

  it.each<[string, ProviderReply, Record<string, unknown>]>([
    ['21610 → opted_out', twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'), { kind: 'opted_out', code: '21610', message: 'Attempt to send to unsubscribed recipient' }],
    ['21211 → invalid_number', twilioError(400, 21211, "The 'To' number +61412345679 is not a valid phone number."), { kind: 'invalid_number', code: '21211' }],
    ['21614 → invalid_number', twilioError(400, 21614, "'To' number is not a valid mobile number"), { kind: 'invalid_number', code: '21614' }],
    ['21408 → rejected', twilioError(400, 21408, 'Permission to send an SMS has not been enabled for the region'), { kind: 'rejected', code: '21408' }],
    ['a 400 that is not JSON → rejected with the HTTP status', { status: 400, text: 'Bad Request' }, { kind: 'rejected', code: 'http_400', message: 'Bad Request' }],
    [
      'a 201 with status failed → rejected with its error code and the sid',
      { status: 201, json: { sid: `SM${'f'.repeat(32)}`, status: 'failed', num_segments: '1', error_code: 30007, error_message: 'Message filtered' } },
      { kind: 'rejected', code: '30007', message: 'Message filtered', providerMessageId: `SM${'f'.repeat(32)}` },
    ],
  ])('reads %s', async (_name, reply, expected) => {
    scripted.set('+61412345679', reply);
    expect(await provider().send(message('+61412345679'))).toMatchObject({ provider: 'twilio', sandbox: false, ...expected });
  });

  it.each<[string, ProviderReply, 'unavailable' | 'provider_error', boolean, string]>([
    ['429 with 20429 → retryable', twilioError(429, 20429, 'Too Many Requests'), 'unavailable', false, '20429'],
    ['20429 under another status → retryable', twilioError(400, 20429, 'Too Many Requests'), 'unavailable', false, '20429'],
    ['500 → retryable', twilioError(500, 20500, 'Internal Server Error'), 'unavailable', false, '20500'],
    ['503 as HTML → retryable', { status: 503, text: '<html>Service Unavailable</html>' }, 'unavailable', false, 'http_503'],
    ['404 (20404: wrong account or URL) → not retryable', twilioError(404, 20404, 'The requested resource was not found'), 'provider_error', false, '20404'],
    ['a 201 in an unknown shape → may have been accepted', { status: 201, json: { queued: true } }, 'provider_error', true, ''],
  ])('throws on %s', async (_name, reply, code, maybeAccepted, providerCode) => {
    scripted.set('+61412345670', reply);
    await expect(provider().send(message('+61412345670'))).rejects.toSatisfy(failure(code, { maybeAccepted, providerCode: providerCode || undefined }));
  });

  it.each([
    ['a wrong token (20003)', { authToken: 'e'.repeat(32) }, '20003'],
    ['an unknown account (20404)', { accountSid: `AC${'0'.repeat(32)}`, authToken }, '20003'],
  ])('throws a non-retryable provider_error for %s', async (_name, overrides, providerCode) => {
    await expect(provider(overrides).send(message('+61412345678'))).rejects.toSatisfy(failure('provider_error', { maybeAccepted: false, providerCode }));
  });

  it('answers invalid_number for a recipient that is not E.164, without calling Twilio', async () => {
    expect(await provider().send(message('0412 345 678'))).toMatchObject({ kind: 'invalid_number', code: 'not_e164' });
    expect(server.requests).toHaveLength(0);
  });

  it('network: refused is not accepted; a timeout may have been', async () => {
    const port = await closedPort();
    await expect(provider({ baseUrl: `http://127.0.0.1:${port}` }).send(message('+61412345678'))).rejects.toSatisfy(failure('unavailable', { maybeAccepted: false, providerCode: 'ECONNREFUSED' }));
    scripted.set('+61412345671', 'hang');
    await expect(provider({ timeoutMs: 200 }).send(message('+61412345671'))).rejects.toSatisfy(failure('unavailable', { maybeAccepted: true, providerCode: 'timeout' }));
  });
});
