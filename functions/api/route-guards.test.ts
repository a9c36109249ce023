/**
 * Every route the API registers, found through Hono's `app.routes`, so a route added later is checked
 * without anyone listing it here: no session → 401; a viewer on any state-changing route → 403
 * forbidden_role; a state change without the CSRF token → 403 csrf_failed. Only the small public list
 * below is reachable without a session; growing it is a decision this test makes visible.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicRoutes, selfServiceRoutes, pathBelowMount } from '../shared/auth/staff-access';
import { startApiHarness, type ApiHarness, type Session } from './testing/api-harness';

const expectedPublic = [
  'GET /health',
  'POST /auth/magic-link/start',
  'GET /auth/magic-link/finish',
  'GET /dev/mailbox',
];
const expectedSelfService = ['POST /auth/logout'];

let h: ApiHarness;
let viewer: Session;
let admin: Session;
let routes: { method: string; path: string; below: string }[];

beforeAll(async () => {
  h = await startApiHarness();
  const { tenant, admin: adminUser } = await h.newTenant();
  admin = await h.login(adminUser.email);
  viewer = await h.login((await h.addUser(tenant.id, 'viewer')).email);
  const seen = new Set<string>();
  routes = [];
  for (const r of h.app.routes) {
    // Middleware (`use`) registers as ALL; handlers carry their method.
    if (r.method === 'ALL') continue;
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    routes.push({ method: r.method, path: r.path, below: pathBelowMount(r.path) });
  }
});
afterAll(async () => {
  await h.close();
});

/** A concrete URL for a route pattern: every `:param` becomes an id that exists nowhere. */
function concrete(path: string): string {
  return path.replace(/:[A-Za-z_]+(\{[^}]*\})?/g, 'usr_0000000000000000000000zzzz');
}
const isPublic = (r: { method: string; below: string }) => expectedPublic.includes(`${r.method} ${r.below}`);
const isSafe = (method: string) => method === 'GET' || method === 'HEAD' || method === 'OPTIONS';

describe('route guards', () => {
  it('finds the routes of this issue under both mounts', () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    for (const key of ['GET /api/users', 'POST /api/users', 'PATCH /api/users/:id', 'DELETE /api/users/:id', 'GET /api/audit', 'GET /api/auth/me', 'GET /fn/api/users']) {
      expect(keys).toContain(key);
    }
  });

  it('keeps the public and self-service lists exactly as reviewed', () => {
    expect(publicRoutes.map((r) => `${r.method} ${r.path}`).sort()).toEqual([...expectedPublic].sort());
    expect(selfServiceRoutes.map((r) => `${r.method} ${r.path}`)).toEqual(expectedSelfService);
  });

  it('answers 401 unauthenticated on every non-public route without a session', async () => {
    const failures: string[] = [];
    for (const r of routes.filter((r) => !isPublic(r))) {
      const res = await h.request(concrete(r.path), { method: r.method, json: isSafe(r.method) ? undefined : {} });
      const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
      if (res.status !== 401 || body.error?.code !== 'unauthenticated') failures.push(`${r.method} ${r.path} → ${res.status}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers 403 forbidden_role to a viewer on every state-changing route', async () => {
    const failures: string[] = [];
    const mutating = routes.filter((r) => !isSafe(r.method) && !isPublic(r) && !expectedSelfService.includes(`${r.method} ${r.below}`));
    expect(mutating.length).toBeGreaterThanOrEqual(3);
    for (const r of mutating) {
      const res = await h.request(concrete(r.path), { method: r.method, json: { email: 'x@example.com', role: 'admin' }, as: viewer });
      const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
      if (res.status !== 403 || body.error?.code !== 'forbidden_role') failures.push(`${r.method} ${r.path} → ${res.status} ${body.error?.code}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers 403 csrf_failed on every state-changing route without the CSRF token, even for an admin', async () => {
    const failures: string[] = [];
    for (const r of routes.filter((r) => !isSafe(r.method) && !isPublic(r))) {
      for (const csrf of [false, 'forged-token'] as const) {
        const res = await h.request(concrete(r.path), { method: r.method, json: { email: 'x@example.com', role: 'admin' }, as: admin, csrf });
        const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
        if (res.status !== 403 || body.error?.code !== 'csrf_failed') failures.push(`${r.method} ${r.path} (${String(csrf)}) → ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('lets a viewer read and sign out, but not open admin pages', async () => {
    expect((await h.request('/api/auth/me', { as: viewer })).status).toBe(200);
    for (const path of ['/api/users', '/api/audit']) {
      const res = await h.request(path, { as: viewer });
      expect(res.status).toBe(403);
      expect((await res.json()).error.code).toBe('forbidden_role');
    }
    expect((await h.request('/api/auth/logout', { method: 'POST', as: viewer })).status).toBe(204);
  });

  it('protects unknown paths too, so a session-less caller learns nothing about which routes exist', async () => {
    expect((await h.request('/api/no-such-thing')).status).toBe(401);
    expect((await h.request('/fn/api/users')).status).toBe(401);
  });
});
