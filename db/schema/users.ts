/**
 * Staff access: users, their sessions and magic-link tokens.
 *
 * A user belongs to exactly one tenant and logs in by email alone, so the email must identify the
 * tenant: it is unique across all tenants, compared case-insensitively (`users_email_key` on
 * lower(email)). Secrets are never stored: a session row's id and a magic link's key are the lower-case
 * hex SHA-256 of the opaque token the browser holds (enforced by CHECK), so a database leak yields no
 * usable credential.
 */
import { sql } from 'drizzle-orm';
import { type AnyPgColumn, check, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, instant, oneOf, sha256Hex } from './columns';
import { tenants } from './tenants';

export const userRoles = ['admin', 'staff', 'viewer'] as const;
export type UserRole = (typeof userRoles)[number];

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    email: text('email').notNull(),
    name: text('name'),
    role: text('role', { enum: userRoles }).notNull(),
    /** Who invited this user; null for the seeded first admin. */
    invitedBy: text('invited_by').references((): AnyPgColumn => users.id),
    createdAt: createdAt(),
    lastLoginAt: instant('last_login_at'),
    /** Users are disabled, not deleted: the audit log keeps pointing at them. */
    disabledAt: instant('disabled_at'),
  },
  (t) => [
    uniqueIndex('users_email_key').on(sql`lower(${t.email})`),
    index('users_tenant_idx').on(t.tenantId, t.createdAt),
    oneOf('users_role_check', t.role, userRoles),
    check('users_email_check', sql`position('@' in ${t.email}) > 1`),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    /** SHA-256 (lower-case hex) of the opaque session token in the cookie. */
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /**
     * The double-submit CSRF token for this session. Stored as is: it is worthless without the session
     * cookie, and the API hands it back on `GET /api/auth/csrf`.
     */
    csrfToken: text('csrf_token').notNull(),
    createdAt: createdAt(),
    lastSeenAt: instant('last_seen_at').notNull().defaultNow(),
    /** Slides forward on use (idle TTL); never past `absolute_expires_at`. */
    idleExpiresAt: instant('idle_expires_at').notNull(),
    absoluteExpiresAt: instant('absolute_expires_at').notNull(),
    revokedAt: instant('revoked_at'),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [
    index('sessions_user_idx').on(t.userId),
    check('sessions_id_check', sha256Hex(t.id)),
    check('sessions_expiry_check', sql`${t.idleExpiresAt} <= ${t.absoluteExpiresAt}`),
  ],
);

export const magicLinkTokens = pgTable(
  'magic_link_tokens',
  {
    /** SHA-256 (lower-case hex) of the token in the link. Single use: `used_at` is set in the same statement that checks it. */
    tokenHash: text('token_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    expiresAt: instant('expires_at').notNull(),
    usedAt: instant('used_at'),
    createdAt: createdAt(),
    requestedIp: text('requested_ip'),
  },
  (t) => [index('magic_link_tokens_user_idx').on(t.userId, t.createdAt), check('magic_link_tokens_hash_check', sha256Hex(t.tokenHash))],
);
