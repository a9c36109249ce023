/**
 * Reading an import's lineage back row by row, whichever way it was written: rejected rows from
 * `import_rows`, accepted rows unpacked from the arrays of `import_row_blocks` (contact-sql.ts,
 * writeLineage). In file order.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { importDecisions } from '../../db/schema/index';
import { queryRows, type Db, type Tx } from '../../db/client';

const lineageRow = z.object({
  row_number: z.number().int(),
  decision: z.enum(importDecisions),
  reason: z.string().nullable(),
  phone_e164: z.string().nullable(),
  record_id: z.string().nullable(),
  byte_start: z.coerce.number(),
  byte_end: z.coerce.number(),
});

export type LineageRow = {
  rowNumber: number;
  decision: (typeof importDecisions)[number];
  reason: string | null;
  phoneE164: string | null;
  /** The contact (or raw prospect) the row created or updated; null for a rejected row. */
  recordId: string | null;
  byteStart: number;
  byteEnd: number;
};

/** Rows `fromRow` ≤ row_number ≤ `toRow` of a batch's lineage (all by default). */
export async function readLineage(db: Db | Tx, batchId: string, range: { fromRow?: number; toRow?: number } = {}): Promise<LineageRow[]> {
  const from = range.fromRow ?? 1;
  const to = range.toRow ?? 2_147_483_647;
  const rows = await queryRows(
    db,
    sql`select row_number, decision, reason, phone_e164, coalesce(contact_id, prospect_id) as record_id, byte_start, byte_end
          from import_rows
         where batch_id = ${batchId} and row_number between ${from} and ${to}
        union all
        select u.row_number, u.decision, u.reason, u.phone_e164, u.record_id, u.byte_start, u.byte_end
          from import_row_blocks b,
               unnest(b.row_numbers, b.decisions, b.reasons, b.phones, b.record_ids, b.byte_starts, b.byte_ends)
                 as u(row_number, decision, reason, phone_e164, record_id, byte_start, byte_end)
         where b.batch_id = ${batchId} and u.row_number between ${from} and ${to}
        order by row_number`,
  );
  return rows.map((raw) => {
    const r = lineageRow.parse(raw);
    return { rowNumber: r.row_number, decision: r.decision, reason: r.reason, phoneE164: r.phone_e164, recordId: r.record_id, byteStart: r.byte_start, byteEnd: r.byte_end };
  });
}

/** How many lineage rows a batch has, and how many distinct row numbers (equal when no row was written twice). */
export async function countLineage(db: Db | Tx, batchId: string): Promise<{ rows: number; distinctRows: number }> {
  const [counts] = await queryRows<{ rows: number; distinct_rows: number }>(
    db,
    sql`select count(*)::int as rows, count(distinct row_number)::int as distinct_rows
          from (select row_number from import_rows where batch_id = ${batchId}
                union all
                select unnest(row_numbers) from import_row_blocks where batch_id = ${batchId}) l`,
  );
  return { rows: counts?.rows ?? 0, distinctRows: counts?.distinct_rows ?? 0 };
}
