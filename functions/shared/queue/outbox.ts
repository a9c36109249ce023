/**
 * The transactional outbox: a handler writes its state and the messages it wants to send in ONE
 * transaction, so either both happen or neither does. After commit the staged rows are published
 * (`publishStaged`); a crash between commit and publish leaves them pending, and the cron sweep
 * (`sweepOutbox`) publishes them later.
 *
 * Idempotency: `outbox.dedupe_id` is unique, so a handler that runs twice (a redelivery) stages its
 * follow-up once. The row's dedupe id is also the queue's dedupe id, so publishing a row twice (the
 * post-commit publish racing the sweep, or a crash between publish and marking it published) delivers
 * it once.
 *
 * The common pattern is one call:
 *   await withOutbox(db, queue, async (tx, stage) => { await write(tx); await stage(message); });
 */
import { randomBytes } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { isDomainError } from '../../../core/errors';
import { isFunctionName } from '../../../core/functions';
import { newId } from '../../../core/ids';
import type { JsonValue, OutgoingMessage, Queue } from '../../../core/ports/queue';
import { queryRows, type Db, type Tx } from '../../../db/client';
import type { Logger } from '../log';

export type StagedMessage = OutgoingMessage & { tenantId?: string };

/**
 * Writes outbox rows inside the caller's transaction. Returns the ids of the pending rows for these
 * dedupe ids — new ones and ones staged by an earlier run that are still unpublished — so the caller
 * publishes both after commit (a redelivered handler thereby re-publishes what a crash left behind).
 */
export async function stageMessages(tx: Db | Tx, messages: readonly StagedMessage[], options: { now?: Date } = {}): Promise<string[]> {
  if (messages.length === 0) return [];
  const at = (options.now ?? new Date()).getTime();
  const createdAt = new Date(at).toISOString();
  const values: SQL[] = messages.map(
    (m) =>
      sql`(${newId('outbox', at, randomBytes(10))}, ${m.destination}, ${JSON.stringify(m.body)}::jsonb, ${m.dedupeId},
           ${Math.max(0, Math.ceil(m.delaySeconds ?? 0))}, ${m.retries ?? null}, ${m.correlationId ?? null}, ${m.tenantId ?? null},
           ${createdAt}::timestamptz)`,
  );
  await queryRows(
    tx,
    sql`insert into outbox (id, destination, body, dedupe_id, delay_seconds, retries, correlation_id, tenant_id, created_at)
        values ${sql.join(values, sql`, `)}
        on conflict (dedupe_id) do nothing`,
  );
  const dedupeIds = messages.map((m) => m.dedupeId);
  const rows = await queryRows<{ id: string }>(
    tx,
    sql`select id from outbox where status = 'pending' and dedupe_id in (${sql.join(
      dedupeIds.map((d) => sql`${d}`),
      sql`, `,
    )})`,
  );
  return rows.map((r) => r.id);
}

const outboxRow = z.object({
  id: z.string(),
  destination: z.string(),
  body: z.custom<JsonValue>((v) => v !== undefined),
  dedupe_id: z.string(),
  delay_seconds: z.number().int(),
  retries: z.number().int().nullable(),
  correlation_id: z.string().nullable(),
  age_seconds: z.number(),
});

export type PublishOutcome = { published: number; skipped: number; failed: number };

export type OutboxOptions = { log?: Logger; now?: () => Date; concurrency?: number };

/**
 * Publishes staged rows after commit and marks them published. A row already published is skipped;
 * a failed publish stays pending (recorded in `attempts`/`last_error`) for the sweep — it never
 * throws, because the caller's transaction has already committed and its work is done.
 */
