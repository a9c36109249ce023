/**
 * Staff access routes (`/api/auth/*`, contract: shared/API.md "Auth"): magic-link start and finish,
 * logout, who am I, and the CSRF token. Start and finish are public; the rest need a session (the
 * staff-access middleware runs first).
 */
import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { magicLinkMessage } from '../../core/auth/magic-link';
import { emailSchema } from '../../core/auth/normalize-email';
import { hashToken } from '../../core/auth/opaque-token';
import { magicLinkRules } from '../../core/auth/rate-limit';
import type { SessionPolicy } from '../../core/auth/session-lifetime';
import { DomainError } from '../../core/errors';
import { sessions, users } from '../../db/schema/index';
import { clientIp } from '../shared/auth/client-ip';
import { findActiveUserByEmail, issueMagicLink, redeemMagicLink } from '../shared/auth/magic-links';
import { hitRateLimit } from '../shared/auth/rate-limiter';
import { clearSessionCookies, readSessionToken, setCsrfCookie, setSessionCookies } from '../shared/auth/session-cookies';
import { prepareSession, revokeSessionByToken } from '../shared/auth/session-store';
import type { StaffEnv } from '../shared/auth/staff-access';
import { tenantScope } from '../shared/auth/tenant-scope';
import { errorBody } from '../shared/errors';
import type { Services } from '../shared/services';
import { signInFailedPage } from './sign-in-failed-page';

const startSchema = z.object({ email: emailSchema });

export function authRoutes(services: Services, policy: SessionPolicy): Hono<StaffEnv> {
  const { db, config, mailer } = services;
  const auth = new Hono<StaffEnv>();

  auth.post('/auth/magic-link/start', async (c) => {
    const { email } = startSchema.parse(await c.req.json().catch(() => ({})));
    const now = services.now();
    const ip = clientIp(c);
    const log = c.get('log');

    const perIp = await hitRateLimit(db, magicLinkRules.perIp, ip ?? 'unknown', now);
    if (!perIp.allowed) {
      // About the caller, never about the address: it says nothing about who has an account.
      c.header('retry-after', String(perIp.retryAfterSeconds));
      throw new DomainError('rate_limited', 'Too many sign-in requests from this network. Try again in a few minutes.');
    }
    // Keyed by the address's hash: the counters table is transport state and holds no addresses.
    const perEmail = await hitRateLimit(db, magicLinkRules.perEmail, await hashToken(email), now);
    const accepted = c.json({ ok: true, message: 'If that address has an account, a sign-in link is on its way.' }, 202);
    if (!perEmail.allowed) {
      log.warn('magic link not sent: too many requests for one address', { retryAfterSeconds: perEmail.retryAfterSeconds });
      return accepted;
    }

    const user = await findActiveUserByEmail(db, email);
    if (!user) {
      log.info('magic link requested for an address without an account');
      return accepted;
    }
    const scope = tenantScope(db, { tenantId: user.tenantId, actor: { userId: null, requestId: c.get('requestId') }, now: services.now, random: services.random });
    const link = await issueMagicLink(scope, { userId: user.id, now, random: services.random, publicUrl: config.publicUrl, ip });
    try {
      const result = await mailer.send(magicLinkMessage({ to: user.email, link, tenantName: user.tenantName }));
      if (result.status === 'rejected') log.warn('magic link refused by the mail provider', { userId: user.id, reason: result.reason });
    } catch (error) {
      // Still 202: a different answer for existing addresses would tell who has an account.
      log.error('magic link could not be sent', { userId: user.id, err: error });
    }
    return accepted;
  });

  auth.get('/auth/magic-link/finish', async (c) => {
    const now = services.now();
    const redeemed = await redeemMagicLink(db, c.req.query('token'), now);
    const user = redeemed.ok
      ? (await db.select().from(users).where(eq(users.id, redeemed.userId)).limit(1))[0]
      : undefined;
    if (!redeemed.ok || !user || user.disabledAt !== null || user.tenantId !== redeemed.tenantId) {
      c.get('log').info('magic link refused', { reason: redeemed.ok ? 'user_disabled' : redeemed.reason });
      if ((c.req.header('accept') ?? '').includes('text/html')) return c.html(signInFailedPage(), 401);
      return c.json(errorBody('unauthenticated', 'This sign-in link is used, expired or unknown. Ask for a new one.'), 401);
    }
    // A browser that still holds another session (another user, or an old login) gives it up.
    await revokeSessionByToken(db, readSessionToken(c), now);
    const prepared = await prepareSession({ userId: user.id, now, policy, random: services.random, ip: clientIp(c), userAgent: c.req.header('user-agent') ?? null });
    const scope = tenantScope(db, { tenantId: user.tenantId, actor: { userId: user.id, requestId: c.get('requestId') }, now: services.now, random: services.random });
    await scope.mutate('session.login', async (tx) => {
      await tx.insert(sessions, prepared.row);
      await tx.updateOne(users, eq(users.id, user.id), { lastLoginAt: now });
      return { result: undefined, target: { type: 'user', id: user.id } };
    });
    setSessionCookies(c, config, prepared);
    c.header('cache-control', 'no-store');
    return c.redirect('/', 303);
  });

  auth.post('/auth/logout', async (c) => {
    const { scope, sessionId, user } = c.var.staff;
    await scope.mutate('session.logout', async (tx) => {
      await tx.update(sessions, eq(sessions.id, sessionId), { revokedAt: services.now() });
      return { result: undefined, target: { type: 'user', id: user.id } };
    });
    clearSessionCookies(c, config);
    return c.body(null, 204);
  });

  auth.get('/auth/me', (c) => {
    const { user, tenant } = c.var.staff;
    return c.json({ user: { id: user.id, email: user.email, role: user.role, name: user.name }, tenant: { id: tenant.id, name: tenant.name } });
  });

  auth.get('/auth/csrf', (c) => {
    const { csrfToken, sessionExpiresAt } = c.var.staff;
    setCsrfCookie(c, config, csrfToken, Math.max(0, Math.floor((sessionExpiresAt.getTime() - services.now().getTime()) / 1000)));
    c.header('cache-control', 'no-store');
    return c.json({ csrfToken });
  });

  return auth;
}
