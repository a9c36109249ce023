import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { describe, expect, it } from 'vitest';
import { createFunctionApp, type AppEnv, type FunctionName } from './app';
import { createDoMain, scheduledInvocation, type DoResponse } from './do-adapter';
import { createLogger, silentLogger } from './log';

const PUBLIC_URL = 'https://reactor.example.com';

/** A real function app whose routes report what they received. */
function probeApp(name: FunctionName) {
  const routes = new Hono<AppEnv>();
  routes.post('/echo', async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    return c.json({
      url: c.req.url,
      host: c.req.header('host') ?? null,
      signature: c.req.header('X-Twilio-Signature') ?? null,
      contentType: c.req.header('Content-Type') ?? null,
      sha256: createHash('sha256').update(raw).digest('hex'),
      length: raw.length,
    });
  });
  routes.get('/query', (c) => c.json({ url: c.req.url, a: c.req.queries('a') ?? [], b: c.req.query('b') ?? null }));
  routes.get('/bytes', () => new Response(new Uint8Array([0, 1, 2, 250, 255]), { headers: { 'content-type': 'application/octet-stream' } }));
  routes.get('/cookies', (c) => {
    setCookie(c, 'session', 's1', { httpOnly: true, path: '/' });
    setCookie(c, 'reactor_csrf', 'c1', { path: '/' });
    return c.text('ok');
  });
  routes.get('/number', (c) => c.json(1234));
  routes.post(scheduledInvocation.path, async (c) =>
    c.json({ scheduled: c.req.header(scheduledInvocation.header) ?? null, body: await c.req.json() }),
  );
  return createFunctionApp({ name, log: silentLogger, routes });
}

function mainFor(name: FunctionName) {
  const app = probeApp(name);
  return createDoMain(async () => app, name, () => PUBLIC_URL);
}

function json(response: DoResponse): Record<string, unknown> {
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  return JSON.parse(response.body ?? '') as Record<string, unknown>;
}

