import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema/index';
import { startApiHarness, type ApiHarness } from './testing/api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h.close();
});

type AuditPage = {
  items: { id: string; at: string; actor: { id: string; email: string } | null; action: string; target: { type: string; id: string } | null; requestId: string | null; details: Record<string, unknown> }[];
  nextCursor: string | null;
};

async function auditRows(tenantId: string) {
  return h.db.select().from(auditLog).where(eq(auditLog.tenantId, tenantId));
}

describe('audit log', () => {
  it('writes exactly one row per mutation, with the actor, the target and the request id', async () => {
    const { tenant, admin } = await h.newTenant();
    const session = await h.login(admin.email);
    expect((await auditRows(tenant.id)).map((r) => r.action)).toEqual(['session.login']);
    // The test clock stands still; entries within one millisecond have no defined order.
    h.advance(1);

    const mutations: { call: () => Promise<Response>; action: string }[] = [];
    let invitedId = '';
    const count = async () => (await auditRows(tenant.id)).length;

    let before = await count();
    const invite = await h.request('/api/users', { json: { email: 'audit-invitee@example.com', role: 'staff' }, as: session, headers: { 'x-request-id': 'req-invite-1' } });
    invitedId = ((await invite.json()) as { user: { id: string } }).user.id;
    expect(await count()).toBe(before + 1);
    h.advance(1);
    mutations.push({ call: () => h.request(`/api/users/${invitedId}`, { method: 'PATCH', json: { role: 'viewer' }, as: session }), action: 'user.role_change' });
    mutations.push({ call: () => h.request(`/api/users/${invitedId}`, { method: 'DELETE', as: session }), action: 'user.remove' });
    for (const m of mutations) {
      before = await count();
      expect((await m.call()).status).toBeLessThan(300);
      expect(await count()).toBe(before + 1);
      h.advance(1);
    }
    // A refused change writes nothing.
    before = await count();
    expect((await h.request(`/api/users/${admin.id}`, { method: 'DELETE', as: session })).status).toBe(409);
    expect((await h.request(`/api/users/${admin.id}`, { method: 'PATCH', json: { role: 'admin' }, as: session })).status).toBe(200);
    expect(await count()).toBe(before);

    const page = (await (await h.request('/api/audit', { as: session })).json()) as AuditPage;
    expect(page.items.map((i) => i.action)).toEqual(['user.remove', 'user.role_change', 'user.invite', 'session.login']);
    for (const item of page.items) expect(item.actor).toEqual({ id: admin.id, email: admin.email });
    const inviteEntry = page.items.find((i) => i.action === 'user.invite');
    expect(inviteEntry).toMatchObject({ target: { type: 'user', id: invitedId, label: 'audit-invitee@example.com' }, requestId: 'req-invite-1', details: { email: 'audit-invitee@example.com', role: 'staff' } });
    expect(page.items.find((i) => i.action === 'user.role_change')?.details).toEqual({ from: 'staff', to: 'viewer' });

    expect((await h.request('/api/auth/logout', { method: 'POST', as: session })).status).toBe(204);
    expect((await auditRows(tenant.id)).filter((r) => r.action === 'session.logout')).toHaveLength(1);
  });

  it('pages newest first with a cursor, without gaps or repeats', async () => {
    const { tenant, admin } = await h.newTenant();
    const session = await h.login(admin.email);
    const staff = await h.addUser(tenant.id, 'staff');
    for (let i = 0; i < 6; i++) {
      await h.request(`/api/users/${staff.id}`, { method: 'PATCH', json: { role: i % 2 === 0 ? 'viewer' : 'staff' }, as: session });
      h.advance(1); // keeps the expected order deterministic; ids sort by time, then randomness
    }
    const all = (await auditRows(tenant.id)).map((r) => r.id).sort().reverse();
    expect(all).toHaveLength(7);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
      const page = (await (await h.request(`/api/audit${query}`, { as: session })).json()) as AuditPage;
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(all);
  });

  it('refuses a forged cursor with 400', async () => {
    const { admin } = await h.newTenant();
    const session = await h.login(admin.email);
    const res = await h.request('/api/audit?cursor=bm90LWEtY3Vyc29y', { as: session });
    expect(res.status).toBe(400);
    expect((await h.request('/api/audit?limit=0', { as: session })).status).toBe(400);
  });
});
