/**
 * What only the Upstash adapter has: scripts that the server may have forgotten, keys others can see in
 * Redis, and a network in between. The behaviour every Counters adapter shares is in counters.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../../core/errors';
import { startUpstashRestProxy, type UpstashRestProxy } from './test-support/upstash-rest-proxy';
import { createUpstashCounters } from './upstash-counters';

let proxy: UpstashRestProxy;
const now = () => new Date('2026-03-02T10:00:30.000Z');

beforeAll(async () => {
  proxy = await startUpstashRestProxy();
});
afterAll(async () => {
  const keys = await proxy.redis.keys('rrtest:*');
  if (keys.length > 0) await proxy.redis.del(...keys);
  await proxy.close();
});

function counters(overrides: { token?: string; url?: string } = {}) {
  const prefix = `rrtest:${randomBytes(6).toString('hex')}:`;
  return { prefix, counters: createUpstashCounters({ url: proxy.url, token: proxy.token, now, prefix, ...overrides }) };
}

function domainError(code: string, retryable: boolean) {
  return (error: unknown) => error instanceof DomainError && error.code === code && error.retryable === retryable;
}

describe('Upstash counters', () => {
  it('keeps working after Redis forgets its scripts (EVALSHA → NOSCRIPT → EVAL)', async () => {
    const { counters: c } = counters();
    expect(await c.tryConsume('rate:ten_a:minute', 60, 1, 5)).toMatchObject({ allowed: true, value: 1 });
    await proxy.redis.script('FLUSH');
    expect(await c.tryConsume('rate:ten_a:minute', 60, 1, 5)).toMatchObject({ allowed: true, value: 2 });
    expect(await c.incrementWindow('rate:ten_a:minute', 60)).toBe(3);
  });

  it('writes namespaced keys that expire on their own: windows a minute after they end, flags on their TTL', async () => {
    const { prefix, counters: c } = counters();
    await c.incrementWindow('rate:ten_a:minute', 60);
    await c.setFlag('breaker:ten_a', 'open', 120);
    await c.setFlag('pause:ten_a', 'paused');
    const windowKey = `${prefix}ctr:rate:ten_a:minute:${Date.parse('2026-03-02T10:00:00.000Z')}`;
    expect(await proxy.redis.get(windowKey)).toBe('1');
    // 30 s left in the minute + 60 s of slack.
    const windowTtl = await proxy.redis.pttl(windowKey);
    expect(windowTtl).toBeGreaterThan(80_000);
    expect(windowTtl).toBeLessThanOrEqual(90_000);
    expect(await proxy.redis.ttl(`${prefix}flag:breaker:ten_a`)).toBeGreaterThan(100);
    expect(await proxy.redis.ttl(`${prefix}flag:pause:ten_a`)).toBe(-1);
  });

  it('reads a value that looks like JSON back as the string it is', async () => {
    const { counters: c } = counters();
    for (const value of ['1', 'true', 'null', '{"a":1}', '"quoted"', 'ünïcode ✓']) {
      await c.setFlag('f', value);
      expect(await c.getFlag('f')).toBe(value);
    }
  });

  it('is unavailable (retryable) when Upstash cannot be reached', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const address = s.address();
        s.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
      });
    });
    const { counters: c } = counters({ url: `http://127.0.0.1:${closedPort}` });
    await expect(c.incrementWindow('k', 60)).rejects.toSatisfy(domainError('unavailable', true));
  });

  it.each([
    [503, '{"error":"Service Unavailable"}'],
    [429, '{"error":"ERR max requests limit exceeded"}'],
  ])('is unavailable (retryable) when Upstash answers %i', async (status, body) => {
    const { counters: c } = counters();
    proxy.failNext(status, body);
    await expect(c.tryConsume('k', 60, 1, 5)).rejects.toSatisfy(domainError('unavailable', true));
  });

  it('is a provider_error (not retryable) when the token is refused', async () => {
    const { counters: c } = counters({ token: 'wrong' });
    await expect(c.getFlag('k')).rejects.toSatisfy(domainError('provider_error', false));
  });

  it('is a provider_error when the answer is not Upstash\'s', async () => {
    const { counters: c } = counters();
    proxy.failNext(200, '<html>captive portal</html>');
    await expect(c.getFlag('k')).rejects.toSatisfy(domainError('provider_error', false));
    proxy.failNext(200, '{"unexpected":true}');
    await expect(c.setIfAbsent('k', 60)).rejects.toSatisfy(domainError('provider_error', false));
  });

  it('is a provider_error when Redis refuses the command', async () => {
    const { prefix, counters: c } = counters();
    // Someone else wrote a non-number where a window count lives.
    await proxy.redis.set(`${prefix}ctr:k:${Date.parse('2026-03-02T10:00:00.000Z')}`, 'not a number');
    await expect(c.incrementWindow('k', 60)).rejects.toSatisfy(domainError('provider_error', false));
  });
});
