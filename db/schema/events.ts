/**
 * The event log everything reports from: campaign reports, contact timelines, conversations and metrics.
 * Append-only. `dedupe_key` makes a writer's retry harmless: a handler that records `SENT` for a job
 * twice (redelivery) writes one row when it uses a key such as `SENT:<job id>`
 * (`events_tenant_dedupe_key`; NULL keys never collide, for events that need none).
 *
 * Inbound messages are `INBOUND` events (data: body, from, to, provider message id, parts); a reply to
 * a campaign also gets `REPLIED`. Clicks are `CLICKED` with the bot verdict in data.
 */
import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { campaigns, messageTemplates } from './campaigns';
import { createdAt, instant, oneOf } from './columns';
import { contacts } from './contacts';
import { sendJobs } from './send-jobs';
import { tenants } from './tenants';

export const eventTypes = [
  'QUEUED',
  'SENT',
  'DELIVERED',
  'FAILED',
  'REPLIED',
  'OPT_OUT',
  'RESUBSCRIBE',
  'CLICKED',
  'SKIPPED',
  'DEFERRED',
  'INBOUND',
] as const;
export type EventType = (typeof eventTypes)[number];

export const events = pgTable(
  'events',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    type: text('type', { enum: eventTypes }).notNull(),
    contactId: text('contact_id').references(() => contacts.id),
    campaignId: text('campaign_id').references(() => campaigns.id),
    sendJobId: text('send_job_id').references(() => sendJobs.id),
    templateId: text('template_id').references(() => messageTemplates.id),
    /** When it happened (the provider's time when it says), as opposed to when we recorded it. */
    occurredAt: instant('occurred_at').notNull(),
    data: jsonb('data').notNull().default({}),
    correlationId: text('correlation_id'),
    dedupeKey: text('dedupe_key'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('events_tenant_dedupe_key').on(t.tenantId, t.dedupeKey),
    /* Campaign reports: counts by type (and template) per campaign. */
    index('events_campaign_type_idx')
      .on(t.campaignId, t.type, t.templateId)
      .where(sql`${t.campaignId} is not null`),
    /* Contact timelines and conversation threads, oldest first. */
    index('events_contact_idx')
      .on(t.tenantId, t.contactId, t.occurredAt)
      .where(sql`${t.contactId} is not null`),
    /* Metrics: per-minute rates by type. */
    index('events_type_occurred_idx').on(t.type, t.occurredAt),
    oneOf('events_type_check', t.type, eventTypes),
  ],
);
