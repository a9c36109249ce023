/**
 * A commit looks up each chunk's keys while the chunk before is still writing, then brings what it found
 * up to date with that chunk's writes (core/imports/contact-lookups.ts). These tests run the same import
 * with and without that, chunk by chunk (nothing delivers the queue's messages here), on a file whose
 * chunks name contacts the chunk before moved or created. On PostgreSQL the early lookup runs beside
 * the writing chunk and sees the contacts from before its writes; on PGlite (one connection) it waits
 * for that chunk's commit and sees them after: both must decide the same.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client';
import { contacts } from '../../db/schema/index';
import { createTestTenant, openTestDatabase } from '../../db/testing';
import { createLocalBlobStore } from '../shared/blobs/local-blob-store';
import { createLogger } from '../shared/log';
import { createLocalQueue } from '../shared/queue/local-queue';
import { ChunkReadAhead } from './chunk-read-ahead';
import { commitContactImport, dryRunContactImport, processContactChunk, type ContactChunk, type IngestorDeps } from './contact-import';
import { loadBatch } from './import-batches';
import { readLineage } from './lineage';

/** As when every delivery lands in another process: no chunk is ever read ahead for it. */
class NoReadAhead extends ChunkReadAhead<ContactChunk> {
  override take(): undefined {
    return undefined;
  }
}

let database: Database;
let dir: string;

beforeAll(async () => {
  database = await openTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'reactor-early-'));
});

