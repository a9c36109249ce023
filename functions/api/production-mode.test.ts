/**
 * The API with production config: the mailer is Postmark (here a local server speaking Postmark's
 * wire format), the dev mailbox route does not exist, links point at PUBLIC_URL and cookies are Secure.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctionApp } from '../shared/compose';
import { parseConfig } from '../shared/config';
import { createMailer } from '../shared/mail/create-mailer';
import type { FunctionApp } from '../shared/app';
import { startApiHarness, type ApiHarness } from './testing/api-harness';

let h: ApiHarness;
let postmark: Server;
const mails: { To: string; TextBody: string }[] = [];
let app: FunctionApp;

beforeAll(async () => {
  h = await startApiHarness();
  postmark = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      if (req.headers['x-postmark-server-token'] !== 'pm-token') {
        res.writeHead(401, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ ErrorCode: 10, Message: 'Bad or missing API token' }));
      }
      const body = JSON.parse(raw) as { To: string; TextBody: string };
      mails.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ To: body.To, SubmittedAt: '2026-03-01T09:00:00Z', MessageID: 'msg-1', ErrorCode: 0, Message: 'OK' }));
    });
  });
  await new Promise<void>((resolve) => postmark.listen(0, '127.0.0.1', resolve));
  const config = parseConfig({
    REACTOR_ENV: 'production',
    DATABASE_URL: 'postgres://reactor@db.internal:5432/reactor',
    PUBLIC_URL: 'https://reactor.example.com',
    EDGE_PUBLIC_URL: 'https://rr.example',
    EDGE_CALLBACK_SECRET: 'edge-secret',
    QSTASH_TOKEN: 'q',
    QSTASH_CURRENT_SIGNING_KEY: 'c',
    QSTASH_NEXT_SIGNING_KEY: 'n',
    POSTMARK_SERVER_TOKEN: 'pm-token',
    MAIL_FROM: 'Revenue Reactor <login@example.com>',
    POSTMARK_API_URL: `http://127.0.0.1:${(postmark.address() as AddressInfo).port}`,
  });
  const mail = createMailer(config, { log: h.services.log, now: h.now });
  expect(mail.mailer.kind).toBe('postmark');
  expect(mail.devMailbox).toBeUndefined();
  // The harness's database and queue, production config and mailer.
  app = buildFunctionApp('api', { ...h.services, config, ...mail });
});
afterAll(async () => {
  await new Promise<void>((resolve) => postmark.close(() => resolve()));
  await h.close();
});

describe('production mode', () => {
  it('has no dev mailbox route', async () => {
    const res = await app.request('/api/dev/mailbox');
    expect(res.status).toBe(404);
  });

  it('mails the link through Postmark, pointing at PUBLIC_URL, and sets Secure cookies', async () => {
    const { admin } = await h.newTenant();
    const start = await app.request('/api/auth/magic-link/start', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.10' },
      body: JSON.stringify({ email: admin.email }),
    });
    expect(start.status).toBe(202);
    const sent = mails.find((m) => m.To === admin.email);
    const link = /https:\/\/reactor\.example\.com\/api\/auth\/magic-link\/finish\?token=[A-Za-z0-9_-]{43}/.exec(sent?.TextBody ?? '')?.[0];
    expect(link).toBeDefined();

    const url = new URL(link ?? '');
    const finish = await app.request(`${url.pathname}${url.search}`);
    expect(finish.status).toBe(303);
    const cookies = finish.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    for (const line of cookies) expect(line).toMatch(/; Secure/);
  });

  it("refuses a tenant's alert webhook that is not https on a public host, and takes one that is", async () => {
    const { tenant, admin } = await h.newTenant();
    const headers = { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.11' };
    await app.request('/api/auth/magic-link/start', { method: 'POST', headers, body: JSON.stringify({ email: admin.email }) });
    const link = new URL(/https:\/\/reactor\.example\.com\/api\/auth\/magic-link\/finish\?token=[A-Za-z0-9_-]{43}/.exec(mails.find((m) => m.To === admin.email)?.TextBody ?? '')?.[0] ?? '');
    const finish = await app.request(`${link.pathname}${link.search}`);
    const jar = new Map(finish.headers.getSetCookie().map((line) => (line.split(';')[0] ?? '').split('=') as [string, string]));
    const session = { ...headers, cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': jar.get('reactor_csrf') ?? '' };
    const save = (alertWebhookUrl: string) =>
      app.request(`/api/tenants/${tenant.id}/budget`, { method: 'POST', headers: session, body: JSON.stringify({ dailyMicros: 5_000_000, monthlyMicros: 100_000_000, alertWebhookUrl }) });

    for (const [url, problem] of [
      ['http://hooks.example.com/x', 'must be an https URL'],
      ['https://localhost:9000/x', 'must be a public address, not this server or its network'],
      ['https://10.0.0.5/x', 'must be a public address, not this server or its network'],
      ['https://169.254.169.254/latest/meta-data', 'must be a public address, not this server or its network'],
    ] as const) {
      const refused = await save(url);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: { code: 'validation_failed', details: { fieldErrors: { alertWebhookUrl: [problem] } } } });
    }
    const saved = await save('https://hooks.example.com/services/T0/B0/secret');
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({ alertWebhookOrigin: 'https://hooks.example.com' });
  });
});
