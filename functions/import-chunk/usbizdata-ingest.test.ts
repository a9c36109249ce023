import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawProspects, tenants } from '../../db/schema/index';
import { startS3TestServer, type S3TestServer } from '../shared/blobs/testing/s3-test-server';
import { startIngestHarness, type IngestHarness } from './testing/ingest-harness';

const enc = new TextEncoder();

const header = 'Company Name,Contact Name,Title,Address,City,State,Zip Code,Phone,Email,Web Address,SIC Code,SIC Description,Sales Volume,Employees';
const rows = [
  '"Acme, Inc",Jo Doe,President,1 Main St,Austin,TX,78701,(512) 555-0100,JO@ACME.COM,acme.com,5999,"Retail, misc","$1 to 2.5 Million",20 to 49',
  'Big Co,Al Smith,Owner,2 Oak Ave,Dallas,TX,75201,214-555-0101,al@big.co,big.co,1711,Plumbing,"$2.5 to 5 Million",50 to 99',
  'Small Shop,Bea Lo,Manager,3 Elm Rd,Waco,TX,76701,not a phone,,,5812,Eating places,"Less Than $500,000",1 to 4',
  'Chief Labs,Cy Ro,CEO & Founder,4 Pine St,Austin,TX,78702,512 555 0102,,,8731,Research,"$500,000 to $1 Million",5 to 9',
  ',,Nobody,,,,,,,,,,,', // no company, no contact: invalid_row
  '"Acme, Inc",Jo Doe,President,1 Main St.,Austin,TX,78701-1234,(512) 555-0100,,,5999,,,', // the same business again: duplicate
];
for (let i = 0; i < 30; i++) rows.push(`Filler ${i} LLC,Person ${i},Clerk,${i} Side St,Houston,TX,77001,713-555-${String(1000 + i)},,,7389,Services,"$1 to 2.5 Million",10 to 19`);

let s3: S3TestServer;
let h: IngestHarness;

beforeAll(async () => {
  s3 = await startS3TestServer();
  // Ten rows a chunk: the 36-row file is read in four chunks, each a ranged GET from its own offset.
  h = await startIngestHarness({ env: { ...s3.env, IMPORT_CHUNK_ROWS: '10' } });
});

afterAll(async () => {
  await h?.close();
  await s3?.close();
});

describe('USBizData ingestion from an S3-compatible store', () => {
  it('streams the file through import-chunk into raw_prospects, with ranges, high-value flags and lineage', async () => {
    const { tenant, session } = await h.tenant();
    await h.services.db.update(tenants).set({ highValueTitles: ['CEO'] }).where(eq(tenants.id, tenant.id));
    const objectKey = await h.upload(session, 'usbizdata-tx.csv', enc.encode(`${header}\r\n${rows.join('\r\n')}\r\n`));
    // The upload went to the S3 server, not through the API.
    expect(await h.services.blobs.head(objectKey)).toMatchObject({ size: expect.any(Number) });

    const started = await h.api(session, '/api/ingest/usbizdata', { json: { objectKey } });
    expect(started.status).toBe(202);
    const { batchId, mapping } = (await started.json()) as { batchId: string; mapping: Record<string, string> };
    expect(Object.values(mapping)).toContain('revenue');
    const done = await h.waitFor(session, batchId);
    expect(done).toMatchObject({ status: 'done', counts: { rows: 36, create: 34, update: 0, duplicate: 1, invalid_row: 1 } });

    const prospects = await h.services.db.select().from(rawProspects).where(eq(rawProspects.tenantId, tenant.id));
    expect(prospects).toHaveLength(34);
    const acme = prospects.find((p) => p.company === 'Acme, Inc');
    expect(acme).toMatchObject({
      contactName: 'Jo Doe', sicCode: '5999', sicDescription: 'Retail, misc', revenueUsd: 1_000_000, revenueText: '$1 to 2.5 Million',
      employees: 20, employeesText: '20 to 49', phoneE164: '+15125550100', email: 'jo@acme.com', highValue: false, importBatchId: batchId,
    });
    expect(prospects.find((p) => p.company === 'Big Co')?.highValue).toBe(true);
    expect(prospects.find((p) => p.company === 'Chief Labs')?.highValue).toBe(true);
    expect(prospects.find((p) => p.company === 'Small Shop')).toMatchObject({ revenueUsd: 0, phone: 'not a phone', phoneE164: null, highValue: false });

    // The list: high value only, newest first, paged.
    const list = (await (await h.api(session, '/api/prospects?highValue=true&limit=1')).json()) as { items: { company: string; sic: string; revenueUsd: number; employees: number }[]; nextCursor: string };
    expect(list.items).toHaveLength(1);
    const next = (await (await h.api(session, `/api/prospects?highValue=true&limit=50&cursor=${list.nextCursor}`)).json()) as { items: { company: string }[]; nextCursor: null };
    expect([...list.items, ...next.items].map((p) => p.company).sort()).toEqual(['Big Co', 'Chief Labs']);
    expect(next.nextCursor).toBeNull();
    expect(list.items[0]).toHaveProperty('sic');

    // Ingesting the same file again updates the same prospects.
    const again = await h.api(session, '/api/ingest/usbizdata', { json: { objectKey } });
    const second = await h.waitFor(session, ((await again.json()) as { batchId: string }).batchId);
    expect(second.counts).toMatchObject({ rows: 36, create: 0, update: 34, duplicate: 1, invalid_row: 1 });
    expect(await h.services.db.$count(rawProspects, eq(rawProspects.tenantId, tenant.id))).toBe(34);

    // rejected.csv works for ingestions too.
    const csv = await (await h.api(session, `/api/imports/${batchId}/rejected.csv`)).text();
    expect(csv.split('\r\n')[1]).toBe(',,Nobody,,,,,,,,,,,,invalid_row,no company and no contact name');
  });

  it('refuses a file whose columns it cannot map', async () => {
    const { session } = await h.tenant();
    const objectKey = await h.upload(session, 'odd.csv', enc.encode('foo,bar\n1,2\n'));
    const response = await h.api(session, '/api/ingest/usbizdata', { json: { objectKey } });
    expect(response.status).toBe(400);
  });
});
