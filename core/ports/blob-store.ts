/**
 * The BlobStore port: where uploaded files live (DigitalOcean Spaces through the S3 API in production,
 * a local folder on the embedded default). Files are read in byte ranges and streamed, never held
 * whole: the Ingestor resumes a file at a byte offset and reads it window by window.
 *
 * Big files never pass through a function (a DO Function takes at most 1 MB per request): the admin
 * asks for a presigned PUT and uploads straight to the store.
 */

export type BlobHead = { size: number; contentType: string | undefined };

/** Bytes `start` (inclusive) to `end` (exclusive); no `end` → to the end of the blob. */
export type ByteRange = { start: number; end?: number };

export type PresignedUpload = {
  url: string;
  method: 'PUT';
  /** Headers the upload must carry exactly as given (they are part of the signature). */
  headers: Record<string, string>;
  expiresAt: Date;
};

export interface BlobStore {
  /** Stores a whole (small) blob, replacing any blob under the key. */
  put(key: string, body: Uint8Array, options?: { contentType?: string }): Promise<{ size: number }>;
  /** Streams a blob or a range of it; a missing blob is a `not_found` DomainError. */
  read(key: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array>>;
  /** Size and type, or undefined when there is no such blob. */
  head(key: string): Promise<BlobHead | undefined>;
  /** A URL a browser or script can PUT the file to, valid for `expiresInSeconds`. */
  presignPut(key: string, options: { contentType: string; size: number; expiresInSeconds: number }): Promise<PresignedUpload>;
}

/** Keys we accept: a path of plain segments (no `..`, no leading `/`), at most 512 characters. */
export function isValidBlobKey(key: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/.test(key) && key.length <= 512 && !key.split('/').includes('..');
}

/** Reads a whole blob range into memory (small things only: a file's head, one record). */
export async function readBytes(store: BlobStore, key: string, range?: ByteRange): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of await store.read(key, range)) {
    parts.push(part);
    size += part.length;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
