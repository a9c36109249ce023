/**
 * The sender: one `send.batch` wake-up claims a small batch of a tenant's due campaign jobs and takes
 * each through the gates to the provider, exactly once.
 *
 * Exactly once, step by step:
 * 1. **Claim** (one statement, `FOR UPDATE SKIP LOCKED`): due jobs (`queued`, or `deferred` whose time
 *    has come) of a sendable campaign of an unpaused tenant become `sending`, and `attempts` goes up by
 *    one. That number is the attempt token: every later write for this attempt is fenced on
 *    `status = 'sending' AND attempts = <token>`, so a stale sender can never overwrite a newer outcome.
 * 2. **Gates**, right before the call, on fresh facts (tenant pause, campaign status, the number's DNC
 *    row and suppression rule are read per chunk of 50 jobs, and per job on the job-by-job path): `evaluateGates`, then the counters that must hold
 *    atomically across senders are taken with `tryConsume` (tenant rate, number rate, warm-up, daily
 *    and monthly spend). A job stopped here is `deferred` until it may go, or `skipped` with its reason.
 * 3. **Mark**: the rendered body, number, provider and estimated parts are written (fenced) and
 *    `claimed_at` is set to the moment of the call. Only if that write succeeds is the provider called.
 * 4. **Call** the provider once, with the job id as the idempotency key (the sandbox logs it).
 * 5. **Record** (fenced): `sent` with the provider's id, parts and cost (plus a `costs` row and a `SENT`
 *    event, both unique per job); `failed` with the provider's code; an opt-out also goes on the DNC
 *    list. A throw where the provider certainly did not take the message → `deferred` with backoff; a
 *    throw where it may have → `reconcile`, never resent.
 * A job still `sending` after `sendingLeaseMs` (the process died between 3 and 5) is moved to
 * `reconcile` by the next batch of its tenant: the provider may have it, so it is shown, not resent.
 * One claimed but never marked (the claim clears `provider`, the mark sets it) was certainly not called:
 * after `claimLeaseMs` it goes back to the queue.
 *
 * Steps 2–5 run in bulk per chunk when every cap has room for the whole chunk (`sendChunk`); whatever
 * is not plainly sendable goes the job-by-job way, which decides the edges (a cap running out mid-chunk).
 *
 * After the batch: campaigns with nothing left to send are `done`, and the next wake-up is staged
 * through the outbox (at once when the batch was full, else at the earliest deferred job's time).
 */
