import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { magicLinkTokens, sessions } from '../../db/schema/index';
import { startApiHarness, type ApiHarness } from './testing/api-harness';

const minute = 60_000;
const hour = 60 * minute;
let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h.close();
});

function cookieAttributes(res: Response, name: string): string | undefined {
  return res.headers.getSetCookie().find((line) => line.startsWith(`${name}=`));
}

describe('magic-link sign-in', () => {
  it('mails a single-use link, signs in with a session cookie and says who is signed in', async () => {
    const { tenant, admin } = await h.newTenant('Acme Outreach');
    const start = await h.request('/api/auth/magic-link/start', { json: { email: `  ${admin.email.toUpperCase()} ` } });
    expect(start.status).toBe(202);

    const mail = h.mailbox.messages()[0];
    expect(mail).toMatchObject({ to: admin.email, subject: 'Sign in to Revenue Reactor (Acme Outreach)' });
    const link = new URL(mail?.link ?? '');
    expect(link.origin + link.pathname).toBe('http://localhost:8787/api/auth/magic-link/finish');
    const token = link.searchParams.get('token') ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Only a hash is stored.
    const stored = await h.db.select().from(magicLinkTokens).where(eq(magicLinkTokens.userId, admin.id));
    expect(stored).toHaveLength(1);
    expect(stored[0]?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(token);

    const finish = await h.request(`/api/auth/magic-link/finish?token=${token}`);
    expect(finish.status).toBe(303);
    expect(finish.headers.get('location')).toBe('/');
    const session = cookieAttributes(finish, 'reactor_session') ?? '';
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    expect(session).toMatch(/Path=\//);
    expect(session).not.toMatch(/Secure/i); // local mode: http://localhost
    const csrf = cookieAttributes(finish, 'reactor_csrf') ?? '';
    expect(csrf).not.toMatch(/HttpOnly/i);

    const sessionToken = /^reactor_session=([^;]+)/.exec(session)?.[1] ?? '';
    const rows = await h.db.select().from(sessions).where(eq(sessions.userId, admin.id));
    expect(rows.map((r) => r.id)).not.toContain(sessionToken);
    expect(rows[0]?.id).toMatch(/^[0-9a-f]{64}$/);

    const cookie = `reactor_session=${sessionToken}`;
    const me = await h.request('/api/auth/me', { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { id: admin.id, email: admin.email, role: 'admin' }, tenant: { id: tenant.id, name: 'Acme Outreach' } });
  });

  it('answers 202 for an unknown address and sends nothing', async () => {
    const before = h.mailbox.messages().length;
    const res = await h.request('/api/auth/magic-link/start', { json: { email: 'nobody-here@example.com' } });
    expect(res.status).toBe(202);
    expect(h.mailbox.messages()).toHaveLength(before);
  });

  it('answers 202 for a removed user and sends nothing', async () => {
    const { tenant } = await h.newTenant();
    const gone = await h.addUser(tenant.id, 'staff');
    const admin = await h.login((await h.addUser(tenant.id, 'admin')).email);
    expect((await h.request(`/api/users/${gone.id}`, { method: 'DELETE', as: admin })).status).toBe(204);
    const before = h.mailbox.messages().length;
    expect((await h.request('/api/auth/magic-link/start', { json: { email: gone.email } })).status).toBe(202);
    expect(h.mailbox.messages()).toHaveLength(before);
  });

  it('refuses a malformed address with 400', async () => {
    const res = await h.request('/api/auth/magic-link/start', { json: { email: 'not an address' } });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('validation_failed');
  });

  it('answers 401 for a used, an expired and an unknown token', async () => {
    const { admin } = await h.newTenant();
    await h.request('/api/auth/magic-link/start', { json: { email: admin.email } });
    const used = new URL(h.lastLinkFor(admin.email));
    expect((await h.request(`${used.pathname}${used.search}`)).status).toBe(303);
    const again = await h.request(`${used.pathname}${used.search}`);
    expect(again.status).toBe(401);
    expect((await again.json()).error.code).toBe('unauthenticated');

    await h.request('/api/auth/magic-link/start', { json: { email: admin.email } });
    const late = new URL(h.lastLinkFor(admin.email));
    h.advance(15 * minute);
    expect((await h.request(`${late.pathname}${late.search}`)).status).toBe(401);

    for (const token of ['A'.repeat(43), 'short', '', "'; drop table users; --"]) {
      expect((await h.request(`/api/auth/magic-link/finish?token=${encodeURIComponent(token)}`)).status).toBe(401);
    }
    expect((await h.request('/api/auth/magic-link/finish')).status).toBe(401);
  });

  it('accepts a link until its 15 minutes are up', async () => {
    const { admin } = await h.newTenant();
    await h.request('/api/auth/magic-link/start', { json: { email: admin.email } });
    const link = new URL(h.lastLinkFor(admin.email));
    h.advance(15 * minute - 1000);
    expect((await h.request(`${link.pathname}${link.search}`)).status).toBe(303);
  });

  it('shows a person a page with the way forward, still with status 401', async () => {
    const res = await h.request('/api/auth/magic-link/finish?token=nope', { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('This sign-in link no longer works');
    expect(html).toContain('href="/login"');
  });

  it('limits links per address: past five in 15 minutes it still answers 202 but mails nothing', async () => {
    const { admin } = await h.newTenant();
    const sentTo = () => h.mailbox.messages().filter((m) => m.to === admin.email).length;
    for (let i = 0; i < 7; i++) expect((await h.request('/api/auth/magic-link/start', { json: { email: admin.email } })).status).toBe(202);
    expect(sentTo()).toBe(5);
    h.advance(15 * minute);
    await h.request('/api/auth/magic-link/start', { json: { email: admin.email } });
    expect(sentTo()).toBe(6);
  });

  it('limits requests per client address with 429 and Retry-After', async () => {
    const ip = '203.0.113.77';
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const res = await h.request('/api/auth/magic-link/start', { json: { email: `someone${i}@example.com` }, headers: { 'x-forwarded-for': `10.9.9.9, ${ip}` } });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect((await res.json()).error.code).toBe('rate_limited');
      }
    }
    expect(statuses.slice(0, 30).every((s) => s === 202)).toBe(true);
    expect(statuses[30]).toBe(429);
    // Another client is not affected.
    expect((await h.request('/api/auth/magic-link/start', { json: { email: 'x@example.com' }, headers: { 'x-forwarded-for': '203.0.113.78' } })).status).toBe(202);
  });
});

describe('sessions', () => {
  it('end after 12 hours without a request', async () => {
    const { admin } = await h.newTenant();
    const session = await h.login(admin.email);
    h.advance(12 * hour - minute);
    expect((await h.request('/api/auth/me', { as: session })).status).toBe(200);
    // That request slid the idle deadline: another 12 hours from now.
    h.advance(12 * hour - minute);
    expect((await h.request('/api/auth/me', { as: session })).status).toBe(200);
    h.advance(12 * hour);
    const res = await h.request('/api/auth/me', { as: session });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('unauthenticated');
    // The stale cookies are cleared.
    expect(res.headers.getSetCookie().some((l) => l.startsWith('reactor_session=;') || /reactor_session=.*Max-Age=0/.test(l))).toBe(true);
  });

  it('end 7 days after login however active they are', async () => {
    const { admin } = await h.newTenant();
    const session = await h.login(admin.email);
    for (let elapsed = 0; elapsed < 7 * 24 * hour - 6 * hour; elapsed += 6 * hour) {
      h.advance(6 * hour);
      expect((await h.request('/api/auth/me', { as: session })).status).toBe(200);
    }
    h.advance(6 * hour);
    expect((await h.request('/api/auth/me', { as: session })).status).toBe(401);
  });

  it('honour configured TTLs', async () => {
    const short = await startApiHarness({ env: { SESSION_IDLE_TTL_MINUTES: '30', SESSION_ABSOLUTE_TTL_HOURS: '1' } });
    try {
      const { admin } = await short.newTenant();
      const session = await short.login(admin.email);
      short.advance(29 * minute);
      expect((await short.request('/api/auth/me', { as: session })).status).toBe(200);
      short.advance(29 * minute);
      expect((await short.request('/api/auth/me', { as: session })).status).toBe(200);
      short.advance(2 * minute + 1);
      expect((await short.request('/api/auth/me', { as: session })).status).toBe(401);
    } finally {
      await short.close();
    }
  });

  it('logout revokes the session and clears the cookies', async () => {
    const { admin } = await h.newTenant();
    const session = await h.login(admin.email);
    const out = await h.request('/api/auth/logout', { method: 'POST', as: session });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().filter((l) => /Max-Age=0/i.test(l)).length).toBe(2);
    expect((await h.request('/api/auth/me', { as: session })).status).toBe(401);
  });

  it('a new login in the same browser ends the old session', async () => {
    const { tenant, admin } = await h.newTenant();
    const first = await h.login(admin.email);
    const other = await h.addUser(tenant.id, 'staff');
    await h.request('/api/auth/magic-link/start', { json: { email: other.email } });
    const link = new URL(h.lastLinkFor(other.email));
    expect((await h.request(`${link.pathname}${link.search}`, { headers: { cookie: first.cookie } })).status).toBe(303);
    expect((await h.request('/api/auth/me', { as: first })).status).toBe(401);
  });

  it('garbage cookies are simply unauthenticated', async () => {
    for (const cookie of ['reactor_session=', 'reactor_session=abc', `reactor_session=${'A'.repeat(43)}`, 'other=1']) {
      expect((await h.request('/api/auth/me', { headers: { cookie } })).status).toBe(401);
    }
  });
});

describe('CSRF', () => {
  it('hands out the session token and accepts it echoed in x-csrf-token', async () => {
    const { admin } = await h.newTenant();
    const session = await h.login(admin.email);
    const res = await h.request('/api/auth/csrf', { as: session });
    expect(res.status).toBe(200);
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    expect(csrfToken).toBe(session.csrfToken);
    expect(res.headers.getSetCookie().some((l) => l.startsWith(`reactor_csrf=${csrfToken}`))).toBe(true);
  });

  it('refuses a state change with a missing or wrong token, and lets it through with the right one', async () => {
    const { admin } = await h.newTenant();
    const session = await h.login(admin.email);
    for (const csrf of [false, '', 'x'.repeat(43)] as const) {
      const res = await h.request('/api/auth/logout', { method: 'POST', as: session, csrf });
      expect(res.status).toBe(403);
      expect((await res.json()).error.code).toBe('csrf_failed');
    }
    // Another session's token does not work either.
    const other = await h.login((await h.newTenant()).admin.email);
    expect((await h.request('/api/auth/logout', { method: 'POST', as: session, csrf: other.csrfToken })).status).toBe(403);
    expect((await h.request('/api/auth/logout', { method: 'POST', as: session })).status).toBe(204);
  });

  it('is not needed to read', async () => {
    const { admin } = await h.newTenant();
    const session = await h.login(admin.email);
    expect((await h.request('/api/auth/me', { as: session, csrf: false })).status).toBe(200);
  });
});
