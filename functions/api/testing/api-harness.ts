/**
 * Test scaffolding for the `api` function: the real app (`buildFunctionApp('api', services)`) on a
 * throw-away database (PGlite in memory, or a fresh PostgreSQL database when DATABASE_URL is set), in
 * local mode with the dev mailbox, and a clock the test moves by hand. `login()` signs in through the
 * real magic-link flow (start → dev mailbox → finish) and returns the session's cookie and CSRF token.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Role } from '../../../core/auth/roles';
import type { Database, Db } from '../../../db/client';
import { users } from '../../../db/schema/index';
import { createTestTenant, openTestDatabase, testId, type TestTenant } from '../../../db/testing';
import type { FunctionApp } from '../../shared/app';
import { createAlerts } from '../../shared/alerts/create-alerts';
import { createBlobStore } from '../../shared/blobs/create-blob-store';
import { createCounters } from '../../shared/counters/create-counters';
import { buildFunctionApp } from '../../shared/compose';
import { parseConfig } from '../../shared/config';
import { silentLogger, type Logger } from '../../shared/log';
import { createMailer } from '../../shared/mail/create-mailer';
import type { DevMailbox } from '../../shared/mail/dev-mailbox';
import { createQueue } from '../../shared/queue/create-queue';
import { createSms } from '../../shared/sms/create-sms';
import type { Services } from '../../shared/services';

export type Session = { userId: string; email: string; cookie: string; csrfToken: string };

export type RequestOptions = {
  method?: string;
  json?: unknown;
  as?: Session;
  /** Default: the session's token on state-changing methods. `false` sends none; a string sends that. */
  csrf?: boolean | string;
  headers?: Record<string, string>;
};

export type ApiHarness = {
  app: FunctionApp;
  services: Services;
  db: Db;
  mailbox: DevMailbox;
  /** Move the clock (sessions, links and rate windows all read it). */
  advance(ms: number): void;
  now(): Date;
  request(pathname: string, options?: RequestOptions): Promise<Response>;
  newTenant(name?: string): Promise<TestTenant>;
  addUser(tenantId: string, role: Role, email?: string): Promise<typeof users.$inferSelect>;
  /** Signs in through the real magic-link flow. */
  login(email: string): Promise<Session>;
  /** The newest dev-mailbox link for an address (throws when there is none). */
  lastLinkFor(email: string): string;
  close(): Promise<void>;
};

export async function startApiHarness(options: { env?: Record<string, string>; log?: Logger } = {}): Promise<ApiHarness> {
  const database: Database = await openTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reactor-api-'));
  try {
    return await build(database, dataDir, options);
  } catch (error) {
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

async function build(database: Database, dataDir: string, options: { env?: Record<string, string>; log?: Logger }): Promise<ApiHarness> {
  const config = parseConfig({ REACTOR_ENV: 'local', DATA_DIR: dataDir, PUBLIC_URL: 'http://localhost:8787', ...options.env });
  const log = options.log ?? silentLogger;
  let clock = Date.now();
  const now = () => new Date(clock);
  const { queue, deliveries } = await createQueue(config.queue, { db: database.db, publicUrl: config.publicUrl, dataDir, log, now });
  const mail = createMailer(config, { log, now });
  if (!mail.devMailbox) throw new Error('the API harness runs in local mode with the dev mailbox');
  const mailbox = mail.devMailbox;
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
    ...(await createBlobStore(config.blobs, { publicUrl: config.publicUrl, now })),
    counters,
    ...createAlerts(config.alerts, { log, mailer: mail.mailer, counters, db: database.db }),
    ...createSms(config, { db: database.db, log, now, random: (length) => new Uint8Array(randomBytes(length)) }),
  };
  const app = buildFunctionApp('api', services);
  // A client address of its own, so parallel test files on one PostgreSQL never share a rate window.
  const ip = `198.51.100.${randomBytes(1)[0] ?? 1}`;

  const request: ApiHarness['request'] = (pathname, o = {}) => {
    const method = (o.method ?? (o.json === undefined ? 'GET' : 'POST')).toUpperCase();
    const headers: Record<string, string> = { 'x-forwarded-for': ip, accept: 'application/json', ...o.headers };
    if (o.json !== undefined) headers['content-type'] = 'application/json';
    if (o.as) headers.cookie = o.as.cookie;
    const safe = method === 'GET' || method === 'HEAD';
    if (typeof o.csrf === 'string') headers['x-csrf-token'] = o.csrf;
    else if (o.as && !safe && o.csrf !== false) headers['x-csrf-token'] = o.as.csrfToken;
    return Promise.resolve(app.request(pathname, { method, headers, body: o.json === undefined ? undefined : JSON.stringify(o.json) }));
  };

  const lastLinkFor = (email: string) => {
    const link = mailbox.messages().find((m) => m.to === email.toLowerCase())?.link;
    if (!link) throw new Error(`no mail for ${email}`);
    return link;
  };

  return {
    app,
    services,
    db: database.db,
    mailbox,
    advance: (ms) => void (clock += ms),
    now,
    request,
    newTenant: (name = 'Test tenant') => createTestTenant(database.db, { name }),
    async addUser(tenantId, role, email) {
      const id = testId('user');
      const [row] = await database.db
        .insert(users)
        .values({ id, tenantId, role, email: email ?? `${role}+${id}@test.example` })
        .returning();
      if (!row) throw new Error('addUser: nothing inserted');
      return row;
    },
    async login(email) {
      const started = await request('/api/auth/magic-link/start', { json: { email } });
      if (started.status !== 202) throw new Error(`magic-link start answered ${started.status}`);
      const link = new URL(lastLinkFor(email));
      const finished = await request(`${link.pathname}${link.search}`);
      if (finished.status !== 303) throw new Error(`magic-link finish answered ${finished.status}: ${await finished.text()}`);
      const jar = new Map<string, string>();
      for (const line of finished.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const at = pair?.indexOf('=') ?? -1;
        if (pair && at > 0) jar.set(pair.slice(0, at), pair.slice(at + 1));
      }
      const csrfToken = jar.get('reactor_csrf');
      const [user] = await database.db.select().from(users).where(eq(users.email, email.toLowerCase()));
      if (!csrfToken || !jar.get('reactor_session') || !user) throw new Error('login set no session');
      return { userId: user.id, email: user.email, csrfToken, cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
    },
    lastLinkFor,
    async close() {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