import { and, eq, inArray, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { shortLinkToken } from '../../core/campaigns/short-link-token';
import { afterThrownSend } from '../../core/campaigns/send-outcome';
import { isDomainError } from '../../core/errors';
import { evaluateGates, type DncSource, type GateInput } from '../../core/gates/evaluate-gates';
import { quietHoursOverrideSchema, resolveQuietHoursPolicy } from '../../core/gates/quiet-hours';
import { resolveRecipientLocale } from '../../core/gates/recipient-locale';
import { defaultWarmupCurve, warmupCurveSchema, warmupDailyCap } from '../../core/gates/warmup-curve';
import { localDay, localMonth, utcMinute } from '../../core/gates/zoned-time';
import { newId } from '../../core/ids';
import { countSegments } from '../../core/messages/segments';
import { mergeValuesOf, parseTemplate, renderTemplate, withOptOutLine } from '../../core/messages/templates';
import { partCost } from '../../core/money/micros';
import type { Alerts } from '../../core/ports/alerts';
import type { CounterWindow, Counters } from '../../core/ports/counters';
import type { Queue } from '../../core/ports/queue';
import { smsErrorDetails, type SmsSendResult } from '../../core/ports/sms-provider';
import { senderLaneKeys, sendWakeUps, type sendWakeReasons } from '../../core/queue/send-batch-message';
import type { BulkSender } from '../../core/routing';
import { arrayLiteral, numberArrayLiteral } from '../../db/array-literals';
import { queryRows, type Db } from '../../db/client';
import { budgets, campaignSendingNumbers, campaigns, contacts, costs, doNotContact, events, messageTemplates, prices, sendingNumbers, sendJobs, shortLinks, tenants } from '../../db/schema/index';
import { tenantSpend } from '../enqueue/tenant-spend';
import type { Logger } from '../shared/log';
import { withOutbox } from '../shared/queue/outbox';
import type { Clock, RandomBytes } from '../shared/services';
import type { BulkAdapter } from '../shared/sms/create-sms';
import { afterSendBatch, createSendTally, type AlertPolicy } from './send-alerts';

export type SenderDeps = {
  db: Db;
  queue: Queue;
  counters: Counters;
  /** Spend near or at a cap, provider error spikes, auto-paused campaigns (send-alerts.ts). */
  alerts: Alerts;
  /** Overrides of the alert and auto-pause defaults (tests shorten the sample). */
  alerting?: Partial<AlertPolicy>;
  bulk: BulkSender<BulkAdapter>;
  log: Logger;
  now: Clock;
  random: RandomBytes;
  /** Status callbacks go to `${publicUrl}/api/webhooks/signalhouse`. */
  publicUrl: string;
  /** Short links are `${edgePublicUrl}/<token>`. */
  edgePublicUrl: string;
  /**
   * Jobs claimed per batch (default 250). They are taken to the provider in chunks of `chunkSize`, and
   * the fresh facts (pause, campaign status, DNC, suppression) are read again for every chunk, so a
   * pause or a STOP is honoured within one chunk.
   */
  batchSize?: number;
  /** Jobs per chunk (default 50): one read of fresh facts, one mark and one record per chunk. */
  chunkSize?: number;
  /** Provider calls of a chunk in flight at once (default 16). */
  callConcurrency?: number;
  /** A claimed job not yet marked for its call after this long goes back to the queue (default 2 minutes). */
  claimLeaseMs?: number;
  /** A job `sending` for longer than this is moved to reconciliation (default 10 minutes). */
  sendingLeaseMs?: number;
};

export type BatchOutcome = {
  claimed: number;
  sent: number;
  failed: number;
  deferred: number;
  skipped: number;
  reconcile: number;
  /** Jobs whose fence failed (someone else changed them meanwhile): left alone. */
  lost: number;
  /** Jobs found stuck in `sending` and moved to reconciliation by this batch. */
  stale: number;
  /** Claimed jobs handed back untouched (`queued`) because a cap ran out for their tenant or campaign. */
  released: number;
  next: { kind: 'continue' } | { kind: 'at'; at: string } | { kind: 'none' };
};

type Job = { id: string; campaign_id: string; contact_id: string; to_e164: string; template_id: string | null; attempts: number; correlation_id: string | null };
const jobRow = z.object({ id: z.string(), campaign_id: z.string(), contact_id: z.string(), to_e164: z.string(), template_id: z.string().nullable(), attempts: z.number().int(), correlation_id: z.string().nullable() });

type Taken = { key: string; window: CounterWindow; amount: number };

const linkLifetimeMs = 60 * 86_400_000;
/** How often a tenant's expired claims and leases are looked for. */
const sweepEverySeconds = 10;
/** How often a tenant's spend counters are checked against its recorded costs. */
const spendSyncSeconds = 60;
const noNumberRecheckMs = 5 * 60_000;

/** Claims up to `limit` due jobs (see the module comment, step 1). */
async function claimJobs(db: Db, input: { tenantId: string; campaignId: string | null; exclude: readonly string[]; now: Date; limit: number }): Promise<Job[]> {
  const now = input.now.toISOString();
  const rows = await queryRows(
    db,
    sql`update send_jobs j
           set status = 'sending', attempts = j.attempts + 1, claimed_at = ${now}::timestamptz, updated_at = ${now}::timestamptz,
               provider = case when j.provider_message_id is null then null else j.provider end
         where j.id in (
           select j2.id from send_jobs j2
             join campaigns c on c.id = j2.campaign_id
             join tenants t on t.id = j2.tenant_id
            where j2.tenant_id = ${input.tenantId}
              ${input.campaignId === null ? sql`` : sql`and j2.campaign_id = ${input.campaignId}`}
              ${input.exclude.length === 0 ? sql`` : sql`and j2.campaign_id not in (${sql.join(input.exclude.map((id) => sql`${id}`), sql`, `)})`}
              and j2.kind = 'campaign'
              and (j2.status = 'queued' or (j2.status = 'deferred' and j2.defer_until <= ${now}::timestamptz))
              and c.status in ('queued', 'sending') and t.paused_at is null
            order by j2.id
            limit ${input.limit}
            for update of j2 skip locked)
        returning j.id, j.campaign_id, j.contact_id, j.to_e164, j.template_id, j.attempts, j.correlation_id`,
  );
  return rows.map((r) => jobRow.parse(r)).sort((a, b) => (a.id < b.id ? -1 : 1));
}

const factsRow = z.object({
  paused_at: z.unknown(),
  campaign_status: z.enum(['draft', 'queued', 'sending', 'paused', 'done']),
  dnc_source: z.string().nullable(),
  suppression_reason: z.string().nullable(),
  suppression_expires_at: z.union([z.string(), z.date()]).nullable(),
});

/** What may have changed since the claim, read right before the call: pause, campaign status, DNC, suppression. */
async function freshFacts(db: Db, input: { tenantId: string; campaignId: string; phone: string; now: Date }) {
  const [row] = await queryRows(
    db,
    sql`select t.paused_at, c.status as campaign_status,
               (select d.source from do_not_contact d where d.tenant_id = t.id and d.phone_e164 = ${input.phone}) as dnc_source,
               s.reason as suppression_reason, s.expires_at as suppression_expires_at
          from tenants t
          join campaigns c on c.id = ${input.campaignId} and c.tenant_id = t.id
          left join lateral (
            select r.reason, r.expires_at from suppression_rules r
             where r.tenant_id = t.id and r.phone_e164 = ${input.phone} and r.lifted_at is null
               and (r.expires_at is null or r.expires_at > ${input.now.toISOString()}::timestamptz)
             order by r.expires_at desc nulls first limit 1) s on true
         where t.id = ${input.tenantId}`,
  );
  const facts = factsRow.parse(row);
  return {
    paused: facts.paused_at !== null,
    campaignStatus: facts.campaign_status,
    dnc: facts.dnc_source === null ? null : { source: facts.dnc_source as DncSource },
    suppression: facts.suppression_reason === null ? null : { reason: facts.suppression_reason, expiresAt: facts.suppression_expires_at === null ? null : new Date(facts.suppression_expires_at) },
  };
}

const chunkFactsRow = z.object({
  paused_at: z.unknown(),
  campaigns: z.array(z.tuple([z.string(), z.enum(['draft', 'queued', 'sending', 'paused', 'done'])])).nullable(),
  dnc: z.array(z.tuple([z.string(), z.string()])).nullable(),
  suppressions: z.array(z.tuple([z.string(), z.string(), z.string().nullable()])).nullable(),
});

/** `freshFacts` for a whole chunk in one read: the tenant's pause, its campaigns' status, and each phone's DNC row and active suppression. */
async function chunkFacts(db: Db, input: { tenantId: string; campaignIds: readonly string[]; phones: readonly string[]; now: Date }) {
  const list = (values: readonly string[]) => sql.join(values.map((v) => sql`${v}`), sql`, `);
  const [row] = await queryRows(
    db,
    sql`select t.paused_at,
               (select json_agg(json_build_array(c.id, c.status)) from campaigns c where c.tenant_id = t.id and c.id in (${list(input.campaignIds)})) as campaigns,
               (select json_agg(json_build_array(d.phone_e164, d.source)) from do_not_contact d where d.tenant_id = t.id and d.phone_e164 in (${list(input.phones)})) as dnc,
               (select json_agg(json_build_array(s.phone_e164, s.reason, s.expires_at)) from (
                  select distinct on (r.phone_e164) r.phone_e164, r.reason, r.expires_at from suppression_rules r
                   where r.tenant_id = t.id and r.phone_e164 in (${list(input.phones)}) and r.lifted_at is null
                     and (r.expires_at is null or r.expires_at > ${input.now.toISOString()}::timestamptz)
                   order by r.phone_e164, r.expires_at desc nulls first) s) as suppressions
          from tenants t
         where t.id = ${input.tenantId}`,
  );
  const facts = chunkFactsRow.parse(row);
  return {
    paused: facts.paused_at !== null,
    campaignStatus: new Map(facts.campaigns ?? []),
    dnc: new Map((facts.dnc ?? []).map(([phone, source]) => [phone, { source: source as DncSource }])),
    suppression: new Map((facts.suppressions ?? []).map(([phone, reason, expiresAt]) => [phone, { reason, expiresAt: expiresAt === null ? null : new Date(expiresAt) }])),
  };
}

export async function sendBatch(deps: SenderDeps, input: { tenantId: string; campaignId: string | null; reason?: (typeof sendWakeReasons)[number] }): Promise<BatchOutcome> {
  const { db, counters, log } = deps;
  const bulk = deps.bulk.adapter;
  const batchSize = deps.batchSize ?? 250;
  const chunkSize = Math.max(1, deps.chunkSize ?? 50);
  const callConcurrency = Math.max(1, deps.callConcurrency ?? 16);
  const started = deps.now();
  const outcome: BatchOutcome = { claimed: 0, sent: 0, failed: 0, deferred: 0, skipped: 0, reconcile: 0, lost: 0, stale: 0, released: 0, next: { kind: 'none' } };

  const claimLeaseMs = deps.claimLeaseMs ?? 2 * 60_000;
  // The two sweeps below look for jobs whose lease ran out (minutes), so once every few seconds per
  // tenant is soon enough; run on every batch they read every `sending` entry the index still holds
  // for jobs long finished (until vacuum removes them), a cost that grew with each message sent.
  if (await counters.setIfAbsent(`send-swept:${input.tenantId}`, sweepEverySeconds)) {
    // Claimed jobs that were never marked for their call (the mark sets `provider`, the claim clears it):
    // certainly not called, so they go back to the queue. The attempt keeps its number, so the sender
    // that claimed them, should it still be alive, fails its fenced mark and never calls.
    const claimCutoff = new Date(started.getTime() - claimLeaseMs);
    const unclaimed = await db
      .update(sendJobs)
      .set({ status: 'queued', claimedAt: null, updatedAt: started })
      .where(and(eq(sendJobs.tenantId, input.tenantId), eq(sendJobs.kind, 'campaign'), eq(sendJobs.status, 'sending'), isNull(sendJobs.provider), sql`${sendJobs.claimedAt} < ${claimCutoff.toISOString()}::timestamptz`))
      .returning({ id: sendJobs.id });
    if (unclaimed.length > 0) log.warn('claimed send jobs never marked for a call went back to the queue', { tenantId: input.tenantId, count: unclaimed.length });

    // Jobs stuck in `sending` after their mark (their sender died around the provider call): the provider may have them.
    const leaseCutoff = new Date(started.getTime() - (deps.sendingLeaseMs ?? 10 * 60_000));
    const stale = await db
      .update(sendJobs)
      .set({ status: 'reconcile', errorCode: 'outcome_unknown', errorMessage: 'the sender stopped between claiming this job and recording the provider’s answer; it is not resent', updatedAt: started })
      .where(and(eq(sendJobs.tenantId, input.tenantId), eq(sendJobs.status, 'sending'), or(isNotNull(sendJobs.provider), sql`${sendJobs.kind} <> 'campaign'`), sql`${sendJobs.claimedAt} < ${leaseCutoff.toISOString()}::timestamptz`))
      .returning({ id: sendJobs.id });
    outcome.stale = stale.length;
    if (stale.length > 0) log.warn('send jobs found stuck in sending moved to reconciliation', { tenantId: input.tenantId, jobs: stale.map((s) => s.id).slice(0, 20), count: stale.length });
  }

  // Caps that ran out (rate, spend, warm-up) rest the tenant or a campaign until they reset, so the
  // sender does not claim and defer the same waiting jobs over and over: it sleeps until then.
  const resting = new Map<string, Date>();
  // Written by the helpers below (an object, so every read sees the latest value).
  const caps: { notBefore: Date | null; tenantStopped: Date | null } = { notBefore: null, tenantStopped: null };
  const restUntil = (at: Date) => {
    if (caps.notBefore === null || at < caps.notBefore) caps.notBefore = at;
  };
  const tenantRest = await restingUntil(counters, restKey(input.tenantId, null), started);
  if (tenantRest !== null) {
    restUntil(tenantRest);
    outcome.next = await finishAndChain(deps, { tenantId: input.tenantId, campaignId: input.campaignId, full: false, started, exclude: null, notBefore: tenantRest });
    return outcome;
  }
  const sendable = await db
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(and(eq(campaigns.tenantId, input.tenantId), inArray(campaigns.status, ['queued', 'sending']), input.campaignId === null ? undefined : eq(campaigns.id, input.campaignId)));
  for (const { id } of sendable) {
    const until = await restingUntil(counters, restKey(input.tenantId, id), started);
    if (until !== null) {
      resting.set(id, until);
      restUntil(until);
    }
  }

  const jobs = await claimJobs(db, { tenantId: input.tenantId, campaignId: input.campaignId, exclude: [...resting.keys()], now: started, limit: batchSize });
  outcome.claimed = jobs.length;
  const campaignIds = [...new Set(jobs.map((j) => j.campaign_id))];

  if (jobs.length > 0) {
    await db.update(campaigns).set({ status: 'sending', updatedAt: started }).where(and(eq(campaigns.tenantId, input.tenantId), inArray(campaigns.id, campaignIds), eq(campaigns.status, 'queued')));

    // Everything the batch needs, a few queries for all its jobs.
    const [tenant] = await db.select().from(tenants).where(eq(tenants.id, input.tenantId));
    if (tenant === undefined) throw new Error(`send batch for a tenant that does not exist: ${input.tenantId}`);
    const [budget] = await db.select().from(budgets).where(eq(budgets.tenantId, input.tenantId));
    const campaignRows = await db.select().from(campaigns).where(and(eq(campaigns.tenantId, input.tenantId), inArray(campaigns.id, campaignIds)));
    const templateIds = [...new Set(jobs.map((j) => j.template_id).filter((t): t is string => t !== null))];
    const templateRows = templateIds.length === 0 ? [] : await db.select().from(messageTemplates).where(and(eq(messageTemplates.tenantId, input.tenantId), inArray(messageTemplates.id, templateIds)));
    const contactRows = await db.select().from(contacts).where(and(eq(contacts.tenantId, input.tenantId), inArray(contacts.id, [...new Set(jobs.map((j) => j.contact_id))])));
    const links = await db.select().from(campaignSendingNumbers).where(and(eq(campaignSendingNumbers.tenantId, input.tenantId), inArray(campaignSendingNumbers.campaignId, campaignIds)));
    const tenantNumbers = await db.select().from(sendingNumbers).where(and(eq(sendingNumbers.tenantId, input.tenantId), eq(sendingNumbers.use, 'bulk'), eq(sendingNumbers.status, 'active')));
    // A number must belong to the route's provider; the sandbox stands in for any bulk provider.
    const usable = tenantNumbers.filter((n) => n.provider === bulk.provider || bulk.sandbox);
    const numbersOf = (campaignId: string) => {
      const own = links.filter((l) => l.campaignId === campaignId).map((l) => l.sendingNumberId);
      return own.length === 0 ? usable : usable.filter((n) => own.includes(n.id));
    };
    // Whose first message from this tenant this is (it then carries the opt-out line).
    const contacted = new Set(
      contactRows.length === 0
        ? []
        : (
            // One probe per contact through the contact index, whatever the table's statistics say:
            // right after a big enqueue they still describe an empty table, and the planner then read
            // every job of the tenant, more with each batch sent.
            await queryRows<{ contact_id: string }>(
              db,
              sql`select k.id as contact_id from unnest(${arrayLiteral(contactRows.map((c) => c.id))}::text[]) as k(id)
                   where exists (select 1 from send_jobs j where j.tenant_id = ${input.tenantId} and j.contact_id = k.id and j.status in ('sent', 'delivered') offset 0)`,
            )
          ).map((r) => r.contact_id),
    );
    const priceCache = new Map<string, number | undefined>();
    const priceOf = async (country: string) => {
      if (!priceCache.has(country)) {
        const [row] = await db.select({ micros: prices.microsPerPart }).from(prices).where(and(eq(prices.provider, bulk.provider), eq(prices.country, country)));
        priceCache.set(country, row?.micros);
      }
      return priceCache.get(country);
    };
    const quietHours = resolveQuietHoursPolicy(quietHoursOverrideSchema.safeParse(tenant.quietHours ?? undefined).data ?? null);
    const curve = tenant.warmupCurve === null ? defaultWarmupCurve : (warmupCurveSchema.safeParse(tenant.warmupCurve).data ?? defaultWarmupCurve);

    // Spend counters are the fast, atomic cap; `costs` is the record. A counter that lost its count
    // (Redis flushed, a new window) is raised to what `costs` says before anything is taken from it.
    // Summing the month's costs grows with every message, so it runs at most once a minute per tenant:
    // a flushed Redis loses this flag with the counters, so the next batch reconciles at once.
    const day = localDay(started, tenant.timezone);
    const month = localMonth(started, tenant.timezone);
    const dayWindow: CounterWindow = { start: day.startsAt, end: day.endsAt };
    const monthWindow: CounterWindow = { start: month.startsAt, end: month.endsAt };
    const spendDayKey = `spend:${tenant.id}:day`;
    const spendMonthKey = `spend:${tenant.id}:month`;
    const spent = { day: 0, month: 0 };
    if (budget !== undefined) {
      spent.day = await counters.readWindow(spendDayKey, dayWindow);
      spent.month = await counters.readWindow(spendMonthKey, monthWindow);
      if (await counters.setIfAbsent(`spend-synced:${tenant.id}`, spendSyncSeconds)) {
        const recorded = await tenantSpend(db, tenant.id, tenant.timezone, started);
        if (spent.day < recorded.todayMicros) spent.day = await counters.incrementWindow(spendDayKey, dayWindow, recorded.todayMicros - spent.day);
        if (spent.month < recorded.thisMonthMicros) spent.month = await counters.incrementWindow(spendMonthKey, monthWindow, recorded.thisMonthMicros - spent.month);
      }
    }
    const tenantRateKey = `rate:${tenant.id}:minute`;

    const release: Job[] = [];
    const tally = createSendTally();
    const rest = async (campaignId: string | null, until: Date) => {
      await counters.setFlag(restKey(tenant.id, campaignId), until.toISOString(), Math.max(1, Math.ceil((until.getTime() - deps.now().getTime()) / 1000)));
      restUntil(until);
      if (campaignId === null) caps.tenantStopped = until;
      else resting.set(campaignId, until);
    };

    // Every write of an attempt is fenced on its token (see the module comment).
    const fenceOf = (job: Job): SQL | undefined => and(eq(sendJobs.id, job.id), eq(sendJobs.tenantId, tenant.id), eq(sendJobs.status, 'sending'), eq(sendJobs.attempts, job.attempts));
    const settleJob = async (job: Job, changes: Partial<typeof sendJobs.$inferInsert>): Promise<boolean> => {
      const rows = await db.update(sendJobs).set({ ...changes, updatedAt: deps.now() }).where(fenceOf(job)).returning({ id: sendJobs.id });
      if (rows.length === 0) outcome.lost += 1;
      return rows.length === 1;
    };
    const returnTaken = async (which: Taken[]) => {
      for (const t of which) await counters.incrementWindow(t.key, t.window, -t.amount);
    };
    type Call = {
      job: Job;
      campaign: (typeof campaignRows)[number];
      template: (typeof templateRows)[number];
      contact: (typeof contactRows)[number];
      number: (typeof usable)[number];
      parts: number;
      microsPerPart: number | undefined;
      estimatedCost: number;
      country: string;
      spendTaken: Taken[];
    };
    /** The provider threw (step 5): deferred when it certainly did not take the message, else reconciliation. */
    const recordThrown = async (call: Call, error: unknown): Promise<void> => {
      const { job, campaign, spendTaken } = call;
      tally.called(campaign.id, 'error');
      const after = afterThrownSend({ details: smsErrorDetails(error), code: isDomainError(error) ? error.code : undefined, attempts: job.attempts });
      const message = error instanceof Error ? error.message.slice(0, 500) : String(error);
      if (after.action === 'reconcile') {
        log.error('provider call ended without an answer we can trust; the job goes to reconciliation, never resent', { jobId: job.id, err: error });
        if (await settleJob(job, { status: 'reconcile', errorCode: after.errorCode, errorMessage: message })) outcome.reconcile += 1;
        return;
      }
      await returnTaken(spendTaken);
      if (after.action === 'fail') {
        if (await settleJob(job, { status: 'failed', errorCode: after.errorCode, errorMessage: message, failedAt: deps.now() })) outcome.failed += 1;
      } else {
        log.warn('provider unavailable; the job is retried later', { jobId: job.id, attempts: job.attempts, retryInMs: after.delayMs, errorCode: after.errorCode });
        if (await settleJob(job, { status: 'deferred', deferUntil: new Date(deps.now().getTime() + after.delayMs), skipReason: 'provider_unavailable', errorCode: after.errorCode, errorMessage: message })) outcome.deferred += 1;
      }
    };
    /** The provider answered (step 5): sent, or failed with its code (an opt-out also joins DNC). */
    const recordAnswer = async (call: Call, result: SmsSendResult): Promise<void> => {
      const { job, campaign, template, contact, number, parts, microsPerPart, estimatedCost, country, spendTaken } = call;
      const at = deps.now();
      tally.called(campaign.id, result.kind === 'accepted' ? 'sent' : result.kind === 'opted_out' ? 'opted_out' : 'failed');
      if (result.kind === 'accepted') {
        const finalParts = result.parts ?? parts;
        const finalCost = microsPerPart === undefined ? null : partCost(finalParts, microsPerPart);
        const recorded = await db.transaction(async (tx) => {
          const rows = await tx
            .update(sendJobs)
            .set({ status: 'sent', providerMessageId: result.providerMessageId, parts: finalParts, costMicros: finalCost, sentAt: at, errorCode: null, errorMessage: null, updatedAt: at })
            .where(fenceOf(job))
            .returning({ id: sendJobs.id });
          if (rows.length === 0) return false;
          if (finalCost !== null) {
            await tx.insert(costs).values({ id: newId('cost', at.getTime(), deps.random(10)), tenantId: tenant.id, kind: 'sms', sendJobId: job.id, amountMicros: finalCost, parts: finalParts, provider: bulk.provider, country, occurredAt: at }).onConflictDoNothing();
          }
          await tx
            .insert(events)
            .values({
              id: newId('event', at.getTime(), deps.random(10)),
              tenantId: tenant.id,
              type: 'SENT',
              contactId: contact.id,
              campaignId: campaign.id,
              sendJobId: job.id,
              templateId: template.id,
              occurredAt: at,
              data: { provider: bulk.provider, providerMessageId: result.providerMessageId, parts: finalParts, costMicros: finalCost, sandbox: result.sandbox, from: number.e164, to: job.to_e164 },
              correlationId: job.correlation_id,
              dedupeKey: `SENT:${job.id}`,
            })
            .onConflictDoNothing();
          return true;
        });
        if (!recorded) {
          // The provider has the message, but the job changed under us (a callback got there first):
          // log it loudly; nothing is resent either way.
          outcome.lost += 1;
          log.warn('sent, but the job changed before the outcome was recorded', { jobId: job.id, providerMessageId: result.providerMessageId });
          return;
        }
        outcome.sent += 1;
        contacted.add(contact.id);
        // The estimate took the spend; the provider's part count is the truth.
        if (finalCost !== null && estimatedCost > 0 && finalCost !== estimatedCost) {
          for (const t of spendTaken) await counters.incrementWindow(t.key, t.window, finalCost - estimatedCost);
        }
        return;
      }

      // Refused for good: nothing was charged.
      await returnTaken(spendTaken);
      const refusedRecorded = await db.transaction(async (tx) => {
        const rows = await tx
          .update(sendJobs)
          .set({ status: 'failed', errorCode: result.code, errorMessage: result.message.slice(0, 500), failedAt: at, providerMessageId: result.providerMessageId ?? null, updatedAt: at })
          .where(fenceOf(job))
          .returning({ id: sendJobs.id });
        if (rows.length === 0) return false;
        if (result.kind === 'opted_out') {
          // The carrier says this number opted out: no sending number of the tenant may text it again.
          await tx.insert(doNotContact).values({ tenantId: tenant.id, phoneE164: job.to_e164, source: 'provider_opt_out', reason: `${bulk.provider} ${result.code}: ${result.message}`.slice(0, 500), createdAt: at }).onConflictDoNothing();
        }
        await tx
          .insert(events)
          .values({
            id: newId('event', at.getTime(), deps.random(10)),
            tenantId: tenant.id,
            type: result.kind === 'opted_out' ? 'OPT_OUT' : 'FAILED',
            contactId: contact.id,
            campaignId: campaign.id,
            sendJobId: job.id,
            templateId: template.id,
            occurredAt: at,
            data: { provider: bulk.provider, kind: result.kind, code: result.code, message: result.message, source: 'provider' },
            correlationId: job.correlation_id,
            dedupeKey: `FAILED:${job.id}`,
          })
          .onConflictDoNothing();
        return true;
      });
      if (refusedRecorded) outcome.failed += 1;
      else outcome.lost += 1;
    };

    type Accepted = { call: Call; providerMessageId: string; sandbox: boolean; parts: number; cost: number | null; at: Date };
    /**
     * Step 5 for a chunk's accepted calls, one statement (so as atomic as a transaction, in one round
     * trip): the fenced update, then a `costs` row and a `SENT` event for exactly the jobs it updated.
     * The rows travel as parallel arrays read with `unnest` (db/array-literals.ts).
     */
    const recordAccepted = async (list: Accepted[]): Promise<void> => {
      if (list.length === 0) return;
      const ids = arrayLiteral(list.map((a) => a.call.job.id));
      const ats = arrayLiteral(list.map((a) => a.at.toISOString()));
      const costIds = arrayLiteral(list.map((a) => (a.cost === null ? null : newId('cost', a.at.getTime(), deps.random(10)))));
      const eventIds = arrayLiteral(list.map((a) => newId('event', a.at.getTime(), deps.random(10))));
      const data = arrayLiteral(
        list.map(({ call: { job, number }, ...a }) =>
          JSON.stringify({ provider: bulk.provider, providerMessageId: a.providerMessageId, parts: a.parts, costMicros: a.cost, sandbox: a.sandbox, from: number.e164, to: job.to_e164 }),
        ),
      );
      const rows = await queryRows<{ id: string }>(
        db,
        sql`with v as (
              select * from unnest(${ids}::text[], ${numberArrayLiteral(list.map((a) => a.call.job.attempts))}::int[],
                                   ${arrayLiteral(list.map((a) => a.providerMessageId))}::text[], ${numberArrayLiteral(list.map((a) => a.parts))}::int[],
                                   ${numberArrayLiteral(list.map((a) => a.cost))}::bigint[], ${ats}::timestamptz[], ${costIds}::text[],
                                   ${arrayLiteral(list.map((a) => a.call.country))}::text[], ${eventIds}::text[],
                                   ${arrayLiteral(list.map((a) => a.call.contact.id))}::text[], ${arrayLiteral(list.map((a) => a.call.campaign.id))}::text[],
                                   ${arrayLiteral(list.map((a) => a.call.template.id))}::text[], ${data}::text[],
                                   ${arrayLiteral(list.map((a) => a.call.job.correlation_id))}::text[])
                     as v(id, attempts, provider_message_id, parts, cost, at, cost_id, country, event_id, contact_id, campaign_id, template_id, data, correlation_id)
            ),
            sent as (
              update send_jobs j
                 set status = 'sent', provider_message_id = v.provider_message_id, parts = v.parts, cost_micros = v.cost, sent_at = v.at,
                     error_code = null, error_message = null, updated_at = v.at
                from v
               where j.id = v.id and j.tenant_id = ${tenant.id} and j.status = 'sending' and j.attempts = v.attempts
              returning j.id
            ),
            charged as (
              insert into costs (id, tenant_id, kind, send_job_id, amount_micros, parts, provider, country, occurred_at)
              select v.cost_id, ${tenant.id}, 'sms', v.id, v.cost, v.parts, ${bulk.provider}, v.country, v.at
                from v join sent on sent.id = v.id
               where v.cost is not null
              on conflict do nothing
            ),
            logged as (
              insert into events (id, tenant_id, type, contact_id, campaign_id, send_job_id, template_id, occurred_at, data, correlation_id, dedupe_key)
              select v.event_id, ${tenant.id}, 'SENT', v.contact_id, v.campaign_id, v.id, v.template_id, v.at, v.data::jsonb, v.correlation_id, 'SENT:' || v.id
                from v join sent on sent.id = v.id
              on conflict do nothing
            )
            select id from sent`,
      );
      const recorded = new Set(rows.map((r) => r.id));
      let correction = 0;
      for (const a of list) {
        if (!recorded.has(a.call.job.id)) {
          // The provider has the message, but the job changed under us: logged; nothing is resent.
          outcome.lost += 1;
          log.warn('sent, but the job changed before the outcome was recorded', { jobId: a.call.job.id, providerMessageId: a.providerMessageId });
          continue;
        }
        outcome.sent += 1;
        contacted.add(a.call.contact.id);
        if (a.cost !== null && a.call.estimatedCost > 0) correction += a.cost - a.call.estimatedCost;
      }
      // The estimates took the spend; the provider's part counts are the truth.
      if (correction !== 0 && budget !== undefined) {
        await counters.incrementWindow(spendDayKey, dayWindow, correction);
        await counters.incrementWindow(spendMonthKey, monthWindow, correction);
      }
    };

    /**
     * The fast path for one chunk. When every cap has room for all of the chunk's sendable jobs, the
     * fresh facts, each counter, the link minting, the mark and the record are one statement for the
     * whole chunk; the provider is still called once per job, after the fenced mark and before the
     * fenced record. Whatever is not plainly sendable (a gate holds it, a cap lacks room for the whole
     * chunk, a row is missing) is handed back untouched and decided job by job by the loop below,
     * exactly as before. Returns the jobs handed back.
     */
    const sendChunk = async (chunk: Job[], offset: number): Promise<Job[]> => {
      const now = deps.now();
      const minute = utcMinute(now);
      const minuteWindow: CounterWindow = { start: minute.startsAt, end: minute.endsAt };
      const facts = await chunkFacts(db, { tenantId: tenant.id, campaignIds: [...new Set(chunk.map((j) => j.campaign_id))], phones: [...new Set(chunk.map((j) => j.to_e164))], now });
      const left: Job[] = [];
      type Planned = Omit<Call, 'parts' | 'spendTaken'> & { render: (link: string | null) => string; usesLink: boolean };
      const planned: Planned[] = [];
      let estimatedTotal = 0;
      for (const [k, job] of chunk.entries()) {
        const campaign = campaignRows.find((c) => c.id === job.campaign_id);
        const template = templateRows.find((t) => t.id === job.template_id);
        const contact = contactRows.find((c) => c.id === job.contact_id);
        const campaignStatus = facts.campaignStatus.get(job.campaign_id);
        const candidates = campaign === undefined ? [] : numbersOf(campaign.id);
        if (resting.has(job.campaign_id) || campaign === undefined || template === undefined || contact === undefined || campaignStatus === undefined || candidates.length === 0) {
          left.push(job);
          continue;
        }
        const parsed = parseTemplate(template.body);
        if (parsed.errors.length > 0 || (parsed.usesLink && campaign.linkUrl === null)) {
          left.push(job);
          continue;
        }
        const firstMessage = !contacted.has(contact.id);
        const render = (link: string | null) => withOptOutLine(renderTemplate(template.body, mergeValuesOf(contact, link)).text, { firstMessage }).text;
        const estimateParts = Math.max(1, countSegments(render(parsed.usesLink ? `${deps.edgePublicUrl}/${'x'.repeat(10)}` : null)).parts);
        const locale = resolveRecipientLocale({ phoneE164: job.to_e164, contactTimezone: contact.timezone, contactCountry: contact.country, tenantTimezone: tenant.timezone, tenantDefaultCountry: tenant.defaultCountry });
        const country = locale.country ?? tenant.defaultCountry;
        const microsPerPart = await priceOf(country);
        const estimatedCost = microsPerPart === undefined ? 0 : partCost(estimateParts, microsPerPart);
        const verdict = evaluateGates({
          now,
          job: { kind: 'campaign', estimatedCostMicros: estimatedCost },
          tenant: { paused: facts.paused, timezone: tenant.timezone, defaultCountry: tenant.defaultCountry },
          campaign: { status: campaignStatus },
          budget: budget === undefined ? null : { dailyMicros: budget.dailyMicros, monthlyMicros: budget.monthlyMicros, spentTodayMicros: spent.day + estimatedTotal, spentThisMonthMicros: spent.month + estimatedTotal },
          recipient: { phoneE164: job.to_e164, timezone: contact.timezone, country: contact.country, doNotContact: facts.dnc.get(job.to_e164) ?? null, suppression: facts.suppression.get(job.to_e164) ?? null },
          quietHours,
          rate: { tenantPerMinute: null, tenantSentThisMinute: 0, numberPerMinute: null, numberSentThisMinute: 0 },
          warmup: null,
        });
        if (verdict.verdict !== 'send') {
          left.push(job);
          continue;
        }
        // The number the job-by-job path would try first (an even spread across the campaign's numbers).
        const number = candidates[(offset + k) % candidates.length];
        if (number === undefined) {
          left.push(job);
          continue;
        }
        estimatedTotal += estimatedCost;
        planned.push({ job, campaign, template, contact, number, microsPerPart, estimatedCost, country, render, usesLink: parsed.usesLink });
      }
      if (planned.length === 0) return left;

      // The counters, all or nothing per key: room for the whole chunk, or the chunk goes job by job.
      const taken: Taken[] = [];
      const takeAll = async (key: string, window: CounterWindow, amount: number, limit: number): Promise<boolean> => {
        const r = await counters.tryConsume(key, window, amount, limit);
        if (r.allowed) taken.push({ key, window, amount });
        return r.allowed;
      };
      let room = true;
      if (budget?.perMinute != null) room = await takeAll(tenantRateKey, minuteWindow, planned.length, budget.perMinute);
      if (room && budget !== undefined && estimatedTotal > 0) {
        room = (await takeAll(spendDayKey, dayWindow, estimatedTotal, budget.dailyMicros)) && (await takeAll(spendMonthKey, monthWindow, estimatedTotal, budget.monthlyMicros));
      }
      const perNumber = new Map<string, { number: Planned['number']; count: number }>();
      for (const p of planned) {
        const entry = perNumber.get(p.number.id) ?? { number: p.number, count: 0 };
        entry.count += 1;
        perNumber.set(p.number.id, entry);
      }
      for (const { number, count } of perNumber.values()) {
        if (!room) break;
        if (budget?.perNumberPerMinute != null) room = await takeAll(`rate:${tenant.id}:${number.id}:minute`, minuteWindow, count, budget.perNumberPerMinute);
        const cap = warmupDailyCap({ startedAt: number.warmupStartedAt, now, timeZone: tenant.timezone, curve });
        if (room && cap !== null) room = await takeAll(`warmup:${tenant.id}:${number.id}:day`, dayWindow, count, cap);
      }
      if (!room) {
        await returnTaken(taken);
        return chunk;
      }

      // Mark (step 3), one fenced statement: only the jobs it returns are called.
      const tokens = await mintLinks(db, { tenantId: tenant.id, jobs: planned.filter((p) => p.usesLink).map((p) => ({ sendJobId: p.job.id, campaignId: p.campaign.id, contactId: p.contact.id, targetUrl: p.campaign.linkUrl ?? '' })), now, random: deps.random });
      const marks = planned.map((p) => {
        const token = tokens.get(p.job.id);
        const body = p.render(p.usesLink && token !== undefined ? `${deps.edgePublicUrl}/${token}` : null);
        const parts = Math.max(1, countSegments(body).parts);
        return { ...p, body, parts, cost: p.microsPerPart === undefined ? null : partCost(parts, p.microsPerPart) };
      });
      const markedAt = deps.now().toISOString();
      const markedRows = await queryRows<{ id: string }>(
        db,
        sql`update send_jobs j
               set body = v.body, sending_number_id = v.number_id, provider = ${bulk.provider}, parts = v.parts, cost_micros = v.cost,
                   claimed_at = ${markedAt}::timestamptz, defer_until = null, skip_reason = null, updated_at = ${markedAt}::timestamptz
              from unnest(${arrayLiteral(marks.map((m) => m.job.id))}::text[], ${numberArrayLiteral(marks.map((m) => m.job.attempts))}::int[],
                          ${arrayLiteral(marks.map((m) => m.body))}::text[], ${arrayLiteral(marks.map((m) => m.number.id))}::text[],
                          ${numberArrayLiteral(marks.map((m) => m.parts))}::int[], ${numberArrayLiteral(marks.map((m) => m.cost))}::bigint[])
                   as v(id, attempts, body, number_id, parts, cost)
             where j.id = v.id and j.tenant_id = ${tenant.id} and j.status = 'sending' and j.attempts = v.attempts
            returning j.id`,
      );
      const marked = new Set(markedRows.map((r) => r.id));
      const spendOf = (m: { estimatedCost: number }): Taken[] =>
        budget !== undefined && m.estimatedCost > 0
          ? [
              { key: spendDayKey, window: dayWindow, amount: m.estimatedCost },
              { key: spendMonthKey, window: monthWindow, amount: m.estimatedCost },
            ]
          : [];
      const minuteCapped = budget?.perMinute != null || budget?.perNumberPerMinute != null;
      const accepted: Accepted[] = [];
      const callOne = async (m: (typeof marks)[number]): Promise<void> => {
        if (!marked.has(m.job.id)) {
          // Someone else changed the job since the claim: not called; what it took goes back.
          outcome.lost += 1;
          const mine: Taken[] = [...spendOf(m)];
          if (budget?.perMinute != null) mine.push({ key: tenantRateKey, window: minuteWindow, amount: 1 });
          if (budget?.perNumberPerMinute != null) mine.push({ key: `rate:${tenant.id}:${m.number.id}:minute`, window: minuteWindow, amount: 1 });
          if (warmupDailyCap({ startedAt: m.number.warmupStartedAt, now, timeZone: tenant.timezone, curve }) !== null) mine.push({ key: `warmup:${tenant.id}:${m.number.id}:day`, window: dayWindow, amount: 1 });
          await returnTaken(mine);
          return;
        }
        const call: Call = { job: m.job, campaign: m.campaign, template: m.template, contact: m.contact, number: m.number, parts: m.parts, microsPerPart: m.microsPerPart, estimatedCost: m.estimatedCost, country: m.country, spendTaken: spendOf(m) };
        if (minuteCapped && deps.now() >= minute.endsAt) {
          // The minute whose rate this job counted in is over: it waits for a count in the new one
          // rather than going out uncounted (the provider would see one more than the cap).
          await returnTaken(call.spendTaken);
          if (await settleJob(m.job, { status: 'deferred', deferUntil: minute.endsAt, skipReason: 'number_rate' })) outcome.deferred += 1;
          return;
        }
        let result: SmsSendResult;
        try {
          result = await bulk.send({ from: m.number.e164, to: m.job.to_e164, body: m.body, statusCallbackUrl: `${deps.publicUrl}/api/webhooks/signalhouse`, idempotencyKey: m.job.id });
        } catch (error) {
          await recordThrown(call, error);
          return;
        }
        if (result.kind !== 'accepted') {
          await recordAnswer(call, result);
          return;
        }
        tally.called(m.campaign.id, 'sent');
        const finalParts = result.parts ?? m.parts;
        accepted.push({ call, providerMessageId: result.providerMessageId, sandbox: result.sandbox, parts: finalParts, cost: m.microsPerPart === undefined ? null : partCost(finalParts, m.microsPerPart), at: deps.now() });
      };
      // A few calls in flight at once (a provider answers in network time, the sandbox in a commit's);
      // each job is still called once, after its own mark.
      const pending = [...marks];
      await Promise.all(
        Array.from({ length: Math.min(callConcurrency, pending.length) }, async () => {
          for (let m = pending.shift(); m !== undefined; m = pending.shift()) await callOne(m);
        }),
      );
      await recordAccepted(accepted);
      return left;
    };

    for (let from = 0; from < jobs.length; from += chunkSize) {
      const chunk = jobs.slice(from, from + chunkSize);
      // On the embedded database every query resolves without I/O, so a batch would otherwise hold the
      // event loop from start to end: between chunks, requests of the same process (the admin) get in.
      if (from > 0) await new Promise((resolve) => setTimeout(resolve, 0));
      if (deps.now().getTime() - started.getTime() > claimLeaseMs / 2) {
        // A slow batch (a slow provider) hands back what it has not started, well before its claim
        // lease could send those jobs back to the queue under it.
        release.push(...jobs.slice(from));
        break;
      }
      const leftovers = caps.tenantStopped !== null ? chunk : await sendChunk(chunk, from);
      for (const job of leftovers) {
        const index = from + chunk.indexOf(job);
        if (caps.tenantStopped !== null || resting.has(job.campaign_id)) {
          release.push(job);
          continue;
        }
        const now = deps.now();
        const fence = and(eq(sendJobs.id, job.id), eq(sendJobs.tenantId, tenant.id), eq(sendJobs.status, 'sending'), eq(sendJobs.attempts, job.attempts));
        const settle = async (changes: Partial<typeof sendJobs.$inferInsert>): Promise<boolean> => {
          const rows = await db.update(sendJobs).set({ ...changes, updatedAt: deps.now() }).where(fence).returning({ id: sendJobs.id });
          if (rows.length === 0) outcome.lost += 1;
          return rows.length === 1;
        };
        const defer = async (until: Date, reason: string) => {
          tally.held(reason);
          if (await settle({ status: 'deferred', deferUntil: until, skipReason: reason })) outcome.deferred += 1;
        };
        const skip = async (reason: string) => {
          if (await settle({ status: 'skipped', skipReason: reason, deferUntil: null })) outcome.skipped += 1;
        };
        const fail = async (code: string, message: string) => {
          if (await settle({ status: 'failed', errorCode: code, errorMessage: message, failedAt: now })) outcome.failed += 1;
        };

        const campaign = campaignRows.find((c) => c.id === job.campaign_id);
        const template = templateRows.find((t) => t.id === job.template_id);
        const contact = contactRows.find((c) => c.id === job.contact_id);
        if (campaign === undefined || template === undefined || contact === undefined) {
          await fail('missing_data', 'the campaign, template or contact of this job no longer exists');
          continue;
        }

        // Render with a link of the real length (the token is minted only if the job goes).
        const parsed = parseTemplate(template.body);
        if (parsed.errors.length > 0 || (parsed.usesLink && campaign.linkUrl === null)) {
          await fail('template_invalid', parsed.errors[0]?.message ?? 'the template uses {link} but the campaign has no link target');
          continue;
        }
        const firstMessage = !contacted.has(contact.id);
        const render = (link: string | null) => withOptOutLine(renderTemplate(template.body, mergeValuesOf(contact, link)).text, { firstMessage }).text;
        const placeholder = parsed.usesLink ? `${deps.edgePublicUrl}/${'x'.repeat(10)}` : null;
        const estimateParts = Math.max(1, countSegments(render(placeholder)).parts);
        const locale = resolveRecipientLocale({ phoneE164: job.to_e164, contactTimezone: contact.timezone, contactCountry: contact.country, tenantTimezone: tenant.timezone, tenantDefaultCountry: tenant.defaultCountry });
        const country = locale.country ?? tenant.defaultCountry;
        const microsPerPart = await priceOf(country);
        const estimatedCost = microsPerPart === undefined ? 0 : partCost(estimateParts, microsPerPart);

        const facts = await freshFacts(db, { tenantId: tenant.id, campaignId: campaign.id, phone: job.to_e164, now });
        const gateInput: GateInput = {
          now,
          job: { kind: 'campaign', estimatedCostMicros: estimatedCost },
          tenant: { paused: facts.paused, timezone: tenant.timezone, defaultCountry: tenant.defaultCountry },
          campaign: { status: facts.campaignStatus },
          budget: budget === undefined ? null : { dailyMicros: budget.dailyMicros, monthlyMicros: budget.monthlyMicros, spentTodayMicros: spent.day, spentThisMonthMicros: spent.month },
          recipient: { phoneE164: job.to_e164, timezone: contact.timezone, country: contact.country, doNotContact: facts.dnc, suppression: facts.suppression },
          quietHours,
          // The per-minute and per-number caps are enforced atomically by the counters below.
          rate: { tenantPerMinute: null, tenantSentThisMinute: 0, numberPerMinute: null, numberSentThisMinute: 0 },
          warmup: null,
        };
        const verdict = evaluateGates(gateInput);
        if (verdict.verdict === 'skip') {
          await skip(verdict.reason);
          continue;
        }
        if (verdict.verdict === 'defer') {
          await defer(verdict.until, verdict.reason);
          continue;
        }

        // Counters, atomically across senders; what was taken is given back if a later one refuses.
        const taken: Taken[] = [];
        const giveBack = async (which: Taken[]) => {
          for (const t of which) await counters.incrementWindow(t.key, t.window, -t.amount);
        };
        const take = async (key: string, window: CounterWindow, amount: number, limit: number) => {
          const result = await counters.tryConsume(key, window, amount, limit);
          if (result.allowed) taken.push({ key, window, amount });
          return result;
        };
        const minute = utcMinute(now);
        let refusal: { until: Date; reason: string } | null = null;
        if (budget?.perMinute != null) {
          const r = await take(tenantRateKey, 60, 1, budget.perMinute);
          if (!r.allowed) refusal = { until: r.resetAt, reason: 'tenant_rate' };
        }
        if (refusal === null && budget !== undefined && estimatedCost > 0) {
          const d = await take(spendDayKey, dayWindow, estimatedCost, budget.dailyMicros);
          if (!d.allowed) refusal = { until: day.endsAt, reason: 'daily_budget' };
          else {
            const m = await take(spendMonthKey, monthWindow, estimatedCost, budget.monthlyMicros);
            if (!m.allowed) refusal = { until: month.endsAt, reason: 'monthly_budget' };
          }
        }
        // A number with room this minute and today, starting from a different one per job (even spread).
        const candidates = numbersOf(campaign.id);
        let number: (typeof candidates)[number] | undefined;
        if (refusal === null) {
          if (candidates.length === 0) refusal = { until: new Date(now.getTime() + noNumberRecheckMs), reason: 'no_sending_number' };
          let earliest: { until: Date; reason: string } | null = null;
          for (let k = 0; refusal === null && number === undefined && k < candidates.length; k++) {
            const candidate = candidates[(index + k) % candidates.length];
            if (candidate === undefined) continue;
            const mine: Taken[] = [];
            let ok = true;
            if (budget?.perNumberPerMinute != null) {
              const r = await counters.tryConsume(`rate:${tenant.id}:${candidate.id}:minute`, 60, 1, budget.perNumberPerMinute);
              if (r.allowed) mine.push({ key: `rate:${tenant.id}:${candidate.id}:minute`, window: 60, amount: 1 });
              else {
                ok = false;
                if (earliest === null || r.resetAt < earliest.until) earliest = { until: r.resetAt, reason: 'number_rate' };
              }
            }
            const cap = warmupDailyCap({ startedAt: candidate.warmupStartedAt, now, timeZone: tenant.timezone, curve });
            if (ok && cap !== null) {
              const r = await counters.tryConsume(`warmup:${tenant.id}:${candidate.id}:day`, dayWindow, 1, cap);
              if (r.allowed) mine.push({ key: `warmup:${tenant.id}:${candidate.id}:day`, window: dayWindow, amount: 1 });
              else {
                ok = false;
                if (earliest === null || day.endsAt < earliest.until) earliest = { until: day.endsAt, reason: 'warmup_cap' };
              }
            }
            if (ok) {
              number = candidate;
              taken.push(...mine);
            } else await giveBack(mine);
          }
          if (refusal === null && number === undefined) refusal = earliest ?? { until: minute.endsAt, reason: 'number_rate' };
        }
        if (refusal !== null || number === undefined) {
          await giveBack(taken);
          const until = refusal?.until ?? minute.endsAt;
          const reason = refusal?.reason ?? 'number_rate';
          await defer(until, reason);
          // A cap of the whole tenant rests the tenant; one of the campaign's numbers rests the campaign.
          await rest(tenantCaps.has(reason) ? null : campaign.id, until);
          continue;
        }

        // Mark: the text and number of this attempt, and the moment of the call (the lease starts here).
        let link: string | null = null;
        if (parsed.usesLink && campaign.linkUrl !== null) link = `${deps.edgePublicUrl}/${await mintLink(db, { tenantId: tenant.id, campaignId: campaign.id, contactId: contact.id, sendJobId: job.id, targetUrl: campaign.linkUrl, now, random: deps.random })}`;
        const body = render(link);
        const parts = Math.max(1, countSegments(body).parts);
        const cost = microsPerPart === undefined ? null : partCost(parts, microsPerPart);
        const marked = await settle({ body, sendingNumberId: number.id, provider: bulk.provider, parts, costMicros: cost, claimedAt: deps.now(), deferUntil: null, skipReason: null });
        if (!marked) {
          await giveBack(taken);
          continue;
        }
        const spendTaken = taken.filter((t) => t.key === spendDayKey || t.key === spendMonthKey);

        const call: Call = { job, campaign, template, contact, number, parts, microsPerPart, estimatedCost, country, spendTaken };
        let result: SmsSendResult;
        try {
          result = await bulk.send({ from: number.e164, to: job.to_e164, body, statusCallbackUrl: `${deps.publicUrl}/api/webhooks/signalhouse`, idempotencyKey: job.id });
        } catch (error) {
          await recordThrown(call, error);
          continue;
        }
        await recordAnswer(call, result);
      }
    }

    if (release.length > 0) {
      // Untouched by this attempt: back to the queue, and the attempt does not count.
      const released = await db
        .update(sendJobs)
        .set({ status: 'queued', attempts: sql`${sendJobs.attempts} - 1`, claimedAt: null, updatedAt: deps.now() })
        .where(and(eq(sendJobs.tenantId, input.tenantId), eq(sendJobs.status, 'sending'), or(...release.map((j) => and(eq(sendJobs.id, j.id), eq(sendJobs.attempts, j.attempts))))))
        .returning({ id: sendJobs.id });
      outcome.released = released.length;
    }
    await afterSendBatch(deps, { tenant, campaigns: campaignRows, budget: budget ?? null, spend: { day: { key: spendDayKey, window: dayWindow }, month: { key: spendMonthKey, window: monthWindow } }, tally });
    if (caps.tenantStopped !== null) {
      outcome.next = await finishAndChain(deps, { tenantId: input.tenantId, campaignId: input.campaignId, full: false, started, exclude: null, notBefore: caps.tenantStopped });
      return outcome;
    }
  }

  outcome.next = await finishAndChain(deps, { tenantId: input.tenantId, campaignId: input.campaignId, full: jobs.length >= batchSize, started, exclude: [...resting.keys()], notBefore: caps.notBefore });
  return outcome;
}

/** Refusals that concern the whole tenant (every campaign waits); the others concern one campaign's numbers. */
const tenantCaps: ReadonlySet<string> = new Set(['tenant_rate', 'daily_budget', 'monthly_budget']);

function restKey(tenantId: string, campaignId: string | null): string {
  return campaignId === null ? `send-rest:${tenantId}` : `send-rest:${tenantId}:${campaignId}`;
}

async function restingUntil(counters: Counters, key: string, now: Date): Promise<Date | null> {
  const value = await counters.getFlag(key);
  const at = value === null ? Number.NaN : Date.parse(value);
  return Number.isFinite(at) && at > now.getTime() ? new Date(at) : null;
}

/** One short link per job (`short_links_send_job_key`): a retried job reuses its link, so its text stays the same. */
async function mintLink(db: Db, input: { tenantId: string; campaignId: string; contactId: string; sendJobId: string; targetUrl: string; now: Date; random: RandomBytes }): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const token = shortLinkToken(input.random(32));
    try {
      await db
        .insert(shortLinks)
        .values({ id: newId('shortLink', input.now.getTime(), input.random(10)), token, tenantId: input.tenantId, targetUrl: input.targetUrl, campaignId: input.campaignId, contactId: input.contactId, sendJobId: input.sendJobId, expiresAt: new Date(input.now.getTime() + linkLifetimeMs), createdAt: input.now })
        .onConflictDoNothing({ target: shortLinks.sendJobId });
    } catch (error) {
      // A token collision (1 in ~10^17): draw another.
      if ((error as { code?: unknown }).code === '23505' || (error as { cause?: { code?: unknown } }).cause?.code === '23505') continue;
      throw error;
    }
    const [row] = await db.select({ token: shortLinks.token }).from(shortLinks).where(eq(shortLinks.sendJobId, input.sendJobId));
    if (row !== undefined) return row.token;
  }
  throw new Error(`could not mint a short link for job ${input.sendJobId}`);
}

