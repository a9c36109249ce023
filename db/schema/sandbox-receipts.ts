/**
 * The sandbox SMS provider's own log (functions/shared/sms/sandbox.ts): one row per call it received,
 * written before it answers, so the log survives a kill -9 of the caller a moment later. Tests count
 * provider calls per job from it (`idempotency_key` is the job's identity), which is how "at most one
 * provider call per job" is proven.
 *
 * An accepted message also schedules its status callback here: `deliver_after` says when, and
 * `callback_status` what it will report. A delivery claims the row by pushing `deliver_after` forward
 * (a lease) and sets `callback_delivered_at` once the webhook answered 2xx.
 *
 * Like `relay_messages`, the rows are a stand-in provider's state, not tenant data: the provider knows
 * numbers, not tenants.
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { instant, oneOf } from './columns';

export const sandboxImitations = ['signalhouse', 'twilio'] as const;
export const sandboxOutcomes = ['accepted', 'opted_out', 'invalid_number', 'rejected', 'unavailable'] as const;
export const sandboxCallbackStatuses = ['delivered', 'failed'] as const;

export const sandboxReceipts = pgTable(
  'sandbox_receipts',
  {
    /** `SBX…`: the message id the sandbox answers with (for an accepted message). */
    id: text('id').primaryKey(),
    /** Whose wire format the sandbox speaks for this call (its status callback goes out in that format). */
    imitates: text('imitates', { enum: sandboxImitations }).notNull(),
    fromNumber: text('from_number').notNull(),
    toNumber: text('to_number').notNull(),
    body: text('body').notNull(),
    parts: integer('parts').notNull(),
    statusCallbackUrl: text('status_callback_url').notNull(),
    /** The caller's job identity, when it gave one. */
    idempotencyKey: text('idempotency_key'),
    outcome: text('outcome', { enum: sandboxOutcomes }).notNull(),
    /** The provider's code for a refusal, in the imitated provider's terms (`21610`, `OUT`, …). */
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    receivedAt: instant('received_at').notNull(),
    /** What the status callback will report; null → no callback (the message was not accepted). */
    callbackStatus: text('callback_status', { enum: sandboxCallbackStatuses }),
    callbackErrorCode: text('callback_error_code'),
    /** When the callback is due (moved forward while a delivery holds it). */
    deliverAfter: instant('deliver_after'),
    callbackAttempts: integer('callback_attempts').notNull().default(0),
    callbackDeliveredAt: instant('callback_delivered_at'),
  },
  (t) => [
    index('sandbox_receipts_idempotency_key_idx').on(t.idempotencyKey),
    index('sandbox_receipts_to_number_idx').on(t.toNumber, t.receivedAt),
    index('sandbox_receipts_due_idx').on(t.deliverAfter).where(sql`${t.callbackDeliveredAt} is null and ${t.deliverAfter} is not null`),
    oneOf('sandbox_receipts_imitates_check', t.imitates, sandboxImitations),
    oneOf('sandbox_receipts_outcome_check', t.outcome, sandboxOutcomes),
    check('sandbox_receipts_callback_status_check', sql`${t.callbackStatus} is null or ${t.callbackStatus} in ('delivered', 'failed')`),
    check('sandbox_receipts_callback_check', sql`(${t.callbackStatus} is null) = (${t.deliverAfter} is null)`),
    check('sandbox_receipts_parts_check', sql`${t.parts} >= 0`),
  ],
);
