/**
 * The 1:1 sender: takes one conversation job (a staff reply written in the inbox) through its gates to
 * the conversation route (Twilio, or the sandbox standing in for it), exactly once per attempt.
 *
 * The same steps as the campaign sender (send-batch.ts), for one job:
 * 1. **Claim** (one statement): `queued` → `sending`, `attempts + 1`. The new `attempts` is the attempt
 *    token; every later write is fenced on `status = 'sending' AND attempts = <token>`. A job someone
 *    else claimed (or already finished) is left alone: `not_claimed`.
 * 2. **Gates** on fresh facts (conversation kind, `gatesByJobKind.conversation`): pause, budget, DNC /
 *    opted out, suppression. No quiet hours and no warm-up: a reply is a person answering a person
 *    who wrote, at the moment the staff member chose (docs/conversations.md). A gate that would *defer*
 *    a campaign job (pause, a spent budget) **skips** a reply with the reason instead: a reply that goes
 *    out hours later, after the conversation moved on, would surprise both sides; the person sees
 *    "not sent: <reason>" at once and may retry.
 * 3. **Mark** (fenced): number, provider, estimated parts and cost, `claimed_at` = the call's moment.
 * 4. **Call** the provider once, with `<job id>` (first attempt) or `<job id>#<attempt>` (a retry the
 *    person asked for) as the idempotency key, so the sandbox's receipt log shows one call per attempt.
 * 5. **Record** (fenced): `sent` with the provider's id, parts and cost (`costs`, a `SENT` event);
 *    `failed` with the provider's code (a `FAILED` event, or `OPT_OUT` + a DNC row for an opted-out
 *    recipient). A throw where the provider certainly did not take it → `failed` with the code
 *    (`http_503`, …): the person retries, we do not resend on our own. A throw where it may have →
 *    `reconcile`, never resent.
 * A process that dies between 3 and 5 leaves the job `sending`; the campaign sender's stale sweep of
 * the tenant moves it to `reconcile` after the lease, like any job.
 */
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { afterThrownSend } from '../../core/campaigns/send-outcome';
import { isDomainError } from '../../core/errors';
import { evaluateGates, type DncSource } from '../../core/gates/evaluate-gates';
import { resolveQuietHoursPolicy } from '../../core/gates/quiet-hours';
import { resolveRecipientLocale } from '../../core/gates/recipient-locale';
import { localDay, localMonth } from '../../core/gates/zoned-time';
import { newId } from '../../core/ids';
import { countSegments } from '../../core/messages/segments';
import { partCost } from '../../core/money/micros';
import type { Counters } from '../../core/ports/counters';
import { smsErrorDetails, type SmsSendResult } from '../../core/ports/sms-provider';
import { routeJob, type ConversationSender } from '../../core/routing';
import { queryRows, type Db } from '../../db/client';
import { budgets, contacts, costs, doNotContact, events, prices, sendingNumbers, sendJobs, tenants } from '../../db/schema/index';
import { tenantSpend } from '../enqueue/tenant-spend';
import type { Logger } from '../shared/log';
import type { Clock, RandomBytes } from '../shared/services';
import type { ConversationAdapter } from '../shared/sms/create-sms';

export type ConversationSenderDeps = {
  db: Db;
  counters: Counters;
  conversation: ConversationSender<ConversationAdapter>;
  log: Logger;
  now: Clock;
  random: RandomBytes;
  /** Status callbacks go to `${publicUrl}/api/webhooks/twilio`. */
  publicUrl: string;
};

export type ConversationSendOutcome =
  | { outcome: 'sent'; providerMessageId: string }
  | { outcome: 'failed'; errorCode: string }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'reconcile' }
  /** Someone else holds or finished the job, or its fence moved: nothing was done. */
  | { outcome: 'not_claimed' };

