/**
 * The staff-access middleware: every request to the `api` function passes here before any route.
 * Secure by default: a route added later is protected without anyone remembering to, because only the
 * short lists below are let through without a session.
 *
 * For every other request, in this order:
 * 1. a live session (cookie `reactor_session`; unknown, expired, revoked or a removed user → 401
 *    `unauthenticated`, and the stale cookies are cleared);
 * 2. on state-changing methods, the session's CSRF token echoed in `x-csrf-token` (→ 403 `csrf_failed`);
 * 3. the role may act by method: viewers read only (→ 403 `forbidden_role`); routes that administer
 *    add `requirePermission('administer')`;
 * 4. then `c.var.staff` holds the user, the tenant and the tenant-scoped data access (`scope`), bound to
 *    the session's tenant, the user as actor and the request id for the audit log.
 *
 * Webhooks (`/api/webhooks/*`) are another function (`webhook`) and never reach this middleware; queue
 * deliveries to `api` arrive at exactly `/fn/api` and verify their own signature.
 */
import { createMiddleware } from 'hono/factory';
import { csrfHeader, csrfVerdict } from '../../../core/auth/csrf';
import { can, isSafeMethod, permissionForMethod, type Permission } from '../../../core/auth/roles';
import type { SessionPolicy } from '../../../core/auth/session-lifetime';
import { DomainError } from '../../../core/errors';
import type { Db } from '../../../db/client';
import { mountsOf, type AppVariables } from '../app';
import type { Config } from '../config';
import { clearSessionCookies, readSessionToken } from './session-cookies';
import { resumeSession, type StaffTenant, type StaffUser } from './session-store';
import { tenantScope, type StaffScope } from './tenant-scope';

export type StaffContext = {
  user: StaffUser;
  tenant: StaffTenant;
  /** The session row's id (the token's hash). */
  sessionId: string;
  csrfToken: string;
  /** When the session ends however active it is (the cookies' lifetime). */
  sessionExpiresAt: Date;
  /** Tenant data, only through here. */
  scope: StaffScope;
};

export type StaffVariables = AppVariables & {
  staff: StaffContext;
  /** Set by `changesNothing()` on state-changing routes that only compute (no audit row expected). */
  changesNothing?: boolean;
};
export type StaffEnv = { Variables: StaffVariables };

type RouteKey = { method: string; path: string };

/** Reachable without a session (paths relative to the function's mount, `/api` or `/fn/api`). */
export const publicRoutes: readonly RouteKey[] = [
  { method: 'GET', path: '/health' },
  { method: 'POST', path: '/auth/magic-link/start' },
  { method: 'GET', path: '/auth/magic-link/finish' },
  // Registered in local mode only (REACTOR_ENV=local): it is how a developer reads their login link.
  { method: 'GET', path: '/dev/mailbox' },
];

/** The only URL queue deliveries to `api` arrive at (functionUrl); such a route verifies its signature. */
export const signedDeliveryPaths: readonly string[] = ['/fn/api'];

/** Any signed-in person may call these whatever their role: they touch only the caller's own session. */
export const selfServiceRoutes: readonly RouteKey[] = [{ method: 'POST', path: '/auth/logout' }];

const mounts = [...mountsOf.api].sort((a, b) => b.length - a.length);

/** The path below the function's mount (`/api/users/1` and `/fn/api/users/1` → `/users/1`). */
export function pathBelowMount(path: string): string {
  for (const mount of mounts) {
    if (path === mount) return '/';
    if (path.startsWith(`${mount}/`)) return path.slice(mount.length);
  }
  return path;
}

function listed(list: readonly RouteKey[], method: string, path: string): boolean {
  const m = method === 'HEAD' ? 'GET' : method;
  return list.some((r) => r.method === m && r.path === path);
}

export type StaffAccessOptions = {
  db: Db;
  config: Pick<Config, 'env' | 'publicUrl'>;
  policy: SessionPolicy;
  now: () => Date;
  random: (length: number) => Uint8Array;
};

export function staffAccess(options: StaffAccessOptions) {
  return createMiddleware<StaffEnv>(async function staffAccessMiddleware(c, next) {
    const method = c.req.method.toUpperCase();
    const path = pathBelowMount(c.req.path);
    if (listed(publicRoutes, method, path) || (method === 'POST' && signedDeliveryPaths.includes(c.req.path))) return next();

    const token = readSessionToken(c);
    const lookup = await resumeSession(options.db, token, options.now(), options.policy);
    if (lookup.state !== 'active') {
      if (token !== undefined) clearSessionCookies(c, options.config);
      c.get('log').info('request without a live session', { state: lookup.state, method, path });
      throw new DomainError('unauthenticated', lookup.state === 'unknown' ? 'Sign in to continue.' : 'Your session has ended. Sign in again.');
    }
    const { session } = lookup;

    const verdict = csrfVerdict({ method, expected: session.csrfToken, presented: c.req.header(csrfHeader) });
    if (verdict === 'missing' || verdict === 'mismatch') {
      throw new DomainError('csrf_failed', `This request needs the session's CSRF token in the ${csrfHeader} header (GET /api/auth/csrf).`);
    }
    if (!listed(selfServiceRoutes, method, path) && !can(session.user.role, permissionForMethod(method))) {
      throw new DomainError('forbidden_role', `Your role (${session.user.role}) can look but not change anything.`);
    }

    const scope = tenantScope(options.db, {
      tenantId: session.tenant.id,
      actor: { userId: session.user.id, requestId: c.get('requestId') ?? null },
      now: options.now,
      random: options.random,
    });
    c.set('staff', { user: session.user, tenant: session.tenant, sessionId: session.id, csrfToken: session.csrfToken, sessionExpiresAt: session.absoluteExpiresAt, scope });
    c.set('log', c.get('log').child({ userId: session.user.id, tenantId: session.tenant.id }));
    await next();

    if (!isSafeMethod(method) && c.res.status < 400 && scope.mutations() === 0 && !c.get('changesNothing')) {
      // Not fatal (a POST may only compute, like a preview), but a change that left no audit row is a bug.
      c.get('log').warn('state-changing request wrote no audit row', { method, path: c.req.routePath, status: c.res.status });
    }
  });
}

/** For routes that need more than their method implies (users, budgets, pause, sending numbers, audit). */
export function requirePermission(permission: Permission) {
  return createMiddleware<StaffEnv>(async function requirePermissionMiddleware(c, next) {
    const { role } = c.var.staff.user;
    if (!can(role, permission)) {
      throw new DomainError('forbidden_role', permission === 'administer' ? `Only admins can do this; your role is ${role}.` : `Your role (${role}) cannot do this.`);
    }
    await next();
  });
}

/** Marks a state-changing route that changes nothing (a preview, a dry run, a no-op): no audit row is due. */
export function changesNothing() {
  return createMiddleware<StaffEnv>(async function changesNothingMiddleware(c, next) {
    c.set('changesNothing', true);
    await next();
  });
}
