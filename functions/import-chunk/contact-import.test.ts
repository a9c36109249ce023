import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client';
import { testId } from '../../db/testing';
import { contacts, doNotContact, suppressionRules } from '../../db/schema/index';
import { readCsv } from '../../core/imports/csv-reader';
import { countLineage, readLineage } from './lineage';
import { startIngestHarness, type IngestHarness } from './testing/ingest-harness';

const enc = new TextEncoder();

/**
 * The messy file: a BOM, CRLF, semicolons, quoted delimiters and line breaks, AU/US/UK numbers written
 * several ways, duplicates by phone and by email, numbers on the DNC list, one in a cooldown, a blank
 * line, a short row, a row with too many values and a quote that never closes (last line).
 */
const messyLines = [
  'Mobile;E-mail;Given name;Surname;Country;Notes',
  '0412 345 678;ana@example.com;Ana;Lee;;"likes; semicolons"', // 1 create
  '+61 412 345 678;;Ana;;;', // 2 duplicate (phone of row 1)
  '(02) 9374 4000;office@example.com;"Smith, Jo";Smith;AU;"two\r\nlines"', // 3 create (landline)
  '(212) 555-0199;bob@example.com;Bob;Jones;US;', // 4 create (US)
  '07400 123456;uk@example.com;Uma;King;GB;', // 5 create (UK, national)
  '+44 7400 123457;;;;;', // 6 create (UK, international)
  '0400 000 001;;Dee;;;', // 7 dnc
  '+61400000001;;;;;', // 8 dnc again, another format
  '0400 000 002;;Cy;;;', // 9 cooldown
  '12345;;;;;', // 10 invalid_phone
  ';nobody@example.com;No;Phone;;', // 11 invalid_phone (none)
  '0400000003;existing@example.com;Ex;;;', // 12 update
  '0400 000 004;short@example.com', // 13 create (a short row)
  '', // blank: skipped
  '0400 000 005;ANA@example.com;;;;', // 14 duplicate (email of row 1)
  '0400 000 006;a;b;c;d;e;f;g', // 15 invalid_row (too many values)
  '0400 000 007;"unclosed', // 16 invalid_row (unbalanced quote)
];
const messyFile = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode(messyLines.join('\r\n'))]);

const expectedDecisions = [
  [1, 'create', 'new contact'],
  [2, 'duplicate', 'same phone as row 1'],
  [3, 'create', 'new contact'],
  [4, 'create', 'new contact'],
  [5, 'create', 'new contact'],
  [6, 'create', 'new contact'],
  [7, 'dnc', '+61400000001 is on the do-not-contact list'],
  [8, 'dnc', '+61400000001 is on the do-not-contact list'],
  [9, 'suppressed_by_cooldown', '+61400000002 is in a cooldown until 2099-01-01 (asked for a break)'],
  [10, 'invalid_phone', '"12345" is not a valid AU number'],
  [11, 'invalid_phone', 'no phone number'],
  [12, 'update', 'existing contact with this phone: changes email, first name, country'],
  [13, 'create', 'new contact'],
  [14, 'duplicate', 'same email as row 1'],
  [15, 'invalid_row', 'the row has 8 values but the header has 6 columns (an unquoted delimiter inside a value?)'],
  [16, 'invalid_row', 'a quoted value is never closed (unbalanced ")'],
];
const expectedCounts = { rows: 16, create: 6, update: 1, duplicate: 2, invalid_phone: 2, invalid_row: 2, dnc: 2, suppressed_by_cooldown: 1 };
const mapping = { Mobile: 'phone', 'E-mail': 'email', 'Given name': 'first_name', Surname: 'last_name', Country: 'country', Notes: 'attr:notes' };

let h: IngestHarness;

beforeAll(async () => {
  h = await startIngestHarness({ env: { IMPORT_CHUNK_ROWS: '10' } });
});

afterAll(async () => {
  await h?.close();
});

