/**
 * BlobStore on a local folder (`DATA_DIR/blobs`): the embedded default for Spaces.
 *
 * Presigned uploads work as on Spaces: `presignPut` returns a URL on the local server
 * (`PUT /fn/import-chunk/blobs/<key>?…`) signed with HMAC-SHA256 over the key, the exact size, the
 * content type and the expiry, with a secret generated into the blob folder on first use. The browser
 * PUTs the file there without a session, exactly as it would PUT to Spaces; `acceptUpload` checks the
 * signature, the expiry and the size, and streams the body to disk (written aside, then renamed, so a
 * reader never sees half a file).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DomainError } from '../../../core/errors';
import { isValidBlobKey, type BlobStore } from '../../../core/ports/blob-store';

export const localUploadPath = '/fn/import-chunk/blobs';

export type UploadQuery = { expires: string | undefined; size: string | undefined; type: string | undefined; signature: string | undefined };

export type LocalUploadReceiver = {
  /** Checks a presigned upload and stores its body; throws a DomainError (401/400/413) when it may not. */
  acceptUpload(key: string, query: UploadQuery, contentType: string | undefined, body: AsyncIterable<Uint8Array>): Promise<{ size: number }>;
};

export type LocalBlobStore = BlobStore & LocalUploadReceiver;

export type LocalBlobOptions = {
  dir: string;
  /** The public origin the upload URL points at (PUBLIC_URL). */
  publicUrl: string;
  now: () => Date;
};

async function loadSecret(dir: string): Promise<Buffer> {
  const file = path.join(dir, '.upload-secret');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined && /^[0-9a-f]{64}$/.test(existing.trim())) return Buffer.from(existing.trim(), 'hex');
  const secret = randomBytes(32).toString('hex');
  // `wx`: two processes starting at once must end up with one secret; the loser reads the winner's.
  await writeFile(file, secret, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
  return Buffer.from((await readFile(file, 'utf8')).trim(), 'hex');
}

function blobPath(dir: string, key: string): string {
  if (!isValidBlobKey(key)) throw new DomainError('bad_request', 'That is not a valid object key.');
  return path.join(dir, ...key.split('/'));
}

export async function createLocalBlobStore(options: LocalBlobOptions): Promise<LocalBlobStore> {
  const { dir } = options;
  await mkdir(dir, { recursive: true });
  const secret = await loadSecret(dir);
  const sign = (key: string, expires: number, size: number, type: string) =>
    createHmac('sha256', secret).update(`${key}\n${expires}\n${size}\n${type}`).digest('hex');

  async function writeAtomically(key: string, body: AsyncIterable<Uint8Array>, limit: number): Promise<number> {
    const file = blobPath(dir, key);
    await mkdir(path.dirname(file), { recursive: true });
    const partial = `${file}.part-${randomBytes(6).toString('hex')}`;
    const out = createWriteStream(partial);
    let size = 0;
    try {
      for await (const chunk of body) {
        size += chunk.length;
        if (size > limit) throw new DomainError('payload_too_large', `The upload is larger than the ${limit} bytes it was signed for.`);
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
      if (size !== limit) throw new DomainError('bad_request', `The upload was ${size} bytes; it was signed for ${limit}.`);
      await rename(partial, file);
      return size;
    } catch (error) {
      out.destroy();
      await rm(partial, { force: true });
      throw error;
    }
  }

  return {
    async put(key, body) {
      const file = blobPath(dir, key);
      await mkdir(path.dirname(file), { recursive: true });
      const partial = `${file}.part-${randomBytes(6).toString('hex')}`;
      await writeFile(partial, body);
      await rename(partial, file);
      return { size: body.length };
    },

    async read(key, range) {
      const file = blobPath(dir, key);
      const info = await stat(file).catch(() => undefined);
      if (info === undefined || !info.isFile()) throw new DomainError('not_found', `No uploaded file ${key}.`);
      const start = range?.start ?? 0;
      const end = Math.min(range?.end ?? info.size, info.size);
      if (end <= start) return (async function* () {})();
      return createReadStream(file, { start, end: end - 1, highWaterMark: 1 << 20 });
    },

    async head(key) {
      const info = await stat(blobPath(dir, key)).catch(() => undefined);
      return info?.isFile() ? { size: info.size, contentType: undefined } : undefined;
    },

    async presignPut(key, { contentType, size, expiresInSeconds }) {
      blobPath(dir, key);
      const expiresAt = new Date(options.now().getTime() + expiresInSeconds * 1000);
      const expires = Math.floor(expiresAt.getTime() / 1000);
      const query = new URLSearchParams({ expires: String(expires), size: String(size), type: contentType, signature: sign(key, expires, size, contentType) });
      return { url: `${options.publicUrl}${localUploadPath}/${key}?${query}`, method: 'PUT', headers: { 'content-type': contentType }, expiresAt };
    },

    async acceptUpload(key, query, contentType, body) {
      const expires = Number(query.expires);
      const size = Number(query.size);
      const type = query.type ?? '';
      const given = Buffer.from(query.signature ?? '', 'hex');
      const expected = Buffer.from(sign(key, expires, size, type), 'hex');
      if (!Number.isSafeInteger(expires) || !Number.isSafeInteger(size) || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new DomainError('invalid_signature', 'This upload URL is not valid.');
      }
      if (expires * 1000 < options.now().getTime()) throw new DomainError('stale_signature', 'This upload URL has expired; ask for a new one.');
      if ((contentType ?? '') !== type) throw new DomainError('bad_request', `The upload must be sent with content-type ${type}.`);
      return { size: await writeAtomically(key, body, size) };
    },
  };
}