export async function publishStaged(db: Db, queue: Queue, ids: readonly string[], options: OutboxOptions = {}): Promise<PublishOutcome> {
  const outcome: PublishOutcome = { published: 0, skipped: 0, failed: 0 };
  if (ids.length === 0) return outcome;
  const now = options.now ?? (() => new Date());
  const rows = (
    await queryRows(
      db,
      sql`select id, destination, body, dedupe_id, delay_seconds, retries, correlation_id,
                 extract(epoch from (${now().toISOString()}::timestamptz - created_at))::float8 as age_seconds
            from outbox
           where status = 'pending' and id in (${sql.join(
             ids.map((id) => sql`${id}`),
             sql`, `,
           )})
           order by created_at, id`,
    )
  ).map((row) => outboxRow.parse(row));
  outcome.skipped = ids.length - rows.length;

  const publishOne = async (row: z.infer<typeof outboxRow>) => {
    if (!isFunctionName(row.destination)) {
      // Written by code that no longer exists: no retry can deliver it. Park it, loudly.
      await queryRows(db, sql`update outbox set attempts = attempts + 1, last_error = ${`unknown destination ${row.destination}`} where id = ${row.id}`);
      options.log?.error('outbox row has an unknown destination', { outboxId: row.id, destination: row.destination });
      outcome.failed += 1;
      return;
    }
    try {
      // The delay counts from staging: a row swept late is not delayed again in full.
      const delaySeconds = Math.max(0, Math.ceil(row.delay_seconds - Math.max(0, row.age_seconds)));
      await queue.publish({
        destination: row.destination,
        body: row.body,
        dedupeId: row.dedupe_id,
        ...(delaySeconds > 0 ? { delaySeconds } : {}),
        ...(row.retries !== null ? { retries: row.retries } : {}),
        ...(row.correlation_id !== null ? { correlationId: row.correlation_id } : {}),
      });
      await queryRows(
        db,
        sql`update outbox set status = 'published', published_at = ${now().toISOString()}::timestamptz, attempts = attempts + 1, last_error = null
             where id = ${row.id} and status = 'pending'`,
      );
      outcome.published += 1;
    } catch (error) {
      const reason = isDomainError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
      await queryRows(db, sql`update outbox set attempts = attempts + 1, last_error = ${reason.slice(0, 500)} where id = ${row.id}`).catch(() => undefined);
      options.log?.warn('outbox publish failed; the sweep will retry', { outboxId: row.id, dedupeId: row.dedupe_id, reason });
      outcome.failed += 1;
    }
  };

  // A few at a time: enough to publish a fan-out quickly, few enough to be gentle on QStash's rate limits.
  const concurrency = Math.max(1, options.concurrency ?? 4);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, rows.length) }, async () => {
      while (next < rows.length) {
        const row = rows[next++];
        if (row) await publishOne(row);
      }
    }),
  );
  return outcome;
}

/**
 * Publishes rows left pending for at least `olderThanSeconds` (a crash between commit and publish, or
 * the queue was down). The cron function calls it every tick; younger rows are left to the handler
 * that staged them, which is publishing them right now.
 */
export async function sweepOutbox(db: Db, queue: Queue, options: OutboxOptions & { olderThanSeconds: number; limit?: number }): Promise<PublishOutcome> {
  const now = options.now ?? (() => new Date());
  const cutoff = new Date(now().getTime() - options.olderThanSeconds * 1000);
  const rows = await queryRows<{ id: string }>(
    db,
    sql`select id from outbox where status = 'pending' and created_at <= ${cutoff.toISOString()}::timestamptz
         order by created_at, id limit ${options.limit ?? 500}`,
  );
  return publishStaged(
    db,
    queue,
    rows.map((r) => r.id),
    options,
  );
}

export type Stage = (...messages: StagedMessage[]) => Promise<void>;

/**
 * Runs `work` in a transaction with a `stage` function for outgoing messages, then publishes what was
 * staged once the transaction has committed. If `work` throws, the transaction rolls back and nothing
 * is published.
 */
export async function withOutbox<T>(db: Db, queue: Queue, work: (tx: Tx, stage: Stage) => Promise<T>, options: OutboxOptions = {}): Promise<T> {
  const staged: string[] = [];
  const result = await db.transaction(async (tx) => {
    const stage: Stage = async (...messages) => {
      staged.push(...(await stageMessages(tx, messages, { now: (options.now ?? (() => new Date()))() })));
    };
    return work(tx, stage);
  });
  await publishStaged(db, queue, [...new Set(staged)], options);
  return result;
}
