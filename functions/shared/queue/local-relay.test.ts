import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../../db/client';
import type { AppEnv } from '../app';
import { startQueueHarness, type QueueHarness } from './test-support/queue-harness';
import { createDeliveryVerifier } from './delivery-verifier';
import { verifyDelivery, type Delivery } from './verify-delivery';

type Received = Delivery & { requestId: string | undefined };

/** A queue-driven function that answers with the next scripted status (200 once the script runs out). */
function scriptedFunction(h: QueueHarness, script: number[] = []) {
  const received: Received[] = [];
  const routes = new Hono<AppEnv>();
  routes.post('/', verifyDelivery(h.services.deliveries, h.url), (c) => {
    received.push({ ...c.get('delivery'), requestId: c.req.header('x-request-id') });
    const status = script.shift() ?? 200;
    return c.json({ status }, status as 200);
  });
  h.mount('send', routes);
  return received;
}

async function rowOf(h: QueueHarness, messageId: string) {
  const rows = await queryRows<{ state: string; attempts: number; deliver_after: Date; last_status: number | null; last_error: string | null }>(
    h.database.db,
    sql`select state, attempts, deliver_after, last_status, last_error from relay_messages where id = ${messageId}`,
  );
  const row = rows[0];
  if (!row) throw new Error(`no relay row ${messageId}`);
  return { ...row, deliver_after: new Date(row.deliver_after) };
}

// One database and relay for the file (a fresh PGlite costs seconds); each test starts from empty tables.
let shared: QueueHarness;
let h: QueueHarness;
beforeAll(async () => {
  shared = await startQueueHarness({ fakeClock: true, relay: { random: () => 0, leaseMs: 10_000 } });
});
afterAll(async () => {
  await shared.close();
});
beforeEach(async () => {
  await shared.reset();
  h = shared;
});

