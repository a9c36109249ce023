import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../core/errors';
import { createFunctionApp, functionForPath, type AppEnv } from './app';
import { createLogger } from './log';

function appWith(routes: Hono<AppEnv>, lines: string[] = []) {
  return createFunctionApp({ name: 'api', log: createLogger({ sink: (l) => lines.push(l) }), routes, now: () => new Date('2026-11-22T03:00:00.000Z') });
}

describe('function host', () => {
  it('answers health at every public mount', async () => {
    const app = appWith(new Hono<AppEnv>());
    for (const path of ['/api/health', '/fn/api/health']) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, ts: '2026-11-22T03:00:00.000Z' });
    }
  });

  it('echoes an incoming x-request-id and mints one otherwise', async () => {
    const app = appWith(new Hono<AppEnv>());
    const echoed = await app.request('/api/health', { headers: { 'x-request-id': 'corr-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('corr-123');
    const minted = await app.request('/api/health');
    expect(minted.headers.get('x-request-id')).toMatch(/.{8,}/);
  });

  it('maps domain errors to the JSON error shape with their status', async () => {
    const routes = new Hono<AppEnv>().get('/boom', () => {
      throw new DomainError('forbidden_role', 'Viewers cannot change campaigns.');
    });
    const res = await appWith(routes).request('/api/boom');
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { code: 'forbidden_role', message: 'Viewers cannot change campaigns.' } });
  });

  it('hides unknown errors behind a generic 500 and logs the cause with the request id', async () => {
    const lines: string[] = [];
    const routes = new Hono<AppEnv>().get('/crash', () => {
      throw new Error('password=hunter2 leaked from a driver');
    });
    const res = await appWith(routes, lines).request('/api/crash', { headers: { 'x-request-id': 'req-9' } });
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).not.toContain('hunter2');
    expect(JSON.parse(body).error.code).toBe('internal_error');
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'unhandled error');
    expect(logged).toMatchObject({ level: 'error', fn: 'api', requestId: 'req-9' });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await appWith(new Hono<AppEnv>()).request('/api/nothing-here');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
  });

  it.each([
    ['/api/health', 'api'],
    ['/api/campaigns/cmp_1', 'api'],
    ['/api/webhooks/twilio', 'webhook'],
    ['/fn/webhook/health', 'webhook'],
    ['/fn/import-chunk', 'import-chunk'],
    ['/fn/send/health', 'send'],
    ['/apiary', undefined],
    ['/', undefined],
    ['/fn/unknown', undefined],
  ])('routes %s to %s', (path, name) => {
    expect(functionForPath(path)).toBe(name);
  });
});
