/**
 * Contact CSV imports: inspect (headers and a suggested mapping), dry-run (decisions, no contact
 * written), commit (an Idempotency-Key; the file is then worked through in chunks) and the chunk
 * handler itself. docs/imports.md tells the whole story; the rules are in core/imports.
 *
 * Exactly-once, chunk by chunk: a chunk starts at a byte offset. Under the batch row's lock (and a
 * per-tenant advisory lock, so two imports of one tenant never decide against each other's half-written
 * state) the handler checks that `bytes_processed` still equals its offset, writes its rows, advances
 * `bytes_processed`/`rows_processed`/`counts` and stages the next chunk, all in one transaction. A
 * redelivered or duplicated chunk finds the offset moved and writes nothing; a crash mid-chunk rolls
 * the whole chunk back and its redelivery does it again.
 */
import { randomBytes } from 'node:crypto';
import { and, desc, eq, isNotNull, sql } from 'drizzle-orm';
import { DomainError } from '../../core/errors';
import { newId } from '../../core/ids';
import { contactMappingSchema, planMapping, suggestContactMapping, type ContactMapping, type MappingPlan } from '../../core/imports/contact-mapping';
import type { CsvRecord } from '../../core/imports/csv-reader';
import { ClaimedKeys } from '../../core/imports/claimed-keys';
import { indexContacts, withWritten } from '../../core/imports/contact-lookups';
import { countDecisions, decideContactRows, emptyCounts, isRejected, type ContactLookups, type ExistingContact, type ImportCounts, type RowDecision } from '../../core/imports/decide-contact-rows';
import { normalizeCountry, prepareContactRow, type PreparedRow } from '../../core/imports/prepare-contact-row';
import type { BlobStore } from '../../core/ports/blob-store';
import type { Queue } from '../../core/ports/queue';
import { importChunkDedupeId, importChunkMessage } from '../../core/queue/import-chunk-message';
import { queryRows, type Db, type Tx } from '../../db/client';
import { importBatches, importRowBlocks, importRows, tenants } from '../../db/schema/index';
import type { Logger } from '../shared/log';
import { withOutbox, type Stage } from '../shared/queue/outbox';
import type { Clock, RandomBytes } from '../shared/services';
import type { ChunkReadAhead } from './chunk-read-ahead';
import { loadContactLookups, writeContactChunk, writeLineage, type ByteSpan, type LoadedLookups } from './contact-sql';
import { assertOwnObjectKey, countsOf, factsOf, importSummary, loadBatch, type BatchRow, type ImportSummary, type PreviewDecision } from './import-batches';
import { inspectFile, readRecords, type ImportFileFacts } from './import-file';

export type IngestLimits = {
  /** Rows per chunk (one transaction, one queue hop). */
  chunkRows: number;
  /** A commit of a file at most this big is worked through in the request itself (it still goes through the queue-safe path). */
  inlineBytes: number;
};

// 10,000 rows a commit chunk: 1,000,000 rows committed in 32.6 s, against 38.4-39.3 s with 25,000 and
// 39.9-42.2 s with 5,000 (docs/imports.md, "Numbers"). The index pages a chunk's lookups read are still
// in the database's buffers when its insert writes them; at 25,000 rows they no longer were.
export const defaultLimits: IngestLimits = { chunkRows: 10_000, inlineBytes: 1024 * 1024 };

/**
 * The dry-run decides in batches of at most this many rows, with one batch's lookups in flight while the
 * previous one is decided: larger batches made it no faster and raised its peak memory (338 MB against
 * 285 MB at 1,000,000 rows with the function's heap), and it runs in `api`, the smaller container.
 */
const dryRunBatchRows = 10_000;

export type IngestorDeps = {
  db: Db;
  queue: Queue;
  blobs: BlobStore;
  log: Logger;
  now: Clock;
  random: RandomBytes;
  limits?: Partial<IngestLimits>;
  /** This process's guess at the next commit chunk (chunk-read-ahead.ts); one per composition. */
  readAhead: ChunkReadAhead<ContactChunk>;
};

const previewSize = 50;

