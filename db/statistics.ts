/**
 * The planner's statistics after a bulk write. PostgreSQL's autovacuum analyzes a table once enough of
 * it changed (within a minute or so); PGlite runs single-user with no autovacuum, so a table that just
 * grew by a campaign's jobs keeps the statistics of when it was small until the cron tick's vacuum
 * (every five minutes), and the sender's claims are planned for that small table meanwhile. Measured on
 * PGlite: 100,000 jobs went out in 115.5 s with the table analyzed after the enqueue, 126.1 s without
 * (docs/campaigns.md, "Sending throughput").
 */
import { sql } from 'drizzle-orm';
import type { Database } from './client';

/** Tables a bulk write refreshes; the names are spelled here, never taken from input. */
const tables = { send_jobs: sql.raw('send_jobs') } as const;

/** A bulk write smaller than this changes a table's shape too little to matter. */
export const analyzeFromRows = 1_000;

/**
 * Analyzes `table` after a write of `rows` rows, on the embedded database only (PostgreSQL's autovacuum
 * does it there). Returns whether it ran. Run it after the write committed: ANALYZE inside the writing
 * transaction would hold its lock longer and sample rows nobody else can see yet.
 */
export async function analyzeAfterBulkWrite(database: Pick<Database, 'db' | 'kind'>, table: keyof typeof tables, rows: number): Promise<boolean> {
  if (database.kind !== 'pglite' || rows < analyzeFromRows) return false;
  await database.db.execute(sql`analyze ${tables[table]}`);
  return true;
}