const claimedRow = z.object({
  id: z.string(),
  contact_id: z.string(),
  to_e164: z.string(),
  body: z.string(),
  sending_number_id: z.string().nullable(),
  attempts: z.number().int(),
  correlation_id: z.string().nullable(),
});

const factsRow = z.object({
  dnc_source: z.string().nullable(),
  suppression_reason: z.string().nullable(),
  suppression_expires_at: z.union([z.string(), z.date()]).nullable(),
});

/** The idempotency key of one attempt: the job id for the first, `<id>#<n>` for a retry. */
export function attemptKey(jobId: string, attempt: number): string {
  return attempt <= 1 ? jobId : `${jobId}#${attempt}`;
}

export async function sendConversation(deps: ConversationSenderDeps, input: { tenantId: string; jobId: string }): Promise<ConversationSendOutcome> {
  const { db, log } = deps;
  const started = deps.now();
  const [claimed] = await queryRows(
    db,
    sql`update send_jobs set status = 'sending', attempts = attempts + 1, claimed_at = ${started.toISOString()}::timestamptz, updated_at = ${started.toISOString()}::timestamptz
         where id = ${input.jobId} and tenant_id = ${input.tenantId} and kind = 'conversation' and status = 'queued'
        returning id, contact_id, to_e164, body, sending_number_id, attempts, correlation_id`,
  );
  if (claimed === undefined) return { outcome: 'not_claimed' };
  const job = claimedRow.parse(claimed);
  // Type-level proof that this job goes through the 1:1 route only (core/routing.ts).
  const { sender } = routeJob({ kind: 'conversation' as const, id: job.id }, deps.conversation);
  const adapter = sender.adapter;

  const fence = and(eq(sendJobs.id, job.id), eq(sendJobs.tenantId, input.tenantId), eq(sendJobs.status, 'sending'), eq(sendJobs.attempts, job.attempts));
  const settle = async (changes: Partial<typeof sendJobs.$inferInsert>): Promise<boolean> => {
    const rows = await db.update(sendJobs).set({ ...changes, updatedAt: deps.now() }).where(fence).returning({ id: sendJobs.id });
    if (rows.length === 0) log.warn('conversation job changed under its sender; left alone', { jobId: job.id, attempt: job.attempts });
    return rows.length === 1;
  };
  const lost = { outcome: 'not_claimed' } as const;
  const skip = async (reason: string): Promise<ConversationSendOutcome> => ((await settle({ status: 'skipped', skipReason: reason, deferUntil: null })) ? { outcome: 'skipped', reason } : lost);
  const fail = async (code: string, message: string): Promise<ConversationSendOutcome> => {
    const at = deps.now();
    const recorded = await db.transaction(async (tx) => {
      const rows = await tx.update(sendJobs).set({ status: 'failed', errorCode: code, errorMessage: message.slice(0, 500), failedAt: at, updatedAt: at }).where(fence).returning({ id: sendJobs.id });
      if (rows.length === 0) return false;
      await tx
        .insert(events)
        .values({
          id: newId('event', at.getTime(), deps.random(10)),
          tenantId: input.tenantId,
          type: 'FAILED',
          contactId: job.contact_id,
          sendJobId: job.id,
          occurredAt: at,
          data: { kind: 'conversation', code, message: message.slice(0, 500), source: 'sender', attempt: job.attempts },
          correlationId: job.correlation_id,
          dedupeKey: `FAILED:${attemptKey(job.id, job.attempts)}`,
        })
        .onConflictDoNothing();
      return true;
    });
    return recorded ? { outcome: 'failed', errorCode: code } : lost;
  };

  const [tenant] = await db.select().from(tenants).where(eq(tenants.id, input.tenantId));
  const [contact] = await db.select().from(contacts).where(and(eq(contacts.tenantId, input.tenantId), eq(contacts.id, job.contact_id)));
  if (tenant === undefined || contact === undefined) return fail('missing_data', 'the contact of this message no longer exists');

  // The number chosen when the reply was written; it must still be an active 1:1 number of this route.
  const [number] =
    job.sending_number_id === null
      ? []
      : await db
          .select()
          .from(sendingNumbers)
          .where(and(eq(sendingNumbers.tenantId, input.tenantId), eq(sendingNumbers.id, job.sending_number_id), eq(sendingNumbers.use, 'conversation'), eq(sendingNumbers.status, 'active')));
  if (number === undefined || !(number.provider === adapter.provider || adapter.sandbox)) {
    return fail('no_conversation_number', 'no active conversation (1:1) number to send from; add one under Sending numbers');
  }

  const now = deps.now();
  const [row] = await queryRows(
    db,
    sql`select (select d.source from do_not_contact d where d.tenant_id = ${input.tenantId} and d.phone_e164 = ${job.to_e164}) as dnc_source,
               s.reason as suppression_reason, s.expires_at as suppression_expires_at
          from (select 1) one
          left join lateral (
            select r.reason, r.expires_at from suppression_rules r
             where r.tenant_id = ${input.tenantId} and r.phone_e164 = ${job.to_e164} and r.lifted_at is null
               and (r.expires_at is null or r.expires_at > ${now.toISOString()}::timestamptz)
             order by r.expires_at desc nulls first limit 1) s on true`,
  );
  const facts = factsRow.parse(row);
  const [budget] = await db.select().from(budgets).where(eq(budgets.tenantId, input.tenantId));
  const spend = budget === undefined ? null : await tenantSpend(db, input.tenantId, tenant.timezone, now);

  const locale = resolveRecipientLocale({ phoneE164: job.to_e164, contactTimezone: contact.timezone, contactCountry: contact.country, tenantTimezone: tenant.timezone, tenantDefaultCountry: tenant.defaultCountry });
  const country = locale.country ?? tenant.defaultCountry;
  const [price] = await db.select({ micros: prices.microsPerPart }).from(prices).where(and(eq(prices.provider, adapter.provider), eq(prices.country, country)));
  const parts = Math.max(1, countSegments(job.body).parts);
  const estimatedCost = price === undefined ? null : partCost(parts, price.micros);

  const verdict = evaluateGates({
    now,
    job: { kind: 'conversation', estimatedCostMicros: estimatedCost ?? 0 },
    tenant: { paused: tenant.pausedAt !== null, timezone: tenant.timezone, defaultCountry: tenant.defaultCountry },
    campaign: null,
    budget: budget === undefined || spend === null ? null : { dailyMicros: budget.dailyMicros, monthlyMicros: budget.monthlyMicros, spentTodayMicros: spend.todayMicros, spentThisMonthMicros: spend.thisMonthMicros },
    recipient: {
      phoneE164: job.to_e164,
      timezone: contact.timezone,
      country: contact.country,
      doNotContact: facts.dnc_source === null ? null : { source: facts.dnc_source as DncSource },
      suppression: facts.suppression_reason === null ? null : { reason: facts.suppression_reason, expiresAt: facts.suppression_expires_at === null ? null : new Date(facts.suppression_expires_at) },
    },
    // Not a gate of this kind (gatesByJobKind.conversation); the policy is required by the type only.
    quietHours: resolveQuietHoursPolicy(null),
    rate: { tenantPerMinute: null, tenantSentThisMinute: 0, numberPerMinute: null, numberSentThisMinute: 0 },
    warmup: null,
  });
  if (verdict.verdict !== 'send') return skip(verdict.reason);

  if (!(await settle({ sendingNumberId: number.id, provider: adapter.provider, parts, costMicros: estimatedCost, claimedAt: deps.now(), skipReason: null, deferUntil: null }))) return lost;

  let result: SmsSendResult;
  try {
    result = await adapter.send({ from: number.e164, to: job.to_e164, body: job.body, statusCallbackUrl: `${deps.publicUrl}/api/webhooks/twilio`, idempotencyKey: attemptKey(job.id, job.attempts) });
  } catch (error) {
    const after = afterThrownSend({ details: smsErrorDetails(error), code: isDomainError(error) ? error.code : undefined, attempts: job.attempts });
    const message = error instanceof Error ? error.message.slice(0, 500) : String(error);
    if (after.action === 'reconcile') {
      log.error('1:1 provider call ended without an answer we can trust; the reply goes to reconciliation, never resent', { jobId: job.id, err: error });
      return (await settle({ status: 'reconcile', errorCode: after.errorCode, errorMessage: message })) ? { outcome: 'reconcile' } : lost;
    }
    // The provider certainly did not take it: the person sees the failure now and may retry.
    return fail(after.errorCode, message);
  }

  const at = deps.now();
  if (result.kind === 'accepted') {
    const providerMessageId = result.providerMessageId;
    const finalParts = result.parts ?? parts;
    const finalCost = price === undefined ? null : partCost(finalParts, price.micros);
    const recorded = await db.transaction(async (tx) => {
      const rows = await tx
        .update(sendJobs)
        .set({ status: 'sent', providerMessageId, parts: finalParts, costMicros: finalCost, sentAt: at, errorCode: null, errorMessage: null, failedAt: null, deliveredAt: null, updatedAt: at })
        .where(fence)
        .returning({ id: sendJobs.id });
      if (rows.length === 0) return false;
      if (finalCost !== null) {
        // One costs row per job (`costs_send_job_key`); a retry the person asked for is a second charge.
        await tx
          .insert(costs)
          .values({ id: newId('cost', at.getTime(), deps.random(10)), tenantId: input.tenantId, kind: 'sms', sendJobId: job.id, amountMicros: finalCost, parts: finalParts, provider: adapter.provider, country, occurredAt: at })
          .onConflictDoUpdate({ target: costs.sendJobId, set: { amountMicros: sql`${costs.amountMicros} + excluded.amount_micros`, parts: sql`${costs.parts} + excluded.parts`, occurredAt: at } });
      }
      await tx
        .insert(events)
        .values({
          id: newId('event', at.getTime(), deps.random(10)),
          tenantId: input.tenantId,
          type: 'SENT',
          contactId: job.contact_id,
          sendJobId: job.id,
          occurredAt: at,
          data: { kind: 'conversation', provider: adapter.provider, providerMessageId, parts: finalParts, costMicros: finalCost, sandbox: result.sandbox, from: number.e164, to: job.to_e164, attempt: job.attempts },
          correlationId: job.correlation_id,
          dedupeKey: `SENT:${attemptKey(job.id, job.attempts)}`,
        })
        .onConflictDoNothing();
      return true;
    });
    if (!recorded) {
      log.warn('1:1 reply sent, but the job changed before the outcome was recorded', { jobId: job.id, providerMessageId });
      return lost;
    }
    if (finalCost !== null && budget !== undefined) {
      // Keep the campaign sender's fast spend counters in step with `costs` (it also catches up from `costs`).
      const day = localDay(at, tenant.timezone);
      const month = localMonth(at, tenant.timezone);
      await deps.counters.incrementWindow(`spend:${input.tenantId}:day`, { start: day.startsAt, end: day.endsAt }, finalCost);
      await deps.counters.incrementWindow(`spend:${input.tenantId}:month`, { start: month.startsAt, end: month.endsAt }, finalCost);
    }
    return { outcome: 'sent', providerMessageId };
  }

  const refusal = result;
  const recorded = await db.transaction(async (tx) => {
    const rows = await tx
      .update(sendJobs)
      .set({ status: 'failed', errorCode: refusal.code, errorMessage: refusal.message.slice(0, 500), failedAt: at, providerMessageId: refusal.kind === 'rejected' ? (refusal.providerMessageId ?? null) : null, updatedAt: at })
      .where(fence)
      .returning({ id: sendJobs.id });
    if (rows.length === 0) return false;
    if (refusal.kind === 'opted_out') {
      // The carrier says this number opted out: no number of the tenant may text it again.
      await tx.insert(doNotContact).values({ tenantId: input.tenantId, phoneE164: job.to_e164, source: 'provider_opt_out', reason: `${adapter.provider} ${refusal.code}: ${refusal.message}`.slice(0, 500), createdAt: at }).onConflictDoNothing();
    }
    await tx
      .insert(events)
      .values({
        id: newId('event', at.getTime(), deps.random(10)),
        tenantId: input.tenantId,
        type: refusal.kind === 'opted_out' ? 'OPT_OUT' : 'FAILED',
        contactId: job.contact_id,
        sendJobId: job.id,
        occurredAt: at,
        data: { kind: 'conversation', provider: adapter.provider, result: refusal.kind, code: refusal.code, message: refusal.message, source: 'provider', attempt: job.attempts },
        correlationId: job.correlation_id,
        dedupeKey: `FAILED:${attemptKey(job.id, job.attempts)}`,
      })
      .onConflictDoNothing();
    return true;
  });
  return recorded ? { outcome: 'failed', errorCode: refusal.code } : lost;
}

