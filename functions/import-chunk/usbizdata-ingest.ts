/**
 * USBizData ingestion (the lead supply chain): a business list in the blob store is streamed through
 * `import-chunk`, chunk by chunk, into `raw_prospects`, upserting on a stable source key
 * (core/imports/usbizdata.ts). Same exactly-once scheme as contact commits (contact-import.ts): a
 * byte-offset fence under the batch row's lock, rows and progress in one transaction with the next
 * chunk's message.
 *
 * Decisions per row: `create` (a new source key), `update` (a prospect of an earlier file), `duplicate`
 * (a row of this file already wrote that key), `invalid_row` (neither company nor contact name). A
 * phone that is not a valid number is kept as given, with `phone_e164` null.
 */
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { DomainError } from '../../core/errors';
import { newId } from '../../core/ids';
import type { CsvRecord } from '../../core/imports/csv-reader';
import { countDecisions, emptyCounts, type ContactDecision } from '../../core/imports/decide-contact-rows';
import { prepareProspect, suggestUsbizdataMapping, usbizdataMappingSchema, type UsbizdataField, type UsbizdataMapping } from '../../core/imports/usbizdata';
import { importChunkDedupeId, importChunkMessage } from '../../core/queue/import-chunk-message';
import { textArrayLiteral } from '../../db/array-literals';
import { queryRows } from '../../db/client';
import { importBatches, tenants } from '../../db/schema/index';
import { withOutbox } from '../shared/queue/outbox';
import { writeLineage, type LineageDecision } from './contact-sql';
import { advanceBatch, defaultLimits, failBatch, lockChunk, type ChunkOutcome, type IngestorDeps } from './contact-import';
import { assertOwnObjectKey, countsOf, factsOf, loadBatch } from './import-batches';
import { inspectFile, readRecords } from './import-file';

function columnsOf(headers: readonly string[], mapping: UsbizdataMapping): Partial<Record<UsbizdataField, number>> {
  const columns: Partial<Record<UsbizdataField, number>> = {};
  for (const [header, field] of Object.entries(mapping)) {
    const index = headers.indexOf(header);
    if (index < 0) throw new DomainError('validation_failed', `The mapping names a column the file does not have: ${header}.`, { details: { headers } });
    columns[field] = index;
  }
  if (columns.company === undefined && columns.contact_name === undefined && columns.first_name === undefined) {
    throw new DomainError('validation_failed', 'Map a column to company (or to the contact name): it identifies each prospect.', { details: { headers } });
  }
  return columns;
}

export async function startUsbizdataIngest(
  deps: IngestorDeps,
  input: { tenantId: string; userId: string | null; objectKey: string; mapping?: unknown },
): Promise<{ batchId: string; mapping: UsbizdataMapping }> {
  assertOwnObjectKey(input.tenantId, input.objectKey);
  const { facts } = await inspectFile(deps.blobs, input.objectKey);
  let mapping: UsbizdataMapping;
  if (input.mapping === undefined) {
    mapping = suggestUsbizdataMapping(facts.headers);
  } else {
    const parsed = usbizdataMappingSchema.safeParse(input.mapping);
    if (!parsed.success) throw new DomainError('validation_failed', 'The mapping is not valid.', { details: parsed.error.issues });
    mapping = parsed.data;
  }
  columnsOf(facts.headers, mapping);
  const now = deps.now();
  const batchId = newId('importBatch', now.getTime(), deps.random(10));
  await withOutbox(
    deps.db,
    deps.queue,
    async (tx, stage) => {
      await tx.insert(importBatches).values({
        id: batchId,
        tenantId: input.tenantId,
        kind: 'usbizdata',
        status: 'queued',
        filename: input.objectKey.split('/').at(-1) ?? null,
        objectKey: input.objectKey,
        mapping,
        format: facts,
        counts: emptyCounts(),
        bytesTotal: facts.size,
        bytesProcessed: facts.dataStart,
        correlationId: batchId,
        createdBy: input.userId,
        createdAt: now,
        updatedAt: now,
        startedAt: now,
      });
      await stage({
        destination: 'import-chunk',
        body: importChunkMessage.envelope({ batchId, chunk: 1, offset: facts.dataStart }),
        dedupeId: importChunkDedupeId(batchId, 1),
        correlationId: batchId,
        tenantId: input.tenantId,
      });
    },
    { log: deps.log, now: deps.now },
  );
  deps.log.info('usbizdata ingestion queued', { importId: batchId, tenantId: input.tenantId, bytes: facts.size });
  return { batchId, mapping };
}

