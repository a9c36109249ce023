/**
 * Test data for the Broadcaster, written straight to the database (the Ingestor is another area):
 * contacts by the thousand in one statement, DNC rows, suppression rules. Phone numbers are valid
 * Australian mobiles unique per call, so tests sharing a database never collide.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../../../db/client';

// Phones are unique per tenant and a tenant lives in one test process, so blocks taken in turn from a
// random start never collide: 900 calls per process before a block comes round again.
let block = randomBytes(2).readUInt16BE(0);

/** `count` contacts `ctc_…` with phones `+614<8 digits>`; returns their ids and phones in order. */
export async function seedContacts(
  db: Db,
  tenantId: string,
  count: number,
  options: { tags?: string[]; firstName?: string | null; timezone?: string | null; country?: string | null } = {},
): Promise<{ id: string; phone: string }[]> {
  const base = (block++ % 900) * 100_000;
  if (count > 100_000) throw new Error('seedContacts: at most 100,000 per call');
  const prefix = `ctc_${randomBytes(5).toString('hex')}`;
  const tags = `{${(options.tags ?? []).map((t) => `"${t}"`).join(',')}}`;
  return queryRows<{ id: string; phone: string }>(
    db,
    sql`insert into contacts (id, tenant_id, phone_e164, first_name, country, timezone, tags)
        select ${prefix} || lpad(g::text, 16, '0'), ${tenantId}, '+614' || lpad((${base}::int + g)::text, 8, '0'),
               ${options.firstName === undefined ? 'Pat' : options.firstName}, ${options.country ?? null}, ${options.timezone ?? null}, ${tags}::text[]
          from generate_series(1, ${count}) g
        returning id, phone_e164 as phone`,
  );
}
