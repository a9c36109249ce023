/**
 * The queue chain survives `kill -9`: a real `npm start` child process runs a queue probe of a few
 * hundred steps; we kill it hard twice mid-chain, restart it on the same DATA_DIR (and the same port:
 * queued messages carry their URL, as they do on QStash), and the chain completes with every step
 * handled exactly once — no gap, no step handled twice, no message staged or queued twice.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, type DatabaseTarget } from '../../../db/client';
import { freePort, spawnStack, type SpawnedStack } from '../../../scripts/testing/spawn-stack';

type ProbeStatus = { steps: number; handled: number; redeliveries: number; done: boolean };

const steps = 300;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** PGlite in DATA_DIR, or a throw-away database of its own on the DATABASE_URL server. */
async function databaseFor(dataDir: string): Promise<{ env: Record<string, string>; target: DatabaseTarget }> {
  const url = process.env.DATABASE_URL?.trim();
  if (!url) return { env: { DATABASE_URL: '' }, target: { kind: 'pglite', dir: path.join(dataDir, 'pglite') } };
  const name = `rr_crash_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  cleanups.push(async () => {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end({ timeout: 5 });
  });
  const target = new URL(url);
  target.pathname = `/${name}`;
  return { env: { DATABASE_URL: target.toString() }, target: { kind: 'postgres', url: target.toString() } };
}

/**
 * Processes the stack started (Miniflare's workerd). `kill -9` of the stack orphans them — they keep
 * the edge port — so we note them before the kill and end them by pid after it.
 */
async function descendants(root: number): Promise<number[]> {
  const parentOf = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isInteger(ppid)) parentOf.set(Number(entry), ppid);
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}

async function killHard(stack: SpawnedStack): Promise<void> {
  const pid = stack.child.pid;
  const orphans = pid === undefined ? [] : await descendants(pid);
  await stack.kill9();
  for (const orphan of orphans) {
    try {
      process.kill(orphan, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function status(stack: SpawnedStack, probeId: string): Promise<ProbeStatus> {
  const res = await fetch(`${stack.url}/api/ops/queue-probe/${probeId}`);
  if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
  return (await res.json()) as ProbeStatus;
}

async function waitFor(stack: SpawnedStack, probeId: string, handledAtLeast: number, timeoutMs: number): Promise<ProbeStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await status(stack, probeId);
    if (current.handled >= handledAtLeast) return current;
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
      // The same API port on every start (queued messages carry their URL); a fresh edge port, in case
      // a killed stack's edge process has not let go of the old one yet.
      const port = await freePort();
      const spawn = async () => spawnStack({ dataDir, env, port, edgePort: await freePort(), readyTimeoutMs: 90_000 });

      let stack = await spawn();
      cleanups.push(() => killHard(stack));
      const started = await fetch(`${stack.url}/api/ops/queue-probe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ steps }),
      });
      expect(started.status).toBe(202);
      const { probeId } = (await started.json()) as { probeId: string };

      for (const killAt of [Math.floor(steps / 4), Math.floor(steps / 2)]) {
        const before = await waitFor(stack, probeId, killAt, 60_000);
        expect(before.done).toBe(false);
        await killHard(stack);
        stack = await spawn();
      }

      const final = await waitFor(stack, probeId, steps, 90_000);
      expect(final).toMatchObject({ steps, handled: steps, done: true });
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
