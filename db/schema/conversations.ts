/**
 * The inbox: one thread per contact, kept beside the contact so that listing threads by newest activity
 * with unread counts is one index scan, not an aggregate over all events. Messages themselves are
 * `send_jobs` (outbound) and `INBOUND` events; this row is only the thread's summary, updated in the same
 * transaction as the message it summarizes.
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { instant, updatedAt } from './columns';
import { contacts } from './contacts';
import { tenants } from './tenants';
import { users } from './users';

export const conversations = pgTable(
  'conversations',
  {
    contactId: text('contact_id')
      .primaryKey()
      .references(() => contacts.id),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    lastMessageAt: instant('last_message_at').notNull(),
    lastInboundAt: instant('last_inbound_at'),
    lastOutboundAt: instant('last_outbound_at'),
    unreadCount: integer('unread_count').notNull().default(0),
    lastReadAt: instant('last_read_at'),
    lastReadBy: text('last_read_by').references(() => users.id),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('conversations_tenant_activity_idx').on(t.tenantId, t.lastMessageAt.desc()),
    check('conversations_unread_check', sql`${t.unreadCount} >= 0`),
  ],
);
