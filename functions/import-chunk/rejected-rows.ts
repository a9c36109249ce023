/**
 * rejected.csv, streamed: the header record and every rejected row of a batch, each cut out of the
 * uploaded file by its byte range (import_rows.byte_start/byte_end) and followed by its decision and
 * reason (core/imports/rejected-csv.ts). Rows are paged from the database in file order and the file
 * is read in ranges that follow them, so neither the rows nor the file are ever held whole.
 */
import { and, asc, eq, gt, notInArray } from 'drizzle-orm';
import { rejectedCsvHeader, rejectedCsvLine } from '../../core/imports/rejected-csv';
import { readBytes, type BlobStore } from '../../core/ports/blob-store';
import type { Db } from '../../db/client';
import { importRows } from '../../db/schema/index';
import { factsOf, type BatchRow } from './import-batches';

const pageSize = 1000;

type RejectedRow = { rowNumber: number; decision: string; reason: string | null; byteStart: number; byteEnd: number };

export async function* rejectedCsv(db: Db, blobs: BlobStore, batch: BatchRow): AsyncGenerator<Uint8Array> {
  const facts = factsOf(batch);
  const key = batch.objectKey ?? '';
  const headerCount = facts.headers.length;
  yield rejectedCsvHeader(facts, await readBytes(blobs, key, { start: facts.headerStart, end: facts.headerEnd }));
  let after = 0;
  for (;;) {
    const page: RejectedRow[] = await db
      .select({ rowNumber: importRows.rowNumber, decision: importRows.decision, reason: importRows.reason, byteStart: importRows.byteStart, byteEnd: importRows.byteEnd })
      .from(importRows)
      .where(and(eq(importRows.batchId, batch.id), eq(importRows.tenantId, batch.tenantId), gt(importRows.rowNumber, after), notInArray(importRows.decision, ['create', 'update'])))
      .orderBy(asc(importRows.rowNumber))
      .limit(pageSize);
    if (page.length === 0) return;
    after = (page.at(-1) as RejectedRow).rowNumber;
    // One ranged read per page, from its first row to its last; rows are cut out as the bytes stream by.
    const first = (page[0] as RejectedRow).byteStart;
    const last = Math.max(...page.map((r) => r.byteEnd));
    let index = 0;
    let parts: Uint8Array[] = [];
    let position = first;
    const lineOf = (row: RejectedRow, bytes: Uint8Array) => rejectedCsvLine(facts, bytes, headerCount, row.decision, row.reason ?? '');
    for await (const piece of await blobs.read(key, { start: first, end: last })) {
      const pieceStart = position;
      const pieceEnd = position + piece.length;
      position = pieceEnd;
      while (index < page.length) {
        const row = page[index] as RejectedRow;
        if (row.byteStart >= pieceEnd) break;
        const from = Math.max(row.byteStart, pieceStart);
        const to = Math.min(row.byteEnd, pieceEnd);
        if (to > from) parts.push(piece.subarray(from - pieceStart, to - pieceStart));
        if (row.byteEnd > pieceEnd) break;
        yield lineOf(row, concat(parts));
        parts = [];
        index += 1;
      }
    }
    // Empty rows (byte_end = byte_start) at the very end of the span.
    for (; index < page.length; index++) yield lineOf(page[index] as RejectedRow, concat(parts.splice(0)));
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return Uint8Array.from(parts[0] as Uint8Array);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
