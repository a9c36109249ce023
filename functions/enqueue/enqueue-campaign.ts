/**
 * Enqueue: turns a campaign's segment into send jobs, set-based, in one statement, whatever the size
 * of the segment (no round trip per contact).
 *
 * One `INSERT … SELECT … ON CONFLICT DO NOTHING` over the segment:
 * - every contact of the segment gets one job (`send_jobs_tenant_campaign_contact_key`), so queueing
 *   twice, or two people queueing at once, adds nobody twice;
 * - the template is picked by `rotationSlotSql` (the same hash as `rotationSlot` in core), so a contact
 *   always gets the same template of the campaign;
 * - the gates that do not depend on the moment of sending are applied here, in the product's order:
 *   a number that cannot be texted (`invalid`: not E.164, or one of the sending numbers themselves),
 *   DNC (`opted_out` when the number said STOP itself or its carrier did, `dnc` when staff or an import
 *   put it there), then an active suppression rule (`suppressed`). Such a contact gets a `skipped` job
 *   with the reason, so the campaign's counts say who was left out and why.
 * - Pause, budget, quiet hours, rate limits and warm-up depend on when the message goes, and a job's
 *   parts (its cost) depend on its rendered text: `send` evaluates all gates again, `evaluateGates`,
 *   right before each provider call. Pause does not block enqueueing: the jobs wait.
 *
 * The jobs, the campaign's new status, its audit row and the sender's wake-up message (outbox) commit
 * in one transaction; the wake-up is published after commit.
 */
