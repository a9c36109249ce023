/**
 * The embedded stand-in for Upstash Redis (the `Counters` port on PostgreSQL): windowed counters for
 * rate limits and spend, and flags (pause switches, alert de-duplication). Keys are built by the port
 * and already carry the tenant id; rows are transport state, not tenant data, and expire.
 */
import { bigint, index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { instant } from './columns';

export const counters = pgTable(
  'counters',
  {
    key: text('key').notNull(),
    /** Start of the fixed window the count belongs to (e.g. the minute). */
    windowStart: instant('window_start').notNull(),
    value: bigint('value', { mode: 'number' }).notNull().default(0),
    expiresAt: instant('expires_at').notNull(),
  },
  (t) => [primaryKey({ name: 'counters_pkey', columns: [t.key, t.windowStart] }), index('counters_expires_idx').on(t.expiresAt)],
);

export const flags = pgTable(
  'flags',
  {
    key: text('key').primaryKey(),
    value: text('value').notNull(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
    /** Null → never expires. */
    expiresAt: instant('expires_at'),
  },
  (t) => [index('flags_expires_idx').on(t.expiresAt)],
);
