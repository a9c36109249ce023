/**
 * Queue plumbing.
 *
 * `outbox` is the transactional outbox: a handler writes its state and the messages it wants to send in
 * one transaction; after commit the rows are published through the Queue port (QStash or the local
 * relay) and marked published; the cron sweep publishes any row left pending (a crash between commit
 * and publish). `dedupe_id` is unique, so a handler that runs twice cannot queue its follow-up twice.
 *
 * `relay_messages` is the local relay's durable queue (the embedded stand-in for QStash): one row per
 * accepted message, delivered over HTTP with QStash's signature scheme, retried with backoff. A
 * delivery in flight holds a lease; a crash leaves the lease to expire and the message is delivered
 * again (at-least-once, like QStash; handlers are idempotent).
 *
 * Neither table references tenants: some messages (cron, probes) belong to no tenant, and the rows are
 * transport, not tenant data.
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const outbox = pgTable(
  'outbox',
  {
    id: text('id').primaryKey(),
    destination: text('destination').notNull(),
    body: jsonb('body').notNull(),
    dedupeId: text('dedupe_id').notNull(),
    delaySeconds: integer('delay_seconds').notNull().default(0),
    /** Null → the queue adapter's default (QStash's `Upstash-Retries`; the relay makes retries + 1 attempts). */
    retries: integer('retries'),
    correlationId: text('correlation_id'),
    tenantId: text('tenant_id'),
    status: text('status', { enum: ['pending', 'published'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('outbox_dedupe_id_key').on(t.dedupeId),
    index('outbox_pending_idx').on(t.createdAt).where(sql`${t.status} = 'pending'`),
    check('outbox_status_check', sql`${t.status} in ('pending', 'published')`),
    check('outbox_delay_check', sql`${t.delaySeconds} >= 0`),
    check('outbox_retries_check', sql`${t.retries} is null or ${t.retries} between 0 and 100`),
  ],
);

export const relayMessages = pgTable(
  'relay_messages',
  {
    id: text('id').primaryKey(),
    destination: text('destination').notNull(),
    url: text('url').notNull(),
    /** The exact bytes delivered (and signed); kept as text so the signature covers what was sent. */
    body: text('body').notNull(),
    dedupeId: text('dedupe_id').notNull(),
    correlationId: text('correlation_id'),
    state: text('state', { enum: ['pending', 'delivered', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(8),
    deliverAfter: timestamp('deliver_after', { withTimezone: true }).notNull().defaultNow(),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('relay_messages_dedupe_id_key').on(t.dedupeId),
    index('relay_messages_due_idx').on(t.deliverAfter).where(sql`${t.state} = 'pending'`),
    check('relay_messages_state_check', sql`${t.state} in ('pending', 'delivered', 'failed')`),
    check('relay_messages_attempts_check', sql`${t.attempts} >= 0 and ${t.maxAttempts} >= 1`),
  ],
);