async function messyTenant() {
  const t = await h.tenant();
  const db = h.services.db;
  await db.insert(doNotContact).values({ tenantId: t.tenant.id, phoneE164: '+61400000001', source: 'manual', reason: 'asked' });
  await db.insert(suppressionRules).values([
    { id: testId('suppression'), tenantId: t.tenant.id, phoneE164: '+61400000002', reason: 'asked for a break', expiresAt: new Date('2099-01-01T00:00:00Z') },
    // Expired and lifted rules hold nothing.
    { id: testId('suppression'), tenantId: t.tenant.id, phoneE164: '+61412345678', reason: 'old', expiresAt: new Date('2020-01-01T00:00:00Z') },
    { id: testId('suppression'), tenantId: t.tenant.id, phoneE164: '+61293744000', reason: 'lifted', liftedAt: new Date('2024-01-01T00:00:00Z') },
  ]);
  await db.insert(contacts).values({ id: testId('contact'), tenantId: t.tenant.id, phoneE164: '+61400000003', firstName: null });
  return t;
}

async function contactCount(tenantId: string): Promise<number> {
  const [row] = await h.services.db.select({ n: count() }).from(contacts).where(eq(contacts.tenantId, tenantId));
  return Number(row?.n ?? 0);
}

async function dryRun(session: Parameters<IngestHarness['api']>[0], objectKey: string) {
  const response = await h.api(session, '/api/imports/contacts/dry-run', { json: { objectKey, mapping } });
  expect(response.status).toBe(200);
  return (await response.json()) as { importId: string; counts: Record<string, number>; decisions: { row: number; decision: string; reason: string }[] };
}

