import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client';
import { opsRoutes } from '../api/ops';
import { stageMessages } from '../shared/queue/outbox';
import { startQueueHarness, type QueueHarness } from '../shared/queue/test-support/queue-harness';
import { cronRoutes, embeddedVacuumEveryMs, runCronTick } from './index';

let h: QueueHarness;
beforeAll(async () => {
  h = await startQueueHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await h.reset();
  h.mount('cron', cronRoutes(h.services));
  h.mount('api', opsRoutes(h.services));
});

async function startProbe(steps: number): Promise<string> {
  const res = await fetch(`${h.url}/api/ops/queue-probe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ steps }) });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { probeId: string; statusUrl: string };
  expect(body.statusUrl).toBe(`/api/ops/queue-probe/${body.probeId}`);
  return body.probeId;
}

async function probeStatus(probeId: string) {
  const res = await fetch(`${h.url}/api/ops/queue-probe/${probeId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { steps: number; handled: number; redeliveries: number; undelivered: number; done: boolean; startedAt: string; finishedAt: string | null };
}

const count = async (query: ReturnType<typeof sql>) => (await queryRows<{ n: number }>(h.db(), query))[0]?.n;

describe('queue probe through the local relay', () => {
  it('runs a chain to the end, each step handled once', async () => {
    const probeId = await startProbe(25);
    expect(await probeStatus(probeId)).toMatchObject({ steps: 25, handled: 0, done: false, finishedAt: null });
    await h.drain();
    const status = await probeStatus(probeId);
    expect(status).toMatchObject({ steps: 25, handled: 25, redeliveries: 0, undelivered: 0, done: true });
    expect(status.finishedAt).not.toBeNull();
    expect(await count(sql`select count(*)::int as n from relay_messages where state = 'delivered'`)).toBe(25);
    expect(await count(sql`select count(*)::int as n from outbox where status = 'published'`)).toBe(25);
  });

  it('counts a redelivered step without handling it again or staging its successor twice', async () => {
    const probeId = await startProbe(3);
    await h.drain();
    // QStash (and the relay after a crash) may deliver a message again: make step 2 due once more.
    await queryRows(h.db(), sql`update relay_messages set state = 'pending', delivered_at = null where dedupe_id = ${`probe:${probeId}:step:2`}`);
    expect(await probeStatus(probeId)).toMatchObject({ handled: 3, redeliveries: 0, undelivered: 1, done: true });
    expect(await h.drain()).toBe(1);
    expect(await probeStatus(probeId)).toMatchObject({ handled: 3, redeliveries: 1, undelivered: 0, done: true });
    expect(await count(sql`select count(*)::int as n from outbox`)).toBe(3);
    expect(await count(sql`select count(*)::int as n from relay_messages`)).toBe(3);
  });

  it('answers an unsigned delivery with 401 and records nothing', async () => {
    const probeId = await startProbe(2);
    const body = JSON.stringify({ type: 'probe.step', v: 1, data: { probeId, step: 1, steps: 2 } });
    const variants: Record<string, string>[] = [{}, { 'upstash-signature': 'eyJhbGciOiJIUzI1NiJ9.e30.AAAA' }];
    for (const headers of variants) {
      const res = await fetch(`${h.url}/fn/cron`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_signature' } });
    }
    expect(await count(sql`select count(*)::int as n from queue_probe_steps`)).toBe(0);
  });

  it('drops a message it cannot read with a 2xx, so it is not retried', async () => {
    const { messageId } = await h.services.queue.publish({ destination: 'cron', body: { type: 'nothing.known', v: 9, data: {} }, dedupeId: 'unknown:1' });
    expect(await h.drain()).toBe(1);
    const [row] = await queryRows<{ state: string; attempts: number }>(h.db(), sql`select state, attempts from relay_messages where id = ${messageId}`);
    expect(row).toEqual({ state: 'delivered', attempts: 1 });
  });

  it('refuses a bad probe request with the JSON error shape', async () => {
    for (const [body, code] of [
      ['{"steps":0}', 'validation_failed'],
      ['{"steps":10001}', 'validation_failed'],
      ['{"steps":"10"}', 'validation_failed'],
      ['steps=10', 'bad_request'],
    ] as const) {
      const res = await fetch(`${h.url}/api/ops/queue-probe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code } });
    }
    const missing = await fetch(`${h.url}/api/ops/queue-probe/qpr_unknown`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('cron tick', () => {
  it('sweeps outbox rows left pending by a crash after commit', async () => {
    const aMinuteAgo = new Date(Date.now() - 60_000);
    await h.db().transaction((tx) =>
      stageMessages(tx, [{ destination: 'cron', body: { type: 'nothing.known', v: 1, data: {} }, dedupeId: 'left:behind' }], { now: aMinuteAgo }),
    );
    expect((await runCronTick(h.services)).outbox).toEqual({ published: 1, skipped: 0, failed: 0 });
    expect((await runCronTick(h.services)).outbox).toEqual({ published: 0, skipped: 0, failed: 0 });
    expect(await count(sql`select count(*)::int as n from relay_messages where dedupe_id = 'left:behind'`)).toBe(1);
  });

  it('runs as a signed delivery to /fn/cron/tick, and refuses an unsigned one', async () => {
    const unsigned = await fetch(`${h.url}/fn/cron/tick`, { method: 'POST' });
    expect(unsigned.status).toBe(401);
    await h.services.queue.publish({ destination: 'cron', body: {}, dedupeId: 'tick:1' });
    // The relay delivers to /fn/cron; a tick is addressed to /fn/cron/tick, so publish through the relay's table.
    await queryRows(h.db(), sql`update relay_messages set url = ${`${h.url}/fn/cron/tick`} where dedupe_id = 'tick:1'`);
    expect(await h.drain()).toBe(1);
    const [row] = await queryRows<{ state: string; last_status: number }>(h.db(), sql`select state, last_status from relay_messages where dedupe_id = 'tick:1'`);
    expect(row).toEqual({ state: 'delivered', last_status: 200 });
  });
});

describe('cron tick housekeeping', () => {
  it('deletes expired counter windows and flags, and keeps live ones', async () => {
    const now = h.services.now();
    const past = new Date(now.getTime() - 60_000).toISOString();
    const future = new Date(now.getTime() + 60_000).toISOString();
    await queryRows(
      h.db(),
      sql`insert into counters (key, window_start, value, expires_at) values
            ('rl:old', ${past}::timestamptz, 3, ${past}::timestamptz),
            ('rl:live', ${past}::timestamptz, 1, ${future}::timestamptz)`,
    );
    await queryRows(
      h.db(),
      sql`insert into flags (key, value, expires_at) values ('alert:old', '1', ${past}::timestamptz),
            ('alert:live', '1', ${future}::timestamptz), ('pause:forever', '1', null)`,
    );
    expect((await runCronTick(h.services)).expiredCounters).toBe(2);
    expect(await count(sql`select count(*)::int as n from counters`)).toBe(1);
    expect(await count(sql`select count(*)::int as n from flags`)).toBe(2);
    expect((await runCronTick(h.services)).expiredCounters).toBe(0);
  });

  it('vacuums the embedded database at most every five minutes, and leaves PostgreSQL to autovacuum', async () => {
    // Dead versions for the vacuum to remove: a window counted many times, as every send does.
    await queryRows(h.db(), sql`insert into counters (key, window_start, value, expires_at) values ('rl:busy', now(), 0, now() + interval '1 hour')`);
    for (let i = 0; i < 20; i++) await queryRows(h.db(), sql`update counters set value = value + 1 where key = 'rl:busy'`);
    // Counted by the vacuum itself, which reports at once. (n_dead_tup is not a witness: the updates'
    // own statistics are flushed at most once a second and can land after the vacuum reset them.)
    const vacuums = () => count(sql`select vacuum_count::int as n from pg_stat_user_tables where relname = 'counters'`);
    const at = (ms: number) => ({ ...h.services, now: () => new Date(Date.now() + 3_600_000 + ms) });
    const embedded = h.database.kind === 'pglite';
    const before = (await vacuums()) ?? 0;
    expect((await runCronTick(at(0))).vacuumed).toBe(embedded);
    expect(await vacuums()).toBe(before + (embedded ? 1 : 0));
    expect((await runCronTick(at(embeddedVacuumEveryMs - 1000))).vacuumed).toBe(false);
    expect(await vacuums()).toBe(before + (embedded ? 1 : 0));
    expect((await runCronTick(at(embeddedVacuumEveryMs))).vacuumed).toBe(embedded);
    expect(await vacuums()).toBe(before + (embedded ? 2 : 0));
  });
});