describe('local relay', () => {
  it('delivers a message published twice with the same dedupe id once', async () => {
    const received = scriptedFunction(h);
    const message = { destination: 'send' as const, body: { type: 'test.once', v: 1, data: {} }, dedupeId: 'test:once', correlationId: 'req_once' };
    const first = await h.services.queue.publish(message);
    const second = await h.services.queue.publish(message);
    expect(second).toEqual({ messageId: first.messageId, deduplicated: true });
    await h.drain();
    await h.services.queue.publish(message);
    await h.drain();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ messageId: first.messageId, retried: 0, requestId: 'req_once', body: JSON.stringify(message.body) });
    expect((await rowOf(h, first.messageId)).state).toBe('delivered');
  });

  it('retries a handler answering 5xx with a growing backoff, then succeeds', async () => {
    const received = scriptedFunction(h, [503, 500]);
    const { messageId } = await h.services.queue.publish({ destination: 'send', body: { n: 1 }, dedupeId: 'test:retry' });

    expect(await h.relay.drainOnce()).toBe(1);
    const afterFirst = await rowOf(h, messageId);
    const firstWaitMs = afterFirst.deliver_after.getTime() - h.clock.now().getTime();
    expect(afterFirst).toMatchObject({ state: 'pending', attempts: 1, last_status: 503 });
    expect(firstWaitMs).toBeGreaterThan(0);

    // Not due yet: the backoff is honoured.
    expect(await h.relay.drainOnce()).toBe(0);
    h.clock.advance(firstWaitMs);
    expect(await h.relay.drainOnce()).toBe(1);
    const afterSecond = await rowOf(h, messageId);
    const secondWaitMs = afterSecond.deliver_after.getTime() - h.clock.now().getTime();
    expect(afterSecond).toMatchObject({ state: 'pending', attempts: 2, last_status: 500 });
    expect(secondWaitMs).toBeGreaterThan(firstWaitMs);

    h.clock.advance(secondWaitMs);
    expect(await h.relay.drainOnce()).toBe(1);
    expect(await rowOf(h, messageId)).toMatchObject({ state: 'delivered', attempts: 3, last_status: 200, last_error: null });
    expect(received.map((r) => [r.messageId, r.retried])).toEqual([
      [messageId, 0],
      [messageId, 1],
      [messageId, 2],
    ]);
  });

  it('gives up after the last attempt and keeps the message as a dead letter', async () => {
    const received = scriptedFunction(h, [500, 500, 500]);
    const { messageId } = await h.services.queue.publish({ destination: 'send', body: {}, dedupeId: 'test:dead', retries: 1 });
    await h.relay.drainOnce();
    h.clock.advance(60_000);
    await h.relay.drainOnce();
    h.clock.advance(60_000);
    expect(await h.relay.drainOnce()).toBe(0);
    expect(received).toHaveLength(2);
    expect(await rowOf(h, messageId)).toMatchObject({ state: 'failed', attempts: 2, last_status: 500 });
  });

  it('honours a delay', async () => {
    const received = scriptedFunction(h);
    await h.services.queue.publish({ destination: 'send', body: {}, dedupeId: 'test:delay', delaySeconds: 60 });
    expect(await h.drain()).toBe(0);
    h.clock.advance(59_000);
    expect(await h.drain()).toBe(0);
    h.clock.advance(1_000);
    expect(await h.drain()).toBe(1);
    expect(received).toHaveLength(1);
  });

  it('delivers again a message whose relay died mid-delivery, once its lease expires', async () => {
    const received = scriptedFunction(h);
    const { messageId } = await h.services.queue.publish({ destination: 'send', body: {}, dedupeId: 'test:lease' });
    // What a relay that was killed after claiming leaves behind: one attempt spent, a lease running.
    const leaseEnd = new Date(h.clock.now().getTime() + 10_000).toISOString();
    await queryRows(h.database.db, sql`update relay_messages set attempts = 1, lease_expires_at = ${leaseEnd}::timestamptz where id = ${messageId}`);
    expect(await h.drain()).toBe(0);
    h.clock.advance(10_000);
    expect(await h.drain()).toBe(1);
    expect(received.map((r) => r.retried)).toEqual([1]);
    expect((await rowOf(h, messageId)).state).toBe('delivered');
  });

  it('treats a 401 from the receiver (keys out of step) as a failed delivery, not a success', async () => {
    const received = scriptedFunction(h);
    const { messageId } = await h.services.queue.publish({ destination: 'send', body: {}, dedupeId: 'test:forged' });
    // Another relay's keys: the verifier must refuse and the handler must not run.
    const otherKeys = createDeliveryVerifier({ currentSigningKey: `sig_${'a'.repeat(40)}`, nextSigningKey: `sig_${'b'.repeat(40)}` });
    const routes = new Hono<AppEnv>();
    routes.post('/', verifyDelivery(otherKeys, h.url), (c) => {
      received.push({ ...c.get('delivery'), requestId: undefined });
      return c.json({});
    });
    h.mount('send', routes);
    await h.relay.drainOnce();
    expect(received).toHaveLength(0);
    expect(await rowOf(h, messageId)).toMatchObject({ state: 'pending', last_status: 401 });
  });

  it('when running, delivers a publish without waiting for a poll, and stop() waits for deliveries in flight', async () => {
    const own = await startQueueHarness({ relay: { pollIntervalMs: 60_000 } });
    h = own;
    try {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const started: string[] = [];
    const finished: string[] = [];
    const routes = new Hono<AppEnv>();
    routes.post('/', verifyDelivery(h.services.deliveries, h.url), async (c) => {
      started.push(c.get('delivery').messageId ?? '');
      await gate;
      finished.push(c.get('delivery').messageId ?? '');
      return c.json({});
    });
    h.mount('send', routes);
    h.relay.start();
    const { messageId } = await h.services.queue.publish({ destination: 'send', body: {}, dedupeId: 'test:wake' });
    // The poll interval is a minute: only the wake-up on publish can get the message there.
    await expect.poll(() => started, { timeout: 10_000 }).toEqual([messageId]);
    const stopping = h.relay.stop();
    let stopped = false;
    void stopping.then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toEqual([messageId]);
    expect((await rowOf(h, messageId)).state).toBe('delivered');
    } finally {
      await own.close();
    }
  });
});
