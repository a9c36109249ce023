/**
 * Webhook lag for the metrics: how long after the provider's event time a callback was processed
 * (`webhook_events.processed_at − provider_time`), per provider over a recent window. Callbacks without
 * an event time (Twilio sends none) are not in it. Read by whatever exposes `/api/metrics`; one indexed
 * range scan on `webhook_events_received_idx`.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { queryRows, type Db } from '../../db/client';

export type WebhookLag = { provider: string; count: number; p50Ms: number; p95Ms: number; maxMs: number };

const lagRow = z.object({ provider: z.string(), count: z.coerce.number(), p50: z.coerce.number(), p95: z.coerce.number(), max: z.coerce.number() });

export async function webhookLag(db: Db, input: { since: Date }): Promise<WebhookLag[]> {
  const rows = await queryRows(
    db,
    sql`select provider, count(*)::int as count,
               percentile_cont(0.5) within group (order by lag_ms) as p50,
               percentile_cont(0.95) within group (order by lag_ms) as p95,
               max(lag_ms) as max
          from (select provider, greatest(0, extract(epoch from (processed_at - provider_time)) * 1000) as lag_ms
                  from webhook_events
                 where received_at >= ${input.since.toISOString()}::timestamptz
                   and processed_at is not null and provider_time is not null) l
         group by provider order by provider`,
  );
  return rows.map((r) => {
    const row = lagRow.parse(r);
    return { provider: row.provider, count: row.count, p50Ms: Math.round(row.p50), p95Ms: Math.round(row.p95), maxMs: Math.round(row.max) };
  });
}
