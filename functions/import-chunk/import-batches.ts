/**
 * Import batches as the Ingestor reads and shows them: loading (always by tenant, except for a signed
 * queue delivery, which names its batch), the file facts stored with a batch, and the summary the API
 * returns (status, counts, progress, who, timings).
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { DomainError } from '../../core/errors';
import { emptyCounts, type ImportCounts } from '../../core/imports/decide-contact-rows';
import type { Db, Tx } from '../../db/client';
import { importBatches } from '../../db/schema/index';
import type { ImportFileFacts } from './import-file';

export type BatchRow = typeof importBatches.$inferSelect;

const factsSchema = z.object({
  encoding: z.enum(['utf-8', 'windows-1252']),
  delimiter: z.enum([',', ';', '\t']),
  bom: z.boolean(),
  lineEnding: z.enum(['\r\n', '\n', '\r']),
  headers: z.array(z.string()),
  headerStart: z.number().int().min(0),
  headerEnd: z.number().int().min(0),
  dataStart: z.number().int().min(0),
  size: z.number().int().min(0),
  dryRunMs: z.number().optional(),
});

export function factsOf(batch: BatchRow): ImportFileFacts {
  const parsed = factsSchema.safeParse(batch.format);
  if (!parsed.success) throw new DomainError('conflict', 'This import has no readable file facts (its dry-run did not finish).');
  return parsed.data;
}

export async function loadBatch(db: Db | Tx, id: string, tenantId?: string): Promise<BatchRow | undefined> {
  const where = tenantId === undefined ? eq(importBatches.id, id) : and(eq(importBatches.id, id), eq(importBatches.tenantId, tenantId));
  const [row] = await db.select().from(importBatches).where(where).limit(1);
  return row;
}

export type PreviewDecision = { row: number; decision: string; reason: string; phoneE164?: string };

export function countsOf(batch: BatchRow): ImportCounts {
  const counts = emptyCounts();
  for (const key of Object.keys(counts) as (keyof ImportCounts)[]) {
    const v = batch.counts[key];
    if (typeof v === 'number') counts[key] = v;
  }
  return counts;
}

export type ImportSummary = {
  importId: string;
  kind: BatchRow['kind'];
  status: BatchRow['status'];
  filename: string | null;
  objectKey: string | null;
  defaultCountry: string | null;
  mapping: Record<string, string>;
  headers: string[];
  counts: ImportCounts;
  progress: { rowsProcessed: number; rowsTotal: number | null; bytesProcessed: number; bytesTotal: number | null; percent: number };
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  timings: { dryRunMs: number | null; runMs: number | null };
  error: string | null;
};

export function importSummary(batch: BatchRow): ImportSummary {
  const facts = factsSchema.safeParse(batch.format);
  const dataStart = facts.success ? facts.data.dataStart : 0;
  const total = batch.bytesTotal ?? null;
  const committed = batch.status !== 'previewed';
  // Progress counts the data bytes only, so the header does not show as work done.
  const percent =
    !committed ? 0 : batch.status === 'done' ? 100 : total === null || total <= dataStart ? 0 : Math.min(99, Math.floor(((batch.bytesProcessed - dataStart) / (total - dataStart)) * 100));
  return {
    importId: batch.id,
    kind: batch.kind,
    status: batch.status,
    filename: batch.filename,
    objectKey: batch.objectKey,
    defaultCountry: batch.defaultCountry,
    mapping: batch.mapping,
    headers: facts.success ? facts.data.headers : [],
    counts: countsOf(batch),
    progress: { rowsProcessed: batch.rowsProcessed, rowsTotal: batch.rowsTotal, bytesProcessed: Math.max(0, batch.bytesProcessed - (committed ? dataStart : 0)), bytesTotal: total === null ? null : Math.max(0, total - dataStart), percent: Math.max(0, percent) },
    createdBy: batch.createdBy,
    createdAt: batch.createdAt.toISOString(),
    startedAt: batch.startedAt?.toISOString() ?? null,
    finishedAt: batch.finishedAt?.toISOString() ?? null,
    timings: {
      dryRunMs: facts.success ? (facts.data.dryRunMs ?? null) : null,
      runMs: batch.startedAt && batch.finishedAt && committed ? batch.finishedAt.getTime() - batch.startedAt.getTime() : null,
    },
    error: batch.error,
  };
}

/** Uploads live under `uploads/<tenant>/…`: a tenant may only import its own files. */
export function assertOwnObjectKey(tenantId: string, objectKey: string): void {
  if (!objectKey.startsWith(`uploads/${tenantId}/`)) throw new DomainError('not_found', 'No uploaded file under that object key. Upload it first (POST /api/uploads).');
}

export function uploadKeyFor(tenantId: string, token: string, filename: string): string {
  const safe = filename.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._-]+/, '').slice(-100) || 'upload.csv';
  return `uploads/${tenantId}/${token}/${safe}`;
}
