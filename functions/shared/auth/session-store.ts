/**
 * Staff sessions in the database. The browser holds an opaque token; the row's id is its SHA-256, so
 * the table holds nothing a browser could present. Reading a session joins its user and tenant on
 * every request: a role change or a removal takes effect on the next request, not at the next login.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { hashToken, isOpaqueToken, newOpaqueToken, tokenBytes } from '../../../core/auth/opaque-token';
import type { Role } from '../../../core/auth/roles';
import {
  openSessionDeadlines,
  sessionCookieMaxAge,
  sessionState,
  slideSession,
  type SessionPolicy,
  type SessionState,
} from '../../../core/auth/session-lifetime';
import type { Db } from '../../../db/client';
import { sessions, tenants, users } from '../../../db/schema/index';
import type { NewRowOf } from './tenant-scope';

export type StaffUser = { id: string; email: string; name: string | null; role: Role };
export type StaffTenant = { id: string; name: string };
export type StaffSession = {
  /** The row id (the token's hash), never the token. */
  id: string;
  csrfToken: string;
  absoluteExpiresAt: Date;
  user: StaffUser;
  tenant: StaffTenant;
};

export type NewSession = {
  /** For the cookie; never stored. */
  token: string;
  csrfToken: string;
  maxAgeSeconds: number;
  /** The row to insert through the tenant scope (the scope writes `tenant_id`). */
  row: NewRowOf<typeof sessions>;
};

export async function prepareSession(input: {
  userId: string;
  now: Date;
  policy: SessionPolicy;
  random: (n: number) => Uint8Array;
  ip: string | null;
  userAgent: string | null;
}): Promise<NewSession> {
  const token = newOpaqueToken(input.random(tokenBytes));
  const csrfToken = newOpaqueToken(input.random(tokenBytes));
  const deadlines = openSessionDeadlines(input.now, input.policy);
  return {
    token,
    csrfToken,
    maxAgeSeconds: sessionCookieMaxAge(deadlines, input.now),
    row: {
      id: await hashToken(token),
      userId: input.userId,
      csrfToken,
      createdAt: input.now,
      lastSeenAt: input.now,
      idleExpiresAt: deadlines.idleExpiresAt,
      absoluteExpiresAt: deadlines.absoluteExpiresAt,
      ip: input.ip,
      userAgent: input.userAgent?.slice(0, 400) ?? null,
    },
  };
}

export type SessionLookup = { state: 'active'; session: StaffSession } | { state: Exclude<SessionState, 'active'> | 'unknown' | 'user_disabled' };

/** Finds the session for a cookie value and slides its idle deadline (at most once a minute). */
export async function resumeSession(db: Db, token: string | undefined, now: Date, policy: SessionPolicy): Promise<SessionLookup> {
  if (!isOpaqueToken(token)) return { state: 'unknown' };
  const id = await hashToken(token);
  const [row] = await db
    .select({
      session: sessions,
      user: { id: users.id, email: users.email, name: users.name, role: users.role, disabledAt: users.disabledAt, tenantId: users.tenantId },
      tenant: { id: tenants.id, name: tenants.name },
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(tenants, eq(tenants.id, sessions.tenantId))
    .where(eq(sessions.id, id))
    .limit(1);
  if (row === undefined) return { state: 'unknown' };
  const state = sessionState(row.session, now);
  if (state !== 'active') return { state };
  // A user moved or removed: the session dies with the membership.
  if (row.user.disabledAt !== null || row.user.tenantId !== row.session.tenantId) return { state: 'user_disabled' };
  const slide = slideSession(row.session, now, policy);
  if (slide) await db.update(sessions).set(slide).where(eq(sessions.id, id));
  return {
    state: 'active',
    session: {
      id,
      csrfToken: row.session.csrfToken,
      absoluteExpiresAt: row.session.absoluteExpiresAt,
      user: { id: row.user.id, email: row.user.email, name: row.user.name, role: row.user.role },
      tenant: row.tenant,
    },
  };
}

/** Revokes the session a cookie points at, if any (a new login replaces the browser's old session). */
export async function revokeSessionByToken(db: Db, token: string | undefined, now: Date): Promise<void> {
  if (!isOpaqueToken(token)) return;
  await db.update(sessions).set({ revokedAt: now }).where(and(eq(sessions.id, await hashToken(token)), isNull(sessions.revokedAt)));
}
