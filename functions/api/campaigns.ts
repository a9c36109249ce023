/**
 * Campaigns (contract: shared/API.md "Campaigns and sending"). Staff operate them; viewers read.
 *
 * - `POST /campaigns {name, templateIds, sendingNumberIds?, segment?:{tags?, tagsMatch?}, linkUrl?}` →
 *   201 the campaign, a `draft`. Templates rotate in the order given; numbers must be the tenant's
 *   active bulk numbers (none → every active bulk number of the tenant at send time); `linkUrl` (where
 *   each contact's short link leads) is required when a template uses `{link}`.
 * - `PATCH /campaigns/:id {name?, templateIds?, sendingNumberIds?, segment?, linkUrl?}` → the campaign. The
 *   name may change at any time; what decides who gets which message (templates, numbers, segment,
 *   link target) only while the campaign is a draft (409 afterwards: its jobs already exist).
 * - `GET /campaigns?status=&cursor=&limit=` → `{campaigns, nextCursor}` newest first, each with counts.
 * - `GET /campaigns/:id` → the campaign with status and counts (queued / deferred / sending / sent /
 *   delivered / failed / skipped by reason / cancelled / reconcile; exclusive buckets that add up to
 *   `total`).
 * - `POST /campaigns/:id/queue {segment?}` → 202 `{queued, skipped:{dnc, suppressed, optedOut, invalid},
 *   alreadyQueued, segmentSize, campaign}` (functions/enqueue/enqueue-campaign.ts). A segment given
 *   here replaces the campaign's.
 * - `POST /campaigns/:id/pause {reason?}` / `resume` → the campaign. The state machine
 *   (core/campaigns/state.ts) decides; a pause of a paused campaign changes nothing and is not audited
 *   again. Resume wakes the sender.
 */
import { and, desc, eq, inArray, lt, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { readSegment, segmentSchema } from '../../core/campaigns/segment';
import { campaignStatuses, transitionCampaign } from '../../core/campaigns/state';
import { DomainError } from '../../core/errors';
import { newId } from '../../core/ids';
import { parseTemplate } from '../../core/messages/templates';
import { decodeCursor, encodeCursor, pageLimitSchema } from '../../core/page-cursor';
import { campaignSendingNumbers, campaigns, campaignTemplates, messageTemplates, sendingNumbers } from '../../db/schema/index';
import type { BroadcasterDeps } from '../enqueue/broadcaster-deps';
import { campaignProgress, emptyCounts, type CampaignCounts } from '../enqueue/campaign-progress';
import { enqueueCampaign, wakeSender } from '../enqueue/enqueue-campaign';
import type { StaffEnv } from '../shared/auth/staff-access';
import type { TenantScope } from '../shared/auth/tenant-scope';
import { withOutbox } from '../shared/queue/outbox';
import type { AreaServices } from './area-services';
import { jsonBody } from './json-body';

type CampaignRow = typeof campaigns.$inferSelect;

const idSchema = z.string().min(1).max(64);
const idListSchema = z.array(idSchema).refine((ids) => new Set(ids).size === ids.length, { message: 'ids must not repeat' });

const createSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  templateIds: idListSchema.min(1, 'a campaign needs at least one template').max(10),
  sendingNumberIds: idListSchema.max(50).optional(),
  segment: segmentSchema.optional(),
  linkUrl: z.url({ protocol: /^https?$/, hostname: z.regexes.domain }).max(2_000).optional(),
});
const patchSchema = z
  .strictObject({
    name: createSchema.shape.name.optional(),
    templateIds: createSchema.shape.templateIds.optional(),
    sendingNumberIds: idListSchema.max(50).optional(),
    segment: segmentSchema.optional(),
    linkUrl: createSchema.shape.linkUrl.unwrap().nullable().optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), { message: 'Send at least one field to change.' });
const queueSchema = z.strictObject({ segment: segmentSchema.optional() });
const pauseSchema = z.strictObject({ reason: z.string().trim().min(1).max(200).optional() });
const listSchema = z.object({ status: z.enum(campaignStatuses).optional(), cursor: z.string().max(200).optional(), limit: pageLimitSchema });