describe('DO Functions wrapper (web: raw)', () => {
  it('serves /health on the function primary mount', async () => {
    const res = await mainFor('api')({ __ow_method: 'get', __ow_path: '/health', __ow_headers: {} });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({ ok: true });
  });

  it('hands the app the raw body byte for byte, with the signature header as sent', async () => {
    // Form-encoded like a Twilio callback, with characters that a parse/re-serialise would change.
    const raw = 'Body=Caf%C3%A9+%E2%9C%93&From=%2B61400000000&To=%2B61400000001&Extra=a%20b&Note=Café ✓ 👋\r\n';
    const res = await mainFor('webhook')({
      __ow_method: 'post',
      __ow_path: '/echo',
      __ow_headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'm0cKdu+Y=', 'content-length': '999' },
      __ow_body: raw,
      __ow_isBase64Encoded: false,
    });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({
      signature: 'm0cKdu+Y=',
      contentType: 'application/x-www-form-urlencoded',
      sha256: createHash('sha256').update(raw, 'utf8').digest('hex'),
      length: Buffer.byteLength(raw),
    });
  });

  it('decodes a base64 body into the original bytes', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const res = await mainFor('webhook')({
      __ow_method: 'post',
      __ow_path: '/echo',
      __ow_headers: { 'content-type': 'application/octet-stream' },
      __ow_body: bytes.toString('base64'),
      __ow_isBase64Encoded: true,
    });
    expect(json(res)).toMatchObject({ sha256: createHash('sha256').update(bytes).digest('hex'), length: 256 });
  });

  it('keeps the query string as sent', async () => {
    const res = await mainFor('api')({ __ow_method: 'get', __ow_path: '/query', __ow_query: 'a=1&b=two%20words&a=3', __ow_headers: {} });
    expect(json(res)).toEqual({ url: `${PUBLIC_URL}/api/query?a=1&b=two%20words&a=3`, a: ['1', '3'], b: 'two words' });
  });

  it('builds the URL from PUBLIC_URL and the mount, whatever the Host header says', async () => {
    const res = await mainFor('webhook')({
      __ow_method: 'post',
      __ow_path: '/echo',
      __ow_query: 'x=1',
      __ow_headers: { host: 'faas-internal.doserverless.co', 'x-forwarded-host': 'evil.example', 'content-type': 'text/plain' },
      __ow_body: 'hi',
    });
    expect(json(res)).toMatchObject({ url: `${PUBLIC_URL}/api/webhooks/echo?x=1`, host: 'reactor.example.com' });
  });

  it.each([
    ['/fn/webhook/echo', '/fn/webhook/echo'],
    ['/api/webhooks/echo', '/api/webhooks/echo'],
    ['/echo', '/api/webhooks/echo'],
  ])('rebuilds the public path from __ow_path %s (path-preserving or mount-stripping ingress)', async (owPath, publicPath) => {
    const res = await mainFor('webhook')({ __ow_method: 'post', __ow_path: owPath, __ow_headers: {}, __ow_body: '' });
    expect(json(res)).toMatchObject({ url: `${PUBLIC_URL}${publicPath}` });
  });

  it('lets the app read lower-cased header names case-insensitively', async () => {
    const res = await mainFor('webhook')({
      __ow_method: 'post',
      __ow_path: '/echo',
      __ow_headers: { 'x-twilio-signature': 'sig', 'content-type': 'application/json' },
      __ow_body: '{}',
    });
    expect(json(res)).toMatchObject({ signature: 'sig', contentType: 'application/json' });
  });

  it('answers unknown routes with the JSON error shape and echoes x-request-id', async () => {
    const res = await mainFor('send')({ __ow_method: 'get', __ow_path: '/nope', __ow_headers: { 'x-request-id': 'req-123' } });
    expect(res.statusCode).toBe(404);
    expect(json(res)).toMatchObject({ error: { code: 'not_found' } });
    expect(res.headers['x-request-id']).toBe('req-123');
  });

  it('returns binary bodies base64-encoded and text bodies as text', async () => {
    const binary = await mainFor('report')({ __ow_method: 'get', __ow_path: '/bytes', __ow_headers: {} });
    expect(binary.headers['content-type']).toBe('application/octet-stream');
    expect(Buffer.from(binary.body ?? '', 'base64')).toEqual(Buffer.from([0, 1, 2, 250, 255]));

    const text = await mainFor('api')({ __ow_method: 'get', __ow_path: '/cookies', __ow_headers: {} });
    expect(text.body).toBe('ok');
  });

  it('keeps a JSON body that looks like base64 intact by sending it base64-encoded', async () => {
    const res = await mainFor('api')({ __ow_method: 'get', __ow_path: '/number', __ow_headers: {} });
    expect(Buffer.from(res.body ?? '', 'base64').toString('utf8')).toBe('1234');
  });

  it('returns each Set-Cookie separately', async () => {
    const res = await mainFor('api')({ __ow_method: 'get', __ow_path: '/cookies', __ow_headers: {} });
    expect(res.headers['set-cookie']).toEqual(['session=s1; Path=/; HttpOnly', 'reactor_csrf=c1; Path=/']);
  });

  it('turns a scheduled trigger (no __ow_method) into POST <mount>/scheduled with the trusted header', async () => {
    const res = await mainFor('cron')({ trigger: 'every-minute' });
    expect(json(res)).toEqual({ scheduled: '1', body: { trigger: 'every-minute' } });
  });

  it('never lets a web request claim to be a scheduled trigger', async () => {
    const res = await mainFor('cron')({
      __ow_method: 'post',
      __ow_path: scheduledInvocation.path,
      __ow_headers: { [scheduledInvocation.header]: '1', 'content-type': 'application/json' },
      __ow_body: '{"trigger":"forged"}',
    });
    expect(json(res)).toEqual({ scheduled: null, body: { trigger: 'forged' } });
  });

  it('answers 500 without internals when the function cannot start, and logs why', async () => {
    const lines: string[] = [];
    const main = createDoMain(
      async () => {
        throw new Error('DATABASE_URL: connection refused');
      },
      'api',
      () => PUBLIC_URL,
      { log: createLogger({ sink: (line) => lines.push(line) }) },
    );
    const res = await main({ __ow_method: 'get', __ow_path: '/health', __ow_headers: {} });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('DATABASE_URL');
    expect(json(res)).toMatchObject({ error: { code: 'internal_error' } });
    expect(lines.join('\n')).toContain('connection refused');
  });

  it('rejects an event that is not a web request it understands', async () => {
    const res = await mainFor('api')({ __ow_method: 'get', __ow_headers: 'nope' });
    expect(res.statusCode).toBe(400);
  });
});
