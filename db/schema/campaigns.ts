/**
 * Message templates and campaigns.
 *
 * A campaign rotates over its templates (`campaign_templates`, ordered by `position`) and sends from
 * its numbers (`campaign_sending_numbers`; none → every active bulk number of the tenant). Templates are
 * archived, never deleted, because send jobs and reports point at them.
 */
import { sql } from 'drizzle-orm';
import { check, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, instant, oneOf, updatedAt } from './columns';
import { sendingNumbers } from './sending-numbers';
import { tenants } from './tenants';
import { users } from './users';

export const messageTemplates = pgTable(
  'message_templates',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull(),
    /** Merge fields such as `{first_name|there}` and `{link}`; rendered per contact at send time. */
    body: text('body').notNull(),
    createdBy: text('created_by').references(() => users.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    archivedAt: instant('archived_at'),
  },
  (t) => [
    index('message_templates_tenant_idx').on(t.tenantId, t.createdAt),
    check('message_templates_body_check', sql`length(${t.body}) > 0`),
  ],
);

export const campaignStatuses = ['draft', 'queued', 'sending', 'paused', 'done'] as const;
export type CampaignStatus = (typeof campaignStatuses)[number];

export const campaigns = pgTable(
  'campaigns',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull(),
    status: text('status', { enum: campaignStatuses }).notNull().default('draft'),
    /** Who to send to, e.g. `{tags: [...]}`; validated by zod where it is read. */
    segment: jsonb('segment').notNull().default({}),
    /** Where each contact's `{link}` leads (its own short link redirects here); required when a template uses `{link}`. */
    linkUrl: text('link_url'),
    pausedAt: instant('paused_at'),
    /** Why it is paused: a person, or an auto-pause (failure or opt-out spike, spend cap). */
    pausedReason: text('paused_reason'),
    /** Overrides of the tenant's auto-pause thresholds, in basis points; null → the tenant's. */
    autoPauseFailureRateBps: integer('auto_pause_failure_rate_bps'),
    autoPauseOptOutRateBps: integer('auto_pause_opt_out_rate_bps'),
    createdBy: text('created_by').references(() => users.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    queuedAt: instant('queued_at'),
    doneAt: instant('done_at'),
  },
  (t) => [
    index('campaigns_tenant_idx').on(t.tenantId, t.createdAt),
    oneOf('campaigns_status_check', t.status, campaignStatuses),
    check('campaigns_name_check', sql`length(trim(${t.name})) > 0`),
    check('campaigns_link_url_check', sql`${t.linkUrl} is null or ${t.linkUrl} ~ '^https?://'`),
    check(
      'campaigns_auto_pause_check',
      sql`(${t.autoPauseFailureRateBps} is null or ${t.autoPauseFailureRateBps} between 1 and 10000) and (${t.autoPauseOptOutRateBps} is null or ${t.autoPauseOptOutRateBps} between 1 and 10000)`,
    ),
  ],
);

export const campaignTemplates = pgTable(
  'campaign_templates',
  {
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    templateId: text('template_id')
      .notNull()
      .references(() => messageTemplates.id),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** Rotation order: a contact gets template number hash(contact) mod count, so a retry renders the same text. */
    position: integer('position').notNull(),
  },
  (t) => [
    primaryKey({ name: 'campaign_templates_pkey', columns: [t.campaignId, t.templateId] }),
    uniqueIndex('campaign_templates_campaign_position_key').on(t.campaignId, t.position),
    check('campaign_templates_position_check', sql`${t.position} >= 0`),
  ],
);

export const campaignSendingNumbers = pgTable(
  'campaign_sending_numbers',
  {
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    sendingNumberId: text('sending_number_id').notNull(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
  },
  (t) => [
    primaryKey({ name: 'campaign_sending_numbers_pkey', columns: [t.campaignId, t.sendingNumberId] }),
    // Named by hand: the generated name would pass PostgreSQL's 63-byte limit and be truncated.
    foreignKey({
      name: 'campaign_sending_numbers_sending_number_id_fk',
      columns: [t.sendingNumberId],
      foreignColumns: [sendingNumbers.id],
    }),
  ],
);
