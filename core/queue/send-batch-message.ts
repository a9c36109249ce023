/**
 * `send.batch`: wakes the sender for one tenant (and, when set, one campaign). The sender claims a
 * small batch of due jobs, sends them, and stages the next `send.batch` while due jobs remain, or one
 * delayed until the earliest deferred job is due. Staged by queueing a campaign, resuming it, lifting
 * a tenant's pause, and by the sender itself.
 *
 * The message carries no jobs: the database is the work list, so a duplicate or late delivery only
 * finds less to do, and a lost one is made good by the next wake-up (cron also wakes tenants with due
 * jobs).
 */
import { z } from 'zod';
import type { OutgoingMessage } from '../ports/queue';
import { defineMessage } from './define-message';

export const sendWakeReasons = ['queued', 'resumed', 'tenant_resumed', 'continue', 'deferred', 'sweep'] as const;

export const sendBatchMessage = defineMessage(
  'send.batch',
  1,
  z.object({
    tenantId: z.string().min(1).max(64),
    /** Null → any due job of the tenant. */
    campaignId: z.string().min(1).max(64).nullable(),
    reason: z.enum(sendWakeReasons),
  }),
);

/**
 * Scope: one wake-up. `key` names the event that caused it (an audit row's request, a batch's claim
 * token, a deferral instant), so a handler that runs twice stages its wake-up once.
 */
export function sendBatchDedupeId(input: { tenantId: string; campaignId: string | null; key: string }): string {
  return `send:${input.tenantId}:${input.campaignId ?? '*'}:${input.key}`;
}

/**
 * Sender lanes: a wake-up that starts or restarts sending (a queue, a resume, deferred jobs coming
 * due, the cron sweep) starts this many chains for the tenant, one message per lane. Each chain
 * continues itself only while its batch came back full and ends when the due work does, so the
 * number of chains never grows past the lanes started. Claims are `SKIP LOCKED` and every cap is an
 * atomic counter, so lanes never share a job and never overrun a cap. Why more than one: a chain
 * spends about half its time waiting on database round trips (measured on the local PostgreSQL), and a
 * second lane fills that time. The cost: a crash can leave one chunk per lane in reconciliation.
 */
export const senderLanes = 2;

/** The dedupe keys of one wake-up's lanes: the first lane keeps the event's own key. */
export function senderLaneKeys(key: string): string[] {
  return Array.from({ length: senderLanes }, (_, lane) => (lane === 0 ? key : `${key}:lane:${lane}`));
}

/** The `send.batch` messages to stage for one wake-up: one per key (`senderLaneKeys(key)`, or a chain's own single key). */
export function sendWakeUps(input: {
  tenantId: string;
  campaignId: string | null;
  reason: (typeof sendWakeReasons)[number];
  keys: readonly string[];
  delaySeconds?: number;
  correlationId?: string | null;
}): (OutgoingMessage & { tenantId: string })[] {
  const { tenantId, campaignId, reason } = input;
  return input.keys.map((key) => ({
    destination: 'send' as const,
    body: sendBatchMessage.envelope({ tenantId, campaignId, reason }),
    dedupeId: sendBatchDedupeId({ tenantId, campaignId, key }),
    tenantId,
    ...(input.delaySeconds !== undefined && input.delaySeconds > 0 ? { delaySeconds: input.delaySeconds } : {}),
    ...(input.correlationId == null ? {} : { correlationId: input.correlationId }),
  }));
}
