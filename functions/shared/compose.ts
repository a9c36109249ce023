/**
 * The composition root: the only place that reads the environment and chooses adapters. It parses the
 * config once, builds the services once (per process, or per warm DO container) and hands them to
 * every function's routes. Everything below receives what it needs as arguments.
 */
import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import { migrateDatabase, openDatabase } from '../../db/client';
import { apiRoutes } from '../api/index';
import { cronRoutes } from '../cron/index';
import { enqueueRoutes } from '../enqueue/index';
import { hydrateRoutes } from '../hydrate/index';
import { importChunkRoutes } from '../import-chunk/index';
import { reportRoutes } from '../report/index';
import { sendRoutes } from '../send/index';
import { webhookRoutes } from '../webhook/index';
import { createAlerts } from './alerts/create-alerts';
import { createBlobStore } from './blobs/create-blob-store';
import { createCounters } from './counters/create-counters';
import { createFunctionApp, type AppEnv, type FunctionApp, type FunctionName } from './app';
import { parseConfig, type Config } from './config';
import { createLogger, type Logger } from './log';
import { createMailer } from './mail/create-mailer';
import { createQueue, type LocalRelay } from './queue/create-queue';
import { createSms } from './sms/create-sms';
import type { Services } from './services';

const routeFactories: Record<FunctionName, (services: Services) => Hono<AppEnv>> = {
  api: apiRoutes,
  'import-chunk': importChunkRoutes,
  hydrate: hydrateRoutes,
  enqueue: enqueueRoutes,
  send: sendRoutes,
  webhook: webhookRoutes,
  report: reportRoutes,
  cron: cronRoutes,
};

export type Runtime = Services & {
  /** The local relay when the queue is embedded; undefined on QStash. */
  relay: LocalRelay | undefined;
  close(): Promise<void>;
};

export type BuildOptions = {
  log?: Logger;
  fetch?: typeof fetch;
  now?: () => Date;
  /** Apply migrations at start (the local stack and tests do; production migrates as a deploy step). */
  migrate?: boolean;
};

export async function buildRuntime(config: Config, options: BuildOptions = {}): Promise<Runtime> {
  const log = options.log ?? createLogger({ level: config.logLevel, base: { env: config.env } });
  const now = options.now ?? (() => new Date());
  const database = await openDatabase(config.database);
  try {
    if (options.migrate) await migrateDatabase(database);
    const { queue, deliveries, relay } = await createQueue(config.queue, {
      db: database.db,
      publicUrl: config.publicUrl,
      dataDir: config.dataDir,
      log,
      fetch: options.fetch,
      now,
    });
    const random = (length: number) => new Uint8Array(randomBytes(length));
    const mail = createMailer(config, { log, now, fetch: options.fetch });
    const { counters } = createCounters(config.counters, { db: database.db, now, fetch: options.fetch });
    return {
      config,
      log,
      database,
      db: database.db,
      queue,
      deliveries,
      now,
      random,
      ...mail,
      counters,
      ...createAlerts(config.alerts, { log, mailer: mail.mailer, counters, fetch: options.fetch, db: database.db }),
      ...createSms(config, { db: database.db, log, now, random, fetch: options.fetch }),
      ...(await createBlobStore(config.blobs, { publicUrl: config.publicUrl, now })),
      relay,
      async close() {
        await relay?.stop();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

export function buildFunctionApp(name: FunctionName, services: Services): FunctionApp {
  return createFunctionApp({ name, log: services.log, routes: routeFactories[name](services), now: services.now });
}

let warm: Promise<Runtime> | undefined;
const warmApps = new Map<FunctionName, FunctionApp>();

/**
 * For deployed functions: one runtime per warm container, built on first use from process.env.
 * A failed build is not cached, so the next invocation tries again (e.g. after a database blip).
 */
export function appFor(name: FunctionName): Promise<FunctionApp> {
  warm ??= buildRuntime(parseConfig(process.env)).catch((error: unknown) => {
    warm = undefined;
    throw error;
  });
  return warm.then((runtime) => {
    let app = warmApps.get(name);
    if (!app) {
      app = buildFunctionApp(name, runtime);
      warmApps.set(name, app);
    }
    return app;
  });
}