/**
 * `mintLink` for a chunk: one statement inserts the links of the jobs that need one (a job that has one
 * keeps it) and reads every job's token, its rows as parallel arrays read with `unnest`
 * (db/array-literals.ts). A job it cannot see (its link committed by another writer while the insert
 * waited, after this statement's snapshot) is read again. A token collision (1 in ~10^17 per pair)
 * falls back to `mintLink`.
 */
async function mintLinks(
  db: Db,
  input: { tenantId: string; jobs: readonly { sendJobId: string; campaignId: string; contactId: string; targetUrl: string }[]; now: Date; random: RandomBytes },
): Promise<Map<string, string>> {
  if (input.jobs.length === 0) return new Map();
  const expiresAt = new Date(input.now.getTime() + linkLifetimeMs).toISOString();
  const createdAt = input.now.toISOString();
  const jobIds = arrayLiteral(input.jobs.map((j) => j.sendJobId));
  let rows: { send_job_id: string; token: string }[];
  try {
    rows = await queryRows<{ send_job_id: string; token: string }>(
      db,
      sql`with minted as (
            insert into short_links (id, token, tenant_id, target_url, campaign_id, contact_id, send_job_id, expires_at, created_at)
            select r.id, r.token, ${input.tenantId}, r.target_url, r.campaign_id, r.contact_id, r.send_job_id, ${expiresAt}::timestamptz, ${createdAt}::timestamptz
              from unnest(${arrayLiteral(input.jobs.map(() => newId('shortLink', input.now.getTime(), input.random(10))))}::text[],
                          ${arrayLiteral(input.jobs.map(() => shortLinkToken(input.random(32))))}::text[],
                          ${arrayLiteral(input.jobs.map((j) => j.targetUrl))}::text[], ${arrayLiteral(input.jobs.map((j) => j.campaignId))}::text[],
                          ${arrayLiteral(input.jobs.map((j) => j.contactId))}::text[], ${jobIds}::text[])
                   as r(id, token, target_url, campaign_id, contact_id, send_job_id)
            on conflict (send_job_id) do nothing
            returning send_job_id, token
          )
          select send_job_id, token from minted
          union all
          select s.send_job_id, s.token from short_links s where s.send_job_id = any(${jobIds}::text[])`,
    );
  } catch (error) {
    if ((error as { code?: unknown }).code !== '23505' && (error as { cause?: { code?: unknown } }).cause?.code !== '23505') throw error;
    const tokens = new Map<string, string>();
    for (const j of input.jobs) tokens.set(j.sendJobId, await mintLink(db, { tenantId: input.tenantId, ...j, now: input.now, random: input.random }));
    return tokens;
  }
  const tokens = new Map(rows.map((r) => [r.send_job_id, r.token] as const));
  const unseen = input.jobs.filter((j) => !tokens.has(j.sendJobId)).map((j) => j.sendJobId);
  if (unseen.length > 0) {
    const again = await db.select({ sendJobId: shortLinks.sendJobId, token: shortLinks.token }).from(shortLinks).where(inArray(shortLinks.sendJobId, unseen));
    for (const r of again) if (r.sendJobId !== null) tokens.set(r.sendJobId, r.token);
  }
  return tokens;
}

