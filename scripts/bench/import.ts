/**
 * `npm run bench:import [-- --rows N --pglite-rows M --skip-pg --skip-pglite]`: the Ingestor's speed.
 *
 * 1. PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; a throw-away
 *    database is created and dropped): a seeded N-row contacts CSV (default 1,000,000) through
 *    - the dry-run (read, normalize, decide every row against contacts, DNC and cooldowns; nothing
 *      written but the batch and its rejected rows), then
 *    - the commit, chunk after chunk exactly as `import-chunk` runs them (each chunk one transaction:
 *      lookups, contacts upsert, lineage, progress, next chunk staged in the outbox);
 *    - and, in the same run, the baseline: `psql \copy` of the same file into an unindexed staging
 *      table plus one `INSERT … SELECT … ON CONFLICT` into the indexed contacts table (for a second
 *      tenant), with the cheapest normalization SQL can do. It prints our time / baseline.
 * 2. PGlite (the embedded default, in memory): an M-row file (default 100,000), dry-run and commit.
 *
 * Peak RSS is the process's maximum resident set (getrusage), read before the dry-run and after each
 * phase. V8 grows its heap lazily on a big machine; to see the import inside a memory-limited function
 * run it as `NODE_OPTIONS=--max-old-space-size=192 npm run bench:import`. The chunk chain is driven
 * in-process (the queue hop itself costs ~7 ms locally: `npm run bench:relay`).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { newId } from '../../core/ids';
import { migrateDatabase, openDatabase, queryRows, type Database } from '../../db/client';
import { doNotContact, suppressionRules } from '../../db/schema/index';
import { createTestTenant, createThrowawayDatabase } from '../../db/testing';
import { createLocalBlobStore } from '../../functions/shared/blobs/local-blob-store';
import { createLogger } from '../../functions/shared/log';
import { createLocalQueue } from '../../functions/shared/queue/local-queue';
import { commitContactImport, dryRunContactImport, processContactChunk, type IngestorDeps } from '../../functions/import-chunk/contact-import';
import { loadBatch } from '../../functions/import-chunk/import-batches';
import { generateContactsCsv } from './generate-contacts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const n = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(n) || n < 1000 || n > 5_000_000) throw new Error(`${name} must be an integer from 1000 to 5000000`);
  return n;
}

const flag = (name: string) => process.argv.includes(name);
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const seconds = (ms: number) => (ms / 1000).toFixed(2);

type Figures = { rows: number; fileMb: number; dryRunMs: number; commitMs: number; counts: Record<string, number>; rssBeforeMb: number; rssAfterDryRunMb: number; rssAfterCommitMb: number };

async function runImport(database: Database, dir: string, file: { path: string; rows: number; bytes: number }, label: string): Promise<Figures> {
  const log = createLogger({ level: 'error' });
  const db = database.db;
  const { tenant, admin } = await createTestTenant(db, { name: `bench ${label}` });
  // A realistic compliance state: some numbers on the DNC list, some in a cooldown.
  const now = new Date();
  const dnc = Array.from({ length: 2000 }, (_, i) => ({ tenantId: tenant.id, phoneE164: `+614${String(10_000_000 + i * 397).slice(-8)}`, source: 'manual' as const }));
  await db.insert(doNotContact).values(dnc).onConflictDoNothing();
  await db.insert(suppressionRules).values(
    Array.from({ length: 500 }, (_, i) => ({
      id: newId('suppression', now.getTime(), randomBytes(10)),
      tenantId: tenant.id,
      phoneE164: `+614${String(10_000_000 + i * 1013).slice(-8)}`,
      reason: 'bench cooldown',
      expiresAt: new Date(now.getTime() + 86_400_000),
    })),
  );
  const blobDir = path.join(dir, `blobs-${label}`);
  const blobs = await createLocalBlobStore({ dir: blobDir, publicUrl: 'http://127.0.0.1:1', now: () => new Date() });
  const objectKey = `uploads/${tenant.id}/bench/contacts.csv`;
  await mkdir(path.join(blobDir, 'uploads', tenant.id, 'bench'), { recursive: true });
  await copyFile(file.path, path.join(blobDir, ...objectKey.split('/')));
  const deps: IngestorDeps = {
    db,
    // Messages are staged and published as in production; nothing delivers them: the loop below runs each chunk.
    queue: createLocalQueue({ db, publicUrl: 'http://127.0.0.1:1' }),
    blobs,
    log,
    now: () => new Date(),
    random: (n) => new Uint8Array(randomBytes(n)),
    limits: { chunkRows: 10_000 },
  };

  const rssBeforeMb = peakRssMb();
  let t = performance.now();
  const dryRun = await dryRunContactImport(deps, { tenantId: tenant.id, userId: admin.id, objectKey, mapping: { phone: 'phone', email: 'email', first_name: 'first_name', last_name: 'last_name', tags: 'tags' } });
  const dryRunMs = performance.now() - t;
  const rssAfterDryRunMb = peakRssMb();

  t = performance.now();
  await commitContactImport(deps, { tenantId: tenant.id, importId: dryRun.importId, idempotencyKey: `bench-${dryRun.importId}` });
  for (let chunk = 1; ; chunk++) {
    const batch = await loadBatch(db, dryRun.importId);
    if (!batch || batch.status === 'done' || batch.status === 'failed') {
      if (batch?.status !== 'done') throw new Error(`import ended ${batch?.status}: ${batch?.error}`);
      const commitMs = performance.now() - t;
      return { rows: file.rows, fileMb: file.bytes / 1e6, dryRunMs, commitMs, counts: batch.counts, rssBeforeMb, rssAfterDryRunMb, rssAfterCommitMb: peakRssMb() };
    }
    await processContactChunk(deps, { batchId: batch.id, chunk, offset: batch.bytesProcessed });
  }
}

function psql(url: string, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited ${code}: ${stderr}`))));
  });
}

async function baseline(database: Database, url: string, file: string): Promise<{ copyMs: number; insertMs: number; inserted: number }> {
  const db = database.db;
  const { tenant } = await createTestTenant(db, { name: 'bench baseline' });
  await queryRows(db, sql`create unlogged table bench_staging (phone text, email text, first_name text, last_name text, tags text)`);
  let t = performance.now();
  await psql(url, `\\copy bench_staging from '${file.replace(/'/g, "''")}' with (format csv, header true)`);
  const copyMs = performance.now() - t;
  t = performance.now();
  // The least normalization SQL can do (strip punctuation, AU trunk 0 → +61), one set-based upsert.
  const rows = await queryRows<{ n: number }>(
    db,
    sql`with normalized as (
          select distinct on (p) p, lower(trim(email)) as email, first_name, last_name, tags
            from (select case when d ~ '^0' then '+61' || substr(d, 2) when d ~ '^[+]' then d else '+' || d end as p, email, first_name, last_name, tags
                    from (select regexp_replace(phone, '[^0-9+]', '', 'g') as d, email, first_name, last_name, tags from bench_staging) s) n
           where p ~ '^[+][1-9][0-9]{6,14}$'
           order by p)
        , ins as (
          insert into contacts (id, tenant_id, phone_e164, email, first_name, last_name, country, tags)
          select 'ctc_' || md5(p), ${tenant.id}, p, email, first_name, last_name, 'AU', case when tags = '' or tags is null then '{}'::text[] else array[tags] end
            from normalized
          on conflict (tenant_id, phone_e164) do update set email = excluded.email, first_name = excluded.first_name, last_name = excluded.last_name, updated_at = now()
          returning 1)
        select count(*)::int as n from ins`,
  );
  const insertMs = performance.now() - t;
  await queryRows(db, sql`drop table bench_staging`);
  return { copyMs, insertMs, inserted: rows[0]?.n ?? 0 };
}

function print(title: string, f: Figures): void {
  console.log(`\n${title}: ${f.rows.toLocaleString()} rows, ${f.fileMb.toFixed(1)} MB`);
  console.log(`  dry-run  ${seconds(f.dryRunMs)} s  (${Math.round(f.rows / (f.dryRunMs / 1000)).toLocaleString()} rows/s)`);
  console.log(`  commit   ${seconds(f.commitMs)} s  (${Math.round(f.rows / (f.commitMs / 1000)).toLocaleString()} rows/s)`);
  console.log(`  counts   ${JSON.stringify(f.counts)}`);
  console.log(`  peak RSS ${f.rssBeforeMb} MB before, ${f.rssAfterDryRunMb} MB after the dry-run, ${f.rssAfterCommitMb} MB after the commit`);
}

async function main(): Promise<void> {
  const rows = arg('--rows', 1_000_000);
  const pgliteRows = arg('--pglite-rows', 100_000);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'reactor-bench-import-'));
  try {
    if (!flag('--skip-pg')) {
      const server = process.env.DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
      const file = await generateContactsCsv(path.join(dir, 'contacts.csv'), rows);
      const throwaway = await createThrowawayDatabase(server, 'rr_bench');
      const database = await openDatabase({ kind: 'postgres', url: throwaway.url, max: 2 });
      try {
        await migrateDatabase(database);
        const base = await baseline(database, throwaway.url, file.path);
        const ours = await runImport(database, dir, file, 'pg');
        print('PostgreSQL', ours);
        const baseMs = base.copyMs + base.insertMs;
        console.log(`  baseline psql \\copy ${seconds(base.copyMs)} s + INSERT … ON CONFLICT ${seconds(base.insertMs)} s = ${seconds(baseMs)} s (${base.inserted.toLocaleString()} contacts)`);
        console.log(`  ratio    commit / baseline = ${(ours.commitMs / baseMs).toFixed(2)}; dry-run + commit / baseline = ${((ours.dryRunMs + ours.commitMs) / baseMs).toFixed(2)}`);
      } finally {
        await database.close();
        await throwaway.drop();
      }
    }
    if (!flag('--skip-pglite')) {
      const file = await generateContactsCsv(path.join(dir, 'contacts-pglite.csv'), pgliteRows);
      const database = await openDatabase({ kind: 'pglite', dir: 'memory://' });
      try {
        await migrateDatabase(database);
        print('PGlite (in memory)', await runImport(database, dir, file, 'pglite'));
      } finally {
        await database.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
