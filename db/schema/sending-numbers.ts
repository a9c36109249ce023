/**
 * The tenant's sending numbers. `e164` is unique across all tenants (`sending_numbers_e164_key`):
 * an inbound message or status callback finds its tenant only through the number it arrived on, so one
 * number can never belong to two tenants.
 *
 * Routing is part of the row: bulk (campaign) numbers are SignalHouse's, conversation (1:1) numbers are
 * Twilio's, and the sandbox may stand in for either. The CHECK makes the wrong pairing unwritable.
 */
import { sql } from 'drizzle-orm';
import { boolean, check, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, e164, instant, oneOf, updatedAt } from './columns';
import { tenants } from './tenants';

export const smsProviders = ['signalhouse', 'twilio', 'sandbox'] as const;
export type SmsProviderName = (typeof smsProviders)[number];
export const numberUses = ['bulk', 'conversation'] as const;
export type NumberUse = (typeof numberUses)[number];
export const sendingNumberStatuses = ['active', 'disabled'] as const;

export const sendingNumbers = pgTable(
  'sending_numbers',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    e164: text('e164').notNull(),
    provider: text('provider', { enum: smsProviders }).notNull(),
    use: text('use', { enum: numberUses }).notNull(),
    label: text('label'),
    /** Age for the warm-up curve; null → not warming up (a number with history). */
    warmupStartedAt: instant('warmup_started_at'),
    /** The provider confirms STOP itself on this number; we then send no confirmation of our own. */
    providerSendsStopConfirmation: boolean('provider_sends_stop_confirmation').notNull().default(false),
    status: text('status', { enum: sendingNumberStatuses }).notNull().default('active'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('sending_numbers_e164_key').on(t.e164),
    index('sending_numbers_tenant_idx').on(t.tenantId, t.use),
    check('sending_numbers_e164_check', e164(t.e164)),
    oneOf('sending_numbers_provider_check', t.provider, smsProviders),
    oneOf('sending_numbers_use_check', t.use, numberUses),
    oneOf('sending_numbers_status_check', t.status, sendingNumberStatuses),
    check(
      'sending_numbers_route_check',
      sql`(${t.use} = 'bulk' and ${t.provider} in ('signalhouse', 'sandbox')) or (${t.use} = 'conversation' and ${t.provider} in ('twilio', 'sandbox'))`,
    ),
  ],
);
