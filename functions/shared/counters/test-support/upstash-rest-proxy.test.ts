/**
 * Keeps the test endpoint honest: the stock `@upstash/redis` client, configured exactly as production
 * configures it (URL + token, base64 responses, its own fetch), works against it, for single commands,
 * pipelines and transactions, errors included.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstashRestProxy, type UpstashRestProxy } from './upstash-rest-proxy';

let proxy: UpstashRestProxy;
let redis: Redis;
const prefix = `rrtest:${randomBytes(6).toString('hex')}:`;

beforeAll(async () => {
  proxy = await startUpstashRestProxy();
  redis = new Redis({ url: proxy.url, token: proxy.token, enableTelemetry: false, retry: false, enableAutoPipelining: false });
});
afterAll(async () => {
  const keys = await proxy.redis.keys(`${prefix}*`);
  if (keys.length > 0) await proxy.redis.del(...keys);
  await proxy.close();
});

describe('Upstash REST proxy (test support)', () => {
  it('serves single commands to the stock SDK, strings base64-encoded on the wire', async () => {
    expect(await redis.set(`${prefix}a`, 'ünïcode ✓')).toBe('OK');
    expect(await redis.get(`${prefix}a`)).toBe('ünïcode ✓');
    expect(await redis.incrby(`${prefix}n`, 5)).toBe(5);
    expect(await redis.get(`${prefix}missing`)).toBeNull();
    expect(await redis.eval('return {1, ARGV[1]}', [], ['x'])).toEqual([1, 'x']);
  });

  it('answers a refused command with 400 {error}', async () => {
    await redis.set(`${prefix}s`, 'text');
    await expect(redis.incr(`${prefix}s`)).rejects.toThrow(/not an integer/);
    const raw = await fetch(`${proxy.url}/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${proxy.token}` },
      body: JSON.stringify(['EVALSHA', '0'.repeat(40), 0]),
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({ error: expect.stringMatching(/^NOSCRIPT/) });
  });

  it('runs pipelines and transactions', async () => {
    const pipeline = redis.pipeline();
    pipeline.set(`${prefix}p`, '1');
    pipeline.incr(`${prefix}p`);
    pipeline.get(`${prefix}p`);
    expect(await pipeline.exec()).toEqual(['OK', 2, 2]);

    const tx = redis.multi();
    tx.incr(`${prefix}t`);
    tx.incr(`${prefix}t`);
    expect(await tx.exec()).toEqual([1, 2]);
  });

  it('fails with a message that says what to do when Redis is not running', async () => {
    await expect(startUpstashRestProxy({ redisUrl: 'redis://127.0.0.1:1' })).rejects.toThrow(/Redis is not running at redis:\/\/127\.0\.0\.1:1 .*redis-server/);
  });

  it('refuses a missing or wrong token with 401', async () => {
    const wrong = await fetch(`${proxy.url}/`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '["PING"]' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'Unauthorized' });
    const none = await fetch(`${proxy.url}/`, { method: 'POST', body: '["PING"]' });
    expect(none.status).toBe(401);
  });
});
