/**
 * Ingestor lineage: one `import_batches` row per import (contacts CSV or USBizData file); every data row
 * with its decision and its byte range in the file, so every row of every file is accounted for and
 * `rejected.csv` can give back the original bytes of each rejected row. Rejected rows (the few) get one
 * `import_rows` row each; accepted rows (the many) are written compactly, one `import_row_blocks` row per
 * chunk holding parallel arrays, because a row per accepted CSV row cost as much as the contacts upsert
 * itself (docs/imports.md, "Lineage").
 *
 * Exactly-once: a commit carries the caller's Idempotency-Key (`import_batches_tenant_idempotency_key`),
 * and chunks write their rows keyed by (batch_id, row_number), so a redelivered chunk writes nothing new.
 * `rows_processed` / `bytes_processed` advance in the same transaction as a chunk's rows: they are the
 * resume point after a crash.
 */
import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { country, countryCode, createdAt, e164, instant, oneOf, updatedAt } from './columns';
import { contacts } from './contacts';
import { rawProspects } from './prospects';
import { tenants } from './tenants';
import { users } from './users';

export const importKinds = ['contacts', 'usbizdata'] as const;
export type ImportKind = (typeof importKinds)[number];
/**
 * previewed: a dry-run read the file and wrote decisions, no contact; queued → running → done | failed:
 * the commit (or a USBizData ingestion) working through its chunks.
 */
export const importStatuses = ['previewed', 'queued', 'running', 'done', 'failed'] as const;
export type ImportStatus = (typeof importStatuses)[number];
export const importDecisions = [
  'create',
  'update',
  'duplicate',
  'invalid_phone',
  'invalid_row',
  'dnc',
  'suppressed_by_cooldown',
] as const;
export type ImportDecision = (typeof importDecisions)[number];

export const importBatches = pgTable(
  'import_batches',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    kind: text('kind', { enum: importKinds }).notNull(),
    status: text('status', { enum: importStatuses }).notNull(),
    filename: text('filename'),
    /** Where the file is in the blob store (Spaces / local folder). */
    objectKey: text('object_key'),
    /** CSV header → field, as confirmed by the person; also the suggestion for this tenant's next import. */
    mapping: jsonb('mapping').$type<Record<string, string>>().notNull().default({}),
    /**
     * How the file is written, found by the dry-run and reused by every chunk: encoding, delimiter, BOM,
     * line ending, the header names and the byte range of the header record (shape: ImportFileFormat in
     * functions/import-chunk/import-batches.ts).
     */
    format: jsonb('format').$type<Record<string, unknown>>(),
    /** The first 50 decisions of the dry-run (the preview), so the admin can show it again. */
    preview: jsonb('preview').$type<Record<string, unknown>[]>().notNull().default([]),
    defaultCountry: countryCode('default_country'),
    idempotencyKey: text('idempotency_key'),
    /** Counts per decision, e.g. `{rows, create, update, duplicate, …}`. */
    counts: jsonb('counts').$type<Record<string, number>>().notNull().default({}),
    rowsTotal: integer('rows_total'),
    rowsProcessed: integer('rows_processed').notNull().default(0),
    bytesTotal: bigint('bytes_total', { mode: 'number' }),
    bytesProcessed: bigint('bytes_processed', { mode: 'number' }).notNull().default(0),
    correlationId: text('correlation_id'),
    createdBy: text('created_by').references(() => users.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    startedAt: instant('started_at'),
    finishedAt: instant('finished_at'),
    error: text('error'),
  },
  (t) => [
    /*
     * Only commits carry a key; dry-runs have none. Rows without a key never collide (NULLs are distinct
     * in a unique index), so the index needs no `where` — and without one, `ON CONFLICT (tenant_id,
     * idempotency_key)` can name it directly.
     */
    uniqueIndex('import_batches_tenant_idempotency_key').on(t.tenantId, t.idempotencyKey),
    index('import_batches_tenant_created_idx').on(t.tenantId, t.kind, t.createdAt),
    oneOf('import_batches_kind_check', t.kind, importKinds),
    oneOf('import_batches_status_check', t.status, importStatuses),
    check('import_batches_country_check', sql`${t.defaultCountry} is null or ${country(t.defaultCountry)}`),
    check(
      'import_batches_progress_check',
      sql`${t.rowsProcessed} >= 0 and ${t.bytesProcessed} >= 0 and (${t.rowsTotal} is null or ${t.rowsTotal} >= 0) and (${t.bytesTotal} is null or ${t.bytesTotal} >= 0)`,
    ),
  ],
);

