/**
 * Who did what, when: one row per mutation made by a person (or by the system on its own, such as an
 * auto-pause, with no actor). Append-only; paged newest first by (tenant_id, created_at, id).
 */
import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt } from './columns';
import { tenants } from './tenants';
import { users } from './users';

export const auditLog = pgTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** Null when the system acted by itself (auto-pause, spend cap). */
    actorUserId: text('actor_user_id').references(() => users.id),
    /** A dotted verb, e.g. `campaign.pause`, `user.invite`. */
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    requestId: text('request_id'),
    details: jsonb('details').notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_log_tenant_created_idx').on(t.tenantId, t.createdAt.desc(), t.id.desc()),
    check('audit_log_action_check', sql`length(${t.action}) > 0`),
  ],
);
