/**
 * Contacts: the people a tenant may text. One row per phone number per tenant
 * (`contacts_tenant_phone_key`): imports match on it, so re-importing a file never duplicates anyone.
 * Email is the second match key (`contacts_tenant_email_idx` on lower(email)).
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { country, countryCode, createdAt, e164, textArray, updatedAt } from './columns';
import { tenants } from './tenants';

export const contacts = pgTable(
  'contacts',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
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