/**
 * Settings for the rest of an import's transaction (`set_config(…, true)` is `set local`, so they also
 * pass a transaction-mode pooler), each measured (docs/imports.md, "Numbers"):
 * - no JIT: an import's statements carry arrays of thousands of keys, which inflate the planner's
 *   estimates past the JIT thresholds; compiling took ~290 ms a lookup at 25,000 keys, longer than
 *   running it;
 * - `work_mem` 32 MB: the contacts insert's statement trigger (migration 0005) reads the inserted rows
 *   from a tuplestore, which at the default 4 MB spilled a 25,000-row chunk to a temporary file (~50 ms);
 * - no bitmap scans: where the contacts have no statistics yet (a table that grew by a million rows in
 *   a minute, or autovacuum off), the planner took each key's probe for 27 rows and answered it with a
 *   bitmap scan, 365 ms for 25,000 keys against 136 ms as a plain index scan.
 */
async function tuneImportTransaction(tx: Tx): Promise<void> {
  await queryRows(tx, sql`select set_config('jit', 'off', true), set_config('work_mem', '32MB', true), set_config('enable_bitmapscan', 'off', true)`);
}

/** Lookups outside a chunk's transaction (the dry-run's, a read-ahead's), in a tuned transaction of their own. */
function loadLookupsApart(db: Db, tenantId: string, keys: { phones: Set<string>; emails: Set<string> }, now: Date, knownContacts: number): Promise<LoadedLookups> {
  return db.transaction(async (tx) => {
    await tuneImportTransaction(tx);
    return loadContactLookups(tx, tenantId, keys.phones, keys.emails, now, { knownContacts });
  });
}

function limitsOf(deps: IngestorDeps): IngestLimits {
  return { ...defaultLimits, ...deps.limits };
}

async function tenantRow(db: Db, tenantId: string): Promise<typeof tenants.$inferSelect> {
  const [tenant] = await db.select().from(tenants).where(eq(tenants.id, tenantId)).limit(1);
  if (!tenant) throw new DomainError('not_found', 'This tenant no longer exists.');
  return tenant;
}

/** The tenant's last confirmed contact mapping, the first source of suggestions. */
async function lastMapping(db: Db, tenantId: string): Promise<Record<string, string>> {
  const [row] = await db
    .select({ mapping: importBatches.mapping })
    .from(importBatches)
    .where(and(eq(importBatches.tenantId, tenantId), eq(importBatches.kind, 'contacts'), isNotNull(importBatches.finishedAt)))
    .orderBy(desc(importBatches.createdAt))
    .limit(1);
  return row?.mapping ?? {};
}

export type Inspection = {
  objectKey: string;
  size: number;
  format: { encoding: string; delimiter: string; bom: boolean; lineEnding: string };
  headers: string[];
  suggestedMapping: ContactMapping;
  sample: string[][];
};

export async function inspectContactFile(deps: IngestorDeps, input: { tenantId: string; objectKey: string }): Promise<Inspection> {
  assertOwnObjectKey(input.tenantId, input.objectKey);
  const { facts, sample } = await inspectFile(deps.blobs, input.objectKey);
  return {
    objectKey: input.objectKey,
    size: facts.size,
    format: { encoding: facts.encoding, delimiter: facts.delimiter, bom: facts.bom, lineEnding: facts.lineEnding },
    headers: facts.headers,
    suggestedMapping: suggestContactMapping(facts.headers, await lastMapping(deps.db, input.tenantId)),
    sample,
  };
}

function planOrThrow(headers: readonly string[], mapping: ContactMapping): MappingPlan {
  const planned = planMapping(headers, mapping);
  if (!planned.ok) {
    throw new DomainError('validation_failed', `The mapping names columns the file does not have: ${planned.unknownHeaders.join(', ')}.`, {
      details: { unknownHeaders: planned.unknownHeaders, headers },
    });
  }
  return planned.plan;
}

function keysOf(prepared: readonly PreparedRow[]): { phones: Set<string>; emails: Set<string> } {
  const phones = new Set<string>();
  const emails = new Set<string>();
  for (const p of prepared) {
    if (!p.ok) continue;
    phones.add(p.draft.phoneE164);
    if (p.draft.email !== null) emails.add(p.draft.email);
  }
  return { phones, emails };
}

