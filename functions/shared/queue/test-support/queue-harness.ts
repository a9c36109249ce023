/**
 * Integration-test scaffolding for the queue chain: a throw-away database (PGlite, or PostgreSQL when
 * DATABASE_URL is set), a real HTTP server on 127.0.0.1 standing for PUBLIC_URL, and the real local
 * queue + relay + verifier built by `createQueue`, wired into `Services`.
 *
 * The optional fake clock starts two minutes in the past: the relay signs with it, while the receiver
 * (`@upstash/qstash`'s Receiver) checks `nbf`/`exp` against the real clock, so signatures stay valid as
 * long as a test advances it by less than about two minutes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import type { Hono } from 'hono';
import type { Database, Db } from '../../../../db/client';
import { openTestDatabase } from '../../../../db/testing';
import { createFunctionApp, functionForPath, type AppEnv, type FunctionName } from '../../app';
import { parseConfig } from '../../config';
import { silentLogger, type Logger } from '../../log';
import type { QueueServices } from '../queue-services';
import { createQueue, type LocalRelay, type QueueDeps } from '../create-queue';

export type Clock = { now: () => Date; advance(ms: number): void; /** Back to two minutes before the real time. */ reset(): void };

export type QueueHarness = {
  url: string;
  services: QueueServices;
  relay: LocalRelay;
  database: Database;
  db(): Db;
  dataDir: string;
  clock: Clock;
  /** Serves these function routes at their public mounts (`/fn/<name>`, `/api`…). */
  mount(name: FunctionName, routes: Hono<AppEnv>): void;
  /** Forgets every queued message and mounted function (between tests sharing one harness). */
  reset(): Promise<void>;
  /** Runs the relay until nothing is due (or `maxRounds` passes), for tests that drive it by hand. */
  drain(maxRounds?: number): Promise<number>;
  close(): Promise<void>;
};

export async function startQueueHarness(options: { fakeClock?: boolean; log?: Logger; relay?: QueueDeps['relay'] } = {}): Promise<QueueHarness> {
  let fake = Date.now() - 120_000;
  const clock: Clock = options.fakeClock
    ? { now: () => new Date(fake), advance: (ms) => void (fake += ms), reset: () => void (fake = Date.now() - 120_000) }
    : {
        now: () => new Date(),
        advance: () => {
          throw new Error('advance() needs fakeClock: true');
        },
        reset: () => undefined,
      };
  const log = options.log ?? silentLogger;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reactor-queue-'));
  const database = await openTestDatabase();
  const apps = new Map<FunctionName, Hono<AppEnv>>();
  const server: ServerType = await new Promise((resolve) => {
    const s = serve(
      {
        hostname: '127.0.0.1',
        port: 0,
        fetch: (request: Request) => {
          const name = functionForPath(new URL(request.url).pathname);
          const app = name ? apps.get(name) : undefined;
          return app ? app.fetch(request) : new Response('no such function', { status: 404 });
        },
      },
      () => resolve(s),
    );
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = parseConfig({ DATA_DIR: dataDir, PUBLIC_URL: url, REACTOR_ENV: 'local' });
  const { queue, deliveries, relay } = await createQueue(config.queue, {
    db: database.db,
    publicUrl: url,
    dataDir,
    log,
    now: clock.now,
    relay: { pollIntervalMs: 50, ...options.relay },
  });
  if (!relay) throw new Error('the harness expects the local relay');
  const services: QueueServices = {
    config,
    log,
    database,
    db: database.db,
    queue,
    deliveries,
    now: clock.now,
    random: (length) => new Uint8Array(randomBytes(length)),
  };
  return {
    url,
    services,
    relay,
    database,
    db: () => database.db,
    dataDir,
    clock,
    mount(name, routes) {
      apps.set(name, createFunctionApp({ name, log, routes, now: clock.now }));
    },
    async reset() {
      apps.clear();
      clock.reset();
      await database.db.execute(sql`truncate relay_messages, outbox, queue_probe_steps, queue_probes`);
    },
    async drain(maxRounds = 100_000) {
      let total = 0;
      for (let round = 0; round < maxRounds; round++) {
        const n = await relay.drainOnce();
        if (n === 0) break;
        total += n;
      }
      return total;
    },
    async close() {
      await relay.stop();
      await new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      });
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
