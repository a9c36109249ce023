/**
 * Money: budgets (caps per tenant), costs (what was spent, one row per charged thing) and prices
 * (a global list per provider and destination country). All amounts are integer micro-dollars.
 *
 * A cost row is unique per source (`costs_send_job_key`, `costs_skip_trace_request_key`), so a retried
 * send or skip trace cannot charge twice; record it with ON CONFLICT DO NOTHING.
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { country, countryCode, createdAt, instant, micros, oneOf, updatedAt } from './columns';
import { skipTraceRequests } from './prospects';
import { sendJobs } from './send-jobs';
import { smsProviders } from './sending-numbers';
import { tenants } from './tenants';
import { users } from './users';

export const budgets = pgTable(
  'budgets',
  {
    tenantId: text('tenant_id')
      .primaryKey()
      .references(() => tenants.id),
    /** Days and months are the tenant's local calendar (tenants.timezone). */
    dailyMicros: micros('daily_micros').notNull(),
    monthlyMicros: micros('monthly_micros').notNull(),
    /** Messages per minute for the whole tenant; null → no tenant-wide cap. */
    perMinute: integer('per_minute'),
    /** Messages per minute per sending number; null → the provider's default. */
    perNumberPerMinute: integer('per_number_per_minute'),
    alertAtPercent: integer('alert_at_percent').notNull().default(80),
    updatedAt: updatedAt(),
    updatedBy: text('updated_by').references(() => users.id),
  },
  (t) => [
    check('budgets_amounts_check', sql`${t.dailyMicros} >= 0 and ${t.monthlyMicros} >= 0`),
    check(
      'budgets_rates_check',
      sql`(${t.perMinute} is null or ${t.perMinute} > 0) and (${t.perNumberPerMinute} is null or ${t.perNumberPerMinute} > 0)`,
    ),
    check('budgets_alert_check', sql`${t.alertAtPercent} between 1 and 100`),
  ],
);

export const costKinds = ['sms', 'skip_trace'] as const;
export type CostKind = (typeof costKinds)[number];

export const costs = pgTable(
  'costs',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    kind: text('kind', { enum: costKinds }).notNull(),
    sendJobId: text('send_job_id').references(() => sendJobs.id),
    skipTraceRequestId: text('skip_trace_request_id').references(() => skipTraceRequests.id),
    amountMicros: micros('amount_micros').notNull(),
    /** SMS parts (segments) charged; null for skip traces. */
    parts: integer('parts'),
    /** The provider that charged (signalhouse, twilio, sandbox, realestateapi). */
    provider: text('provider').notNull(),
    /** Destination country of an SMS. */
    country: countryCode('country'),
    occurredAt: instant('occurred_at').notNull(),
  },
  (t) => [
    uniqueIndex('costs_send_job_key').on(t.sendJobId),
    uniqueIndex('costs_skip_trace_request_key').on(t.skipTraceRequestId),
    /* Spend so far today / this month. */
    index('costs_tenant_occurred_idx').on(t.tenantId, t.occurredAt),
    oneOf('costs_kind_check', t.kind, costKinds),
    check(
      'costs_source_check',
      sql`(${t.kind} = 'sms' and ${t.sendJobId} is not null and ${t.skipTraceRequestId} is null) or (${t.kind} = 'skip_trace' and ${t.skipTraceRequestId} is not null and ${t.sendJobId} is null)`,
    ),
    check('costs_amount_check', sql`${t.amountMicros} >= 0 and (${t.parts} is null or ${t.parts} >= 1)`),
    check('costs_country_check', sql`${t.country} is null or ${country(t.country)}`),
  ],
);

export const prices = pgTable(
  'prices',
  {
    provider: text('provider', { enum: smsProviders }).notNull(),
    country: countryCode('country').notNull(),
    /** Price of one SMS part (segment) to this country. */
    microsPerPart: micros('micros_per_part').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ name: 'prices_pkey', columns: [t.provider, t.country] }),
    oneOf('prices_provider_check', t.provider, smsProviders),
    check('prices_country_check', country(t.country)),
    check('prices_amount_check', sql`${t.microsPerPart} >= 0`),
  ],
);
