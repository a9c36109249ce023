import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { deliveryClaims, sha256Base64url, signDeliveryToken, signJwtHs256 } from '../../../core/queue/sign-delivery-token';
import { createDeliveryVerifier } from './delivery-verifier';
import { verifyDelivery, type Delivery, type DeliveryEnv } from './verify-delivery';

const keys = { currentSigningKey: 'sig_current_0123456789abcdefghijklmnop', nextSigningKey: 'sig_next_0123456789abcdefghijklmnopqrs' };
const publicUrl = 'https://reactor.example';
const body = JSON.stringify({ type: 'probe.step', v: 1, data: { probeId: 'qpr_1', step: 1, steps: 2 } });
const nowSeconds = () => Math.floor(Date.now() / 1000);

function appWithSpy() {
  const seen: Delivery[] = [];
  const app = new Hono<DeliveryEnv>();
  app.post('/fn/cron', verifyDelivery(createDeliveryVerifier(keys), publicUrl), (c) => {
    seen.push(c.get('delivery'));
    return c.json({ ok: true });
  });
  return { app, seen };
}

function deliver(app: Hono<DeliveryEnv>, headers: Record<string, string>, options: { url?: string; body?: string } = {}) {
  return app.request(options.url ?? 'http://10.0.0.7:8080/fn/cron', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: options.body ?? body });
}

const sign = (overrides: Partial<Parameters<typeof signDeliveryToken>[0]> = {}) =>
  signDeliveryToken({ key: keys.currentSigningKey, url: `${publicUrl}/fn/cron`, body, nowSeconds: nowSeconds(), jti: 'jwt_test', ...overrides });

describe('verifyDelivery', () => {
  it('runs the handler with the raw body, message id and retry count when signed with the current key', async () => {
    const { app, seen } = appWithSpy();
    const res = await deliver(app, { 'upstash-signature': await sign(), 'upstash-message-id': 'msg_1', 'upstash-retried': '2' });
    expect(res.status).toBe(200);
    expect(seen).toEqual([{ body, messageId: 'msg_1', retried: 2 }]);
  });

  it('accepts the next key (QStash key rotation)', async () => {
    const { app, seen } = appWithSpy();
    const res = await deliver(app, { 'upstash-signature': await sign({ key: keys.nextSigningKey }) });
    expect(res.status).toBe(200);
    expect(seen[0]?.retried).toBe(0);
  });

  it('checks the URL built from PUBLIC_URL, not the Host the request arrived on', async () => {
    const { app, seen } = appWithSpy();
    const forInternalHost = await sign({ url: 'http://10.0.0.7:8080/fn/cron' });
    const res = await deliver(app, { 'upstash-signature': forInternalHost, host: '10.0.0.7:8080' });
    expect(res.status).toBe(401);
    expect(seen).toHaveLength(0);
  });

  it('includes the query string in the signed URL', async () => {
    const app = new Hono<DeliveryEnv>();
    app.post('/fn/cron', verifyDelivery(createDeliveryVerifier(keys), publicUrl), (c) => c.json({ ok: true }));
    const signed = await sign({ url: `${publicUrl}/fn/cron?page=2` });
    expect((await deliver(app, { 'upstash-signature': signed }, { url: 'http://internal/fn/cron?page=2' })).status).toBe(200);
    expect((await deliver(app, { 'upstash-signature': signed }, { url: 'http://internal/fn/cron?page=3' })).status).toBe(401);
  });

  const forged: [string, () => Promise<Record<string, string>>, { body?: string }?][] = [
    ['a missing signature', async () => ({})],
    ['an empty signature', async () => ({ 'upstash-signature': '' })],
    ['garbage', async () => ({ 'upstash-signature': 'not.a.jwt' })],
    ['an unknown key', async () => ({ 'upstash-signature': await sign({ key: 'sig_attacker_0123456789abcdefghijklmn' }) })],
    ['another function’s URL in sub', async () => ({ 'upstash-signature': await sign({ url: `${publicUrl}/fn/send` }) })],
    ['another origin in sub', async () => ({ 'upstash-signature': await sign({ url: 'https://evil.example/fn/cron' }) })],
    ['an expired token', async () => ({ 'upstash-signature': await sign({ nowSeconds: nowSeconds() - 600 }) })],
    ['a token not valid yet', async () => ({ 'upstash-signature': await sign({ nowSeconds: nowSeconds() + 600 }) })],
    ['a tampered body', async () => ({ 'upstash-signature': await sign() }), { body: body.replace('"step":1', '"step":2') }],
    [
      'another issuer',
      async () => {
        const claims = { ...deliveryClaims({ url: `${publicUrl}/fn/cron`, bodyHash: await sha256Base64url(body), nowSeconds: nowSeconds(), jti: 'j' }), iss: 'Mallory' };
        return { 'upstash-signature': await signJwtHs256(keys.currentSigningKey, claims) };
      },
    ],
  ];

  it.each(forged)('answers 401 invalid_signature and runs nothing for %s', async (_what, headers, options) => {
    const { app, seen } = appWithSpy();
    const res = await deliver(app, await headers(), options ?? {});
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_signature' } });
    expect(seen).toHaveLength(0);
  });
});
