import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDomainError } from '../../../core/errors';
import { readBytes, type BlobStore } from '../../../core/ports/blob-store';
import { parseConfig } from '../config';
import { createBlobStore } from './create-blob-store';
import { createLocalBlobStore, localUploadPath, type LocalBlobStore } from './local-blob-store';
import { startS3TestServer, type S3TestServer } from './testing/s3-test-server';

function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) % 251;
  return bytes;
}

async function expectNotFound(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(isDomainError(error) && error.code).toBe('not_found');
}

let s3: S3TestServer;
let dir: string;
const stores: Record<string, BlobStore> = {};
let local: LocalBlobStore;
let clock = new Date('2030-01-01T00:00:00Z');

beforeAll(async () => {
  s3 = await startS3TestServer();
  dir = await mkdtemp(path.join(os.tmpdir(), 'reactor-blobs-'));
  local = await createLocalBlobStore({ dir, publicUrl: 'http://localhost:8787', now: () => clock });
  stores.local = local;
  const config = parseConfig({ ...s3.env, DATA_DIR: dir });
  stores.s3 = (await createBlobStore(config.blobs, { publicUrl: config.publicUrl, now: () => new Date() })).blobs;
});

afterAll(async () => {
  await s3?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each(['local', 's3'])('BlobStore (%s)', (kind) => {
  const store = () => stores[kind] as BlobStore;

  it('stores a blob and tells its size', async () => {
    await store().put('uploads/t1/a.csv', new TextEncoder().encode('phone\n0412345678\n'), { contentType: 'text/csv' });
    expect((await store().head('uploads/t1/a.csv'))?.size).toBe(17);
    expect(await store().head('uploads/t1/missing.csv')).toBeUndefined();
  });

  it('streams byte ranges of a large blob in pieces, exactly', async () => {
    const bytes = pattern(3 * 1024 * 1024 + 17);
    await store().put('uploads/t1/big.bin', bytes);
    const ranges = [
      { start: 0, end: 10 },
      { start: 1_000_000, end: 2_500_001 },
      { start: bytes.length - 5 },
      { start: 2_000_000 },
    ];
    for (const range of ranges) {
      expect(Buffer.from(await readBytes(store(), 'uploads/t1/big.bin', range)).equals(Buffer.from(bytes.subarray(range.start, range.end)))).toBe(true);
    }
    // Streaming: a 3 MB read arrives as several pieces, not one buffer.
    let pieces = 0;
    for await (const piece of await store().read('uploads/t1/big.bin')) pieces += piece.length > 0 ? 1 : 0;
    expect(pieces).toBeGreaterThan(1);
    // A range starting at the end reads nothing.
    expect((await readBytes(store(), 'uploads/t1/big.bin', { start: bytes.length })).length).toBe(0);
  });

  it('says not_found for a missing blob and refuses keys that climb out', async () => {
    await expectNotFound(store().read('uploads/t1/none.csv'));
    const error = await store().read('../etc/passwd').then(() => undefined, (e: unknown) => e);
    expect(isDomainError(error) && error.code).toBe('bad_request');
  });

  it('hands out a presigned PUT that a client can upload to', async () => {
    const body = new TextEncoder().encode('phone\n+61412345678\n');
    const upload = await store().presignPut('uploads/t1/presigned.csv', { contentType: 'text/csv', size: body.length, expiresInSeconds: 900 });
    expect(upload.method).toBe('PUT');
    expect(upload.headers).toEqual({ 'content-type': 'text/csv' });
    if (kind === 's3') {
      const url = new URL(upload.url);
      expect(url.origin).toBe(s3.endpoint);
      expect(url.pathname).toBe(`/${s3.bucket}/uploads/t1/presigned.csv`);
      expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
      expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
      expect(url.searchParams.get('X-Amz-SignedHeaders')).toContain('content-type');
      const response = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body });
      expect(response.status).toBe(200);
    } else {
      const url = new URL(upload.url);
      expect(url.pathname).toBe(`${localUploadPath}/uploads/t1/presigned.csv`);
      const q = Object.fromEntries(url.searchParams) as Record<string, string | undefined>;
      const query = { expires: q.expires, size: q.size, type: q.type, signature: q.signature };
      await local.acceptUpload('uploads/t1/presigned.csv', query, 'text/csv', Readable.from([body]));
    }
    expect(new TextDecoder().decode(await readBytes(store(), 'uploads/t1/presigned.csv'))).toBe('phone\n+61412345678\n');
  });
});

describe('local presigned uploads', () => {
  async function presigned(key: string, size: number) {
    const upload = await local.presignPut(key, { contentType: 'text/csv', size, expiresInSeconds: 60 });
    const q = Object.fromEntries(new URL(upload.url).searchParams) as Record<string, string | undefined>;
    return { expires: q.expires, size: q.size, type: q.type, signature: q.signature };
  }
  const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (isDomainError(e) ? e.code : String(e)));

  it('refuses a forged or reused-for-another-key signature, a late upload, a wrong size or type', async () => {
    const body = new Uint8Array(10);
    const query = await presigned('uploads/t2/a.csv', 10);
    expect(await codeOf(local.acceptUpload('uploads/t2/a.csv', { ...query, signature: '00'.repeat(32) }, 'text/csv', Readable.from([body])))).toBe('invalid_signature');
    expect(await codeOf(local.acceptUpload('uploads/t2/other.csv', query, 'text/csv', Readable.from([body])))).toBe('invalid_signature');
    expect(await codeOf(local.acceptUpload('uploads/t2/a.csv', { ...query, size: '11' }, 'text/csv', Readable.from([body])))).toBe('invalid_signature');
    expect(await codeOf(local.acceptUpload('uploads/t2/a.csv', query, 'text/plain', Readable.from([body])))).toBe('bad_request');
    expect(await codeOf(local.acceptUpload('uploads/t2/a.csv', query, 'text/csv', Readable.from([new Uint8Array(11)])))).toBe('payload_too_large');
    expect(await codeOf(local.acceptUpload('uploads/t2/a.csv', query, 'text/csv', Readable.from([new Uint8Array(9)])))).toBe('bad_request');
    expect(await local.head('uploads/t2/a.csv')).toBeUndefined();
    clock = new Date(clock.getTime() + 61_000);
    expect(await codeOf(local.acceptUpload('uploads/t2/a.csv', query, 'text/csv', Readable.from([body])))).toBe('stale_signature');
    expect(await codeOf(local.acceptUpload('uploads/t2/a.csv', await presigned('uploads/t2/a.csv', 10), 'text/csv', Readable.from([body])))).toBe('ok');
  });
});
