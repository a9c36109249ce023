import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../../core/errors';
import { createPostmarkMailer } from './postmark-mailer';

/**
 * A local stand-in speaking Postmark's `/email` wire format: token header, JSON body with PascalCase
 * fields, `{To, SubmittedAt, MessageID, ErrorCode, Message}` answers, 422 with an ErrorCode for
 * message problems, 401 for a bad token.
 */
const token = 'server-token-1';
const received: { headers: IncomingMessage['headers']; body: Record<string, unknown> }[] = [];
let mode: 'ok' | 'down' | 'rate-limited' | 'html-error' = 'ok';
let server: Server;
let apiUrl: string;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => resolve(data));
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/email') return json(404, { ErrorCode: 404, Message: 'not found' });
      if (mode === 'down') return json(503, { ErrorCode: 100, Message: 'Maintenance' });
      if (mode === 'rate-limited') return json(429, { ErrorCode: 429, Message: 'Rate Limit Exceeded' });
      if (mode === 'html-error') {
        res.writeHead(502, { 'content-type': 'text/html' });
        return res.end('<html>Bad gateway</html>');
      }
      if (req.headers['x-postmark-server-token'] !== token) {
        return json(401, { ErrorCode: 10, Message: 'The Server Token you provided in the X-Postmark-Server-Token request header was invalid.' });
      }
      if (req.headers['content-type'] !== 'application/json') return json(422, { ErrorCode: 409, Message: 'JSON required' });
      const body = JSON.parse(raw) as Record<string, unknown>;
      received.push({ headers: req.headers, body });
      const to = String(body.To ?? '');
      if (!/^[^@\s]+@[^@\s]+$/.test(to)) return json(422, { ErrorCode: 300, Message: "Invalid 'To' address: 'nope'." });
      if (to.startsWith('bounced@')) {
        return json(422, { ErrorCode: 406, Message: 'You tried to send to a recipient that has been marked as inactive.' });
      }
      if (String(body.From).includes('unconfirmed')) return json(422, { ErrorCode: 400, Message: 'Sender signature not defined for From address.' });
      return json(200, { To: to, SubmittedAt: '2026-03-01T09:00:00.0000000-05:00', MessageID: 'b7bc2f4a-e38e-4336-af7d-e6c392c2f817', ErrorCode: 0, Message: 'OK' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
  mode = 'ok';
});

const mail = { to: 'ana@example.com', subject: 'Sign in', text: 'Link: https://x.example/?token=abc', html: '<p>Link</p>', tag: 'magic-link', link: 'https://x.example/?token=abc' };

function mailer(overrides: { serverToken?: string; from?: string } = {}) {
  return createPostmarkMailer({ serverToken: token, from: 'Reactor <login@example.com>', apiUrl, messageStream: 'outbound', ...overrides });
}

async function failure(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('Postmark mailer', () => {
  it('sends the message in Postmark format with tracking off and returns its MessageID', async () => {
    expect(await mailer().send(mail)).toEqual({ status: 'sent', messageId: 'b7bc2f4a-e38e-4336-af7d-e6c392c2f817' });
    expect(received).toHaveLength(1);
    expect(received[0]?.headers.accept).toBe('application/json');
    expect(received[0]?.body).toEqual({
      From: 'Reactor <login@example.com>',
      To: 'ana@example.com',
      Subject: 'Sign in',
      TextBody: 'Link: https://x.example/?token=abc',
      HtmlBody: '<p>Link</p>',
      Tag: 'magic-link',
      MessageStream: 'outbound',
      TrackLinks: 'None',
      TrackOpens: false,
    });
  });

  it('reports an inactive or invalid recipient as a rejection, not an exception', async () => {
    expect(await mailer().send({ ...mail, to: 'bounced@example.com' })).toEqual({
      status: 'rejected',
      reason: expect.stringContaining('postmark 406'),
    });
    expect(await mailer().send({ ...mail, to: 'nope' })).toMatchObject({ status: 'rejected', reason: expect.stringContaining('postmark 300') });
  });

  it('throws a non-retryable provider error for a bad token', async () => {
    const error = await failure(mailer({ serverToken: 'wrong' }).send(mail));
    expect(error).toMatchObject({ code: 'provider_error', retryable: false, details: { status: 401, errorCode: 10 } });
  });

  it('throws a non-retryable provider error for an unconfirmed sender', async () => {
    const error = await failure(mailer({ from: 'unconfirmed@example.com' }).send(mail));
    expect(error).toMatchObject({ code: 'provider_error', retryable: false, details: { status: 422, errorCode: 400 } });
  });

  it.each([
    ['down', 503],
    ['rate-limited', 429],
    ['html-error', 502],
  ] as const)('throws a retryable provider error when Postmark is %s', async (m, status) => {
    mode = m;
    const error = await failure(mailer().send(mail));
    expect(error).toMatchObject({ code: 'provider_error', retryable: true, details: { status } });
  });

  it('throws a retryable provider error when nothing answers', async () => {
    const closed = createPostmarkMailer({ serverToken: token, from: 'a@b.c', apiUrl: 'http://127.0.0.1:9', messageStream: 'outbound' });
    expect(await failure(closed.send(mail))).toMatchObject({ code: 'provider_error', retryable: true });
  });
});
