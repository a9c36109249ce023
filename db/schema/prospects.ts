/**
 * The lead supply chain: raw USBizData prospects, and what the Refinery's skip trace found for them.
 *
 * `raw_prospects_tenant_source_key`: the Ingestor upserts on a stable source key derived from the
 * record, so ingesting the same file (or an overlapping one) again updates rows instead of adding them.
 * Revenue and employee counts come as ranges ("$1 to 2.5 Million", "20 to 49"): the lower bound is
 * stored as a number for filtering and the text as given for display.
 *
 * `skip_trace_requests_request_key`: one paid lookup per key, so a redelivered hydrate job never pays
 * twice. The persona tables are keyed by prospect and value, so a repeated hydrate merges.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, e164, instant, micros, oneOf, updatedAt } from './columns';
import { importBatches } from './imports';
import { tenants } from './tenants';

export const rawProspects = pgTable(
  'raw_prospects',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    sourceKey: text('source_key').notNull(),
    company: text('company'),
    contactName: text('contact_name'),
    title: text('title'),
    address: text('address'),
    city: text('city'),
    state: text('state'),
    zip: text('zip'),
    /** As given in the file. */
    phone: text('phone'),
    /** Normalized; null when the given phone is not a valid number. */
    phoneE164: text('phone_e164'),
    email: text('email'),
    website: text('website'),
    sicCode: text('sic_code'),
    sicDescription: text('sic_description'),
    /** Lower bound of the sales volume range, whole USD (not money we handle, so not micros). */
    revenueUsd: bigint('revenue_usd', { mode: 'number' }),
    revenueText: text('revenue_text'),
    /** Lower bound of the employee count range. */
    employees: integer('employees'),
    employeesText: text('employees_text'),
    /** Revenue over the tenant's threshold, or a title on its list; computed at ingestion. */
    highValue: boolean('high_value').notNull(),
    importBatchId: text('import_batch_id').references(() => importBatches.id, { onDelete: 'set null' }),
    hydratedAt: instant('hydrated_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('raw_prospects_tenant_source_key').on(t.tenantId, t.sourceKey),
    /* The prospects list: by tenant, optionally high value only, paged by id. */
    index('raw_prospects_tenant_high_value_idx').on(t.tenantId, t.highValue, t.id),
    check('raw_prospects_phone_check', sql`${t.phoneE164} is null or ${e164(t.phoneE164)}`),
    check('raw_prospects_amounts_check', sql`(${t.revenueUsd} is null or ${t.revenueUsd} >= 0) and (${t.employees} is null or ${t.employees} >= 0)`),
  ],
);

export const skipTraceProviders = ['realestateapi', 'sandbox'] as const;
export const skipTraceStatuses = ['pending', 'succeeded', 'no_match', 'failed'] as const;
export type SkipTraceStatus = (typeof skipTraceStatuses)[number];

export const skipTraceRequests = pgTable(
  'skip_trace_requests',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    prospectId: text('prospect_id')
      .notNull()
      .references(() => rawProspects.id),
    status: text('status', { enum: skipTraceStatuses }).notNull().default('pending'),
    provider: text('provider', { enum: skipTraceProviders }).notNull(),
    /** Idempotency key of the paid lookup, e.g. `<prospect id>:<input fingerprint>`. */
    requestKey: text('request_key').notNull(),
    attempts: integer('attempts').notNull().default(0),
    costMicros: micros('cost_micros').notNull().default(0),
    response: jsonb('response'),
    error: text('error'),
    correlationId: text('correlation_id'),
    createdAt: createdAt(),
    completedAt: instant('completed_at'),
  },
  (t) => [
    uniqueIndex('skip_trace_requests_request_key').on(t.requestKey),
    index('skip_trace_requests_prospect_idx').on(t.prospectId),
    oneOf('skip_trace_requests_status_check', t.status, skipTraceStatuses),
    oneOf('skip_trace_requests_provider_check', t.provider, skipTraceProviders),
    check('skip_trace_requests_amounts_check', sql`${t.costMicros} >= 0 and ${t.attempts} >= 0`),
  ],
);

export const personaPhones = pgTable(
  'persona_phones',
  {
    prospectId: text('prospect_id')
      .notNull()
      .references(() => rawProspects.id, { onDelete: 'cascade' }),
    phoneE164: text('phone_e164').notNull(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** As the provider says: mobile, landline, voip, … */
    lineType: text('line_type'),
    carrier: text('carrier'),
    isConnected: boolean('is_connected'),
    /** The provider's ranking, 1 = best. */
    rank: integer('rank'),
    source: text('source', { enum: skipTraceProviders }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'persona_phones_pkey', columns: [t.prospectId, t.phoneE164] }),
    check('persona_phones_phone_check', e164(t.phoneE164)),
    oneOf('persona_phones_source_check', t.source, skipTraceProviders),
  ],
);

export const personaEmails = pgTable(
  'persona_emails',
  {
    prospectId: text('prospect_id')
      .notNull()
      .references(() => rawProspects.id, { onDelete: 'cascade' }),
    /** Lower-cased. */
    email: text('email').notNull(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    rank: integer('rank'),
    source: text('source', { enum: skipTraceProviders }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'persona_emails_pkey', columns: [t.prospectId, t.email] }),
    oneOf('persona_emails_source_check', t.source, skipTraceProviders),
  ],
);

export const socialProfiles = pgTable(
  'social_profiles',
  {
    prospectId: text('prospect_id')
      .notNull()
      .references(() => rawProspects.id, { onDelete: 'cascade' }),
    /** linkedin, facebook, twitter, … as the provider names it, lower-cased. */
    network: text('network').notNull(),
    url: text('url').notNull(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    source: text('source', { enum: skipTraceProviders }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'social_profiles_pkey', columns: [t.prospectId, t.network, t.url] }),
    oneOf('social_profiles_source_check', t.source, skipTraceProviders),
  ],
);
