/**
 * What a tenant has spent in its current local day and calendar month (`costs`, the record of every
 * charge), for the budget gate and the budget editor. Days and months are the tenant's own calendar
 * (`tenants.timezone`), the same windows the gate and the counters use (core/gates/zoned-time.ts).
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { localDay, localMonth } from '../../core/gates/zoned-time';
import { queryRows, type Db } from '../../db/client';

export type Spend = { todayMicros: number; thisMonthMicros: number; dayEndsAt: Date; monthEndsAt: Date };

const spendRow = z.object({ today: z.number().int(), month: z.number().int() });

export async function tenantSpend(db: Db, tenantId: string, timeZone: string, now: Date): Promise<Spend> {
  const day = localDay(now, timeZone);
  const month = localMonth(now, timeZone);
  const [row] = await queryRows(
    db,
    sql`select coalesce(sum(amount_micros) filter (where occurred_at >= ${day.startsAt.toISOString()}::timestamptz and occurred_at < ${day.endsAt.toISOString()}::timestamptz), 0)::int8 as today,
               coalesce(sum(amount_micros), 0)::int8 as month
          from costs
         where tenant_id = ${tenantId} and occurred_at >= ${month.startsAt.toISOString()}::timestamptz and occurred_at < ${month.endsAt.toISOString()}::timestamptz`,
  );
  const parsed = spendRow.parse(row ?? { today: 0, month: 0 });
  return { todayMicros: parsed.today, thisMonthMicros: parsed.month, dayEndsAt: day.endsAt, monthEndsAt: month.endsAt };
}