export type DryRunInput = {
  tenantId: string;
  userId: string | null;
  objectKey: string;
  filename?: string;
  mapping?: unknown;
  defaultCountry?: string;
};

export type DryRunResult = {
  importId: string;
  counts: ImportCounts;
  decisions: PreviewDecision[];
  headers: string[];
  mapping: ContactMapping;
  defaultCountry: string;
};

/**
 * Reads the whole file once, decides every row against the tenant's contacts, DNC list and cooldowns
 * as they are now, and writes the batch (status `previewed`) with its counts, its first 50 decisions and
 * the rejected rows' lineage (for rejected.csv). No contact is written.
 */
export async function dryRunContactImport(deps: IngestorDeps, input: DryRunInput): Promise<DryRunResult> {
  const started = deps.now();
  assertOwnObjectKey(input.tenantId, input.objectKey);
  const tenant = await tenantRow(deps.db, input.tenantId);
  const defaultCountry = input.defaultCountry === undefined ? tenant.defaultCountry : normalizeCountry(input.defaultCountry);
  if (defaultCountry === undefined) throw new DomainError('validation_failed', `defaultCountry "${input.defaultCountry}" is not an ISO 3166 country code.`);
  const { facts } = await inspectFile(deps.blobs, input.objectKey);
  const mapping =
    input.mapping === undefined ? suggestContactMapping(facts.headers, await lastMapping(deps.db, input.tenantId)) : parseMapping(input.mapping);
  const plan = planOrThrow(facts.headers, mapping);

  const importId = newId('importBatch', started.getTime(), deps.random(10));
  await deps.db.insert(importBatches).values({
    id: importId,
    tenantId: input.tenantId,
    kind: 'contacts',
    status: 'previewed',
    filename: input.filename ?? input.objectKey.split('/').at(-1) ?? null,
    objectKey: input.objectKey,
    mapping,
    format: facts,
    defaultCountry,
    bytesTotal: facts.size,
    bytesProcessed: 0,
    correlationId: importId,
    createdBy: input.userId,
    createdAt: started,
    updatedAt: started,
  });

  const claimed = new ClaimedKeys();
  let counts = emptyCounts();
  const preview: PreviewDecision[] = [];
  let row = 0;
  const chunkRows = Math.min(limitsOf(deps).chunkRows, dryRunBatchRows);
  const decide = async (records: readonly CsvRecord[], prepared: readonly PreparedRow[], lookups: ContactLookups) => {
    const decisions = decideContactRows(prepared, lookups, { batchId: importId, defaultCountry, claimed });
    counts = countDecisions(counts, decisions);
    for (const d of decisions) {
      if (preview.length >= previewSize) break;
      preview.push({ row: d.row, decision: d.decision, reason: d.reason, ...(d.phoneE164 ? { phoneE164: d.phoneE164 } : {}) });
    }
    const rejected: RowDecision[] = [];
    const spans: ByteSpan[] = [];
    decisions.forEach((d, i) => {
      if (!isRejected(d.decision)) return;
      rejected.push(d);
      spans.push(records[i] as CsvRecord);
    });
    await writeLineage(deps.db, { tenantId: input.tenantId, batchId: importId, decisions: rejected, spans });
  };
  // Chunk n's lookups run in the database while chunk n-1 is decided and chunk n+1 is read and prepared
  // here. Decisions stay in file order (the claims depend on it): chunk n is decided after chunk n-1.
  let inFlight: Promise<void> = Promise.resolve();
  // Nothing is written during a dry-run: once the tenant is counted big, it stays so for this file.
  let knownContacts = 0;
  const flush = async (records: CsvRecord[]) => {
    if (records.length === 0) return;
    const prepared = records.map((r) => prepareContactRow(r, ++row, plan, defaultCountry));
    const lookups = loadLookupsApart(deps.db, input.tenantId, keysOf(prepared), deps.now(), knownContacts);
    await inFlight;
    inFlight = lookups.then((found) => {
      knownContacts = Math.max(knownContacts, found.contactsAtLeast);
      return decide(records, prepared, found);
    });
    // Awaited by the next flush (or at the end); until then a failure must not count as unhandled.
    inFlight.catch(() => undefined);
  };
  let pending: CsvRecord[] = [];
  for await (const records of readRecords(deps.blobs, input.objectKey, { ...facts, offset: facts.dataStart, size: facts.size })) {
    for (const r of records) pending.push(r);
    while (pending.length >= chunkRows) {
      const batch = pending.slice(0, chunkRows);
      pending = pending.slice(chunkRows);
      await flush(batch);
    }
  }
  await flush(pending);
  await inFlight;

  const finished = deps.now();
  await deps.db
    .update(importBatches)
    .set({ counts, preview, rowsTotal: counts.rows, format: { ...facts, dryRunMs: finished.getTime() - started.getTime() }, finishedAt: finished, updatedAt: finished })
    .where(eq(importBatches.id, importId));
  deps.log.info('contact import dry-run', { importId, tenantId: input.tenantId, ...counts, ms: finished.getTime() - started.getTime() });
  return { importId, counts, decisions: preview, headers: facts.headers, mapping, defaultCountry };
}

