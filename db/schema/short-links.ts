/**
 * Per-contact short links (`{link}` in a template). The edge resolves `token` → `target_url`; the token
 * is random and carries no PII. One link per send job (`short_links_send_job_key`), so re-rendering a
 * retried job reuses its link and the text stays the same.
 */
import { sql } from 'drizzle-orm';
import { check, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { campaigns } from './campaigns';
import { createdAt, instant } from './columns';
import { contacts } from './contacts';
import { sendJobs } from './send-jobs';
import { tenants } from './tenants';

export const shortLinks = pgTable(
  'short_links',
  {
    id: text('id').primaryKey(),
    token: text('token').notNull(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    targetUrl: text('target_url').notNull(),
    campaignId: text('campaign_id').references(() => campaigns.id),
    contactId: text('contact_id').references(() => contacts.id),
    sendJobId: text('send_job_id').references(() => sendJobs.id),
    expiresAt: instant('expires_at').notNull(),
    firstClickedAt: instant('first_clicked_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('short_links_token_key').on(t.token),
    uniqueIndex('short_links_send_job_key').on(t.sendJobId),
    check('short_links_token_check', sql`${t.token} ~ '^[A-Za-z0-9_-]{6,64}$'`),
    check('short_links_target_check', sql`${t.targetUrl} ~ '^https?://'`),
  ],
);
