/**
 * Contacts: the people a tenant may text. One row per phone number per tenant
 * (`contacts_tenant_phone_key`): imports match on it, so re-importing a file never duplicates anyone.
 * Email is the second match key (`contacts_tenant_email_idx` on lower(email)).
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { country, countryCode, createdAt, e164, textArray, updatedAt, type TriggerReference } from './columns';
import { tenants } from './tenants';

export const contacts = pgTable(
  'contacts',
  {
    id: text('id').primaryKey(),
    /**
     * The tenant, checked by triggers once per statement rather than by a foreign key once per row
     * (migration 0005: same rule, a fifth less time for an import chunk's insert; docs/imports.md).
     */
    tenantId: text('tenant_id').notNull(),
    phoneE164: text('phone_e164').notNull(),
    /** Trimmed and lower-cased by the Ingestor. */
    email: text('email'),
    firstName: text('first_name'),
    lastName: text('last_name'),
    country: countryCode('country'),
    /** IANA zone for quiet hours; null → derived from the number, else the tenant's. */
    timezone: text('timezone'),
    tags: textArray('tags'),
    /** Mapped `attr:<name>` columns: string values only, merge fields for templates. */
    attributes: jsonb('attributes').$type<Record<string, string>>().notNull().default({}),
    /**
     * Lineage: the import that last created or updated this contact. No foreign key: only the Ingestor
     * writes it, inside the chunk transaction that holds that batch's row locked, and batches are never
     * deleted; the check cost ~6 µs a written row, a fifth of a chunk's contacts insert (docs/imports.md).
     */
    lastImportBatchId: text('last_import_batch_id'),
    /** The row of that import (1-based, header not counted): a later row of the same file is its duplicate. */
    lastImportRow: integer('last_import_row'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('contacts_tenant_phone_key').on(t.tenantId, t.phoneE164),
    index('contacts_tenant_email_idx')
      .on(t.tenantId, sql`lower(${t.email})`)
      .where(sql`${t.email} is not null`),
    check('contacts_phone_check', e164(t.phoneE164)),
    check('contacts_country_check', sql`${t.country} is null or ${country(t.country)}`),
  ],
);

/**
 * contacts.tenant_id → tenants.id, kept by triggers (migration 0005) instead of a foreign key: the same
 * rule, checked once per statement. db/erd.ts draws it as a foreign key.
 */
export const contactsTenantReference: TriggerReference = {
  kind: 'trigger_reference',
  name: 'contacts_tenant_id_tenants_id_fk',
  table: contacts,
  columns: [contacts.tenantId],
  foreignTable: tenants,
  triggers: ['contacts_tenant_check', 'contacts_tenant_fixed', 'tenants_keep_contacts_delete', 'tenants_keep_contacts_update'],
};