const dueRow = z.object({ due: z.union([z.string(), z.date()]).nullable() });

/**
 * Closes campaigns with nothing left to send, and stages the next wake-up: at once after a full
 * batch (more is probably due), else at the earliest deferred job's time, else none (a later queue,
 * resume or tenant resume wakes the sender again).
 */
async function finishAndChain(
  deps: SenderDeps,
  input: {
    tenantId: string;
    campaignId: string | null;
    full: boolean;
    started: Date;
    /** Campaigns resting until a cap resets (their jobs are not due before `notBefore`); null → the whole tenant rests. */
    exclude: readonly string[] | null;
    /** The earliest moment a resting cap resets. */
    notBefore: Date | null;
  },
): Promise<BatchOutcome['next']> {
  return withOutbox(
    deps.db,
    deps.queue,
    async (tx, stage) => {
      const now = deps.now();
      const scope = input.campaignId === null ? sql`` : sql`and c.id = ${input.campaignId}`;
      await queryRows(
        tx,
        sql`update campaigns c set status = 'done', done_at = ${now.toISOString()}::timestamptz, updated_at = ${now.toISOString()}::timestamptz
             where c.tenant_id = ${input.tenantId} ${scope} and c.status in ('queued', 'sending')
               and not exists (select 1 from send_jobs j where j.campaign_id = c.id and j.status in ('queued', 'deferred', 'sending'))`,
      );
      if (input.full) {
        // Unique per batch: this chain goes on. Parallel chains end when the due work does.
        await stage(...sendWakeUps({ tenantId: input.tenantId, campaignId: input.campaignId, reason: 'continue', keys: [`batch:${newId('message', input.started.getTime(), deps.random(10))}`] }));
        return { kind: 'continue' } as const;
      }
      let due: Date | null = null;
      if (input.exclude !== null) {
        const exclude = input.exclude.length === 0 ? sql`` : sql`and c.id not in (${sql.join(input.exclude.map((id) => sql`${id}`), sql`, `)})`;
        const [row] = await queryRows(
          tx,
          sql`select min(coalesce(j.defer_until, ${now.toISOString()}::timestamptz)) as due
                from send_jobs j
                join campaigns c on c.id = j.campaign_id
                join tenants t on t.id = j.tenant_id
               where j.tenant_id = ${input.tenantId} ${scope} ${exclude} and j.kind = 'campaign' and j.status in ('queued', 'deferred')
                 and c.status in ('queued', 'sending') and t.paused_at is null`,
        );
        const value = dueRow.parse(row ?? { due: null }).due;
        due = value === null ? null : new Date(value);
      }
      if (input.notBefore !== null && (due === null || input.notBefore < due)) due = input.notBefore;
      if (due === null) return { kind: 'none' } as const;
      const at = due;
      // Keyed by the second it is due: every chain that finds the same earliest job stages the same
      // wake-ups, one per lane, so the lanes that rested start again together and no more.
      const seconds = Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 1000));
      await stage(...sendWakeUps({ tenantId: input.tenantId, campaignId: input.campaignId, reason: 'deferred', keys: senderLaneKeys(`at:${Math.ceil(at.getTime() / 1000)}`), delaySeconds: seconds }));
      return { kind: 'at', at: at.toISOString() } as const;
    },
    { now: deps.now, log: deps.log },
  );
}
