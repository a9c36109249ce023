/**
 * A campaign's progress: its send jobs counted by status, and the skipped ones by reason, in one
 * grouped query over `send_jobs_campaign_status_idx` for any number of campaigns (the list shows them
 * all at once). Every bucket is exclusive: a delivered message counts under `delivered`, not also
 * under `sent`, so the buckets add up to `total`.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { sendJobStatuses, type SendJobStatus } from '../../db/schema/send-jobs';
import { queryRows, type Db } from '../../db/client';

export type CampaignCounts = Record<SendJobStatus, number> & {
  total: number;
  /** Skipped (never sent) by reason: dnc, opted_out, suppressed, invalid, and the send-time gates' reasons. */
  skippedByReason: Record<string, number>;
  /** Deferred (will go later) by the gate that held them: quiet_hours, daily_budget, number_rate, … */
  deferredByReason: Record<string, number>;
};

export function emptyCounts(): CampaignCounts {
  const counts = Object.fromEntries(sendJobStatuses.map((s) => [s, 0])) as Record<SendJobStatus, number>;
  return { ...counts, total: 0, skippedByReason: {}, deferredByReason: {} };
}

const row = z.object({ campaign_id: z.string(), status: z.enum(sendJobStatuses), skip_reason: z.string().nullable(), n: z.number().int() });

export async function campaignProgress(db: Db, tenantId: string, campaignIds: readonly string[]): Promise<Map<string, CampaignCounts>> {
  const result = new Map<string, CampaignCounts>(campaignIds.map((id) => [id, emptyCounts()]));
  if (campaignIds.length === 0) return result;
  const rows = await queryRows(
    db,
    sql`select campaign_id, status, case when status in ('skipped', 'deferred') then skip_reason end as skip_reason, count(*)::int as n
          from send_jobs
         where tenant_id = ${tenantId} and campaign_id in (${sql.join(campaignIds.map((id) => sql`${id}`), sql`, `)})
         group by 1, 2, 3`,
  );
  for (const raw of rows) {
    const r = row.parse(raw);
    const counts = result.get(r.campaign_id);
    if (counts === undefined) continue;
    counts[r.status] += r.n;
    counts.total += r.n;
    if (r.status === 'skipped') {
      const reason = r.skip_reason ?? 'unknown';
      counts.skippedByReason[reason] = (counts.skippedByReason[reason] ?? 0) + r.n;
    } else if (r.status === 'deferred') {
      const reason = r.skip_reason ?? 'unknown';
      counts.deferredByReason[reason] = (counts.deferredByReason[reason] ?? 0) + r.n;
    }
  }
  return result;
}
