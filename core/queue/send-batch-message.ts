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
