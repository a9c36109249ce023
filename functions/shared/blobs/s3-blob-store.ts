/**
 * BlobStore on DigitalOcean Spaces (or any S3-compatible endpoint) through @aws-sdk/client-s3.
 *
 * - Reads are ranged GETs (`Range: bytes=a-b`), streamed: the Ingestor asks for a window at a time.
 * - Presigned PUTs come from @aws-sdk/s3-request-presigner (SigV4 query auth). The content type is a
 *   signed header, so the upload must send the same `content-type` the URL was made for.
 * - With `S3_ENDPOINT` set (Spaces, a local S3 server) requests use path-style addressing
 *   (`<endpoint>/<bucket>/<key>`), which every S3-compatible server understands.
 *
 * Outcomes: a missing object is `not_found`; a network failure or a 5xx/throttle is a retryable
 * `unavailable` (a queue redelivery may fix it); anything else is a `provider_error`.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { DomainError } from '../../../core/errors';
import { isValidBlobKey, type BlobStore } from '../../../core/ports/blob-store';
import type { BlobsConfig } from '../config';

export type S3BlobOptions = Extract<BlobsConfig, { kind: 's3' }> & { now: () => Date };

function checkKey(key: string): void {
  if (!isValidBlobKey(key)) throw new DomainError('bad_request', 'That is not a valid object key.');
}

function mapError(error: unknown, key: string): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode ?? 0;
    if (error.name === 'NoSuchKey' || error.name === 'NotFound' || status === 404) return new DomainError('not_found', `No uploaded file ${key}.`, { cause: error });
    if (status >= 500 || status === 429 || error.name === 'SlowDown') {
      return new DomainError('unavailable', `The file store is unavailable (${error.name}).`, { retryable: true, cause: error });
    }
    return new DomainError('provider_error', `The file store refused the request (${error.name}).`, { cause: error });
  }
  return new DomainError('unavailable', 'The file store could not be reached.', { retryable: true, cause: error });
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

export function createS3BlobStore(options: S3BlobOptions): BlobStore {
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.endpoint !== undefined,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
  });
  const Bucket = options.bucket;

  return {
    async put(key, body, put = {}) {
      checkKey(key);
      try {
        await client.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType: put.contentType, ContentLength: body.length }));
        return { size: body.length };
      } catch (error) {
        throw mapError(error, key);
      }
    },

    async read(key, range) {
      checkKey(key);
      const start = range?.start ?? 0;
      if (range?.end !== undefined && range.end <= start) return (async function* () {})();
      const Range = range === undefined ? undefined : `bytes=${start}-${range.end === undefined ? '' : range.end - 1}`;
      try {
        const response = await client.send(new GetObjectCommand({ Bucket, Key: key, Range }));
        if (!isAsyncIterable(response.Body)) throw new DomainError('provider_error', 'The file store answered without a body.');
        return response.Body;
      } catch (error) {
        // A range starting at or past the end of the object: nothing left to read.
        if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 416) return (async function* () {})();
        throw mapError(error, key);
      }
    },

    async head(key) {
      checkKey(key);
      try {
        const response = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return { size: response.ContentLength ?? 0, contentType: response.ContentType };
      } catch (error) {
        const mapped = mapError(error, key);
        if (mapped.code === 'not_found') return undefined;
        throw mapped;
      }
    },

    async presignPut(key, { contentType, expiresInSeconds }) {
      checkKey(key);
      const url = await getSignedUrl(client, new PutObjectCommand({ Bucket, Key: key, ContentType: contentType }), {
        expiresIn: expiresInSeconds,
        signingDate: options.now(),
        // Signed, so an upload cannot swap the type it was allowed.
        signableHeaders: new Set(['content-type']),
      });
      return { url, method: 'PUT', headers: { 'content-type': contentType }, expiresAt: new Date(options.now().getTime() + expiresInSeconds * 1000) };
    },
  };
}
