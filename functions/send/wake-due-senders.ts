/**
 * The safety net of the send chain, run by every cron tick: a tenant that has due campaign jobs (or
 * jobs stuck in `sending` past their lease: 2 minutes for a claim never marked for its call, 10 for a
 * marked one, as in send-batch.ts) but whose sender has claimed nothing for two minutes gets
 * a `send.batch` wake-up. A wake-up lost anywhere (a delayed message dropped, a dead-lettered
 * delivery, a deploy) therefore delays sending by minutes, never drops it; a tenant whose chain is
 * running is left alone, so the sweep never multiplies chains. At most one sweep wake-up per tenant
 * and lane per minute (its dedupe id is the minute and the lane).
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { senderLaneKeys, sendWakeUps } from '../../core/queue/send-batch-message';
import { queryRows, type Db } from '../../db/client';
import type { Queue } from '../../core/ports/queue';
import type { Logger } from '../shared/log';
import { withOutbox } from '../shared/queue/outbox';

const idleMs = 2 * 60_000;
const claimLeaseMs = 2 * 60_000;
const sendingLeaseMs = 10 * 60_000;

export async function wakeDueSenders(deps: { db: Db; queue: Queue; log: Logger; now: () => Date }, options: { limit?: number } = {}): Promise<number> {
  const now = deps.now();
  const at = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const rows = await queryRows(
    deps.db,
    sql`select distinct j.tenant_id from send_jobs j
          join campaigns c on c.id = j.campaign_id
          join tenants t on t.id = j.tenant_id
         where j.kind = 'campaign' and c.status in ('queued', 'sending') and t.paused_at is null
           and (j.status = 'queued'
                or (j.status = 'deferred' and j.defer_until <= ${now.toISOString()}::timestamptz)
                or (j.status = 'sending' and j.provider is null and j.claimed_at < ${at(claimLeaseMs)}::timestamptz)
                or (j.status = 'sending' and j.claimed_at < ${at(sendingLeaseMs)}::timestamptz))
           and not exists (select 1 from send_jobs r where r.tenant_id = j.tenant_id and r.claimed_at > ${at(idleMs)}::timestamptz)
         limit ${options.limit ?? 200}`,
  );
  const tenantIds = rows.map((r) => z.object({ tenant_id: z.string() }).parse(r).tenant_id);
  if (tenantIds.length === 0) return 0;
  const minute = Math.floor(now.getTime() / 60_000);
  await withOutbox(
    deps.db,
    deps.queue,
    async (_tx, stage) => {
      for (const tenantId of tenantIds) {
        await stage(...sendWakeUps({ tenantId, campaignId: null, reason: 'sweep', keys: senderLaneKeys(`sweep:${minute}`) }));
      }
    },
    { now: deps.now, log: deps.log },
  );
  deps.log.info('cron: woke idle senders with due jobs', { tenants: tenantIds.length });
  return tenantIds.length;
}