/** What the 1:1 sender needs, from the composition root's services. */
export function conversationSenderDeps(services: {
  db: Db;
  counters: Counters;
  sms: { conversation: ConversationSender<ConversationAdapter> };
  log: Logger;
  now: Clock;
  random: RandomBytes;
  config: { publicUrl: string };
}): ConversationSenderDeps {
  return { db: services.db, counters: services.counters, conversation: services.sms.conversation, log: services.log, now: services.now, random: services.random, publicUrl: services.config.publicUrl };
}

/** A reply still `queued` this long after it was written lost its inline send (the request died). */
export const replyPickupAfterMs = 30_000;
/** A reply not sent within this long is failed instead: sending it later would surprise both sides. */
export const replyExpiresAfterMs = 10 * 60_000;

/**
 * The safety net for replies whose inline send never ran (the API process died between the commit and
 * the call): for the cron tick. Replies queued for more than `replyPickupAfterMs` are sent now (the
 * claim keeps this from racing a late inline send into a second call); replies older than
 * `replyExpiresAfterMs` are failed with `not_sent_in_time`, shown in the thread with Retry.
 */
export async function sweepConversationReplies(deps: ConversationSenderDeps, options: { limit?: number } = {}): Promise<{ sent: number; expired: number; other: number }> {
  const now = deps.now();
  const pickup = new Date(now.getTime() - replyPickupAfterMs).toISOString();
  const expiry = new Date(now.getTime() - replyExpiresAfterMs).toISOString();
  const expired = await queryRows(
    deps.db,
    sql`update send_jobs set status = 'failed', error_code = 'not_sent_in_time', error_message = 'this reply was not sent within 10 minutes of being written; retry if it is still wanted',
               failed_at = ${now.toISOString()}::timestamptz, updated_at = ${now.toISOString()}::timestamptz
         where kind = 'conversation' and status = 'queued' and created_at < ${expiry}::timestamptz
        returning id`,
  );
  const due = z
    .array(z.object({ id: z.string(), tenant_id: z.string() }))
    .parse(
      await queryRows(
        deps.db,
        sql`select id, tenant_id from send_jobs
             where kind = 'conversation' and status = 'queued' and created_at < ${pickup}::timestamptz
             order by created_at limit ${options.limit ?? 50}`,
      ),
    );
  const outcome = { sent: 0, expired: expired.length, other: 0 };
  for (const job of due) {
    const result = await sendConversation(deps, { tenantId: job.tenant_id, jobId: job.id });
    if (result.outcome === 'sent') outcome.sent += 1;
    else outcome.other += 1;
  }
  if (due.length > 0 || expired.length > 0) deps.log.warn('1:1 replies left queued by a lost request were picked up', outcome);
  return outcome;
}