afterAll(async () => {
  await database?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function depsWith(readAhead: ChunkReadAhead<ContactChunk>, logged: Record<string, unknown>[]): Promise<IngestorDeps> {
  const db = database.db;
  return {
    db,
    queue: createLocalQueue({ db, publicUrl: 'http://127.0.0.1:1' }),
    blobs: await createLocalBlobStore({ dir: path.join(dir, 'blobs'), publicUrl: 'http://127.0.0.1:1', now: () => new Date() }),
    log: createLogger({ level: 'info', sink: (line) => logged.push(JSON.parse(line) as Record<string, unknown>) }),
    now: () => new Date(),
    random: (n) => new Uint8Array(randomBytes(n)),
    // Three rows a chunk, and no commit worked through inline: each chunk is run below, one by one.
    limits: { chunkRows: 3, inlineBytes: 0 },
    readAhead,
  };
}

async function upload(tenantId: string, lines: string[]): Promise<string> {
  const objectKey = `uploads/${tenantId}/${randomBytes(4).toString('hex')}/contacts.csv`;
  const file = path.join(dir, 'blobs', ...objectKey.split('/'));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, lines.join('\n'));
  return objectKey;
}

const mapping = { phone: 'phone', email: 'email' };

/** Dry-run, commit, then each chunk in turn; `between(n)` runs after chunk n. */
async function importChunkByChunk(deps: IngestorDeps, tenantId: string, objectKey: string, between?: (chunk: number) => Promise<void>): Promise<string> {
  const { importId } = await dryRunContactImport(deps, { tenantId, userId: null, objectKey, mapping });
  await commitContactImport(deps, { tenantId, importId, idempotencyKey: importId });
  for (let chunk = 1; chunk < 100; chunk++) {
    const batch = await loadBatch(deps.db, importId);
    if (batch?.status !== 'queued' && batch?.status !== 'running') break;
    expect(await processContactChunk(deps, { batchId: importId, chunk, offset: batch.bytesProcessed })).toMatch(/processed|finished/);
    await between?.(chunk);
  }
  return importId;
}

/** Three contacts; Ana and Bo share an email, Ana is the older. */
async function tenantWithContacts() {
  const { tenant } = await createTestTenant(database.db);
  // Ids end 1, 2, 3: in this order, oldest first.
  const id = (n: number) => `ctc_01${randomBytes(10).toString('hex').slice(0, 19)}${n}`;
  await database.db.insert(contacts).values([
    { id: id(1), tenantId: tenant.id, phoneE164: '+61400000001', email: 'shared@example.com', firstName: 'Ana', country: 'AU' },
    { id: id(2), tenantId: tenant.id, phoneE164: '+61400000002', email: 'shared@example.com', firstName: 'Bo', country: 'AU' },
    { id: id(3), tenantId: tenant.id, phoneE164: '+61400000003', email: 'cy@example.com', firstName: 'Cy', country: 'AU' },
  ]);
  return tenant;
}

const file = [
  'phone,email',
  // Chunk 1: Ana gets a new email, Cy a new phone, and a contact is created.
  '0400000001,ana@example.com',
  '0400000008,cy@example.com',
  '0400000010,new@example.com',
  // Chunk 2: the shared email now belongs to Bo alone; nobody has Cy's old phone; row 3's phone again.
  '0400000011,shared@example.com',
  '0400000003,',
  '0400000010,other@example.com',
  // Chunk 3.
  '0400000012,',
];

const expected = [
  [1, 'update', 'existing contact with this phone: changes email'],
  [2, 'update', 'existing contact with this email: changes phone +61400000003 → +61400000008'],
  [3, 'create', 'new contact'],
  [4, 'update', 'existing contact with this email: changes phone +61400000002 → +61400000011'],
  [5, 'create', 'new contact'],
  [6, 'duplicate', 'same phone as row 3'],
  [7, 'create', 'new contact'],
];

async function outcome(tenantId: string, importId: string) {
  const lineage = (await readLineage(database.db, importId)).map((r) => [r.rowNumber, r.decision, r.reason]);
  const people = await database.db.select({ phone: contacts.phoneE164, email: contacts.email }).from(contacts).where(eq(contacts.tenantId, tenantId));
  return { lineage, people: people.map((p) => `${p.phone} ${p.email ?? '-'}`).sort() };
}

const earlyFlags = (logged: Record<string, unknown>[]) => logged.filter((l) => l.msg === 'contact import chunk').map((l) => l.earlyLookups);

describe('early lookups of a commit chunk', () => {
  it('decide as a lookup after the chunk before would: moved phones and emails, and contacts it created', async () => {
    const results = [];
    for (const readAhead of [new ChunkReadAhead<ContactChunk>(), new NoReadAhead()]) {
      const logged: Record<string, unknown>[] = [];
      const deps = await depsWith(readAhead, logged);
      const tenant = await tenantWithContacts();
      const importId = await importChunkByChunk(deps, tenant.id, await upload(tenant.id, file));
      const result = await outcome(tenant.id, importId);
      expect(result.lineage).toEqual(expected);
      results.push({ result, early: earlyFlags(logged) });
    }
    const [ahead, fresh] = results;
    expect(ahead?.early).toEqual([false, true, true]);
    expect(fresh?.early).toEqual([false, false, false]);
    expect(ahead?.result.people).toEqual(fresh?.result.people);
    expect(ahead?.result.people).toEqual([
      '+61400000001 ana@example.com',
      '+61400000003 -',
      '+61400000008 cy@example.com',
      '+61400000010 new@example.com',
      '+61400000011 shared@example.com',
      '+61400000012 -',
    ]);
  });

  it('are looked up again when another import of the tenant wrote in between', async () => {
    const logged: Record<string, unknown>[] = [];
    const deps = await depsWith(new ChunkReadAhead<ContactChunk>(), logged);
    const other = await depsWith(new ChunkReadAhead<ContactChunk>(), []);
    const tenant = await tenantWithContacts();
    const objectKey = await upload(tenant.id, file);
    const importId = await importChunkByChunk(deps, tenant.id, objectKey, async (chunk) => {
      // After chunk 1, someone imports the phone of row 5.
      if (chunk === 1) await importChunkByChunk(other, tenant.id, await upload(tenant.id, ['phone,email', '0400000003,late@example.com']));
    });
    // Its batch was stamped within the last minute (the margin for clocks): the rest of this import looks up afresh.
    expect(earlyFlags(logged)).toEqual([false, false, false]);
    const { lineage } = await outcome(tenant.id, importId);
    expect(lineage[4]).toEqual([5, 'update', 'existing contact with this phone: nothing changes']);
  });
});
