/**
 * Who may not be texted.
 *
 * `do_not_contact` is permanent until someone lifts it (START, or staff): one row per tenant and number,
 * shared by every provider and sending number of the tenant, so a STOP sent to Twilio also blocks
 * SignalHouse bulk sends. The primary key (tenant_id, phone_e164) is its uniqueness rule.
 *
 * `suppression_rules` are cooldowns: "do not text this number until <expires_at>" (null = until lifted).
 */
import { sql } from 'drizzle-orm';
import { check, index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt, e164, instant, oneOf } from './columns';
import { tenants } from './tenants';
import { users } from './users';

export const dncSources = ['manual', 'stop_keyword', 'provider_opt_out', 'import'] as const;
export type DncSource = (typeof dncSources)[number];

export const doNotContact = pgTable(
  'do_not_contact',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    phoneE164: text('phone_e164').notNull(),
    reason: text('reason'),
    source: text('source', { enum: dncSources }).notNull(),
    /** Null when the number opted out by itself (STOP, provider opt-out). */
    createdBy: text('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'do_not_contact_pkey', columns: [t.tenantId, t.phoneE164] }),
    check('do_not_contact_phone_check', e164(t.phoneE164)),
    oneOf('do_not_contact_source_check', t.source, dncSources),
  ],
);

export const suppressionRules = pgTable(
  'suppression_rules',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    phoneE164: text('phone_e164').notNull(),
    reason: text('reason').notNull(),
    /** Null → until lifted. */
    expiresAt: instant('expires_at'),
    liftedAt: instant('lifted_at'),
    liftedBy: text('lifted_by').references(() => users.id),
    createdBy: text('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    /*
     * Active rules. A rule is active when `lifted_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
     * but an index predicate must be immutable and now() is not: a predicate with now() would freeze the
     * moment the index was built. So the predicate holds only the part that never changes by itself
     * (`lifted_at IS NULL`, which only a write can change, and a write updates the index), and
     * `expires_at` is an index column: the time test is evaluated at query time against the index
     * entries, so the query stays correct as time passes and expired rules simply stop matching.
     * Lookups are by (tenant_id, phone_e164) from the import and send gates.
     */
    index('suppression_rules_active_idx')
      .on(t.tenantId, t.phoneE164, t.expiresAt)
      .where(sql`${t.liftedAt} is null`),
    index('suppression_rules_tenant_created_idx').on(t.tenantId, t.createdAt),
    check('suppression_rules_phone_check', e164(t.phoneE164)),
    check('suppression_rules_lifted_check', sql`${t.liftedBy} is null or ${t.liftedAt} is not null`),
  ],
);