function parseMapping(raw: unknown): ContactMapping {
  const parsed = contactMappingSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DomainError('validation_failed', `The mapping is not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}.`, { details: parsed.error.issues });
  }
  return parsed.data;
}

function chunkMessage(batchId: string, chunk: number, offset: number, tenantId: string) {
  return {
    destination: 'import-chunk' as const,
    body: importChunkMessage.envelope({ batchId, chunk, offset }),
    dedupeId: importChunkDedupeId(batchId, chunk),
    correlationId: batchId,
    tenantId,
  };
}

export type CommitResult = { summary: ImportSummary; replayed: boolean };

/**
 * Commits a previewed import under an Idempotency-Key. The same key again returns the import's current
 * summary and writes nothing; the key on another import is a 409 `idempotency_conflict`.
 */
export async function commitContactImport(deps: IngestorDeps, input: { tenantId: string; importId: string; idempotencyKey: string }): Promise<CommitResult> {
  const now = deps.now();
  const outcome = await withOutbox(
    deps.db,
    deps.queue,
    async (tx, stage): Promise<{ batch: BatchRow; replayed: boolean }> => {
      const [keyed] = await tx
        .select()
        .from(importBatches)
        .where(and(eq(importBatches.tenantId, input.tenantId), eq(importBatches.idempotencyKey, input.idempotencyKey)))
        .limit(1);
      if (keyed !== undefined) {
        if (keyed.id !== input.importId) throw new DomainError('idempotency_conflict', 'This Idempotency-Key was already used to commit another import.', { details: { importId: keyed.id } });
        return { batch: keyed, replayed: true };
      }
      const [batch] = await tx
        .select()
        .from(importBatches)
        .where(and(eq(importBatches.id, input.importId), eq(importBatches.tenantId, input.tenantId)))
        .for('update')
        .limit(1);
      if (batch === undefined) throw new DomainError('not_found', 'No such import.');
      if (batch.idempotencyKey === input.idempotencyKey) return { batch, replayed: true };
      if (batch.kind !== 'contacts') throw new DomainError('conflict', 'Only a contact import can be committed.');
      if (batch.status !== 'previewed') throw new DomainError('conflict', 'This import is already committed (with another Idempotency-Key).', { details: { status: batch.status } });
      if (batch.finishedAt === null) throw new DomainError('conflict', 'The dry-run of this import did not finish; run it again.');
      const facts = factsOf(batch);
      // The dry-run's lineage rows are replaced by the commit's, decided afresh against today's contacts.
      await tx.delete(importRows).where(eq(importRows.batchId, batch.id));
      await tx.delete(importRowBlocks).where(eq(importRowBlocks.batchId, batch.id));
      const [updated] = await tx
        .update(importBatches)
        .set({
          idempotencyKey: input.idempotencyKey,
          status: 'queued',
          counts: emptyCounts(),
          rowsProcessed: 0,
          rowsTotal: null,
          bytesProcessed: facts.dataStart,
          startedAt: now,
          finishedAt: null,
          updatedAt: now,
        })
        .where(eq(importBatches.id, batch.id))
        .returning();
      await stage(chunkMessage(batch.id, 1, facts.dataStart, input.tenantId));
      return { batch: updated as BatchRow, replayed: false };
    },
    { log: deps.log, now: deps.now },
  );
  let batch = outcome.batch;
  if (!outcome.replayed && (batch.bytesTotal ?? Infinity) <= limitsOf(deps).inlineBytes) {
    // Small file: work through it now, so the person sees the result at once. The staged message is
    // still there for a crash; when it arrives it finds its chunk done and writes nothing.
    for (let chunk = 1; chunk <= 1000; chunk++) {
      const current = await loadBatch(deps.db, batch.id);
      if (current === undefined || current.status === 'done' || current.status === 'failed') break;
      await processContactChunk(deps, { batchId: batch.id, chunk, offset: current.bytesProcessed });
    }
    batch = (await loadBatch(deps.db, batch.id)) ?? batch;
  }
  deps.log.info('contact import committed', { importId: batch.id, tenantId: input.tenantId, replayed: outcome.replayed, status: batch.status });
  return { summary: importSummary(batch), replayed: outcome.replayed };
}

