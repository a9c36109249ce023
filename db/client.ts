/**
 * The `Db` port: one Drizzle database type that both drivers satisfy, so that queries, handlers and
 * tests are written once and run on PGlite (the embedded default, in-process WASM) and on PostgreSQL
 * through postgres.js (production).
 *
 * The two drivers are made to agree on values as well as on types: the session time zone is UTC on
 * both (day and month boundaries are computed explicitly with a tenant's zone, never implicitly), and
 * int8 values (count(*), sums, bigint columns in raw SQL) arrive as JS numbers on both, as PGlite does
 * natively (beyond 2^53 both give a BigInt). Raw SQL results go through `queryRows`, which hides the one
 * difference left (postgres.js returns an array, PGlite `{ rows }`).
 *
 * PGlite is loaded with a dynamic import: production bundles (DigitalOcean Functions) never load it.
 */
import { mkdir } from 'node:fs/promises';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema/index';

export type Schema = typeof schema;
/** What every query takes. A transaction (`Tx`) is also a `Db`, so helpers can run inside one. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** The object `db.transaction(async (tx) => …)` hands to its callback. */
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export type DatabaseTarget =
  | {
      kind: 'pglite';
      /** A folder (created if missing), or `memory://` for a throw-away database. */
      dir: string;
      /** Start from a data directory dumped by `snapshotDatabase` (tests: skips initdb and migrations). */
      snapshot?: Blob;
    }
  | {
      kind: 'postgres';
      url: string;
      /**
       * Pool size per process. Default 5: every function instance opens its own pool and a managed
       * PostgreSQL allows few connections, so many small pools beat a few large ones.
       */
      max?: number;
    };

export type Database = {
  db: Db;
  kind: DatabaseTarget['kind'];
  /** Ends the pool (postgres) or shuts PGlite down (flushing it to its folder). Idempotent. */
  close(): Promise<void>;
};

/** What the migrator needs that `Db` does not expose: the concrete driver. Internal to db/. */
export type DriverHandle = {
  migrate(migrationsFolder: string): Promise<void>;
  /** PGlite only: the whole data directory as a gzipped tarball. */
  snapshot?: () => Promise<Blob>;
};

const handles = new WeakMap<Database, DriverHandle>();

/** @internal Used by db/migrate.ts. */
export function driverHandle(database: Database): DriverHandle {
  const handle = handles.get(database);
  if (handle === undefined) throw new Error('not a Database made by openDatabase()');
  return handle;
}

export { migrateDatabase } from './migrate';

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  return target.kind === 'pglite' ? openPglite(target.dir, target.snapshot) : openPostgres(target.url, target.max ?? 5);
}

/** The data directory of a PGlite database, to open copies of it later (`snapshot` in the target). */
export async function snapshotDatabase(database: Database): Promise<Blob> {
  const { snapshot } = driverHandle(database);
  if (snapshot === undefined) throw new Error(`snapshotDatabase: not supported on ${database.kind}`);
  return snapshot();
}

/** Rows of a raw SQL query, in one shape on both drivers. Cast in SQL (`::int`, `::text`) what must be exact. */
export async function queryRows<T = Record<string, unknown>>(db: Db | Tx, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  if (Array.isArray(result)) return result as T[];
  if (typeof result === 'object' && result !== null && 'rows' in result && Array.isArray(result.rows)) {
    return result.rows as T[];
  }
  throw new Error('queryRows: unexpected driver result');
}

async function openPglite(dir: string, snapshot: Blob | undefined): Promise<Database> {
  const memory = dir === 'memory://' || dir === '';
  if (!memory) await mkdir(dir, { recursive: true });
  const [{ PGlite }, { drizzle }, { migrate }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
    import('drizzle-orm/pglite/migrator'),
  ]);
  const options = snapshot === undefined ? {} : { loadDataDir: snapshot };
  const client = memory ? new PGlite(options) : new PGlite(dir, options);
  await client.waitReady;
  await client.exec(`set time zone 'UTC'`);
  const db = drizzle({ client, schema });
  let closed = false;
  const database: Database = {
    db,
    kind: 'pglite',
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
  handles.set(database, {
    async migrate(migrationsFolder) {
      await migrate(db, { migrationsFolder });
    },
    snapshot: () => client.dumpDataDir('gzip'),
  });
  return database;
}

// int8: a number when exact, else a BigInt — the same values PGlite gives.
function parseInt8(value: string): number | bigint {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : BigInt(value);
}

function postgresOptions(max: number) {
  return {
    max,
    onnotice: () => {},
    connection: { TimeZone: 'UTC', application_name: 'revenue-reactor' },
    idle_timeout: 20,
    connect_timeout: 10,
    types: {
      int8: { to: 20, from: [20], serialize: (v: number | bigint) => String(v), parse: parseInt8 },
    },
  };
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const client = postgres(url, postgresOptions(max));
  const db = drizzlePostgres({ client, schema });
  let closed = false;
  const database: Database = {
    db,
    kind: 'postgres',
    async close() {
      if (closed) return;
      closed = true;
      await client.end({ timeout: 5 });
    },
  };
  handles.set(database, {
    async migrate(migrationsFolder) {
      // Two processes starting at once (a deploy, two `npm start`s) must not both apply a migration:
      // drizzle's migrator reads the last applied migration outside its transaction. A session-level
      // advisory lock on a connection of its own serializes them; the second then finds nothing to do.
      const lock = postgres(url, postgresOptions(1));
      try {
        await lock`select pg_advisory_lock(hashtext('revenue-reactor:migrations'))`;
        await migratePostgres(db, { migrationsFolder });
      } finally {
        await lock.end({ timeout: 5 });
      }
    },
  });
  return database;
}
