/**
 * Test scaffolding for integration tests: a migrated throw-away database and a fresh tenant per test,
 * so tests never share rows and can run in parallel.
 *
 * `DATABASE_URL` unset → PGlite in memory. Set → a new database `rr_test_<random>` on that server,
 * dropped by `close()`; the suite then runs against real PostgreSQL with the same code. (Reading
 * process.env here is fine: this file is test scaffolding, not application code.)
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { newId, type IdKind } from '../core/ids';
import { migrateDatabase, openDatabase, snapshotDatabase, type Database, type Db } from './client';
import { defaultMigrationsFolder } from './migrate';
import { tenants, users } from './schema/index';

export type TestTenant = {
  tenant: typeof tenants.$inferSelect;
  admin: typeof users.$inferSelect;
};

/** A real id (right prefix, sortable) for rows a test inserts itself. */
export function testId(kind: IdKind): string {
  return newId(kind, Date.now(), randomBytes(10));
}

export async function openTestDatabase(options: { /** PGlite: migrate from empty, not from the cached copy. */ fresh?: boolean } = {}): Promise<Database> {
  const url = process.env.DATABASE_URL?.trim();
  if (!url) {
    if (!options.fresh) return openMigratedPglite();
    const database = await openDatabase({ kind: 'pglite', dir: 'memory://' });
    await migrateDatabase(database);
    return database;
  }
  const throwaway = await createThrowawayDatabase(url, 'rr_test');
  let database: Database;
  try {
    database = await openDatabase({ kind: 'postgres', url: throwaway.url, max: 4 });
    await migrateDatabase(database);
  } catch (error) {
    await throwaway.drop();
    throw error;
  }
  // Same object (the migrator knows it), with a close() that also drops the throw-away database.
  const closeConnection = database.close;
  let closed = false;
  database.close = async () => {
    if (closed) return;
    closed = true;
    try {
      await closeConnection();
    } finally {
      await throwaway.drop();
    }
  };
  return database;
}

/**
 * A new, empty database on the server of `serverUrl` (for tests and child processes that need one of
 * their own); `drop()` removes it even while connections remain.
 */
export async function createThrowawayDatabase(serverUrl: string, prefix = 'rr_tmp'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } catch (error) {
    await admin.end({ timeout: 5 });
    throw error;
  }
  const target = new URL(serverUrl);
  target.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: target.toString(),
    drop: () =>
      (dropped ??= (async () => {
        try {
          await admin.unsafe(`drop database if exists "${name}" with (force)`);
        } finally {
          await admin.end({ timeout: 5 });
        }
      })()),
  };
}

/**
 * PGlite's initdb costs seconds of WASM per database. The first test process to need a database
 * migrates one and saves its data directory, keyed by a hash of the migrations; every later one (each
 * test file runs in its own process) starts from that copy in about a second. A new migration changes
 * the hash, so a stale copy is never used.
 */
async function openMigratedPglite(): Promise<Database> {
  const folder = defaultMigrationsFolder();
  const cacheDir = fileURLToPath(new URL('../node_modules/.cache/revenue-reactor', import.meta.url));
  const file = path.join(cacheDir, `pglite-${await hashMigrations(folder)}.tgz`);
  const cached = await readFile(file).catch(() => undefined);
  if (cached !== undefined) {
    try {
      const database = await openDatabase({ kind: 'pglite', dir: 'memory://', snapshot: new Blob([cached]) });
      await migrateDatabase(database);
      return database;
    } catch {
      await rm(file, { force: true });
    }
  }
  const database = await openDatabase({ kind: 'pglite', dir: 'memory://' });
  await migrateDatabase(database);
  const snapshot = Buffer.from(await (await snapshotDatabase(database)).arrayBuffer());
  // Write then rename: parallel test processes never read a half-written copy.
  await mkdir(cacheDir, { recursive: true });
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(partial, snapshot);
  await rename(partial, file);
  // Copies made for older migrations are never read again.
  for (const name of await readdir(cacheDir)) {
    if (name.startsWith('pglite-') && name.endsWith('.tgz') && path.join(cacheDir, name) !== file) {
      await rm(path.join(cacheDir, name), { force: true });
    }
  }
  return database;
}

async function hashMigrations(folder: string): Promise<string> {
  const hash = createHash('sha256');
  // A data directory belongs to the PGlite build that wrote it.
  hash.update(await readFile(new URL('../node_modules/@electric-sql/pglite/package.json', import.meta.url)).catch(() => ''));
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else hash.update(path.relative(folder, full)).update('\0').update(await readFile(full)).update('\0');
    }
  };
  await walk(folder);
  return hash.digest('hex').slice(0, 16);
}

/** A fresh tenant and its admin. Emails are unique across tenants, so each gets a random one. */
export async function createTestTenant(
  db: Db,
  overrides: Partial<Omit<typeof tenants.$inferInsert, 'id'>> = {},
): Promise<TestTenant> {
  const tenantId = testId('tenant');
  const [tenant] = await db
    .insert(tenants)
    .values({ name: 'Test tenant', defaultCountry: 'AU', timezone: 'Australia/Sydney', ...overrides, id: tenantId })
    .returning();
  const [admin] = await db
    .insert(users)
    .values({ id: testId('user'), tenantId, email: `admin+${tenantId}@test.example`, role: 'admin' })
    .returning();
  if (tenant === undefined || admin === undefined) throw new Error('createTestTenant: insert returned nothing');
  return { tenant, admin };
}