export type ChunkOutcome = 'processed' | 'finished' | 'already_processed' | 'unknown_batch' | 'failed';

/** Reads up to `chunkRows` records from `offset`; `next` is where the following chunk starts. */
async function readChunk(blobs: BlobStore, batch: BatchRow, facts: ImportFileFacts, offset: number, chunkRows: number) {
  const records: CsvRecord[] = [];
  let eof = true;
  outer: for await (const piece of readRecords(blobs, batch.objectKey ?? '', { ...facts, offset, size: facts.size })) {
    for (const r of piece) {
      records.push(r);
      if (records.length >= chunkRows) {
        eof = false;
        break outer;
      }
    }
  }
  const last = records.at(-1);
  return { records, eof, next: eof ? facts.size : (last?.next ?? offset) };
}

/** A commit chunk as read from the file and prepared, and when read ahead, its early lookups. */
export type ContactChunk = {
  records: CsvRecord[];
  prepared: PreparedRow[];
  phones: Set<string>;
  emails: Set<string>;
  eof: boolean;
  next: number;
  early?: EarlyLookups;
};

/**
 * This chunk's lookups, made while the chunk before it was writing (core/imports/contact-lookups.ts),
 * and the contacts that chunk wrote: a promise until it committed, then the list; null when it failed,
 * or when only the database knows what it left (then this chunk looks up afresh).
 */
type EarlyLookups<Written = Promise<ExistingContact[] | null>> = { found: LoadedLookups; madeAt: Date; written: Written };

/** Rows prepared between two turns of the event loop (~3 ms of work). */
const prepareSliceRows = 1000;

async function readContactChunk(
  deps: IngestorDeps,
  batch: BatchRow,
  input: { facts: ImportFileFacts; plan: MappingPlan; offset: number; firstRow: number },
): Promise<ContactChunk> {
  const { records, eof, next } = await readChunk(deps.blobs, batch, input.facts, input.offset, limitsOf(deps).chunkRows);
  const defaultCountry = batch.defaultCountry ?? 'AU';
  const prepared = new Array<PreparedRow>(records.length);
  for (let i = 0; i < records.length; i++) {
    // Read ahead, this runs beside another chunk's statements: it lets their answers in every so often.
    if (i > 0 && i % prepareSliceRows === 0) await new Promise((resolve) => setImmediate(resolve));
    prepared[i] = prepareContactRow(records[i] as CsvRecord, input.firstRow + i, input.plan, defaultCountry);
  }
  return { records, prepared, ...keysOf(prepared), eof, next };
}

/**
 * The next chunk, read ahead, with its lookups made at once on another connection (they then overlap
 * this chunk's writes). A lookup that fails only costs the next chunk a lookup of its own.
 */
