/**
 * A tenant is one customer organisation. Every tenant-owned row elsewhere carries `tenant_id`.
 *
 * Settings live here as columns (not a key/value bag) so that each has a type, a default and a CHECK:
 * the kill switch (`paused_at`), the Refinery's high-value rule, compliance keywords, quiet-hours and
 * warm-up overrides, auto-pause thresholds and where alerts go.
 */
import { sql } from 'drizzle-orm';
import { bigint, check, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { country, countryCode, createdAt, instant, textArray, updatedAt } from './columns';

export const tenants = pgTable(
  'tenants',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** Used to normalize phone numbers that carry no country (imports, DNC entries typed by staff). */
    defaultCountry: countryCode('default_country').notNull(),
    /** IANA zone, e.g. Australia/Sydney: the last fallback for quiet hours and the day boundary of budgets. */
    timezone: text('timezone').notNull(),
    /** Kill switch: set → no provider call is made for this tenant, at the next gate check. */
    pausedAt: instant('paused_at'),
    pausedReason: text('paused_reason'),
    /** A prospect is high value when its revenue lower bound exceeds this (whole USD), or its title matches. */
    highValueRevenueUsd: bigint('high_value_revenue_usd', { mode: 'number' }).notNull().default(1_000_000),
    highValueTitles: textArray('high_value_titles'),
    /** Answer to HELP/INFO; null → the product's default text naming the tenant. */
    helpText: text('help_text'),
    /** Added to the built-in keyword lists (any language); matched after the same normalization. */
    optOutKeywords: textArray('opt_out_keywords'),
    optInKeywords: textArray('opt_in_keywords'),
    helpKeywords: textArray('help_keywords'),
    /** Per-country overrides of the quiet-hours defaults, validated by zod where it is read. Null → defaults. */
    quietHours: jsonb('quiet_hours'),
    /** Warm-up curve override (daily cap by number age). Null → the product default curve. */
    warmupCurve: jsonb('warmup_curve'),
    /**
     * Default auto-pause thresholds for campaigns, in basis points (100 = 1 %). Null → the product's
     * defaults (10 % failures, 5 % opt-outs; core/alerts/outcome-window.ts); 10000 turns a check off.
     */
    autoPauseFailureRateBps: integer('auto_pause_failure_rate_bps'),
    autoPauseOptOutRateBps: integer('auto_pause_opt_out_rate_bps'),
    alertWebhookUrl: text('alert_webhook_url'),
    alertEmail: text('alert_email'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('tenants_default_country_check', country(t.defaultCountry)),
    check('tenants_name_check', sql`length(trim(${t.name})) > 0`),
    check('tenants_high_value_revenue_check', sql`${t.highValueRevenueUsd} >= 0`),
    check(
      'tenants_auto_pause_check',
      sql`(${t.autoPauseFailureRateBps} is null or ${t.autoPauseFailureRateBps} between 1 and 10000) and (${t.autoPauseOptOutRateBps} is null or ${t.autoPauseOptOutRateBps} between 1 and 10000)`,
    ),
  ],
);
