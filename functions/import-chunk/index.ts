/**
 * `import-chunk` function: the Ingestor's worker. Each signed queue delivery (`POST /fn/import-chunk`)
 * carries one `import.chunk` message: one chunk of a contact commit or of a USBizData ingestion, which
 * it processes and chains to the next (contact-import.ts, usbizdata-ingest.ts). Answers: 2xx when the
 * chunk is done, was already done (a redelivery), or can never be done (recorded on the batch as
 * `failed`, or an unreadable message, logged); 5xx only for what a retry can fix (database or file store
 * unavailable).
 *
 * Locally it also receives the presigned uploads of the local blob store
 * (`PUT /fn/import-chunk/blobs/<key>?…`, signature-checked, see shared/blobs/local-blob-store.ts), the
 * stand-in for a presigned PUT to Spaces. That route does not exist when the store is S3.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Hono } from 'hono';
import { DomainError } from '../../core/errors';
import { importChunkMessage } from '../../core/queue/import-chunk-message';
import type { AppEnv } from '../shared/app';
import { droppedDelivery, readDelivery, verifyDelivery } from '../shared/queue/verify-delivery';
import type { Services } from '../shared/services';
import { ChunkReadAhead } from './chunk-read-ahead';
import { processContactChunk, type IngestorDeps } from './contact-import';
import { loadBatch } from './import-batches';
import { processUsbizdataChunk } from './usbizdata-ingest';

export type ImportChunkServices = Pick<Services, 'config' | 'db' | 'queue' | 'deliveries' | 'blobs' | 'blobUploads' | 'log' | 'now' | 'random'>;

export function ingestorDeps(services: Omit<ImportChunkServices, 'deliveries' | 'blobUploads'>): IngestorDeps {
  const { db, queue, blobs, log, now, random, config } = services;
  return { db, queue, blobs, log, now, random, limits: config.imports, readAhead: new ChunkReadAhead() };
}

export function importChunkRoutes(services: ImportChunkServices): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const deps = ingestorDeps(services);
  const verified = verifyDelivery(services.deliveries, services.config.publicUrl);

  routes.post('/', verified, async (c) => {
    const delivery = c.get('delivery');
    const log = c.get('log').child({ messageId: delivery.messageId, retried: delivery.retried });
    const chunk = readDelivery(delivery, importChunkMessage, log, 'import-chunk');
    if (chunk === undefined) return c.json(droppedDelivery);
    const batch = await loadBatch(services.db, chunk.batchId);
    if (batch === undefined) {
      log.warn('import chunk for an unknown batch, dropped', { ...chunk });
      return c.json({ ok: true, outcome: 'unknown_batch' });
    }
    const run = batch.kind === 'usbizdata' ? processUsbizdataChunk : processContactChunk;
    const outcome = await run({ ...deps, log: log.child({ correlationId: batch.correlationId ?? batch.id }) }, chunk);
    return c.json({ ok: true, outcome });
  });

  const uploads = services.blobUploads;
  if (uploads !== undefined) {
    routes.put('/blobs/*', async (c) => {
      const key = decodeURIComponent(c.req.path.slice(c.req.path.indexOf('/blobs/') + '/blobs/'.length));
      const body = c.req.raw.body;
      if (body === null) throw new DomainError('bad_request', 'The upload has no body.');
      const q = c.req.query();
      const stored = await uploads.acceptUpload(
        key,
        { expires: q.expires, size: q.size, type: q.type, signature: q.signature },
        c.req.header('content-type'),
        Readable.fromWeb(body as NodeReadableStream<Uint8Array>),
      );
      return c.json({ ok: true, objectKey: key, size: stored.size });
    });
  }

  return routes;
}
