/**
 * Two tenants side by side: nothing one tenant's people do reaches the other's rows. Another
 * tenant's id answers 404, the same as an id that never existed, so ids do not leak.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, sessions, users } from '../../db/schema/index';
import type { TestTenant } from '../../db/testing';
import { startApiHarness, type ApiHarness, type Session } from './testing/api-harness';

let h: ApiHarness;
let a: TestTenant;
let b: TestTenant;
let adminA: Session;
let adminB: Session;
let staffB: typeof users.$inferSelect;

async function snapshotOf(tenantId: string) {
  const [u, s, l] = await Promise.all([
    h.db.select().from(users).where(eq(users.tenantId, tenantId)),
    h.db.select().from(sessions).where(eq(sessions.tenantId, tenantId)),
    h.db.select().from(auditLog).where(eq(auditLog.tenantId, tenantId)),
  ]);
  const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((x, y) => x.id.localeCompare(y.id));
  return JSON.stringify({ users: byId(u), sessions: byId(s).map((r) => ({ ...r, lastSeenAt: null, idleExpiresAt: null })), audit: byId(l) });
}

beforeAll(async () => {
  h = await startApiHarness();
  a = await h.newTenant('Tenant A');
  b = await h.newTenant('Tenant B');
  adminA = await h.login(a.admin.email);
  adminB = await h.login(b.admin.email);
  staffB = await h.addUser(b.tenant.id, 'staff');
  await h.request('/api/users', { json: { email: 'b-invitee@example.com', role: 'viewer' }, as: adminB });
});
afterAll(async () => {
  await h.close();
});

describe('tenant isolation', () => {
  it("lists only the caller's own users and audit entries", async () => {
    const list = (await (await h.request('/api/users', { as: adminA })).json()) as { users: { id: string }[] };
    expect(list.users.map((u) => u.id)).toEqual([a.admin.id]);
    const audit = (await (await h.request('/api/audit', { as: adminA })).json()) as { items: { actor: { id: string } | null; target: { id: string } | null }[] };
    for (const item of audit.items) {
      expect(item.actor?.id).toBe(a.admin.id);
      expect([a.admin.id, undefined]).toContain(item.target?.id);
    }
    const me = await (await h.request('/api/auth/me', { as: adminA })).json();
    expect(me.tenant).toEqual({ id: a.tenant.id, name: 'Tenant A' });
  });

  it("answers 404 for the other tenant's user, exactly as for an id that does not exist", async () => {
    const before = await snapshotOf(b.tenant.id);
    const attempts = [
      { method: 'PATCH', json: { role: 'admin' } },
      { method: 'DELETE', json: undefined },
    ] as const;
    for (const attempt of attempts) {
      const theirs = await h.request(`/api/users/${staffB.id}`, { ...attempt, as: adminA });
      const nobody = await h.request('/api/users/usr_0000000000000000000000zzzz', { ...attempt, as: adminA });
      expect(theirs.status).toBe(404);
      expect(nobody.status).toBe(404);
      expect((await theirs.json()).error).toEqual((await nobody.json()).error);
    }
    expect(await snapshotOf(b.tenant.id)).toBe(before);
  });

  it("no route of the API changes the other tenant's rows when given its ids", async () => {
    const before = await snapshotOf(b.tenant.id);
    const ids = [staffB.id, b.admin.id, b.tenant.id];
    const leaks: string[] = [];
    for (const route of h.app.routes.filter((r) => r.method !== 'ALL' && r.path.includes(':'))) {
      for (const id of ids) {
        const path = route.path.replace(/:[A-Za-z_]+(\{[^}]*\})?/g, id);
        const safe = route.method === 'GET' || route.method === 'HEAD';
        const res = await h.request(path, { method: route.method, json: safe ? undefined : { role: 'admin', email: 'x@example.com' }, as: adminA });
        // 404 for what is not ours; 400 is fine too (the body was refused before any lookup).
        if (res.status !== 404 && res.status !== 400) leaks.push(`${route.method} ${path} → ${res.status}`);
      }
    }
    expect(leaks).toEqual([]);
    expect(await snapshotOf(b.tenant.id)).toBe(before);
  });

  it("cannot sign in to the other tenant's data: the session is bound to the user's tenant", async () => {
    const meB = await (await h.request('/api/auth/me', { as: adminB })).json();
    expect(meB.tenant.id).toBe(b.tenant.id);
    const listB = (await (await h.request('/api/users', { as: adminB })).json()) as { users: { email: string }[] };
    expect(listB.users.map((u) => u.email).sort()).toEqual([b.admin.email, staffB.email, 'b-invitee@example.com'].sort());
  });
});