type Links = { templateIds: string[]; sendingNumberIds: string[] };

export function campaignView(c: CampaignRow, links: Links, counts: CampaignCounts) {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    segment: readSegment(c.segment),
    linkUrl: c.linkUrl,
    templateIds: links.templateIds,
    sendingNumberIds: links.sendingNumberIds,
    pausedAt: c.pausedAt?.toISOString() ?? null,
    pausedReason: c.pausedReason,
    createdBy: c.createdBy,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    queuedAt: c.queuedAt?.toISOString() ?? null,
    doneAt: c.doneAt?.toISOString() ?? null,
    counts,
  };
}

async function linksOf(scope: TenantScope, ids: readonly string[]): Promise<Map<string, Links>> {
  const links = new Map<string, Links>(ids.map((id) => [id, { templateIds: [], sendingNumberIds: [] }]));
  if (ids.length === 0) return links;
  const templates = await scope.findMany(campaignTemplates, { where: inArray(campaignTemplates.campaignId, [...ids]), orderBy: [campaignTemplates.campaignId, campaignTemplates.position] });
  for (const t of templates) links.get(t.campaignId)?.templateIds.push(t.templateId);
  const numbers = await scope.findMany(campaignSendingNumbers, { where: inArray(campaignSendingNumbers.campaignId, [...ids]), orderBy: [campaignSendingNumbers.sendingNumberId] });
  for (const n of numbers) links.get(n.campaignId)?.sendingNumberIds.push(n.sendingNumberId);
  return links;
}

/** Templates of this tenant and not archived, active bulk numbers of this tenant, a link target when a template uses `{link}`. */
async function assertUsable(tx: TenantScope, input: { templateIds: readonly string[]; sendingNumberIds: readonly string[]; linkUrl: string | null }): Promise<void> {
  // Read through the scope first: proves every id is this tenant's before it goes into a foreign key.
  const templates = await tx.findMany(messageTemplates, { where: inArray(messageTemplates.id, [...input.templateIds]) });
  const missing = input.templateIds.filter((id) => !templates.some((t) => t.id === id && t.archivedAt === null));
  if (missing.length > 0) {
    throw new DomainError('validation_failed', `No such template (or it is archived): ${missing.join(', ')}.`, { details: { formErrors: [], fieldErrors: { templateIds: missing.map((id) => `unknown or archived: ${id}`) } } });
  }
  const needsLink = templates.filter((t) => parseTemplate(t.body).usesLink);
  if (needsLink.length > 0 && input.linkUrl === null) {
    throw new DomainError('validation_failed', 'A template of this campaign uses {link}: say where the links lead (linkUrl).', {
      details: { formErrors: [], fieldErrors: { linkUrl: [`required: ${needsLink.map((t) => t.name).join(', ')} use {link}`] } },
    });
  }
  if (input.sendingNumberIds.length > 0) {
    const numbers = await tx.findMany(sendingNumbers, { where: inArray(sendingNumbers.id, [...input.sendingNumberIds]) });
    const unusable = input.sendingNumberIds.filter((id) => !numbers.some((n) => n.id === id && n.use === 'bulk' && n.status === 'active'));
    if (unusable.length > 0) {
      throw new DomainError('validation_failed', `Campaigns send from active bulk numbers only; not usable: ${unusable.join(', ')}.`, {
        details: { formErrors: [], fieldErrors: { sendingNumberIds: unusable.map((id) => `not an active bulk number: ${id}`) } },
      });
    }
  }
}

