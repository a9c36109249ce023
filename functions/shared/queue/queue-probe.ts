/**
 * The queue probe: an ops feature that proves the chain end to end in any environment. Starting a
 * probe stages step 1 through the outbox; the cron function handles each `probe.step` delivery by
 * recording it and staging the next step in the same transaction, until the last. The status shows how
 * many steps were handled and how many deliveries were redeliveries: with QStash or the local relay,
 * after crashes and restarts, every step must be handled exactly once.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { newId } from '../../../core/ids';
import { probeStepDedupeId, probeStepMessage } from '../../../core/queue/probe-step-message';
import type { Queue } from '../../../core/ports/queue';
import { queryRows, type Db } from '../../../db/client';
import type { Logger } from '../log';
import type { Clock, RandomBytes } from '../services';
import { withOutbox, type StagedMessage } from './outbox';

export type ProbeContext = { db: Db; queue: Queue; now: Clock; random: RandomBytes; log: Logger };

function stepMessage(probeId: string, step: number, steps: number): StagedMessage {
  return {
    destination: 'cron',
    body: probeStepMessage.envelope({ probeId, step, steps }),
    dedupeId: probeStepDedupeId(probeId, step),
    correlationId: probeId,
  };
}

export async function startQueueProbe(ctx: ProbeContext, steps: number): Promise<{ probeId: string; steps: number }> {
  const at = ctx.now();
  const probeId = newId('queueProbe', at.getTime(), ctx.random(10));
  await withOutbox(
    ctx.db,
    ctx.queue,
    async (tx, stage) => {
      await queryRows(tx, sql`insert into queue_probes (id, steps, created_at) values (${probeId}, ${steps}, ${at.toISOString()}::timestamptz)`);
      await stage(stepMessage(probeId, 1, steps));
    },
    { log: ctx.log, now: ctx.now },
  );
  ctx.log.info('queue probe started', { probeId, steps });
  return { probeId, steps };
}

export type ProbeStepOutcome = 'handled' | 'redelivered' | 'unknown_probe';

/**
 * Handles one step. Idempotent: the (probe_id, step) key makes a redelivery change nothing but the
 * `deliveries` counter, and re-staging step n+1 hits the outbox's dedupe id (it only re-publishes the
 * row if a crash left it pending).
 */
export async function handleProbeStep(ctx: ProbeContext, data: { probeId: string; step: number }): Promise<ProbeStepOutcome> {
  return withOutbox(
    ctx.db,
    ctx.queue,
    async (tx, stage) => {
      const probe = await queryRows<{ steps: number }>(tx, sql`select steps from queue_probes where id = ${data.probeId}`);
      const steps = probe[0]?.steps;
      if (steps === undefined || data.step > steps) return 'unknown_probe';
      const at = ctx.now().toISOString();
      const [row] = await queryRows<{ deliveries: number }>(
        tx,
        sql`insert into queue_probe_steps (probe_id, step, handled_at, deliveries)
            values (${data.probeId}, ${data.step}, ${at}::timestamptz, 1)
            on conflict (probe_id, step) do update set deliveries = queue_probe_steps.deliveries + 1
            returning deliveries`,
      );
      if (data.step === steps) {
        await queryRows(tx, sql`update queue_probes set finished_at = ${at}::timestamptz where id = ${data.probeId} and finished_at is null`);
      } else {
        await stage(stepMessage(data.probeId, data.step + 1, steps));
      }
      return row !== undefined && row.deliveries > 1 ? 'redelivered' : 'handled';
    },
    { log: ctx.log, now: ctx.now },
  );
}

export type QueueProbeStatus = {
  probeId: string;
  steps: number;
  handled: number;
  redeliveries: number;
  /** The chain's outbox rows not yet marked published: a crash between publish and mark leaves one for the cron sweep. */
  unpublished: number;
  /**
   * The chain's messages the local relay holds and has not recorded as delivered: a kill after the
   * handler answered but before the relay recorded it leaves one until its lease expires and it is
   * redelivered (always 0 on QStash, which keeps its own).
   */
  undelivered: number;
  done: boolean;
  startedAt: string;
  finishedAt: string | null;
};

const statusRow = z.object({
  id: z.string(),
  steps: z.number().int(),
  created_at: z.coerce.date(),
  finished_at: z.coerce.date().nullable(),
  handled: z.number().int(),
  redeliveries: z.number().int(),
  unpublished: z.number().int(),
  undelivered: z.number().int(),
});

export async function readQueueProbe(db: Db, probeId: string): Promise<QueueProbeStatus | undefined> {
  const rows = await queryRows(
    db,
    sql`select p.id, p.steps, p.created_at, p.finished_at,
               count(s.step)::int as handled,
               coalesce(sum(s.deliveries - 1), 0)::int as redeliveries,
               (select count(*) from outbox o
                 where o.status = 'pending' and o.dedupe_id like ${`probe:${probeId}:%`})::int as unpublished,
               (select count(*) from relay_messages r
                 where r.state = 'pending' and r.dedupe_id like ${`probe:${probeId}:%`})::int as undelivered
          from queue_probes p
          left join queue_probe_steps s on s.probe_id = p.id
         where p.id = ${probeId}
         group by p.id`,
  );
  if (rows.length === 0) return undefined;
  const row = statusRow.parse(rows[0]);
  return {
    probeId: row.id,
    steps: row.steps,
    handled: row.handled,
    redeliveries: row.redeliveries,
    unpublished: row.unpublished,
    undelivered: row.undelivered,
    done: row.handled === row.steps,
    startedAt: row.created_at.toISOString(),
    finishedAt: row.finished_at ? row.finished_at.toISOString() : null,
  };
}
