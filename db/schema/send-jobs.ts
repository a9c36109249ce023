/**
 * One message to one contact: the Broadcaster's unit of work and the record of what happened to it.
 *
 * Exactly-once rests on three keys:
 * - `send_jobs_tenant_campaign_contact_key`: queueing a campaign twice adds nothing (conversation jobs
 *   have no campaign, and NULLs never collide, so they are not limited by it);
 * - `send_jobs_tenant_client_message_key`: the composer's `clientMessageId` twice sends once;
 * - `send_jobs_provider_message_key`: a provider message id belongs to one job, so a status callback
 *   finds exactly one row.
 * The sender moves a job to `sending` (claimed) before the provider call; a job found in `sending`
 * after a crash is never resent blindly, it goes to `reconcile`.
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { campaigns, messageTemplates } from './campaigns';
import { createdAt, e164, instant, micros, oneOf, updatedAt } from './columns';
import { contacts } from './contacts';
import { sendingNumbers, smsProviders } from './sending-numbers';
import { tenants } from './tenants';

export const sendJobKinds = ['campaign', 'conversation'] as const;
export type SendJobKind = (typeof sendJobKinds)[number];
export const sendJobStatuses = [
  'queued',
  'deferred',
  'sending',
  'sent',
  'delivered',
  'failed',
  'skipped',
  'cancelled',
  'reconcile',
] as const;
export type SendJobStatus = (typeof sendJobStatuses)[number];

export const sendJobs = pgTable(
  'send_jobs',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    kind: text('kind', { enum: sendJobKinds }).notNull(),
    campaignId: text('campaign_id').references(() => campaigns.id),
    contactId: text('contact_id')
      .notNull()
      .references(() => contacts.id),
    /** The number at queue time: the gates and the provider call use this, even if the contact changes. */
    toE164: text('to_e164').notNull(),
    templateId: text('template_id').references(() => messageTemplates.id),
    sendingNumberId: text('sending_number_id').references(() => sendingNumbers.id),
    /** The rendered text: set at enqueue for conversations, at render time for campaigns. */
    body: text('body'),
    status: text('status', { enum: sendJobStatuses }).notNull().default('queued'),
    /** Why a job was skipped or cancelled: the gate's code (dnc, suppressed, opted_out, paused, budget, …). */
    skipReason: text('skip_reason'),
    /** A deferred job may go at this instant (quiet hours, rate limit, warm-up). */
    deferUntil: instant('defer_until'),
    attempts: integer('attempts').notNull().default(0),
    provider: text('provider', { enum: smsProviders }),
    providerMessageId: text('provider_message_id'),
    parts: integer('parts'),
    costMicros: micros('cost_micros'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    clientMessageId: text('client_message_id'),
    correlationId: text('correlation_id'),
    claimedAt: instant('claimed_at'),
    sentAt: instant('sent_at'),
    deliveredAt: instant('delivered_at'),
    failedAt: instant('failed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('send_jobs_tenant_campaign_contact_key').on(t.tenantId, t.campaignId, t.contactId),
    uniqueIndex('send_jobs_tenant_client_message_key').on(t.tenantId, t.clientMessageId),
    uniqueIndex('send_jobs_provider_message_key').on(t.provider, t.providerMessageId),
    /* The sender's work list: small, because finished jobs leave it. */
    index('send_jobs_pending_idx')
      .on(t.status, t.deferUntil)
      .where(sql`${t.status} in ('queued', 'deferred', 'sending')`),
    /*
     * The sender's claim walks a tenant's waiting campaign jobs in id order (send-batch.ts). Without it
     * the claim walked the primary key from the start and stepped over every job already sent: each
     * batch of a campaign cost more than the one before.
     */
    index('send_jobs_claim_idx')
      .on(t.tenantId, t.id)
      .where(sql`${t.kind} = 'campaign' and ${t.status} in ('queued', 'deferred')`),
    /* Campaign progress and reports: counts by status per campaign. */
    index('send_jobs_campaign_status_idx').on(t.campaignId, t.status),
    /* A contact's thread, their first message ever, and cancelling their queued jobs on STOP. */
    index('send_jobs_contact_idx').on(t.tenantId, t.contactId, t.createdAt),
    oneOf('send_jobs_kind_check', t.kind, sendJobKinds),
    oneOf('send_jobs_status_check', t.status, sendJobStatuses),
    oneOf('send_jobs_provider_check', t.provider, smsProviders),
    check(
      'send_jobs_kind_campaign_check',
      sql`(${t.kind} = 'campaign' and ${t.campaignId} is not null) or (${t.kind} = 'conversation' and ${t.campaignId} is null and ${t.body} is not null)`,
    ),
    check('send_jobs_to_check', e164(t.toE164)),
    check('send_jobs_skip_reason_check', sql`${t.status} not in ('skipped', 'cancelled') or ${t.skipReason} is not null`),
    check('send_jobs_defer_check', sql`${t.status} <> 'deferred' or ${t.deferUntil} is not null`),
    check('send_jobs_provider_message_check', sql`${t.providerMessageId} is null or ${t.provider} is not null`),
    check(
      'send_jobs_counts_check',
      sql`${t.attempts} >= 0 and (${t.parts} is null or ${t.parts} >= 1) and (${t.costMicros} is null or ${t.costMicros} >= 0)`,
    ),
  ],
);