async function readContactChunkAhead(
  deps: IngestorDeps,
  batch: BatchRow,
  input: { facts: ImportFileFacts; plan: MappingPlan; offset: number; firstRow: number; knownContacts: number },
  written: Promise<ExistingContact[] | null>,
): Promise<ContactChunk> {
  const chunk = await readContactChunk(deps, batch, input);
  const madeAt = deps.now();
  try {
    const found = await loadLookupsApart(deps.db, batch.tenantId, chunk, madeAt, input.knownContacts);
    return { ...chunk, early: { found, madeAt, written } };
  } catch (error) {
    deps.log.warn('contact import early lookup failed', { importId: batch.id, err: error });
    return chunk;
  }
}

/** Clocks of the processes that run chunks may differ by this much. */
const clockSkewMs = 60_000;

/** Early lookups whose chunk before wrote what it says (awaited outside the transaction: that chunk may still be publishing). */
async function settledEarly(chunk: ContactChunk): Promise<EarlyLookups<ExistingContact[]> | undefined> {
  if (chunk.early === undefined) return undefined;
  const written = await chunk.early.written;
  return written === null ? undefined : { ...chunk.early, written };
}

/**
 * The early lookups brought up to date, if no other contact import of the tenant wrote since they were
 * made (imports of one tenant take turns under its lock, and each stamps its batch row as it writes).
 * Run under this chunk's lock.
 */
async function earlyLookups(tx: Tx, batch: BatchRow, chunk: ContactChunk, early: EarlyLookups<ExistingContact[]> | undefined): Promise<ContactLookups | undefined> {
  if (early === undefined) return undefined;
  const since = new Date(early.madeAt.getTime() - clockSkewMs).toISOString();
  const [other] = await queryRows<{ wrote: boolean }>(
    tx,
    sql`select exists (select 1 from import_batches
                        where tenant_id = ${batch.tenantId} and kind = 'contacts' and id <> ${batch.id} and updated_at >= ${since}::timestamptz) as wrote`,
  );
  if (other?.wrote !== false) return undefined;
  const { dnc, cooldowns } = early.found;
  return { ...indexContacts(withWritten(early.found.contacts, early.written), chunk.phones, chunk.emails), dnc, cooldowns };
}

/** Marks a batch failed (a permanent error: the file vanished, the mapping no longer fits). */
export async function failBatch(db: Db, batchId: string, error: string, now: Date): Promise<void> {
  await db
    .update(importBatches)
    .set({ status: 'failed', error: error.slice(0, 1000), finishedAt: now, updatedAt: now })
    .where(and(eq(importBatches.id, batchId), sql`${importBatches.status} in ('queued', 'running')`));
}

/**
 * Opens a chunk's transaction: tuned for its set-based statements (`tuneImportTransaction`), then locks the batch
 * (and, per tenant, all imports: decisions must not race another import's writes) and checks the fence.
 * Returns the locked batch, or undefined when this chunk is not (or no longer) due.
 */
export async function lockChunk(tx: Tx, batchId: string, tenantId: string, offset: number): Promise<BatchRow | undefined> {
  await tuneImportTransaction(tx);
  await queryRows(tx, sql`select pg_advisory_xact_lock(hashtext(${`import:${tenantId}`}))`);
  const [locked] = await tx.select().from(importBatches).where(eq(importBatches.id, batchId)).for('update').limit(1);
  if (locked === undefined || locked.bytesProcessed !== offset || (locked.status !== 'queued' && locked.status !== 'running')) return undefined;
  return locked;
}

export async function advanceBatch(
  tx: Tx,
  stage: Stage,
  input: { batch: BatchRow; counts: ImportCounts; rows: number; next: number; eof: boolean; chunk: number; now: Date },
): Promise<void> {
  const { batch, now } = input;
  await tx
    .update(importBatches)
    .set({
      counts: input.counts,
      rowsProcessed: batch.rowsProcessed + input.rows,
      bytesProcessed: input.next,
      status: input.eof ? 'done' : 'running',
      rowsTotal: input.eof ? batch.rowsProcessed + input.rows : null,
      finishedAt: input.eof ? now : null,
      updatedAt: now,
    })
    .where(eq(importBatches.id, batch.id));
  if (!input.eof) await stage(chunkMessage(batch.id, input.chunk + 1, input.next, batch.tenantId));
}

