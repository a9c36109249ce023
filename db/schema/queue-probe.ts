/**
 * Queue probe (ops): a chain of `probe.step` messages that proves the queue end to end in any
 * environment (outbox → publish → QStash or the local relay → verified handler → next step).
 *
 * `queue_probe_steps` has one row per handled step. Its primary key (probe_id, step) is the
 * exactly-once guard: a redelivered step hits ON CONFLICT and only bumps `deliveries`, so
 * `deliveries - 1` summed over a probe counts the redeliveries the chain survived.
 */
import { sql } from 'drizzle-orm';
import { check, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt, instant } from './columns';

export const queueProbes = pgTable(
  'queue_probes',
  {
    id: text('id').primaryKey(),
    steps: integer('steps').notNull(),
    createdAt: createdAt(),
    /** Set in the transaction that handles the last step. */
    finishedAt: instant('finished_at'),
  },
  (t) => [check('queue_probes_steps_check', sql`${t.steps} between 1 and 10000`)],
);

export const queueProbeSteps = pgTable(
  'queue_probe_steps',
  {
    probeId: text('probe_id')
      .notNull()
      .references(() => queueProbes.id, { onDelete: 'cascade' }),
    step: integer('step').notNull(),
    handledAt: instant('handled_at').notNull(),
    deliveries: integer('deliveries').notNull().default(1),
  },
  (t) => [
    primaryKey({ name: 'queue_probe_steps_pkey', columns: [t.probeId, t.step] }),
    check('queue_probe_steps_step_check', sql`${t.step} >= 1`),
    check('queue_probe_steps_deliveries_check', sql`${t.deliveries} >= 1`),
  ],
);