export async function processUsbizdataChunk(deps: IngestorDeps, data: { batchId: string; chunk: number; offset: number }): Promise<ChunkOutcome> {
  const batch = await loadBatch(deps.db, data.batchId);
  if (batch === undefined) return 'unknown_batch';
  if (batch.bytesProcessed !== data.offset || (batch.status !== 'queued' && batch.status !== 'running')) return 'already_processed';
  const log = deps.log.child({ importId: batch.id, tenantId: batch.tenantId, chunk: data.chunk });
  const chunkRows = deps.limits?.chunkRows ?? defaultLimits.chunkRows;
  const records: CsvRecord[] = [];
  let eof = true;
  let next: number;
  let columns: Partial<Record<UsbizdataField, number>>;
  try {
    const facts = factsOf(batch);
    columns = columnsOf(facts.headers, usbizdataMappingSchema.parse(batch.mapping));
    outer: for await (const piece of readRecords(deps.blobs, batch.objectKey ?? '', { ...facts, offset: data.offset, size: facts.size })) {
      for (const r of piece) {
        records.push(r);
        if (records.length >= chunkRows) {
          eof = false;
          break outer;
        }
      }
    }
    next = eof ? facts.size : (records.at(-1)?.next ?? data.offset);
  } catch (error) {
    if (error instanceof DomainError && !error.retryable) {
      log.error('usbizdata ingestion failed', { err: error });
      await failBatch(deps.db, batch.id, error.message, deps.now());
      return 'failed';
    }
    throw error;
  }
  const [tenant] = await deps.db.select().from(tenants).where(eq(tenants.id, batch.tenantId)).limit(1);
  const rule = { revenueUsd: tenant?.highValueRevenueUsd ?? 1_000_000, titles: tenant?.highValueTitles ?? [] };

  return withOutbox(
    deps.db,
    deps.queue,
    async (tx, stage): Promise<ChunkOutcome> => {
      const locked = await lockChunk(tx, batch.id, batch.tenantId, data.offset);
      if (locked === undefined) return 'already_processed';
      const now = deps.now();
      const prepared = records.map((r, i) => prepareProspect(r, locked.rowsProcessed + i + 1, columns, rule));
      const keys = new Set<string>();
      for (const p of prepared) if (p.ok) keys.add(p.draft.sourceKey);
      const existing = new Map<string, string | null>();
      if (keys.size > 0) {
        const rows = await queryRows<{ source_key: string; import_batch_id: string | null }>(
          tx,
          sql`select source_key, import_batch_id from raw_prospects where tenant_id = ${batch.tenantId} and source_key = any(${textArrayLiteral(keys)}::text[])`,
        );
        for (const r of rows) existing.set(r.source_key, r.import_batch_id);
      }
      const seen = new Map<string, number>();
      const decisions: LineageDecision[] = [];
      // recordIds[i]: the prospect decisions[i] wrote (set once the upsert returns).
      const recordIds = new Array<string | null>(prepared.length).fill(null);
      const upserts: Record<string, unknown>[] = [];
      // upsertAt[k]: the decision upserts[k] belongs to.
      const upsertAt: number[] = [];
      prepared.forEach((p, i) => {
        if (!p.ok) {
          decisions.push({ row: p.row, decision: 'invalid_row', reason: p.reason });
          return;
        }
        const d = p.draft;
        const earlier = seen.get(d.sourceKey);
        if (earlier !== undefined) {
          decisions.push({ row: p.row, decision: 'duplicate', reason: `same business as row ${earlier}` });
          return;
        }
        if (existing.has(d.sourceKey) && existing.get(d.sourceKey) === batch.id) {
          decisions.push({ row: p.row, decision: 'duplicate', reason: 'same business as an earlier row of this file' });
          return;
        }
        seen.set(d.sourceKey, p.row);
        const decision: ContactDecision = existing.has(d.sourceKey) ? 'update' : 'create';
        const reason = `${decision === 'create' ? 'new prospect' : 'prospect already known: updated'}${d.highValue ? ' (high value)' : ''}`;
        decisions.push({ row: p.row, decision, reason, ...(d.phoneE164 ? { phoneE164: d.phoneE164 } : {}) });
        upserts.push({ id: newId('prospect', now.getTime(), randomBytes(10)), ...d, row: p.row });
        upsertAt.push(i);
      });
      if (upserts.length > 0) {
        const rows = await queryRows<{ id: string; source_key: string }>(
          tx,
          sql`insert into raw_prospects (id, tenant_id, source_key, company, contact_name, title, address, city, state, zip, phone, phone_e164, email,
                                         website, sic_code, sic_description, revenue_usd, revenue_text, employees, employees_text, high_value,
                                         import_batch_id, created_at, updated_at)
              select r.id, ${batch.tenantId}, r."sourceKey", r.company, r."contactName", r.title, r.address, r.city, r.state, r.zip, r.phone,
                     r."phoneE164", r.email, r.website, r."sicCode", r."sicDescription", r."revenueUsd", r."revenueText", r.employees,
                     r."employeesText", r."highValue", ${batch.id}, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
                from json_to_recordset(${JSON.stringify(upserts)}::json) as r(
                     id text, "sourceKey" text, company text, "contactName" text, title text, address text, city text, state text, zip text,
                     phone text, "phoneE164" text, email text, website text, "sicCode" text, "sicDescription" text, "revenueUsd" bigint,
                     "revenueText" text, employees int, "employeesText" text, "highValue" boolean)
              on conflict (tenant_id, source_key) do update set
                     company = coalesce(excluded.company, raw_prospects.company), contact_name = coalesce(excluded.contact_name, raw_prospects.contact_name),
                     title = coalesce(excluded.title, raw_prospects.title), address = coalesce(excluded.address, raw_prospects.address),
                     city = coalesce(excluded.city, raw_prospects.city), state = coalesce(excluded.state, raw_prospects.state),
                     zip = coalesce(excluded.zip, raw_prospects.zip), phone = coalesce(excluded.phone, raw_prospects.phone),
                     phone_e164 = coalesce(excluded.phone_e164, raw_prospects.phone_e164), email = coalesce(excluded.email, raw_prospects.email),
                     website = coalesce(excluded.website, raw_prospects.website), sic_code = coalesce(excluded.sic_code, raw_prospects.sic_code),
                     sic_description = coalesce(excluded.sic_description, raw_prospects.sic_description),
                     revenue_usd = coalesce(excluded.revenue_usd, raw_prospects.revenue_usd), revenue_text = coalesce(excluded.revenue_text, raw_prospects.revenue_text),
                     employees = coalesce(excluded.employees, raw_prospects.employees), employees_text = coalesce(excluded.employees_text, raw_prospects.employees_text),
                     high_value = excluded.high_value, import_batch_id = excluded.import_batch_id, updated_at = excluded.updated_at
              returning id, source_key`,
        );
        const idByKey = new Map(rows.map((r) => [r.source_key, r.id]));
        upserts.forEach((u, k) => {
          const id = idByKey.get(u.sourceKey as string);
          if (id !== undefined) recordIds[upsertAt[k] as number] = id;
        });
      }
      await writeLineage(tx, { tenantId: batch.tenantId, batchId: batch.id, decisions, spans: records, recordIds });
      const counts = countDecisions(countsOf(locked), decisions);
      await advanceBatch(tx, stage, { batch: locked, counts, rows: records.length, next, eof, chunk: data.chunk, now });
      log.info('usbizdata chunk', { rows: records.length, next, eof });
      return eof ? 'finished' : 'processed';
    },
    { log: deps.log, now: deps.now },
  );
}
