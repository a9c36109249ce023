/**
 * The price of one SMS part for a provider and destination country (`prices`, a global list: prices
 * are the providers', not the tenants'). Undefined when nobody has priced that route: callers then
 * show or record no cost rather than a made-up one.
 */
import { and, eq } from 'drizzle-orm';
import type { SmsProviderName } from '../../db/schema/sending-numbers';
import { prices } from '../../db/schema/index';
import type { Db } from '../../db/client';

export async function pricePerPart(db: Db, provider: SmsProviderName, country: string): Promise<number | undefined> {
  const [row] = await db
    .select({ micros: prices.microsPerPart })
    .from(prices)
    .where(and(eq(prices.provider, provider), eq(prices.country, country)))
    .limit(1);
  return row?.micros;
}
