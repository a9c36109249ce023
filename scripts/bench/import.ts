/**
 * `npm run bench:import [-- --rows N --pglite-rows M --heap-mb H --chunk-rows C --skip-pg --skip-pglite]`: the Ingestor's speed.
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
 * Each import runs in a child process of its own (this script bundled as the functions are, on plain
 * Node, `--child`), so its peak RSS (getrusage: the process's maximum resident set, read before the
 * dry-run and after each phase) is the import's and not the generator's or the baseline's. The child's
 * heap is sized as Node sizes it in the function's container (`--heap-mb`, default 128: Node gives V8 a quarter of the cgroup's memory, and
 * the dry-run runs in `api`, 512 MB in project.yml; the commit's `import-chunk` has twice that). On a
 * big machine V8's own default lets garbage pile up to several times the live set before a full
 * collection (~50 MB live at 1,000,000 rows, a 200 MB heap); `--heap-mb 0` shows that. The chunk chain is
 * driven in-process (the queue hop itself costs ~7 ms locally: `npm run bench:relay`).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { build } from 'esbuild';
import { z } from 'zod';
import { newId } from '../../core/ids';
import { migrateDatabase, openDatabase, queryRows, type Database } from '../../db/client';
import { doNotContact, suppressionRules } from '../../db/schema/index';
import { createTestTenant, createThrowawayDatabase } from '../../db/testing';
import { createLocalBlobStore } from '../../functions/shared/blobs/local-blob-store';
import { createLogger } from '../../functions/shared/log';
import { createLocalQueue } from '../../functions/shared/queue/local-queue';
import { commitContactImport, dryRunContactImport, processContactChunk, type IngestorDeps } from '../../functions/import-chunk/contact-import';
import { ChunkReadAhead } from '../../functions/import-chunk/chunk-read-ahead';
import { loadBatch } from '../../functions/import-chunk/import-batches';
import { nodeBundle } from '../node-bundle';
import { generateContactsCsv } from './generate-contacts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const migrationsFolder = path.join(repoRoot, 'db', 'migrations');

function arg(name: string, fallback: number, min = 1000, max = 5_000_000): number {
  const i = process.argv.indexOf(name);
  const n = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

const flag = (name: string) => process.argv.includes(name);
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const seconds = (ms: number) => (ms / 1000).toFixed(2);

const figuresSchema = z.object({
  rows: z.number(),
  fileMb: z.number(),
  dryRunMs: z.number(),
  commitMs: z.number(),
  counts: z.record(z.string(), z.number()),
  rssBeforeMb: z.number(),
  rssAfterDryRunMb: z.number(),
  rssAfterCommitMb: z.number(),
});
type Figures = z.infer<typeof figuresSchema>;
const fileSchema = z.object({ path: z.string(), rows: z.number(), bytes: z.number() });
const childSchema = z.object({
  target: z.discriminatedUnion('kind', [z.object({ kind: z.literal('postgres'), url: z.string() }), z.object({ kind: z.literal('pglite'), dir: z.string() })]),
  dir: z.string(),
  file: fileSchema,
  label: z.string(),
  migrationsFolder: z.string(),
  /** Rows per commit chunk; undefined: the function's default. */
  chunkRows: z.number().optional(),
});
type ChildJob = z.infer<typeof childSchema>;
const figuresMark = 'bench-import-figures ';

/** The child's side: open the database (migrating an in-memory PGlite), import, print the figures. */
async function child(job: ChildJob): Promise<void> {
  const database = await openDatabase(job.target.kind === 'postgres' ? { kind: 'postgres', url: job.target.url, max: 2 } : job.target);
  try {
    if (job.target.kind === 'pglite') await migrateDatabase(database, { migrationsFolder: job.migrationsFolder });
    const figures = await runImport(database, job);
    console.log(figuresMark + JSON.stringify(figures));
  } finally {
    await database.close();
  }
}

/**
 * This script bundled as a function is (scripts/build.ts), so the child runs on plain Node what runs in
 * production, without tsx's transpiler in its memory (~40 MB of RSS). In node_modules/.cache, so the
 * bundle's externals (PGlite) resolve from the project's node_modules.
 */
async function bundleChild(): Promise<string> {
  const outfile = path.join(repoRoot, 'node_modules', '.cache', 'reactor-bench', 'import.cjs');
  await build({ entryPoints: [fileURLToPath(import.meta.url)], outfile, ...nodeBundle, external: [...nodeBundle.external, 'esbuild'], sourcemap: false });
  return outfile;
}

/** Runs one import in a fresh process (the bundled script), its heap capped at `heapMb` (0: V8's default). */
function inChild(bundle: string, job: ChildJob, heapMb: number): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const heap = heapMb > 0 ? [`--max-old-space-size=${heapMb}`] : [];
    const proc = spawn(process.execPath, [...heap, bundle, '--child', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(figuresMark));
      if (code !== 0 || line === undefined) return reject(new Error(`the import child exited ${code}:\n${out.slice(-2000)}`));
      resolve(figuresSchema.parse(JSON.parse(line.slice(figuresMark.length))));
    });
  });
}

async function runImport(database: Database, { dir, file, label, chunkRows }: ChildJob): Promise<Figures> {
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
    limits: chunkRows === undefined ? {} : { chunkRows },
    readAhead: new ChunkReadAhead(),
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
  const childAt = process.argv.indexOf('--child');
  if (childAt >= 0) return child(childSchema.parse(JSON.parse(process.argv[childAt + 1] ?? '')));
  const rows = arg('--rows', 1_000_000);
  const pgliteRows = arg('--pglite-rows', 100_000);
  const heapMb = arg('--heap-mb', 128, 0, 16_384);
  const chunkRows = process.argv.includes('--chunk-rows') ? arg('--chunk-rows', 0, 100, 100_000) : undefined;
  console.log(`each import in a child process, V8 heap ${heapMb > 0 ? `capped at ${heapMb} MB (as in the function's container)` : "at V8's default for this machine"}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'reactor-bench-import-'));
  try {
    const bundle = await bundleChild();
    if (!flag('--skip-pg')) {
      const server = process.env.DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
      const file = await generateContactsCsv(path.join(dir, 'contacts.csv'), rows);
      const throwaway = await createThrowawayDatabase(server, 'rr_bench');
      const database = await openDatabase({ kind: 'postgres', url: throwaway.url, max: 2 });
      try {
        await migrateDatabase(database);
        const base = await baseline(database, throwaway.url, file.path);
        const ours = await inChild(bundle, { target: { kind: 'postgres', url: throwaway.url }, dir, file, label: 'pg', migrationsFolder, chunkRows }, heapMb);
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
      print('PGlite (in memory)', await inChild(bundle, { target: { kind: 'pglite', dir: 'memory://' }, dir, file, label: 'pglite', migrationsFolder, chunkRows }, heapMb));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
