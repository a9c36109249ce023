/**
 * A contact import survives `kill -9`: a real `npm start` child process commits a file of ~30,000 rows
 * in chunks of 1,000; we kill it hard twice mid-import, restart it on the same DATA_DIR and port, and
 * the import finishes with exactly the counts of an uninterrupted run (the dry-run's: the same decision
 * function over the same data), every row decided once, every contact written once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, type DatabaseTarget } from '../../db/client';
import { createThrowawayDatabase } from '../../db/testing';
import { signIn } from '../../scripts/testing/sign-in';
import { countLineage } from './lineage';
import { freePort, spawnStack, type SpawnedStack } from '../../scripts/testing/spawn-stack';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function databaseFor(dataDir: string): Promise<{ env: Record<string, string>; target: DatabaseTarget }> {
  const url = process.env.DATABASE_URL?.trim();
  if (!url) return { env: { DATABASE_URL: '' }, target: { kind: 'pglite', dir: path.join(dataDir, 'pglite') } };
  const throwaway = await createThrowawayDatabase(url, 'rr_crash');
  cleanups.push(() => throwaway.drop());
  return { env: { DATABASE_URL: throwaway.url }, target: { kind: 'postgres', url: throwaway.url } };
}

type Summary = { status: string; counts: Record<string, number>; progress: { rowsProcessed: number } };

function file(rows: number): Uint8Array {
  const lines = ['phone,email,first_name'];
  for (let i = 0; i < rows; i++) {
    if (i % 997 === 5) lines.push(`not-a-number-${i},,x`);
    else lines.push(`04${90_000_000 + i},person${i % 20_000}@example.com,P${i}`);
  }
  return new TextEncoder().encode(lines.join('\n'));
}

describe('contact import crash recovery', () => {
  it(
    'finishes an import interrupted by kill -9 with the counts of an uninterrupted run',
    async () => {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reactor-import-crash-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      const { env, target } = await databaseFor(dataDir);
      const port = await freePort();
      const edgePort = await freePort();
      const spawn = () => spawnStack({ dataDir, env: { ...env, IMPORT_CHUNK_ROWS: '1000' }, port, edgePort, readyTimeoutMs: 90_000 });

      let stack: SpawnedStack = await spawn();
      cleanups.push(async () => void (await stack.stop()));
      const session = await signIn(stack.url, 'admin@reactor.local');
      const api = (pathname: string, init: { json?: unknown; headers?: Record<string, string> } = {}) =>
        fetch(`${stack.url}${pathname}`, {
          method: init.json === undefined ? 'GET' : 'POST',
          headers: { ...session.headers(), ...(init.json === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
          body: init.json === undefined ? undefined : JSON.stringify(init.json),
        });

      const bytes = file(30_000);
      const upload = (await (await api('/api/uploads', { json: { filename: 'crash.csv', size: bytes.length, contentType: 'text/csv' } })).json()) as {
        objectKey: string;
        uploadUrl: string;
        headers: Record<string, string>;
      };
      expect((await fetch(upload.uploadUrl, { method: 'PUT', headers: upload.headers, body: new Blob([new Uint8Array(bytes)]) })).status).toBe(200);
      const preview = (await (await api('/api/imports/contacts/dry-run', { json: { objectKey: upload.objectKey } })).json()) as { importId: string; counts: Record<string, number> };
      expect(preview.counts).toMatchObject({ rows: 30_000, invalid_phone: 31 });
      expect(preview.counts.duplicate).toBeGreaterThan(9_000);
      const { importId } = preview;

      const committed = await api('/api/imports/contacts/commit', { json: { importId }, headers: { 'idempotency-key': `crash-${importId}` } });
      expect(committed.status).toBe(200);

      const summary = async (): Promise<Summary> => (await (await api(`/api/imports/${importId}`)).json()) as Summary;
      const waitRows = async (atLeast: number) => {
        const deadline = Date.now() + 120_000;
        for (;;) {
          const s = await summary();
          if (s.progress.rowsProcessed >= atLeast || s.status === 'done') return s;
          if (Date.now() > deadline) throw new Error(`import stuck at ${s.progress.rowsProcessed} rows (${s.status}):\n${stack.output().slice(-3000)}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };

      for (const killAt of [4_000, 15_000]) {
        const before = await waitRows(killAt);
        expect(before.status).not.toBe('done');
        await stack.kill9();
        stack = await spawn();
      }
      const deadline = Date.now() + 180_000;
      let final = await summary();
      while (final.status !== 'done' && final.status !== 'failed' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        final = await summary();
      }
      expect(final.status).toBe('done');
      expect(final.counts).toEqual(preview.counts);
      await stack.stop();

      // Every row decided once, every contact written once.
      const database = await openDatabase(target);
      try {
        const lineage = await countLineage(database.db, importId);
        const [written] = await queryRows<{ contacts: number }>(database.db, sql`select count(*)::int as contacts from contacts where last_import_batch_id = ${importId}`);
        expect({ ...lineage, contacts: written?.contacts }).toEqual({ rows: 30_000, distinctRows: 30_000, contacts: (preview.counts.create ?? 0) + (preview.counts.update ?? 0) });
      } finally {
        await database.close();
      }
    },
    420_000,
  );
});
