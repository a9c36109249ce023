/**
 * The whole product on one machine (`npm start`): PGlite or PostgreSQL, migrations and seed, every
 * function behind one HTTP server (the admin at `/`, the API at `/api`, queue deliveries at
 * `/fn/<name>`), the local relay, the cron ticks and the edge Worker in Miniflare. Each part is the same
 * code that runs deployed; only the adapters differ, chosen by config.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { seedDatabase } from '../../db/seed';
import { runCronTick } from '../cron/index';
import { functionForPath, functionNames, type FunctionApp, type FunctionName } from './app';
import { buildFunctionApp, buildRuntime, type Runtime } from './compose';
import { describeAdapters, type Config } from './config';
import { scheduledInvocation } from './do-adapter';
import { startLocalEdge } from './local-edge';
import type { Logger } from './log';

export type LocalStack = {
  url: string;
  edgeUrl: string;
  runtime: Runtime;
  stop(): Promise<void>;
};

export type LocalStackOptions = {
  log: Logger;
  /** Folder of the built admin (web/dist). */
  webDist: string;
  /** How often the cron function ticks locally (DO's trigger runs it every minute). */
  cronIntervalMs?: number;
  /** Whether to run the edge Worker in Miniflare (tests of the API alone skip it). */
  edge?: boolean;
};

export async function startLocalStack(config: Config, options: LocalStackOptions): Promise<LocalStack> {
  const { log } = options;
  await mkdir(config.dataDir, { recursive: true });
  const edgeCallbackSecret = config.edgeCallbackSecret ?? (await localSecret(config.dataDir, 'edge-callback-secret'));
  const runtime = await buildRuntime(config, { log, migrate: true });
  const stoppers: (() => Promise<void>)[] = [() => runtime.close()];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch((error: unknown) => log.error('stop failed', { err: error }));
  };
  try {
    const seeded = await seedDatabase(runtime.db, { adminEmail: config.seedAdminEmail, now: runtime.now() });
    if (seeded.created) log.info('seeded the demo tenant', { tenantId: seeded.tenantId, admin: config.seedAdminEmail });

    const apps = Object.fromEntries(functionNames.map((name) => [name, buildFunctionApp(name, runtime)])) as Record<FunctionName, FunctionApp>;
    const serveWeb = webHandler(options.webDist);
    const server = await listen(config.port, async (request) => {
      const name = functionForPath(new URL(request.url).pathname);
      if (!name) return serveWeb(request);
      // Only DO's scheduled trigger may carry this mark (the DO wrapper strips it from web requests too).
      if (request.headers.has(scheduledInvocation.header)) {
        const headers = new Headers(request.headers);
        headers.delete(scheduledInvocation.header);
        return apps[name].fetch(new Request(request, { headers }));
      }
      return apps[name].fetch(request);
    });
    stoppers.push(() => closeServer(server));
    const port = (server.address() as AddressInfo).port;

    runtime.relay?.start();
    // Stopped before the server closes, so deliveries in flight finish instead of being retried.
    stoppers.push(async () => runtime.relay?.stop());
    const cron = setInterval(() => {
      runCronTick(runtime).catch((error: unknown) => log.error('cron tick failed', { err: error }));
    }, options.cronIntervalMs ?? 15_000);
    cron.unref();
    stoppers.push(async () => clearInterval(cron));

    let edgeUrl = config.edgePublicUrl;
    if (options.edge !== false) {
      const edge = await startLocalEdge({
        port: config.edgePort,
        bindings: { API_ORIGIN: config.publicUrl, EDGE_CALLBACK_SECRET: edgeCallbackSecret },
        log,
        pidFile: path.join(config.dataDir, 'edge-workerd.pid'),
      });
      edgeUrl = edge.url;
      // Stopped before the runtime closes, so a click in flight still reaches the database.
      stoppers.push(() => edge.stop());
    }
    log.info('local stack ready', { url: `http://localhost:${port}`, edgeUrl, adapters: describeAdapters(config) });
    return { url: `http://localhost:${port}`, edgeUrl, runtime, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A secret kept in DATA_DIR (created on first start, mode 0600), for local mode only. */
async function localSecret(dataDir: string, name: string): Promise<string> {
  const file = path.join(dataDir, name);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const secret = randomBytes(32).toString('base64url');
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
    return (await readFile(file, 'utf8')).trim();
  }
}

function listen(port: number, fetch: (request: Request) => Promise<Response>): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port }, () => resolve(server));
    server.once('error', reject);
  });
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close(() => resolve());
  });
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** The built admin: files from web/dist; any other path gets index.html (client-side routes). */
function webHandler(root: string): (request: Request) => Promise<Response> {
  const base = path.resolve(root);
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('Method Not Allowed', { status: 405 });
    const pathname = decodeURIComponent(new URL(request.url).pathname);
    const candidate = path.resolve(base, `.${pathname}`);
    const inside = candidate.startsWith(base + path.sep);
    const file = inside && (await isFile(candidate)) ? candidate : path.join(base, 'index.html');
    if (!(await isFile(file))) {
      return new Response('The admin is not built. Run `npm run build` or restart `npm start`.', { status: 503 });
    }
    const hashed = file.includes(`${path.sep}assets${path.sep}`);
    return new Response(Readable.toWeb(createReadStream(file)) as ReadableStream, {
      headers: {
        'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
        // Vite's assets are content-hashed; index.html must always be fresh.
        'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
      },
    });
  };
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
