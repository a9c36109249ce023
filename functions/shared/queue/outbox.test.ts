import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../../core/ports/queue';
import { queryRows } from '../../../db/client';
import { publishStaged, stageMessages, sweepOutbox, withOutbox } from './outbox';
import { createQStashQueue } from './qstash';
import { startQStashServer, type QStashServer } from './test-support/qstash-server';
import { startQueueHarness, type QueueHarness } from './test-support/queue-harness';

let h: QueueHarness;
let qstash: QStashServer;
beforeAll(async () => {
  [h, qstash] = await Promise.all([startQueueHarness(), startQStashServer()]);
});
afterAll(async () => {
  await Promise.all([h.close(), qstash.close()]);
});
beforeEach(async () => {
  await h.reset();
});

const message = (dedupeId: string, extra: Partial<OutgoingMessage> = {}): OutgoingMessage => ({ destination: 'cron', body: { type: 'test.outbox', v: 1, data: { dedupeId } }, dedupeId, ...extra });

const outboxRows = () =>
  queryRows<{ id: string; dedupe_id: string; status: string; attempts: number; last_error: string | null }>(
    h.database.db,
    sql`select id, dedupe_id, status, attempts, last_error from outbox order by dedupe_id`,
  );
const relayRows = () => queryRows<{ dedupe_id: string; body: string }>(h.database.db, sql`select dedupe_id, body from relay_messages order by dedupe_id`);

describe('transactional outbox', () => {
  it('publishes what a committed transaction staged, once, and marks it published', async () => {
    const result = await withOutbox(h.db(), h.services.queue, async (tx, stage) => {
      await stage(message('a:1'), message('a:2', { delaySeconds: 5 }));
      await tx.execute(sql`select 1`);
      return 'done';
    });
    expect(result).toBe('done');
    expect((await outboxRows()).map((r) => [r.dedupe_id, r.status])).toEqual([
      ['a:1', 'published'],
      ['a:2', 'published'],
    ]);
    expect((await relayRows()).map((r) => [r.dedupe_id, JSON.parse(r.body)])).toEqual([
      ['a:1', message('a:1').body],
      ['a:2', message('a:2').body],
    ]);
  });

  it('publishes nothing staged in a transaction that rolled back', async () => {
    await expect(
      withOutbox(h.db(), h.services.queue, async (_tx, stage) => {
        await stage(message('rollback:1'));
        throw new Error('the handler failed after staging');
      }),
    ).rejects.toThrow('the handler failed after staging');
    await sweepOutbox(h.db(), h.services.queue, { olderThanSeconds: 0 });
    expect(await outboxRows()).toEqual([]);
    expect(await relayRows()).toEqual([]);
  });

  it('stages a dedupe id once however often the handler runs, and publishes it once', async () => {
    const run = () => withOutbox(h.db(), h.services.queue, async (_tx, stage) => stage(message('twice:1')));
    await run();
    await run();
    expect(await outboxRows()).toHaveLength(1);
    expect(await relayRows()).toHaveLength(1);
  });

  it('skips rows already published, and survives a crash between publish and marking', async () => {
    const ids = await h.db().transaction((tx) => stageMessages(tx, [message('crash:1')]));
    // The crash: the message reached the queue, the row was never marked.
    await h.services.queue.publish(message('crash:1'));
    expect(await publishStaged(h.db(), h.services.queue, ids)).toEqual({ published: 1, skipped: 0, failed: 0 });
    expect(await publishStaged(h.db(), h.services.queue, ids)).toEqual({ published: 0, skipped: 1, failed: 0 });
    expect(await relayRows()).toHaveLength(1);
  });

  it('sweeps rows left pending by a crash after commit, and leaves young rows to their handler', async () => {
    await h.db().transaction((tx) => stageMessages(tx, [message('left:1'), message('left:2')]));
    expect(await sweepOutbox(h.db(), h.services.queue, { olderThanSeconds: 60 })).toEqual({ published: 0, skipped: 0, failed: 0 });
    expect(await relayRows()).toEqual([]);
    expect(await sweepOutbox(h.db(), h.services.queue, { olderThanSeconds: 0 })).toEqual({ published: 2, skipped: 0, failed: 0 });
    expect(await sweepOutbox(h.db(), h.services.queue, { olderThanSeconds: 0 })).toEqual({ published: 0, skipped: 0, failed: 0 });
    expect((await relayRows()).map((r) => r.dedupe_id)).toEqual(['left:1', 'left:2']);
  });

  it('keeps a row pending with the reason when the queue is down, and the sweep publishes it later', async () => {
    const qstashQueue = createQStashQueue({ baseUrl: qstash.url, token: qstash.token, publicUrl: h.url });
    qstash.failNext(503, '{"error":"service unavailable"}');
    await withOutbox(h.db(), qstashQueue, async (_tx, stage) => stage(message('down:1')));
    expect(await outboxRows()).toMatchObject([{ dedupe_id: 'down:1', status: 'pending', attempts: 1, last_error: expect.stringContaining('unavailable') }]);
    expect(await sweepOutbox(h.db(), qstashQueue, { olderThanSeconds: 0 })).toMatchObject({ published: 1 });
    expect(await outboxRows()).toMatchObject([{ status: 'published', attempts: 2, last_error: null }]);
    expect(qstash.published.filter((p) => p.headers['upstash-deduplication-id'] === 'down:1')).toHaveLength(1);
  });
});
