/**
 * A campaign's counts as the admin's progress view reads them: deferred jobs are broken down by the
 * gate that holds them (`deferredByReason`), like skipped ones by why they were left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, fromLocal, toLocal, weekdayOf } from '../../core/gates/zoned-time';
import { doNotContact } from '../../db/schema/index';
import { seedContacts } from '../enqueue/testing/broadcaster-fixtures';
import { sendBatch } from '../send/send-batch';
import { senderDeps } from '../send/index';
import { startApiHarness, type ApiHarness } from './testing/api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h.close();
});

/** Moves the harness clock to the next Sunday noon in Sydney: AU quiet hours all day. */
function advanceToSundayNoon(): void {
  const zone = 'Australia/Sydney';
  const now = h.now();
  let date = (({ year, month, day }) => ({ year, month, day }))(toLocal(now, zone));
  for (let i = 0; i < 15; i++) {
    const at = fromLocal({ ...date, hour: 12, minute: 0 }, zone);
    if (weekdayOf(date) === 0 && at.getTime() > now.getTime()) {
      h.advance(at.getTime() - now.getTime());
      return;
    }
    date = addDays(date, 1);
  }
  throw new Error('no Sunday within two weeks');
}

describe('campaign progress', () => {
  it('counts deferred jobs by the gate that holds them, skipped ones by reason, adding up to the total', async () => {
    advanceToSundayNoon();
    const { tenant, admin } = await h.newTenant();
    const session = await h.login(admin.email);
    const number = await h.request('/api/sending-numbers', { json: { e164: '+61497000123', provider: 'sandbox', use: 'bulk' }, as: session });
    expect(number.status).toBe(201);
    const template = ((await (await h.request('/api/templates', { json: { name: 'T', body: 'Hi {first_name|there}' }, as: session })).json()) as { id: string }).id;
    const campaign = ((await (await h.request('/api/campaigns', { json: { name: 'Sunday', templateIds: [template] }, as: session })).json()) as { id: string }).id;
    const people = await seedContacts(h.db, tenant.id, 3);
    expect(people.length).toBe(3);
    const [listed] = people;
    if (!listed) throw new Error('no contacts');
    await h.db.insert(doNotContact).values({ tenantId: tenant.id, phoneE164: listed.phone, source: 'manual' });
    expect((await h.request(`/api/campaigns/${campaign}/queue`, { method: 'POST', as: session })).status).toBe(202);

    await sendBatch(senderDeps(h.services, { batchSize: 10 }), { tenantId: tenant.id, campaignId: campaign });
    const read = (await (await h.request(`/api/campaigns/${campaign}`, { as: session })).json()) as { counts: Record<string, unknown> };
    expect(read.counts).toMatchObject({ total: 3, deferred: 2, skipped: 1, deferredByReason: { quiet_hours: 2 }, skippedByReason: { dnc: 1 } });
  });
});
