/**
 * Test scaffolding for the Ingestor end to end, over real HTTP: a throw-away database (PGlite, or a
 * fresh PostgreSQL database when DATABASE_URL is set), the real `api` and `import-chunk` apps behind a
 * server on 127.0.0.1 (standing for PUBLIC_URL), the local queue with its relay running (chunks chain
 * through it as in `npm start`), the dev mailbox for sign-in, and the blob store the env chooses (the
 * local folder, or an S3 server passed in `env`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import type { Database } from '../../../db/client';
import { createTestTenant, openTestDatabase, type TestTenant } from '../../../db/testing';
import { signIn, type SignedIn } from '../../../scripts/testing/sign-in';
import { functionForPath, type FunctionApp, type FunctionName } from '../../shared/app';
import { createAlerts } from '../../shared/alerts/create-alerts';
import { createBlobStore } from '../../shared/blobs/create-blob-store';
import { createCounters } from '../../shared/counters/create-counters';
import { buildFunctionApp } from '../../shared/compose';
import { parseConfig } from '../../shared/config';
import { silentLogger } from '../../shared/log';
import { createMailer } from '../../shared/mail/create-mailer';
import { createQueue, type LocalRelay } from '../../shared/queue/create-queue';
import { createSms } from '../../shared/sms/create-sms';
import type { Services } from '../../shared/services';

export type IngestHarness = {
  url: string;
  services: Services;
  database: Database;
  relay: LocalRelay;
  /** A fresh tenant with its admin signed in. */
  tenant(overrides?: Parameters<typeof createTestTenant>[1]): Promise<TestTenant & { session: SignedIn }>;
  /** fetch against the server with the session's cookie and CSRF token. */
  api(session: SignedIn, pathname: string, init?: { method?: string; json?: unknown; body?: BodyInit; headers?: Record<string, string> }): Promise<Response>;
  /** Uploads a file the way the admin does (POST /api/uploads, then PUT to the presigned URL); its object key. */
  upload(session: SignedIn, filename: string, bytes: Uint8Array): Promise<string>;
  /** Polls GET /api/imports/:id until the import is done or failed. */
  waitFor(session: SignedIn, importId: string, timeoutMs?: number): Promise<{ status: string; counts: Record<string, number> }>;
  close(): Promise<void>;
};

export async function startIngestHarness(options: { env?: Record<string, string> } = {}): Promise<IngestHarness> {
  const database = await openTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reactor-ingest-'));
  const apps = new Map<FunctionName, FunctionApp>();
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
  const log = silentLogger;
  const now = () => new Date();
  const config = parseConfig({ REACTOR_ENV: 'local', DATA_DIR: dataDir, PUBLIC_URL: url, ...options.env });
  const { queue, deliveries, relay } = await createQueue(config.queue, { db: database.db, publicUrl: url, dataDir, log, now, relay: { pollIntervalMs: 50 } });
  if (!relay) throw new Error('the ingest harness expects the local relay');
  const mail = createMailer(config, { log, now });
  const { counters } = createCounters(config.counters, { db: database.db, now });
  const services: Services = {
    config,
    log,
    database,
    db: database.db,
    queue,
    deliveries,
    now,
    random: (length) => new Uint8Array(randomBytes(length)),
    ...mail,
    ...(await createBlobStore(config.blobs, { publicUrl: url, now })),
    counters,
    ...createAlerts(config.alerts, { log, mailer: mail.mailer, counters, db: database.db }),
    ...createSms(config, { db: database.db, log, now, random: (length) => new Uint8Array(randomBytes(length)) }),
  };
  apps.set('api', buildFunctionApp('api', services));
  apps.set('import-chunk', buildFunctionApp('import-chunk', services));
  relay.start();

  return {
    url,
    services,
    database,
    relay,
    async tenant(overrides) {
      const created = await createTestTenant(database.db, overrides);
      return { ...created, session: await signIn(url, created.admin.email) };
    },
    api(session, pathname, init = {}) {
      const headers: Record<string, string> = { ...session.headers(), ...init.headers };
      let body = init.body;
      if (init.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(init.json);
      }
      return fetch(`${url}${pathname}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
    },
    async upload(session, filename, bytes) {
      const response = await fetch(`${url}/api/uploads`, {
        method: 'POST',
        headers: { ...session.headers(), 'content-type': 'application/json' },
        body: JSON.stringify({ filename, size: bytes.length, contentType: 'text/csv' }),
      });
      if (response.status !== 200) throw new Error(`POST /api/uploads answered ${response.status}: ${await response.text()}`);
      const { objectKey, uploadUrl, headers } = (await response.json()) as { objectKey: string; uploadUrl: string; headers: Record<string, string> };
      // No session on the PUT: the presigned URL alone authorizes it, as on Spaces.
      const put = await fetch(uploadUrl, { method: 'PUT', headers, body: new Blob([new Uint8Array(bytes)]) });
      if (put.status !== 200) throw new Error(`presigned PUT answered ${put.status}: ${await put.text()}`);
      return objectKey;
    },
    async waitFor(session, importId, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const response = await fetch(`${url}/api/imports/${importId}`, { headers: session.headers() });
        const body = (await response.json()) as { status: string; counts: Record<string, number> };
        if (body.status === 'done' || body.status === 'failed') return body;
        if (Date.now() > deadline) throw new Error(`import ${importId} still ${body.status} after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
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
