/**
 * The database side of STOP and START, inside the caller's transaction (the webhook records the
 * inbound message, the opt-out and the cancelled jobs in one commit, so none exists without the others).
 *
 * - `recordOptOut`: the number goes on the tenant's `do_not_contact` list (one row per tenant and number,
 *   read by every sending number and provider of the tenant), and the contact's `queued` and `deferred`
 *   jobs of every kind are `cancelled` with skip reason `opted_out`. A job already claimed (`sending`) is
 *   left to the sender, whose final gate check reads the DNC row right before the provider call
 *   (functions/send/send-batch.ts `freshFacts`): a STOP committed before that read stops the send.
 * - `recordOptIn`: lifts the number's own opt-outs (STOP keyword, provider opt-out); a staff or import
 *   entry stays (core/webhooks/inbound-decision.ts `optInLifts`).
 *
 * Both are idempotent: a replay finds the row already there (or gone) and no job left to cancel.
 */
import { and, eq, inArray, or } from 'drizzle-orm';
import { optInLifts } from '../../../core/webhooks/inbound-decision';
import type { Tx } from '../../../db/client';
import { doNotContact, sendJobs } from '../../../db/schema/index';

export type OptOutResult = {
  /** False when the number was already on the list (a second STOP, or staff had put it there). */
  newlyOptedOut: boolean;
  cancelledJobIds: string[];
};

export async function recordOptOut(
  tx: Tx,
  input: { tenantId: string; phoneE164: string; contactId: string | null; reason: string; at: Date },
): Promise<OptOutResult> {
  const inserted = await tx
    .insert(doNotContact)
    .values({ tenantId: input.tenantId, phoneE164: input.phoneE164, source: 'stop_keyword', reason: input.reason.slice(0, 500), createdAt: input.at })
    .onConflictDoNothing()
    .returning({ phone: doNotContact.phoneE164 });
  const whose = input.contactId === null ? eq(sendJobs.toE164, input.phoneE164) : or(eq(sendJobs.contactId, input.contactId), eq(sendJobs.toE164, input.phoneE164));
  const cancelled = await tx
    .update(sendJobs)
    .set({ status: 'cancelled', skipReason: 'opted_out', updatedAt: input.at })
    .where(and(eq(sendJobs.tenantId, input.tenantId), whose, inArray(sendJobs.status, ['queued', 'deferred'])))
    .returning({ id: sendJobs.id });
  return { newlyOptedOut: inserted.length > 0, cancelledJobIds: cancelled.map((c) => c.id) };
}

export type OptInResult = {
  /** True when an opt-out of the number's own was lifted. */
  lifted: boolean;
  /** The source of a DNC entry START does not lift (manual, import), or null when the number is free. */
  stillBlockedBy: string | null;
};

export async function recordOptIn(tx: Tx, input: { tenantId: string; phoneE164: string }): Promise<OptInResult> {
  const removed = await tx
    .delete(doNotContact)
    .where(and(eq(doNotContact.tenantId, input.tenantId), eq(doNotContact.phoneE164, input.phoneE164), inArray(doNotContact.source, [...optInLifts])))
    .returning({ phone: doNotContact.phoneE164 });
  const [left] = await tx
    .select({ source: doNotContact.source })
    .from(doNotContact)
    .where(and(eq(doNotContact.tenantId, input.tenantId), eq(doNotContact.phoneE164, input.phoneE164)));
  return { lifted: removed.length > 0, stillBlockedBy: left?.source ?? null };
}