import { asc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { readSegment, type Segment } from '../../core/campaigns/segment';
import { isSendable, transitionCampaign } from '../../core/campaigns/state';
import { DomainError } from '../../core/errors';
import { newId } from '../../core/ids';
import { rotationSlotSql } from '../../core/messages/templates';
import { senderLaneKeys, sendWakeUps } from '../../core/queue/send-batch-message';
import { queryRows, type Db } from '../../db/client';
import { analyzeAfterBulkWrite } from '../../db/statistics';
import { campaignSendingNumbers, campaigns, campaignTemplates, sendingNumbers } from '../../db/schema/index';
import type { StaffScope, TenantScope } from '../shared/auth/tenant-scope';
import { allOf } from '../shared/auth/tenant-scope';
import { withOutbox, type Stage } from '../shared/queue/outbox';
import type { BroadcasterDeps } from './broadcaster-deps';

export type EnqueueSkips = { dnc: number; suppressed: number; optedOut: number; invalid: number };

export type EnqueueOutcome = {
  campaign: typeof campaigns.$inferSelect;
  /** Jobs added that will be sent (subject to the send-time gates). */
  queued: number;
  /** Contacts of the segment added as skipped jobs, by reason. */
  skipped: EnqueueSkips;
  /** Contacts of the segment that already had a job in this campaign (an earlier queue). */
  alreadyQueued: number;
  /** Contacts in the segment now. */
  segmentSize: number;
};

/** `{"a","b"}`: a Postgres text[] literal, one parameter on both drivers. */
function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

function segmentFilter(segment: Segment) {
  if (!('tags' in segment) || segment.tags === undefined) return sql``;
  const tags = textArray(segment.tags);
  return segment.tagsMatch === 'all' ? sql` and c.tags @> ${tags}::text[]` : sql` and c.tags && ${tags}::text[]`;
}

/** `job_` + 10 time characters + 6 random ones: what each job's 10-digit row number is appended to. */
export function jobIdPrefix(now: Date, random: (n: number) => Uint8Array): string {
  return newId('sendJob', now.getTime(), random(10)).slice(0, 'job_'.length + 16);
}

const outcomeRow = z.object({ outcome: z.string(), n: z.number().int() });

/**
 * The one statement. Returns the rows it inserted, counted by outcome, and the segment's size.
 * `jobIdPrefix` is `job_`, the creation-time part of an id (core/ids.ts) and 6 random characters
 * (`jobIdPrefix()`); each job appends its row number in 10 hex digits (hex is a subset of the id
 * alphabet). Ids therefore stay unique (another enqueue in the same millisecond has other random
 * characters), sort by creation, and are inserted in ascending order, which keeps the primary-key
 * index appending instead of splitting pages all over.
 */
export async function insertCampaignJobs(
  db: Db,
  input: { tenantId: string; campaignId: string; templateCount: number; segment: Segment; now: Date; jobIdPrefix: string; correlationId: string | null },
): Promise<{ counts: Map<string, number>; segmentSize: number }> {
  const now = input.now.toISOString();
  const slot = sql.raw(rotationSlotSql('p.campaign_id', 'k.id', 'p.template_count'));
  const rows = await queryRows(
    db,
    sql`with p as (select ${input.campaignId}::text as campaign_id, ${input.templateCount}::int as template_count),
        tpl as (
          select position, template_id from campaign_templates where tenant_id = ${input.tenantId} and campaign_id = ${input.campaignId}
        ),
        seg as (
          select c.id, c.phone_e164 from contacts c where c.tenant_id = ${input.tenantId}${segmentFilter(input.segment)}
        ),
        fresh as (
          -- Who has no job in this campaign yet. The anti-join makes a repeated queue cheap; the
          -- ON CONFLICT below still decides when two queues race.
          select s.id, s.phone_e164 from seg s
           where not exists (select 1 from send_jobs j where j.tenant_id = ${input.tenantId} and j.campaign_id = ${input.campaignId} and j.contact_id = s.id)
        ),
        suppressed as (
          select distinct r.phone_e164 from suppression_rules r
           where r.tenant_id = ${input.tenantId} and r.lifted_at is null and (r.expires_at is null or r.expires_at > ${now}::timestamptz)
        ),
        classified as (
          -- Joins, not per-row subqueries: one hash join per list, whatever the segment's size.
          select f.id, f.phone_e164,
                 case
                   when f.phone_e164 !~ '^[+][1-9][0-9]{6,14}$' or own.e164 is not null then 'invalid'
                   when d.source in ('stop_keyword', 'provider_opt_out') then 'opted_out'
                   when d.phone_e164 is not null then 'dnc'
                   when sr.phone_e164 is not null then 'suppressed'
                 end as reason,
                 row_number() over (order by f.id) as row_no
            from fresh f
            left join sending_numbers own on own.e164 = f.phone_e164
            left join do_not_contact d on d.tenant_id = ${input.tenantId} and d.phone_e164 = f.phone_e164
            left join suppressed sr on sr.phone_e164 = f.phone_e164
        ),
        ins as (
          insert into send_jobs (id, tenant_id, kind, campaign_id, contact_id, to_e164, template_id, status, skip_reason, correlation_id, created_at, updated_at)
          select ${input.jobIdPrefix} || lpad(to_hex(k.row_no), 10, '0'),
                 ${input.tenantId}, 'campaign', p.campaign_id, k.id, k.phone_e164, tpl.template_id,
                 case when k.reason is null then 'queued' else 'skipped' end, k.reason, ${input.correlationId},
                 ${now}::timestamptz, ${now}::timestamptz
            from classified k
           cross join p
            join tpl on tpl.position = ${slot}
           order by k.row_no
          on conflict (tenant_id, campaign_id, contact_id) do nothing
          returning skip_reason
        )
        select coalesce(skip_reason, 'queued') as outcome, count(*)::int as n from ins group by 1
        union all
        select 'segment' as outcome, count(*)::int as n from seg`,
  );
  const counts = new Map<string, number>();
  let segmentSize = 0;
  for (const raw of rows) {
    const { outcome, n } = outcomeRow.parse(raw);
    if (outcome === 'segment') segmentSize = n;
    else counts.set(outcome, n);
  }
  return { counts, segmentSize };
}

/** The numbers a campaign sends from: its own, else every active bulk number of the tenant. */
export async function campaignNumbers(scope: TenantScope, campaignId: string): Promise<(typeof sendingNumbers.$inferSelect)[]> {
  const links = await scope.findMany(campaignSendingNumbers, { where: eq(campaignSendingNumbers.campaignId, campaignId) });
  const active = allOf(eq(sendingNumbers.use, 'bulk'), eq(sendingNumbers.status, 'active'));
  if (links.length === 0) return scope.findMany(sendingNumbers, { where: active });
  return scope.findMany(sendingNumbers, { where: allOf(active, inArray(sendingNumbers.id, links.map((l) => l.sendingNumberId))) });
}

/** Stages a wake-up of the sender for a campaign, one message per lane (after commit they are published). */
export async function wakeSender(stage: Stage, input: { tenantId: string; campaignId: string | null; reason: 'queued' | 'resumed' | 'tenant_resumed'; now: Date; random: (n: number) => Uint8Array; correlationId: string | null }): Promise<void> {
  // One wake-up per event: the key is unique to this request (time + randomness).
  const key = `${input.reason}:${newId('message', input.now.getTime(), input.random(10))}`;
  await stage(...sendWakeUps({ tenantId: input.tenantId, campaignId: input.campaignId, reason: input.reason, keys: senderLaneKeys(key), correlationId: input.correlationId }));
}

export async function enqueueCampaign(
  deps: BroadcasterDeps,
  input: { scope: StaffScope; campaignId: string; segment?: Segment; correlationId: string | null },
): Promise<EnqueueOutcome> {
  const { scope, campaignId } = input;
  const now = deps.now();
  const outcome = await withOutbox(
    deps.db,
    deps.queue,
    (tx, stage) =>
      scope.mutate(
        'campaign.queue',
        async (s) => {
          // The row lock serializes two queues of one campaign: the second sees the first's jobs.
          const campaign = await s.get(campaigns, eq(campaigns.id, campaignId), { what: 'campaign', forUpdate: true });
          const templates = await s.findMany(campaignTemplates, { where: eq(campaignTemplates.campaignId, campaignId), orderBy: [asc(campaignTemplates.position)] });
          if (templates.length === 0) throw new DomainError('conflict', 'This campaign has no template to send.', { details: { reason: 'no_template' } });
          const numbers = await campaignNumbers(s, campaignId);
          if (numbers.length === 0) {
            throw new DomainError('conflict', 'This campaign has no active bulk sending number to send from. Add one (or re-activate one) first.', {
              details: { reason: 'no_sending_number' },
            });
          }
          const segment = input.segment ?? readSegment(campaign.segment);
          const { counts, segmentSize } = await insertCampaignJobs(tx, {
            tenantId: scope.tenantId,
            campaignId,
            templateCount: templates.length,
            segment,
            now,
            jobIdPrefix: jobIdPrefix(now, deps.random),
            correlationId: input.correlationId,
          });
          const queued = counts.get('queued') ?? 0;
          const skipped: EnqueueSkips = { dnc: counts.get('dnc') ?? 0, suppressed: counts.get('suppressed') ?? 0, optedOut: counts.get('opted_out') ?? 0, invalid: counts.get('invalid') ?? 0 };
          const added = [...counts.values()].reduce((a, b) => a + b, 0);
          const next = transitionCampaign(campaign.status, { kind: 'queue', addedJobs: added });
          const updated = await s.updateOne(
            campaigns,
            eq(campaigns.id, campaignId),
            {
              status: next.status,
              ...(input.segment === undefined ? {} : { segment: input.segment }),
              ...(campaign.queuedAt === null ? { queuedAt: now } : {}),
              ...(next.status === 'queued' && campaign.status === 'done' ? { doneAt: null } : {}),
              updatedAt: now,
            },
            'campaign',
          );
          if (queued > 0 && isSendable(next.status)) {
            await wakeSender(stage, { tenantId: scope.tenantId, campaignId, reason: 'queued', now, random: deps.random, correlationId: input.correlationId });
          }
          const outcome: EnqueueOutcome = { campaign: updated, queued, skipped, alreadyQueued: segmentSize - added, segmentSize };
          return {
            result: outcome,
            target: { type: 'campaign', id: campaignId },
            details: { segment, queued, skipped, alreadyQueued: outcome.alreadyQueued, from: campaign.status, to: next.status },
          };
        },
        { within: tx },
      ),
    { now: deps.now, log: deps.log },
  );
  // The jobs are committed and the sender woken; statistics are a speed-up, never a reason to fail the answer.
  await analyzeAfterBulkWrite(deps.database, 'send_jobs', outcome.queued).catch((err: unknown) =>
    deps.log.warn('enqueue: analyze of send_jobs failed', { err, campaignId }),
  );
  return outcome;
}