export function campaignsRoutes(_services: AreaServices, broadcaster: BroadcasterDeps): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();

  const view = async (scope: TenantScope, row: CampaignRow) => {
    const [links, counts] = await Promise.all([linksOf(scope, [row.id]), campaignProgress(broadcaster.db, scope.tenantId, [row.id])]);
    return campaignView(row, links.get(row.id) ?? { templateIds: [], sendingNumberIds: [] }, counts.get(row.id) ?? emptyCounts());
  };

  app.post('/campaigns', async (c) => {
    const input = createSchema.parse(await jsonBody(c));
    const { scope, user } = c.var.staff;
    const now = broadcaster.now();
    const row = await scope.mutate('campaign.create', async (tx) => {
      const numberIds = input.sendingNumberIds ?? [];
      await assertUsable(tx, { templateIds: input.templateIds, sendingNumberIds: numberIds, linkUrl: input.linkUrl ?? null });
      const campaign = await tx.insert(campaigns, {
        id: newId('campaign', now.getTime(), broadcaster.random(10)),
        name: input.name,
        status: 'draft',
        segment: input.segment ?? {},
        linkUrl: input.linkUrl ?? null,
        createdBy: user.id,
        createdAt: now,
        updatedAt: now,
      });
      await tx.insertMany(campaignTemplates, input.templateIds.map((templateId, position) => ({ campaignId: campaign.id, templateId, position })));
      await tx.insertMany(campaignSendingNumbers, numberIds.map((sendingNumberId) => ({ campaignId: campaign.id, sendingNumberId })));
      return { result: campaign, target: { type: 'campaign', id: campaign.id }, details: { name: campaign.name, templateIds: input.templateIds, sendingNumberIds: numberIds, segment: campaign.segment, linkUrl: campaign.linkUrl } };
    });
    return c.json(campaignView(row, { templateIds: input.templateIds, sendingNumberIds: input.sendingNumberIds ?? [] }, emptyCounts()), 201);
  });

  app.patch('/campaigns/:id', async (c) => {
    const id = idSchema.parse(c.req.param('id'));
    const input = patchSchema.parse(await jsonBody(c));
    const { scope } = c.var.staff;
    const now = broadcaster.now();
    const row = await scope.mutate('campaign.update', async (tx) => {
      const before = await tx.get(campaigns, eq(campaigns.id, id), { what: 'campaign', forUpdate: true });
      const targeting = input.templateIds !== undefined || input.sendingNumberIds !== undefined || input.segment !== undefined || input.linkUrl !== undefined;
      if (targeting && before.status !== 'draft') {
        throw new DomainError('conflict', `Only a draft's templates, numbers, segment and link can change; this campaign is ${before.status}.`);
      }
      const current = (await linksOf(tx, [id])).get(id) ?? { templateIds: [], sendingNumberIds: [] };
      if (targeting) {
        await assertUsable(tx, {
          templateIds: input.templateIds ?? current.templateIds,
          sendingNumberIds: input.sendingNumberIds ?? current.sendingNumberIds,
          linkUrl: input.linkUrl === undefined ? before.linkUrl : input.linkUrl,
        });
      }
      const campaign = await tx.updateOne(
        campaigns,
        eq(campaigns.id, id),
        {
          ...(input.name === undefined ? {} : { name: input.name }),
          ...(input.segment === undefined ? {} : { segment: input.segment }),
          ...(input.linkUrl === undefined ? {} : { linkUrl: input.linkUrl }),
          updatedAt: now,
        },
        'campaign',
      );
      // Rotation follows the order given, so the links are replaced, not merged.
      if (input.templateIds !== undefined) {
        await tx.delete(campaignTemplates, eq(campaignTemplates.campaignId, id));
        await tx.insertMany(campaignTemplates, input.templateIds.map((templateId, position) => ({ campaignId: id, templateId, position })));
      }
      if (input.sendingNumberIds !== undefined) {
        await tx.delete(campaignSendingNumbers, eq(campaignSendingNumbers.campaignId, id));
        await tx.insertMany(campaignSendingNumbers, input.sendingNumberIds.map((sendingNumberId) => ({ campaignId: id, sendingNumberId })));
      }
      return { result: campaign, target: { type: 'campaign', id }, details: { before: { name: before.name, ...current, segment: before.segment, linkUrl: before.linkUrl }, changed: input } };
    });
    return c.json(await view(scope, row));
  });

  app.get('/campaigns', async (c) => {
    const query = listSchema.parse(c.req.query());
    const { scope } = c.var.staff;
    const where: SQL[] = [];
    if (query.status) where.push(eq(campaigns.status, query.status));
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      if (after === undefined) throw new DomainError('bad_request', 'That page cursor is not valid; start from the first page.');
      where.push(lt(campaigns.id, after));
    }
    const rows = await scope.findMany(campaigns, { where: where.length === 0 ? undefined : and(...where), orderBy: [desc(campaigns.id)], limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const ids = page.map((r) => r.id);
    const [links, counts] = await Promise.all([linksOf(scope, ids), campaignProgress(broadcaster.db, scope.tenantId, ids)]);
    const last = page.at(-1);
    return c.json({
      campaigns: page.map((r) => campaignView(r, links.get(r.id) ?? { templateIds: [], sendingNumberIds: [] }, counts.get(r.id) ?? emptyCounts())),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null,
    });
  });

  app.get('/campaigns/:id', async (c) => {
    const id = idSchema.parse(c.req.param('id'));
    const { scope } = c.var.staff;
    return c.json(await view(scope, await scope.get(campaigns, eq(campaigns.id, id), { what: 'campaign' })));
  });

  app.post('/campaigns/:id/queue', async (c) => {
    const id = idSchema.parse(c.req.param('id'));
    const input = queueSchema.parse(await jsonBody(c, { optional: true }));
    const { scope } = c.var.staff;
    const outcome = await enqueueCampaign(broadcaster, { scope, campaignId: id, segment: input.segment, correlationId: c.get('requestId') ?? null });
    return c.json(
      { queued: outcome.queued, skipped: outcome.skipped, alreadyQueued: outcome.alreadyQueued, segmentSize: outcome.segmentSize, campaign: await view(scope, outcome.campaign) },
      202,
    );
  });

  app.post('/campaigns/:id/pause', async (c) => {
    const id = idSchema.parse(c.req.param('id'));
    const input = pauseSchema.parse(await jsonBody(c, { optional: true }));
    const { scope } = c.var.staff;
    const now = broadcaster.now();
    const current = await scope.get(campaigns, eq(campaigns.id, id), { what: 'campaign' });
    if (!transitionCampaign(current.status, { kind: 'pause' }).changed) {
      c.set('changesNothing', true);
      return c.json(await view(scope, current));
    }
    const row = await scope.mutate('campaign.pause', async (tx) => {
      const before = await tx.get(campaigns, eq(campaigns.id, id), { what: 'campaign', forUpdate: true });
      const next = transitionCampaign(before.status, { kind: 'pause' });
      const campaign = await tx.updateOne(campaigns, eq(campaigns.id, id), { status: next.status, pausedAt: before.pausedAt ?? now, pausedReason: input.reason ?? 'paused by staff', updatedAt: now }, 'campaign');
      return { result: campaign, target: { type: 'campaign', id }, details: { from: before.status, to: next.status, reason: campaign.pausedReason } };
    });
    return c.json(await view(scope, row));
  });

  app.post('/campaigns/:id/resume', async (c) => {
    const id = idSchema.parse(c.req.param('id'));
    const { scope } = c.var.staff;
    const now = broadcaster.now();
    const current = await scope.get(campaigns, eq(campaigns.id, id), { what: 'campaign' });
    if (!transitionCampaign(current.status, { kind: 'resume' }).changed) {
      c.set('changesNothing', true);
      return c.json(await view(scope, current));
    }
    const row = await withOutbox(
      broadcaster.db,
      broadcaster.queue,
      (outer, stage) =>
        scope.mutate(
          'campaign.resume',
          async (tx) => {
            const before = await tx.get(campaigns, eq(campaigns.id, id), { what: 'campaign', forUpdate: true });
            const next = transitionCampaign(before.status, { kind: 'resume' });
            const campaign = await tx.updateOne(campaigns, eq(campaigns.id, id), { status: next.status, pausedAt: null, pausedReason: null, updatedAt: now }, 'campaign');
            if (next.changed) await wakeSender(stage, { tenantId: scope.tenantId, campaignId: id, reason: 'resumed', now, random: broadcaster.random, correlationId: c.get('requestId') ?? null });
            return { result: campaign, target: { type: 'campaign', id }, details: { from: before.status, to: next.status, pausedSince: before.pausedAt?.toISOString() ?? null } };
          },
          { within: outer },
        ),
      { now: broadcaster.now, log: broadcaster.log },
    );
    return c.json(await view(scope, row));
  });

  return app;
}
