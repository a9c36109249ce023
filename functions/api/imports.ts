/**
 * The Ingestor's API (contract: shared/API.md "Imports" and "Lead supply chain"):
 *
 * - `POST /uploads {filename, size, contentType}` → `{objectKey, uploadUrl, method, headers, expiresAt}`:
 *   a presigned PUT straight to the blob store (big files never pass through a function).
 * - `POST /imports/contacts/inspect {objectKey}` → headers, suggested mapping, a few sample rows.
 * - `POST /imports/contacts/dry-run`: multipart (`file`, `mapping`, `defaultCountry`) for small files,
 *   or JSON `{objectKey, mapping?, defaultCountry?}` → `{importId, counts, decisions (first 50), …}`.
 * - `POST /imports/contacts/commit {importId}` + `Idempotency-Key` → the import's summary.
 * - `GET /imports?kind=&cursor=&limit=` (history), `GET /imports/:id`, `GET /imports/:id/rejected.csv`.
 * - `POST /ingest/usbizdata {objectKey, mapping?}` → `202 {batchId}`; `GET /prospects?highValue=&limit=&cursor=`.
 *
 * Routes validate, call the Ingestor (functions/import-chunk) and map; the Ingestor's set-based SQL
 * needs the database, so it is handed in as a service whose every query is scoped by the tenant id
 * the route passes from the session (`c.var.staff.tenant.id`). Reads of batches and prospects go
 * through the staff scope like every other area.
 */
import { randomBytes } from 'node:crypto';
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { z } from 'zod';
import { DomainError } from '../../core/errors';
import { decodeCursor, encodeCursor, pageLimitSchema } from '../../core/page-cursor';
import { importBatches, rawProspects } from '../../db/schema/index';
import { changesNothing, type StaffEnv } from '../shared/auth/staff-access';
import { allOf } from '../shared/auth/tenant-scope';
import { commitContactImport, dryRunContactImport, inspectContactFile, type IngestorDeps } from '../import-chunk/contact-import';
import { importSummary, uploadKeyFor, type BatchRow } from '../import-chunk/import-batches';
import { rejectedCsv } from '../import-chunk/rejected-rows';
import { startUsbizdataIngest } from '../import-chunk/usbizdata-ingest';
import type { AreaServices } from './area-services';

/** Presigned uploads: at most this big (Spaces allows 5 GB in one PUT), valid this long. */
const maxUploadBytes = 2 * 1024 * 1024 * 1024;
const uploadUrlSeconds = 15 * 60;
/** The multipart route is for small files and scripts; bigger files go through POST /uploads. */
const maxMultipartBytes = 20 * 1024 * 1024;

const uploadSchema = z.object({
  filename: z.string().trim().min(1).max(255),
  size: z.number().int().min(1).max(maxUploadBytes),
  contentType: z
    .string()
    .trim()
    .max(100)
    .regex(/^[\w.+-]+\/[\w.+-]+$/, 'a MIME type such as text/csv')
    .default('text/csv'),
});

const objectKeySchema = z.string().min(1).max(512);
const countrySchema = z.string().trim().min(2).max(60).optional();
const dryRunJsonSchema = z.object({ objectKey: objectKeySchema, mapping: z.unknown().optional(), defaultCountry: countrySchema, filename: z.string().max(255).optional() });
const commitSchema = z.object({ importId: z.string().min(1).max(64) });
const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'Idempotency-Key must be 1-200 visible ASCII characters');
const ingestSchema = z.object({ objectKey: objectKeySchema, mapping: z.unknown().optional() });
const historySchema = z.object({ kind: z.enum(['contacts', 'usbizdata']).optional(), cursor: z.string().max(200).optional(), limit: pageLimitSchema });
const prospectsSchema = z.object({
  highValue: z.enum(['true', 'false']).optional(),
  cursor: z.string().max(200).optional(),
  limit: pageLimitSchema,
});
const idSchema = z.string().min(1).max(64);

function afterCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const id = decodeCursor(cursor);
  if (id === undefined) throw new DomainError('bad_request', 'That page cursor is not valid; start from the first page.');
  return id;
}

function prospectView(p: typeof rawProspects.$inferSelect) {
  return {
    id: p.id,
    company: p.company,
    contactName: p.contactName,
    title: p.title,
    address: p.address,
    city: p.city,
    state: p.state,
    zip: p.zip,
    phone: p.phone,
    phoneE164: p.phoneE164,
    email: p.email,
    website: p.website,
    sic: p.sicCode,
    sicDescription: p.sicDescription,
    revenueUsd: p.revenueUsd,
    revenueText: p.revenueText,
    employees: p.employees,
    employeesText: p.employeesText,
    highValue: p.highValue,
    hydratedAt: p.hydratedAt?.toISOString() ?? null,
    importBatchId: p.importBatchId,
    updatedAt: p.updatedAt.toISOString(),
  };
}

function rejectedFilename(batch: BatchRow): string {
  const base = (batch.filename ?? 'import').replace(/\.csv$/i, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  return `${base || 'import'}-rejected.csv`;
}

export function importsRoutes(services: AreaServices, ingestor: IngestorDeps): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();

  app.post('/uploads', changesNothing(), async (c) => {
    const input = uploadSchema.parse(await c.req.json());
    const tenantId = c.var.staff.tenant.id;
    const objectKey = uploadKeyFor(tenantId, randomBytes(9).toString('hex'), input.filename);
    const upload = await services.blobs.presignPut(objectKey, { contentType: input.contentType, size: input.size, expiresInSeconds: uploadUrlSeconds });
    return c.json({ objectKey, uploadUrl: upload.url, method: upload.method, headers: upload.headers, expiresAt: upload.expiresAt.toISOString() });
  });

  app.post('/imports/contacts/inspect', changesNothing(), async (c) => {
    const { objectKey } = z.object({ objectKey: objectKeySchema }).parse(await c.req.json());
    return c.json(await inspectContactFile(ingestor, { tenantId: c.var.staff.tenant.id, objectKey }));
  });

  // A dry run writes a preview (the batch and its rejected rows) but changes no contact: no audit row.
  app.post('/imports/contacts/dry-run', changesNothing(), async (c) => {
    const { staff } = c.var;
    const type = c.req.header('content-type') ?? '';
    let input: { objectKey: string; mapping?: unknown; defaultCountry?: string; filename?: string };
    if (type.startsWith('multipart/form-data')) {
      const length = Number(c.req.header('content-length') ?? '0');
      if (length > maxMultipartBytes) throw new DomainError('payload_too_large', `Files over ${maxMultipartBytes / 1024 / 1024} MB go through POST /api/uploads (a presigned upload).`);
      const form = await c.req.parseBody();
      const file = form.file;
      if (!(file instanceof File)) throw new DomainError('validation_failed', 'Send the CSV as the multipart field "file".');
      if (file.size > maxMultipartBytes) throw new DomainError('payload_too_large', `Files over ${maxMultipartBytes / 1024 / 1024} MB go through POST /api/uploads (a presigned upload).`);
      let mapping: unknown;
      if (typeof form.mapping === 'string' && form.mapping.trim() !== '') {
        try {
          mapping = JSON.parse(form.mapping);
        } catch {
          throw new DomainError('validation_failed', 'The "mapping" field must be JSON: {"<csv header>": "phone" | "email" | …}.');
        }
      }
      const objectKey = uploadKeyFor(staff.tenant.id, randomBytes(9).toString('hex'), file.name || 'upload.csv');
      await services.blobs.put(objectKey, new Uint8Array(await file.arrayBuffer()), { contentType: file.type || 'text/csv' });
      input = {
        objectKey,
        mapping,
        defaultCountry: typeof form.defaultCountry === 'string' && form.defaultCountry.trim() !== '' ? form.defaultCountry : undefined,
        filename: file.name || undefined,
      };
    } else {
      input = dryRunJsonSchema.parse(await c.req.json());
    }
    const result = await dryRunContactImport(ingestor, { tenantId: staff.tenant.id, userId: staff.user.id, ...input });
    return c.json(result);
  });

  app.post('/imports/contacts/commit', async (c) => {
    const header = c.req.header('idempotency-key');
    if (header === undefined) throw new DomainError('bad_request', 'A commit needs an Idempotency-Key header (any unique string, e.g. a UUID).');
    const idempotencyKey = idempotencyKeySchema.parse(header);
    const { importId } = commitSchema.parse(await c.req.json());
    const { scope } = c.var.staff;
    const { summary, replayed } = await commitContactImport(ingestor, { tenantId: scope.tenantId, importId, idempotencyKey });
    if (replayed) {
      c.set('changesNothing', true);
    } else {
      await scope.mutate('import.commit', async () => ({
        result: undefined,
        target: { type: 'import', id: importId },
        details: { filename: summary.filename, status: summary.status, counts: summary.counts },
      }));
    }
    return c.json({ ...summary, replayed });
  });

  app.get('/imports', async (c) => {
    const query = historySchema.parse(c.req.query());
    const after = afterCursor(query.cursor);
    const where: SQL[] = [];
    if (query.kind) where.push(eq(importBatches.kind, query.kind));
    if (after) where.push(lt(importBatches.id, after));
    const rows = await c.var.staff.scope.findMany(importBatches, {
      where: where.length === 0 ? undefined : allOf(...where),
      orderBy: [desc(importBatches.id)],
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return c.json({ items: page.map(importSummary), nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null });
  });

  app.get('/imports/:id', async (c) => {
    const id = idSchema.parse(c.req.param('id'));
    const batch = await c.var.staff.scope.get(importBatches, eq(importBatches.id, id), { what: 'import' });
    return c.json({ ...importSummary(batch), decisions: batch.preview });
  });

  app.get('/imports/:id/rejected.csv', async (c) => {
    const id = idSchema.parse(c.req.param('id'));
    const batch = await c.var.staff.scope.get(importBatches, eq(importBatches.id, id), { what: 'import' });
    if (batch.format === null) throw new DomainError('conflict', 'This import has not read its file yet.');
    const charset = (batch.format as { encoding?: string }).encoding === 'windows-1252' ? 'windows-1252' : 'utf-8';
    c.header('content-type', `text/csv; charset=${charset}`);
    c.header('content-disposition', `attachment; filename="${rejectedFilename(batch)}"`);
    c.header('cache-control', 'no-store');
    return stream(c, async (out) => {
      for await (const part of rejectedCsv(ingestor.db, ingestor.blobs, batch)) await out.write(part);
    });
  });

  app.post('/ingest/usbizdata', async (c) => {
    const input = ingestSchema.parse(await c.req.json());
    const { scope, user } = c.var.staff;
    const { batchId, mapping } = await startUsbizdataIngest(ingestor, { tenantId: scope.tenantId, userId: user.id, objectKey: input.objectKey, mapping: input.mapping });
    await scope.mutate('prospects.ingest', async () => ({ result: undefined, target: { type: 'import', id: batchId }, details: { objectKey: input.objectKey, mapping } }));
    return c.json({ batchId, mapping, statusUrl: `/api/imports/${batchId}` }, 202);
  });

  app.get('/prospects', async (c) => {
    const query = prospectsSchema.parse(c.req.query());
    const after = afterCursor(query.cursor);
    const where: SQL[] = [];
    if (query.highValue !== undefined) where.push(eq(rawProspects.highValue, query.highValue === 'true'));
    if (after) where.push(lt(rawProspects.id, after));
    const rows = await c.var.staff.scope.findMany(rawProspects, {
      where: where.length === 0 ? undefined : and(...where),
      orderBy: [desc(rawProspects.id)],
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return c.json({ items: page.map(prospectView), nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null });
  });

  return app;
}