export async function processContactChunk(deps: IngestorDeps, data: { batchId: string; chunk: number; offset: number }): Promise<ChunkOutcome> {
  const batch = await loadBatch(deps.db, data.batchId);
  if (batch === undefined) return 'unknown_batch';
  if (batch.bytesProcessed !== data.offset || (batch.status !== 'queued' && batch.status !== 'running')) return 'already_processed';
  const log = deps.log.child({ importId: batch.id, tenantId: batch.tenantId, chunk: data.chunk });
  // bytes_processed and rows_processed advance together, so the fence on the offset also fixes the first row.
  const at = { batchId: batch.id, offset: data.offset, firstRow: batch.rowsProcessed + 1 };
  let facts: ImportFileFacts;
  let plan: MappingPlan;
  let chunk: ContactChunk;
  try {
    facts = factsOf(batch);
    plan = planOrThrow(facts.headers, parseMapping(batch.mapping));
    chunk = await (deps.readAhead.take(at) ?? readContactChunk(deps, batch, { facts, plan, offset: at.offset, firstRow: at.firstRow }));
  } catch (error) {
    if (error instanceof DomainError && !error.retryable) {
      log.error('contact import failed', { err: error });
      await failBatch(deps.db, batch.id, error.message, deps.now());
      return 'failed';
    }
    throw error;
  }
  const { records, prepared, phones, emails, eof, next } = chunk;
  const defaultCountry = batch.defaultCountry ?? 'AU';

  // Tells the chunk read ahead what this one wrote, once that is committed (a promise settles once: the
  // `finally` settles it null if this chunk did not get that far).
  let settleFollowing = (_written: ExistingContact[] | null) => {};
  let wrote: ExistingContact[] | null = null;
  const early = await settledEarly(chunk);
  try {
    const outcome = await withOutbox(
      deps.db,
      deps.queue,
      async (tx, stage): Promise<ChunkOutcome> => {
        const locked = await lockChunk(tx, batch.id, batch.tenantId, data.offset);
        if (locked === undefined) return 'already_processed';
        // Each contact this import created or updated so far is a distinct contact of the tenant.
        const written = countsOf(locked);
        const knownContacts = written.create + written.update;
        if (!eof) {
          const following = { batchId: batch.id, offset: next, firstRow: at.firstRow + records.length };
          const followingWritten = new Promise<ExistingContact[] | null>((resolve) => {
            settleFollowing = resolve;
          });
          deps.readAhead.start(following, () =>
            readContactChunkAhead(deps, batch, { facts, plan, offset: following.offset, firstRow: following.firstRow, knownContacts }, followingWritten),
          );
        }
        const now = deps.now();
        const caughtUp = await earlyLookups(tx, locked, chunk, early);
        const lookups = caughtUp ?? (await loadContactLookups(tx, batch.tenantId, phones, emails, now, { knownContacts }));
        // Claims are per chunk; earlier chunks are seen through the contacts they wrote (last_import_batch_id).
        const decisions = decideContactRows(prepared, lookups, { batchId: batch.id, defaultCountry, claimed: new ClaimedKeys() });
        const idAt = now.getTime();
        // One draw of randomness for the chunk's new ids: a call per id cost ~5 µs a row.
        const entropy = new Uint8Array(randomBytes(10 * records.length));
        let drawn = 0;
        const newContactId = () => newId('contact', idAt, entropy.subarray(10 * drawn, 10 * ++drawn));
        wrote = await writeContactChunk(tx, { tenantId: batch.tenantId, batchId: batch.id, now, decisions, spans: records, newContactId });
        const counts = countDecisions(written, decisions);
        await advanceBatch(tx, stage, { batch: locked, counts, rows: records.length, next, eof, chunk: data.chunk, now });
        log.info('contact import chunk', { rows: records.length, next, eof, earlyLookups: caughtUp !== undefined });
        return eof ? 'finished' : 'processed';
      },
      { log: deps.log, now: deps.now },
    );
    settleFollowing(wrote);
    return outcome;
  } finally {
    settleFollowing(null);
  }
}
