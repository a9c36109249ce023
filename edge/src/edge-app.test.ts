import { describe, expect, it } from 'vitest';
import { createEdgeApp } from './edge-app';

const env = { API_ORIGIN: 'http://localhost:8787' };

describe('edge app', () => {
  it('answers /health with ok and an ISO timestamp', async () => {
    const res = await createEdgeApp().request('/health', {}, env);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; ts: string };
    expect(body.ok).toBe(true);
    expect(new Date(body.ts).toISOString()).toBe(body.ts);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it.each(['/abc123', '/Zx9-_q', '/a/b/c', '/'])('answers %s with the expired-link page and the link headers', async (path) => {
    const res = await createEdgeApp().request(path, {}, env);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('This link has expired or does not exist');
  });

  it('answers HEAD on a token like GET, without a body', async () => {
    const res = await createEdgeApp().request('/abc123', { method: 'HEAD' }, env);
    expect(res.status).toBe(404);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await res.text()).toBe('');
  });

  it('answers other methods on the short domain with the same page', async () => {
    const res = await createEdgeApp().request('/abc123', { method: 'POST' }, env);
    expect(res.status).toBe(404);
    expect(res.headers.get('strict-transport-security')).toContain('max-age=31536000');
  });
});
