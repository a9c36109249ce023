/**
 * `npm run bench:relay [-- --steps N]`: what the local relay costs per hop.
 *
 * 1. Relay chain: a queue probe of N steps through the running local relay (outbox → relay_messages →
 *    claim → signed POST → verified cron handler → next step staged and published → wake-up → …).
 * 2. Baseline, same run, same database, same handler: the bench itself POSTs each `probe.step` to the
 *    cron function, signed with the same keys, one after the other, with the relay stopped. The handler
 *    does identical work (verify, transaction, outbox, publish); only the relay's hop is missing.
 *
 * Hop latency is measured the same way for both: the time between step n and step n+1 being handled
 * (`queue_probe_steps.handled_at`). Runs on PGlite in memory, or on a throw-away database on the
 * DATABASE_URL server. Bounded: N ≤ 10,000, everything on 127.0.0.1, and it stops by itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { probeStepMessage } from '../../core/queue/probe-step-message';
import { signDeliveryToken } from '../../core/queue/sign-delivery-token';
import { queryRows, type Db } from '../../db/client';
import { openTestDatabase } from '../../db/testing';
import { cronRoutes } from '../../functions/cron/index';
import { createFunctionApp } from '../../functions/shared/app';
import { parseConfig } from '../../functions/shared/config';
import { createLogger } from '../../functions/shared/log';
import { createQueue } from '../../functions/shared/queue/create-queue';
import { loadLocalSigningKeys } from '../../functions/shared/queue/local-signing-keys';
import { readQueueProbe, startQueueProbe } from '../../functions/shared/queue/queue-probe';
import type { QueueServices } from '../../functions/shared/queue/queue-services';

function parseSteps(argv: string[]): number {
  const i = argv.indexOf('--steps');
  const n = i >= 0 ? Number(argv[i + 1]) : 500;
  if (!Number.isInteger(n) || n < 2 || n > 10_000) throw new Error('--steps must be an integer from 2 to 10000');
  return n;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function hopStats(db: Db, probeId: string): Promise<{ hops: number[]; totalMs: number }> {
  const rows = await queryRows<{ ms: number }>(
    db,
    sql`select (extract(epoch from handled_at) * 1000)::float8 as ms from queue_probe_steps where probe_id = ${probeId} order by step`,
  );
  const times = rows.map((r) => r.ms);
  const hops = times.slice(1).map((t, i) => t - (times[i] ?? t));
  return { hops: hops.sort((a, b) => a - b), totalMs: (times.at(-1) ?? 0) - (times[0] ?? 0) };
}

async function main(): Promise<void> {
  const steps = parseSteps(process.argv.slice(2));
  const log = createLogger({ level: 'error' });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reactor-bench-'));
  const database = await openTestDatabase();
  let server: ServerType | undefined;
  try {
    // The server must listen before the app exists: PUBLIC_URL (and so the app) needs its port.
    const mounted: { app?: ReturnType<typeof createFunctionApp> } = {};
    server = await new Promise<ServerType>((resolve) => {
      const s = serve(
        { hostname: '127.0.0.1', port: 0, fetch: (req: Request) => (mounted.app ? mounted.app.fetch(req) : new Response('starting', { status: 503 })) },
        () => resolve(s),
      );
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = parseConfig({ DATA_DIR: dataDir, PUBLIC_URL: url });
    const { queue, deliveries, relay } = await createQueue(config.queue, { db: database.db, publicUrl: url, dataDir, log });
    if (!relay || config.queue.kind !== 'local') throw new Error('the benchmark runs on the local relay');
    const services: QueueServices = { config, log, database, db: database.db, queue, deliveries, now: () => new Date(), random: (n) => new Uint8Array(randomBytes(n)) };
    mounted.app = createFunctionApp({ name: 'cron', log, routes: cronRoutes(services) });

    const waitDone = async (probeId: string) => {
      const deadline = Date.now() + 10 * 60_000;
      for (;;) {
        const status = await readQueueProbe(database.db, probeId);
        if (status?.done) return status;
        if (Date.now() > deadline) throw new Error(`probe ${probeId} did not finish: ${JSON.stringify(status)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    // Warm-up (JIT, connection, first-query planning), not measured.
    relay.start();
    await waitDone((await startQueueProbe(services, 20)).probeId);

    // 1. The relay chain.
    const chain = await startQueueProbe(services, steps);
    const chainStatus = await waitDone(chain.probeId);
    await relay.stop();

    // 2. Baseline: the same handler, called directly, signed with the same keys, relay stopped.
    const keys = await loadLocalSigningKeys(config.queue.keysFile);
    const base = await startQueueProbe(services, steps);
    const target = `${url}/fn/cron`;
    for (let step = 1; step <= steps; step++) {
      const body = JSON.stringify(probeStepMessage.envelope({ probeId: base.probeId, step, steps }));
      const signature = await signDeliveryToken({ key: keys.currentSigningKey, url: target, body, nowSeconds: Date.now() / 1000, jti: `jwt_${randomBytes(8).toString('hex')}` });
      const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', 'upstash-signature': signature }, body });
      if (!res.ok) throw new Error(`baseline step ${step}: HTTP ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
    const baseStatus = await readQueueProbe(database.db, base.probeId);
    if (!baseStatus?.done) throw new Error('baseline did not complete');

    const a = await hopStats(database.db, chain.probeId);
    const b = await hopStats(database.db, base.probeId);
    const fmt = (n: number) => n.toFixed(1).padStart(8);
    const rate = (s: { totalMs: number }) => ((steps - 1) / (s.totalMs / 1000)).toFixed(0).padStart(8);
    const lines = [
      '',
      `  queue relay benchmark: ${steps}-step chain, ${database.kind === 'pglite' ? 'PGlite in memory' : 'PostgreSQL (throw-away database)'}, Node ${process.version}`,
      '',
      '                                 msgs/s   p50 hop   p95 hop   (ms)',
      `  local relay chain            ${rate(a)}  ${fmt(percentile(a.hops, 50))}  ${fmt(percentile(a.hops, 95))}`,
      `  direct signed POST baseline  ${rate(b)}  ${fmt(percentile(b.hops, 50))}  ${fmt(percentile(b.hops, 95))}`,
      '',
      `  relay cost per hop (p50): +${(percentile(a.hops, 50) - percentile(b.hops, 50)).toFixed(1)} ms; redeliveries: ${chainStatus.redeliveries}`,
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    if (server) {
      const s = server;
      await new Promise<void>((resolve) => {
        if ('closeAllConnections' in s) s.closeAllConnections();
        s.close(() => resolve());
      });
    }
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