export const importRows = pgTable(
  'import_rows',
  {
    batchId: text('batch_id')
      .notNull()
      .references(() => importBatches.id, { onDelete: 'cascade' }),
    /** 1-based data row number in the file (the header is not counted). */
    rowNumber: integer('row_number').notNull(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    decision: text('decision', { enum: importDecisions }).notNull(),
    /** A sentence a person understands, e.g. "already on the do-not-contact list". */
    reason: text('reason'),
    phoneE164: text('phone_e164'),
    contactId: text('contact_id').references(() => contacts.id),
    prospectId: text('prospect_id').references(() => rawProspects.id),
    /**
     * Where the row is in the uploaded file: bytes [byte_start, byte_end), line ending excluded.
     * rejected.csv reads them back from the blob store, so it gives each row back byte for byte in the
     * file's own encoding, and a million-row import does not store its file a second time here.
     */
    byteStart: bigint('byte_start', { mode: 'number' }).notNull(),
    byteEnd: bigint('byte_end', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'import_rows_pkey', columns: [t.batchId, t.rowNumber] }),
    /* rejected.csv: the few rejected rows of a batch, in file order, without scanning its accepted ones. */
    index('import_rows_rejected_idx')
      .on(t.batchId, t.rowNumber)
      .where(sql`${t.decision} not in ('create', 'update')`),
    check('import_rows_bytes_check', sql`${t.byteStart} >= 0 and ${t.byteEnd} >= ${t.byteStart}`),
    oneOf('import_rows_decision_check', t.decision, importDecisions),
    check('import_rows_row_number_check', sql`${t.rowNumber} >= 1`),
    check('import_rows_phone_check', sql`${t.phoneE164} is null or ${e164(t.phoneE164)}`),
  ],
);

/**
 * The accepted rows (`create`, `update`) of one chunk: element i of every array describes one row. Read
 * them back row by row with `unnest(row_numbers, decisions, …)` (functions/import-chunk/lineage.ts). No
 * foreign key to contacts or prospects: a contact stays deletable, and the ids are a record of what the
 * import did, not a live link. The arrays are lz4-compressed where the server has lz4 (migration 0002:
 * half the write time of pglz).
 */
export const importRowBlocks = pgTable(
  'import_row_blocks',
  {
    batchId: text('batch_id')
      .notNull()
      .references(() => importBatches.id, { onDelete: 'cascade' }),
    /** The chunk's first data row number: with the batch, what makes a redelivered chunk write nothing. */
    firstRow: integer('first_row').notNull(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    rowNumbers: integer('row_numbers').array().notNull(),
    decisions: text('decisions', { enum: importDecisions }).array().notNull(),
    reasons: text('reasons').array().notNull(),
    phones: text('phones').array().notNull(),
    /** The contact (contact imports) or raw prospect (USBizData) each row created or updated. */
    recordIds: text('record_ids').array().notNull(),
    byteStarts: bigint('byte_starts', { mode: 'number' }).array().notNull(),
    byteEnds: bigint('byte_ends', { mode: 'number' }).array().notNull(),
  },
  (t) => [
    primaryKey({ name: 'import_row_blocks_pkey', columns: [t.batchId, t.firstRow] }),
    check(
      'import_row_blocks_arrays_check',
      sql`cardinality(${t.rowNumbers}) = cardinality(${t.decisions}) and cardinality(${t.rowNumbers}) = cardinality(${t.reasons})
          and cardinality(${t.rowNumbers}) = cardinality(${t.phones}) and cardinality(${t.rowNumbers}) = cardinality(${t.recordIds})
          and cardinality(${t.rowNumbers}) = cardinality(${t.byteStarts}) and cardinality(${t.rowNumbers}) = cardinality(${t.byteEnds})`,
    ),
    check('import_row_blocks_decisions_check', sql`${t.decisions} <@ array['create', 'update']::text[]`),
  ],
);
