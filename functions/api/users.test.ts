import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../db/schema/index';
import { startApiHarness, type ApiHarness } from './testing/api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h.close();
});

type UserBody = { user: { id: string; email: string; role: string; invitedBy: string | null } };

describe('users', () => {
  it('an admin invites by email: the user exists at once and gets a link that signs them in', async () => {
    const { tenant, admin } = await h.newTenant('Acme');
    const session = await h.login(admin.email);
    const res = await h.request('/api/users', { json: { email: ' New.Person@Example.com ', role: 'staff' }, as: session });
    expect(res.status).toBe(201);
    const { user } = (await res.json()) as UserBody;
    expect(user).toMatchObject({ email: 'new.person@example.com', role: 'staff', invitedBy: admin.id });

    const mail = h.mailbox.messages()[0];
    expect(mail).toMatchObject({ to: 'new.person@example.com', subject: "You're invited to Acme on Revenue Reactor" });
    expect(mail?.text).toContain(`${admin.email} invited you`);

    const link = new URL(h.lastLinkFor('new.person@example.com'));
    expect((await h.request(`${link.pathname}${link.search}`)).status).toBe(303);
    const invitee = await h.login('new.person@example.com');
    const me = await h.request('/api/auth/me', { as: invitee });
    expect(await me.json()).toMatchObject({ user: { email: 'new.person@example.com', role: 'staff' }, tenant: { id: tenant.id } });

    const list = (await (await h.request('/api/users', { as: session })).json()) as { users: { email: string }[] };
    expect(list.users.map((u) => u.email).sort()).toEqual([admin.email, 'new.person@example.com'].sort());
  });

  it('refuses to invite someone who is already a user, here or with another organisation', async () => {
    const { tenant, admin } = await h.newTenant();
    const session = await h.login(admin.email);
    const member = await h.addUser(tenant.id, 'viewer');
    const here = await h.request('/api/users', { json: { email: member.email.toUpperCase(), role: 'staff' }, as: session });
    expect(here.status).toBe(409);
    expect((await here.json()).error.code).toBe('conflict');

    const elsewhere = await h.newTenant();
    const there = await h.request('/api/users', { json: { email: elsewhere.admin.email, role: 'staff' }, as: session });
    expect(there.status).toBe(409);
    // The other tenant's user is untouched.
    const [row] = await h.db.select().from(users).where(eq(users.id, elsewhere.admin.id));
    expect(row).toMatchObject({ tenantId: elsewhere.tenant.id, role: 'admin', disabledAt: null });
  });

  it('refuses bad input with 400', async () => {
    const { admin } = await h.newTenant();
    const session = await h.login(admin.email);
    for (const json of [{ email: 'nope', role: 'staff' }, { email: 'a@b.example', role: 'owner' }, {}]) {
      expect((await h.request('/api/users', { json, as: session })).status).toBe(400);
    }
    expect((await h.request(`/api/users/${admin.id}`, { method: 'PATCH', json: { role: 'root' }, as: session })).status).toBe(400);
  });

  it('changes a role, which takes effect on the very next request', async () => {
    const { tenant, admin } = await h.newTenant();
    const session = await h.login(admin.email);
    const staff = await h.addUser(tenant.id, 'staff');
    const staffSession = await h.login(staff.email);
    const res = await h.request(`/api/users/${staff.id}`, { method: 'PATCH', json: { role: 'viewer' }, as: session });
    expect(res.status).toBe(200);
    expect(((await res.json()) as UserBody).user.role).toBe('viewer');
    const me = await h.request('/api/auth/me', { as: staffSession });
    expect((await me.json()).user.role).toBe('viewer');
    expect((await h.request('/api/auth/logout', { method: 'POST', as: staffSession })).status).toBe(204);
  });

  it('removes a user: they disappear from the list and their sessions end', async () => {
    const { tenant, admin } = await h.newTenant();
    const session = await h.login(admin.email);
    const staff = await h.addUser(tenant.id, 'staff');
    const staffSession = await h.login(staff.email);
    expect((await h.request(`/api/users/${staff.id}`, { method: 'DELETE', as: session })).status).toBe(204);
    expect((await h.request('/api/auth/me', { as: staffSession })).status).toBe(401);
    const list = (await (await h.request('/api/users', { as: session })).json()) as { users: { id: string }[] };
    expect(list.users.map((u) => u.id)).toEqual([admin.id]);
    // Gone means gone: a second removal and a role change find nothing.
    expect((await h.request(`/api/users/${staff.id}`, { method: 'DELETE', as: session })).status).toBe(404);
    expect((await h.request(`/api/users/${staff.id}`, { method: 'PATCH', json: { role: 'admin' }, as: session })).status).toBe(404);
  });

  it('brings a removed user back when invited again', async () => {
    const { tenant, admin } = await h.newTenant();
    const session = await h.login(admin.email);
    const staff = await h.addUser(tenant.id, 'staff');
    await h.request(`/api/users/${staff.id}`, { method: 'DELETE', as: session });
    const res = await h.request('/api/users', { json: { email: staff.email, role: 'viewer' }, as: session });
    expect(res.status).toBe(201);
    expect(((await res.json()) as UserBody).user).toMatchObject({ id: staff.id, role: 'viewer' });
  });

  it('never leaves a tenant without an admin', async () => {
    const { tenant, admin } = await h.newTenant();
    const session = await h.login(admin.email);
    for (const [method, json] of [
      ['PATCH', { role: 'staff' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await h.request(`/api/users/${admin.id}`, { method, json, as: session });
      expect(res.status).toBe(409);
      expect((await res.json()).error.message).toMatch(/last admin/);
    }
    // With a second admin, the first may step down.
    const second = await h.addUser(tenant.id, 'admin');
    expect((await h.request(`/api/users/${admin.id}`, { method: 'PATCH', json: { role: 'staff' }, as: session })).status).toBe(200);
    // Now a staff member: no longer allowed to manage users.
    expect((await h.request(`/api/users/${second.id}`, { method: 'DELETE', as: session })).status).toBe(403);
    const secondSession = await h.login(second.email);
    expect((await h.request(`/api/users/${second.id}`, { method: 'DELETE', as: secondSession })).status).toBe(409);
  });

  it('is for admins only: staff get 403 on reads and writes', async () => {
    const { tenant } = await h.newTenant();
    const staff = await h.login((await h.addUser(tenant.id, 'staff')).email);
    expect((await h.request('/api/users', { as: staff })).status).toBe(403);
    const res = await h.request('/api/users', { json: { email: 'x@example.com', role: 'admin' }, as: staff });
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe('forbidden_role');
  });
});