describe('contact import: the messy file', () => {
  it('dry-run: exact counts and reasons, nothing written; rejected.csv gives the original bytes back', async () => {
    const { tenant, session } = await messyTenant();
    const objectKey = await h.upload(session, 'messy.csv', messyFile);

    const inspect = await h.api(session, '/api/imports/contacts/inspect', { json: { objectKey } });
    const inspected = (await inspect.json()) as { headers: string[]; suggestedMapping: Record<string, string>; format: Record<string, unknown> };
    expect(inspected.headers).toEqual(['Mobile', 'E-mail', 'Given name', 'Surname', 'Country', 'Notes']);
    expect(inspected.suggestedMapping).toEqual({ Mobile: 'phone', 'E-mail': 'email', 'Given name': 'first_name', Surname: 'last_name', Country: 'country' });
    expect(inspected.format).toEqual({ encoding: 'utf-8', delimiter: ';', bom: true, lineEnding: '\r\n' });

    const result = await dryRun(session, objectKey);
    expect(result.counts).toEqual(expectedCounts);
    expect(result.decisions.map((d) => [d.row, d.decision, d.reason])).toEqual(expectedDecisions);
    expect(await contactCount(tenant.id)).toBe(1);

    const csv = await h.api(session, `/api/imports/${result.importId}/rejected.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = new Uint8Array(await csv.arrayBuffer());
    // The BOM and the original header, then each rejected row: its original bytes, then decision and reason.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(3));
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('Mobile;E-mail;Given name;Surname;Country;Notes;decision;reason');
    const rejected = expectedDecisions.filter(([, d]) => d !== 'create' && d !== 'update');
    for (const [row, decision] of rejected) {
      const original = messyLines.filter((l) => l !== '')[row as number] as string;
      expect(text).toContain(`${original}`);
      expect(text).toContain(decision as string);
    }
    expect(lines).toContain('+61 412 345 678;;Ana;;;;duplicate;same phone as row 1');
    expect(lines).toContain('0400 000 007;"unclosed";;;;;invalid_row;"a quoted value is never closed (unbalanced "")"');
    expect(lines).toContain('0400 000 006;a;b;c;d;e;f;g;invalid_row;the row has 8 values but the header has 6 columns (an unquoted delimiter inside a value?)');
    // Read back as CSV, every rejected row is one record with the two new columns.
    const records = readCsv(bytes.subarray(3), { delimiter: ';', encoding: 'utf-8' });
    expect(records.slice(1).map((r) => r.fields.slice(-2))).toEqual(rejected.map(([, d, reason]) => [d, reason]));
  });

  it('commit: the same decisions, contacts written with lineage; the same key again writes nothing; re-import adds no one', async () => {
    const { tenant, session } = await messyTenant();
    const objectKey = await h.upload(session, 'messy.csv', messyFile);
    const { importId } = await dryRun(session, objectKey);

    const key = `commit-${importId}`;
    const first = await h.api(session, '/api/imports/contacts/commit', { json: { importId }, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(200);
    const summary = (await first.json()) as { status: string; counts: Record<string, number>; replayed: boolean; progress: { percent: number } };
    expect(summary).toMatchObject({ status: 'done', counts: expectedCounts, replayed: false, progress: { percent: 100 } });
    expect(await contactCount(tenant.id)).toBe(1 + 6);

    const db = h.services.db;
    const written = await db.select().from(contacts).where(eq(contacts.tenantId, tenant.id));
    const byPhone = new Map(written.map((c) => [c.phoneE164, c]));
    expect(byPhone.get('+61412345678')).toMatchObject({ email: 'ana@example.com', firstName: 'Ana', lastName: 'Lee', country: 'AU', lastImportBatchId: importId, lastImportRow: 1, attributes: { notes: 'likes; semicolons' } });
    expect(byPhone.get('+61293744000')).toMatchObject({ firstName: 'Smith, Jo', attributes: { notes: 'two\r\nlines' } });
    expect(byPhone.get('+12125550199')?.country).toBe('US');
    expect(byPhone.get('+447400123456')?.country).toBe('GB');
    // The default country fills in where the row gives none.
    expect(byPhone.get('+447400123457')?.country).toBe('AU');
    expect(byPhone.get('+61400000003')).toMatchObject({ email: 'existing@example.com', firstName: 'Ex', country: 'AU', lastImportBatchId: importId, lastImportRow: 12 });
    const lineage = await readLineage(db, importId);
    expect(lineage.map((r) => [r.rowNumber, r.decision, r.reason])).toEqual(expectedDecisions);
    const contactIds = new Set(written.map((c) => c.id));
    expect(lineage.filter((r) => r.decision === 'create' || r.decision === 'update').every((r) => r.recordId !== null && contactIds.has(r.recordId))).toBe(true);

    // The same key again: the same summary, nothing written.
    const updatedAt = written.map((c) => c.updatedAt.getTime()).sort();
    const again = await h.api(session, '/api/imports/contacts/commit', { json: { importId }, headers: { 'idempotency-key': key } });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'done', counts: expectedCounts, replayed: true });
    const after = await db.select().from(contacts).where(eq(contacts.tenantId, tenant.id));
    expect(after.map((c) => c.updatedAt.getTime()).sort()).toEqual(updatedAt);
    // Another key on a committed import, or this key on another import: refused.
    const otherKey = await h.api(session, '/api/imports/contacts/commit', { json: { importId }, headers: { 'idempotency-key': `${key}-2` } });
    expect(otherKey.status).toBe(409);
    const missingKey = await h.api(session, '/api/imports/contacts/commit', { json: { importId } });
    expect(missingKey.status).toBe(400);

    // Re-importing the same file: nobody new, no duplicates.
    const second = await dryRun(session, objectKey);
    expect(second.counts).toMatchObject({ rows: 16, create: 0, update: 7 });
    const committed = await h.api(session, '/api/imports/contacts/commit', { json: { importId: second.importId }, headers: { 'idempotency-key': `again-${second.importId}` } });
    expect(await committed.json()).toMatchObject({ status: 'done', counts: { create: 0, update: 7 } });
    expect(await contactCount(tenant.id)).toBe(7);
    const reused = await h.api(session, '/api/imports/contacts/commit', { json: { importId: second.importId }, headers: { 'idempotency-key': key } });
    expect(reused.status).toBe(409);
    expect(((await reused.json()) as { error: { code: string } }).error.code).toBe('idempotency_conflict');

    // History and summary.
    const history = (await (await h.api(session, '/api/imports?kind=contacts')).json()) as { items: { importId: string; status: string }[] };
    expect(history.items.map((i) => i.importId)).toEqual([second.importId, importId]);
    const one = (await (await h.api(session, `/api/imports/${importId}`)).json()) as { createdBy: string; decisions: unknown[]; timings: { dryRunMs: number | null } };
    expect(one.createdBy).toBeTypeOf('string');
    expect(one.decisions).toHaveLength(16);
    expect(one.timings.dryRunMs).toBeTypeOf('number');
  });

  it('multipart dry-run for small files, Windows-1252 files, and another tenant sees nothing', async () => {
    const { session } = await h.tenant();
    const form = new FormData();
    // "Zoë" and "Müller" in Windows-1252, comma-delimited, LF, no BOM.
    const latin = new Uint8Array([...enc.encode('phone,first,last\n0412 000 111,Zo'), 0xeb, ...enc.encode(',M'), 0xfc, ...enc.encode('ller\nbad,x,y\n')]);
    form.set('file', new Blob([latin], { type: 'text/csv' }), 'latin.csv');
    form.set('mapping', JSON.stringify({ phone: 'phone', first: 'first_name', last: 'last_name' }));
    const response = await h.api(session, '/api/imports/contacts/dry-run', { body: form });
    expect(response.status).toBe(200);
    const result = (await response.json()) as { importId: string; counts: Record<string, number> };
    expect(result.counts).toMatchObject({ rows: 2, create: 1, invalid_phone: 1 });
    const commit = await h.api(session, '/api/imports/contacts/commit', { json: { importId: result.importId }, headers: { 'idempotency-key': 'k1' } });
    expect(commit.status).toBe(200);
    const [written] = await h.services.db.select().from(contacts).where(and(eq(contacts.phoneE164, '+61412000111'), eq(contacts.lastImportBatchId, result.importId)));
    expect([written?.firstName, written?.lastName]).toEqual(['Zoë', 'Müller']);
    const csv = await h.api(session, `/api/imports/${result.importId}/rejected.csv`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=windows-1252');
    expect(new Uint8Array(await csv.arrayBuffer())).toEqual(enc.encode('phone,first,last,decision,reason\nbad,x,y,invalid_phone,"""bad"" is not a phone number"\n'));

    const stranger = await h.tenant();
    expect((await h.api(stranger.session, `/api/imports/${result.importId}`)).status).toBe(404);
    expect((await h.api(stranger.session, `/api/imports/${result.importId}/rejected.csv`)).status).toBe(404);
    const theirs = await h.api(stranger.session, '/api/imports/contacts/commit', { json: { importId: result.importId }, headers: { 'idempotency-key': 'k2' } });
    expect(theirs.status).toBe(404);
    // Nor can another tenant import this tenant's upload.
    const objectKey = await h.upload(session, 'mine.csv', enc.encode('phone\n0412000222\n'));
    const steal = await h.api(stranger.session, '/api/imports/contacts/dry-run', { json: { objectKey, mapping: { phone: 'phone' } } });
    expect(steal.status).toBe(404);
  });

});

describe('contact import: a large file', () => {
  let big: IngestHarness;
  beforeAll(async () => {
    big = await startIngestHarness({ env: { IMPORT_CHUNK_ROWS: '5000' } });
  });
  afterAll(async () => {
    await big?.close();
  });

  it('is committed in chunks chained through the queue', async () => {
    const h = big;
    const { tenant, session } = await h.tenant();
    // ~1.3 MB: over the inline limit, so the commit answers "queued" and import-chunk does the work.
    const rows = 24_000;
    const lines = ['phone,email,first'];
    for (let i = 0; i < rows; i++) lines.push(`04${String(10_000_000 + i).slice(0, 8)},user${i}@example.com,Name ${i}`);
    lines.push('0410000000,dup@example.com,Again'); // a duplicate of row 1 in the last chunk
    const objectKey = await h.upload(session, 'large.csv', enc.encode(lines.join('\n')));
    const preview = await h.api(session, '/api/imports/contacts/dry-run', { json: { objectKey, mapping: { phone: 'phone', email: 'email', first: 'first_name' } } });
    const { importId, counts } = (await preview.json()) as { importId: string; counts: Record<string, number> };
    expect(counts).toMatchObject({ rows: rows + 1, create: rows, duplicate: 1 });
    const commit = await h.api(session, '/api/imports/contacts/commit', { json: { importId }, headers: { 'idempotency-key': importId } });
    const started = (await commit.json()) as { status: string };
    expect(['queued', 'running', 'done']).toContain(started.status);
    const done = await h.waitFor(session, importId, 120_000);
    expect(done).toMatchObject({ status: 'done', counts });
    const [n] = await h.services.db.select({ n: count() }).from(contacts).where(eq(contacts.tenantId, tenant.id));
    expect(Number(n?.n)).toBe(rows);
    const [dup] = await readLineage(h.services.db, importId, { fromRow: rows + 1 });
    expect([dup?.decision, dup?.reason]).toEqual(['duplicate', 'same phone as row 1']);
    expect(await countLineage(h.services.db, importId)).toEqual({ rows: rows + 1, distinctRows: rows + 1 });
    const chunks = await queryRows<{ n: number }>(h.services.db, sql`select count(*)::int as n from relay_messages where dedupe_id like ${`import:${importId}:%`}`);
    expect(chunks[0]?.n).toBe(5);
  });
});
