/**
 * The queue chain survives `kill -9`: a real `npm start` child process runs a queue probe of a few
 * hundred steps; we kill it hard twice mid-chain, restart it on the same DATA_DIR (and the same port:
 * queued messages carry their URL, as they do on QStash), and the chain completes with every step
 * handled exactly once — no gap, no step handled twice, no message staged or queued twice.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, type DatabaseTarget } from '../../../db/client';
import { createThrowawayDatabase } from '../../../db/testing';
import { signIn } from '../../../scripts/testing/sign-in';
import { freePort, spawnStack, type SpawnedStack } from '../../../scripts/testing/spawn-stack';

type ProbeStatus = { steps: number; handled: number; redeliveries: number; unpublished: number; undelivered: number; done: boolean };

const steps = 300;
/** The ops routes are admin-only: the seeded admin's session (kept in the database, so it survives restarts). */
let adminHeaders: Record<string, string> = {};
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** PGlite in DATA_DIR, or a throw-away database of its own on the DATABASE_URL server. */
async function databaseFor(dataDir: string): Promise<{ env: Record<string, string>; target: DatabaseTarget }> {
  const url = process.env.DATABASE_URL?.trim();
  if (!url) return { env: { DATABASE_URL: '' }, target: { kind: 'pglite', dir: path.join(dataDir, 'pglite') } };
  const throwaway = await createThrowawayDatabase(url, 'rr_crash');
  cleanups.push(() => throwaway.drop());
  const target = new URL(throwaway.url);
  return { env: { DATABASE_URL: target.toString() }, target: { kind: 'postgres', url: target.toString() } };
}

async function status(stack: SpawnedStack, probeId: string): Promise<ProbeStatus> {
  const res = await fetch(`${stack.url}/api/ops/queue-probe/${probeId}`, { headers: adminHeaders });
  if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
  return (await res.json()) as ProbeStatus;
}

async function waitFor(stack: SpawnedStack, probeId: string, handledAtLeast: number, timeoutMs: number, settled = false): Promise<ProbeStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await status(stack, probeId);
    if (current.handled >= handledAtLeast && (!settled || (current.unpublished === 0 && current.undelivered === 0))) return current;
    if (Date.now() > deadline) throw new Error(`probe stuck at ${current.handled}/${current.steps}:\n${stack.output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('queue chain crash recovery', () => {
  it(
    'completes a chain interrupted by kill -9, every step handled exactly once',
    async () => {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reactor-crash-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      const { env, target } = await databaseFor(dataDir);
      // The same ports on every start: queued messages carry their URL, and the stack reaps the edge
      // process a killed run left behind on its port.
      const port = await freePort();
      const edgePort = await freePort();
      const spawn = async () => spawnStack({ dataDir, env, port, edgePort, readyTimeoutMs: 90_000 });

      let stack = await spawn();
      cleanups.push(async () => void (await stack.stop()));
      adminHeaders = (await signIn(stack.url, 'admin@reactor.local')).headers();
      const started = await fetch(`${stack.url}/api/ops/queue-probe`, {
        method: 'POST',
        headers: { ...adminHeaders, 'content-type': 'application/json' },
        body: JSON.stringify({ steps }),
      });
      expect(started.status).toBe(202);
      const { probeId } = (await started.json()) as { probeId: string };

      for (const killAt of [Math.floor(steps / 4), Math.floor(steps / 2)]) {
        const before = await waitFor(stack, probeId, killAt, 60_000);
        expect(before.done).toBe(false);
        await stack.kill9();
        stack = await spawn();
      }

      // A kill between the relay taking a message and its outbox row being marked leaves that row
      // pending while the chain goes on; the cron sweep (rows older than 10 s, every 15 s locally)
      // marks it. A kill after a handler answered but before the relay recorded the delivery leaves
      // that message pending until its lease expires and it is redelivered. So the chain may finish
      // first: wait for the sweep and the redelivery too.
      const final = await waitFor(stack, probeId, steps, 90_000, true);
      expect(final).toMatchObject({ steps, handled: steps, unpublished: 0, undelivered: 0, done: true });
      // A clean Ctrl-C exit is scripts/start.test.ts's business; here we only need the process gone.
      await stack.stop();

      // Look underneath: the chain's own records, read from the database the stack left behind.
      const database = await openDatabase(target);
      try {
        const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(database.db, query);
        const [handled] = await rows<{ n: number; min: number; max: number }>(
          sql`select count(*)::int as n, min(step)::int as min, max(step)::int as max from queue_probe_steps where probe_id = ${probeId}`,
        );
        expect(handled).toEqual({ n: steps, min: 1, max: steps });
        const [outbox] = await rows<{ n: number; published: number }>(
          sql`select count(*)::int as n, count(*) filter (where status = 'published')::int as published
                from outbox where dedupe_id like ${`probe:${probeId}:%`}`,
        );
        expect(outbox).toEqual({ n: steps, published: steps });
        const [relay] = await rows<{ n: number; delivered: number }>(
          sql`select count(*)::int as n, count(*) filter (where state = 'delivered')::int as delivered
                from relay_messages where dedupe_id like ${`probe:${probeId}:%`}`,
        );
        expect(relay).toEqual({ n: steps, delivered: steps });
      } finally {
        await database.close();
      }
      // How many deliveries the kills turned into redeliveries (each absorbed by the handler's key).
      console.info(`queue crash test: ${steps} steps, ${final.redeliveries} redeliveries absorbed`);
    },
    300_000,
  );
});
