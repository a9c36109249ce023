/**
 * Message templates and the live preview (contract: shared/API.md "Campaigns and sending"):
 *
 * - `GET /templates?archived=true|false` → `{templates}` (archived ones only when asked);
 *   `GET /templates/:id` → the template.
 * - `POST /templates {name, body}` → 201 the template. The body is checked by `parseTemplate`: an
 *   unknown merge field is a 400 `validation_failed` at save time, not a blank in ten thousand
 *   messages later. Unknown request fields are a 400 too.
 * - `PATCH /templates/:id {name?, body?, archived?}` → the template. Templates are archived, never
 *   deleted: send jobs and reports point at them. A campaign renders at send time, so an edit applies
 *   to the messages not sent yet.
 * - `POST /messages/preview {body, sample?, provider?, country?}` → rendered text, encoding,
 *   characters, parts, cost (`prices` for the provider and country; defaults: the tenant's bulk
 *   number's provider and the tenant's default country), the smart-encoding suggestion and the first
 *   message with its opt-out line. Computes only: no audit row.
 */
import { desc, eq, isNotNull, isNull } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { shortLinkPlaceholder } from '../../core/campaigns/short-link-token';
import { DomainError } from '../../core/errors';
import { newId } from '../../core/ids';
import { previewMessage } from '../../core/messages/preview';
import { hasOptOutInstruction, maxTemplateLength, parseTemplate } from '../../core/messages/templates';
import { messageTemplates, sendingNumbers, smsProviders } from '../../db/schema/index';
import type { BroadcasterDeps } from '../enqueue/broadcaster-deps';
import { pricePerPart } from '../enqueue/prices';
import { changesNothing, type StaffEnv } from '../shared/auth/staff-access';
import { allOf } from '../shared/auth/tenant-scope';
import type { AreaServices } from './area-services';
import { jsonBody } from './json-body';

type TemplateRow = typeof messageTemplates.$inferSelect;

export function templateView(t: TemplateRow) {
  const parsed = parseTemplate(t.body);
  return {
    id: t.id,
    name: t.name,
    body: t.body,
    fields: parsed.fields,
    usesLink: parsed.usesLink,
    warnings: parsed.warnings,
    hasOptOutInstruction: hasOptOutInstruction(t.body),
    archived: t.archivedAt !== null,
    archivedAt: t.archivedAt?.toISOString() ?? null,
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

const nameSchema = z.string().trim().min(1).max(200);
const bodySchema = z.string().max(maxTemplateLength);
const createSchema = z.strictObject({ name: nameSchema, body: bodySchema });
const patchSchema = z
  .strictObject({ name: nameSchema.optional(), body: bodySchema.optional(), archived: z.boolean().optional() })
  .refine((p) => p.name !== undefined || p.body !== undefined || p.archived !== undefined, { message: 'Send at least one of name, body, archived.' });
const listSchema = z.object({ archived: z.enum(['true', 'false']).optional() });
const idSchema = z.string().min(1).max(64);

const previewSchema = z.strictObject({
  body: bodySchema,
  sample: z.record(z.string().min(1).max(100), z.string().max(1_000).nullable()).optional(),
  provider: z.enum(smsProviders).optional(),
  country: z
    .string()
    .trim()
    .transform((c) => c.toUpperCase())
    .pipe(z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 two-letter country code'))
    .optional(),
});

/** A body with merge-field errors: 400 with each issue (code, position, field) for the editor to point at. */
function assertValidBody(body: string): void {
  const { errors } = parseTemplate(body);
  if (errors.length === 0) return;
  throw new DomainError('validation_failed', `The template is not valid: ${errors[0]?.message}.`, {
    details: { formErrors: [], fieldErrors: { body: errors.map((e) => e.message) }, templateIssues: errors },
  });
}

export function templatesRoutes(_services: AreaServices, broadcaster: BroadcasterDeps): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();

  app.get('/templates', async (c) => {
    const { archived } = listSchema.parse(c.req.query());
    const rows = await c.var.staff.scope.findMany(messageTemplates, {
      where: archived === 'true' ? isNotNull(messageTemplates.archivedAt) : isNull(messageTemplates.archivedAt),
      orderBy: [desc(messageTemplates.id)],
    });
    return c.json({ templates: rows.map(templateView) });
  });

  app.get('/templates/:id', async (c) => {
    const id = idSchema.parse(c.req.param('id'));
    return c.json(templateView(await c.var.staff.scope.get(messageTemplates, eq(messageTemplates.id, id), { what: 'template' })));
  });

  app.post('/templates', async (c) => {
    const input = createSchema.parse(await jsonBody(c));
    assertValidBody(input.body);
    const { scope, user } = c.var.staff;
    const now = broadcaster.now();
    const row = await scope.mutate('template.create', async (tx) => {
      const template = await tx.insert(messageTemplates, {
        id: newId('template', now.getTime(), broadcaster.random(10)),
        name: input.name,
        body: input.body,
        createdBy: user.id,
        createdAt: now,
        updatedAt: now,
      });
      return { result: template, target: { type: 'template', id: template.id }, details: { name: template.name } };
    });
    return c.json(templateView(row), 201);
  });

  app.patch('/templates/:id', async (c) => {
    const id = idSchema.parse(c.req.param('id'));
    const input = patchSchema.parse(await jsonBody(c));
    if (input.body !== undefined) assertValidBody(input.body);
    const now = broadcaster.now();
    const row = await c.var.staff.scope.mutate('template.update', async (tx) => {
      const before = await tx.get(messageTemplates, eq(messageTemplates.id, id), { what: 'template', forUpdate: true });
      const archivedAt = input.archived === undefined ? undefined : input.archived ? (before.archivedAt ?? now) : null;
      const template = await tx.updateOne(
        messageTemplates,
        eq(messageTemplates.id, id),
        { ...(input.name === undefined ? {} : { name: input.name }), ...(input.body === undefined ? {} : { body: input.body }), ...(archivedAt === undefined ? {} : { archivedAt }), updatedAt: now },
        'template',
      );
      const changed = {
        ...(input.name !== undefined && input.name !== before.name ? { name: { from: before.name, to: input.name } } : {}),
        ...(input.body !== undefined && input.body !== before.body ? { body: { from: before.body, to: input.body } } : {}),
        ...(input.archived !== undefined && input.archived !== (before.archivedAt !== null) ? { archived: input.archived } : {}),
      };
      return { result: template, target: { type: 'template', id }, details: changed };
    });
    return c.json(templateView(row));
  });

  app.post('/messages/preview', changesNothing(), async (c) => {
    const input = previewSchema.parse(await jsonBody(c));
    const { scope } = c.var.staff;
    let provider = input.provider;
    if (provider === undefined) {
      const bulk = await scope.findFirst(sendingNumbers, allOf(eq(sendingNumbers.use, 'bulk'), eq(sendingNumbers.status, 'active')), { orderBy: [sendingNumbers.createdAt] });
      provider = bulk?.provider;
    }
    const country = input.country ?? (await scope.tenant()).defaultCountry;
    const microsPerPart = provider === undefined ? undefined : await pricePerPart(broadcaster.db, provider, country);
    const preview = previewMessage({ body: input.body, sample: input.sample, linkPlaceholder: shortLinkPlaceholder(broadcaster.edgePublicUrl), microsPerPart });
    return c.json({ ...preview, ...(provider === undefined ? {} : { provider }), country });
  });

  return app;
}
