/**
 * `PATCH /api/campaigns/:id`: the admin's campaign form edits a draft (name, templates in rotation
 * order, numbers, segment, link target); once queued only the name may change.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema/index';
import { startApiHarness, type ApiHarness } from './testing/api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h.close();
});

type Campaign = { id: string; name: string; status: string; templateIds: string[]; sendingNumberIds: string[]; segment: { tags?: string[] }; linkUrl: string | null };
type ErrorBody = { error: { code: string; message: string } };

let numberSeq = 0;
const sendingE164 = () => `+61498${String(Math.floor(Math.random() * 1e4) * 100 + (numberSeq++ % 100)).padStart(6, '0')}`;

async function setUp() {
  const { tenant, admin } = await h.newTenant();
  const session = await h.login(admin.email);
  const template = async (body: string) => ((await (await h.request('/api/templates', { json: { name: 'T', body }, as: session })).json()) as { id: string }).id;
  const number = async () => ((await (await h.request('/api/sending-numbers', { json: { e164: sendingE164(), provider: 'sandbox', use: 'bulk' }, as: session })).json()) as { id: string }).id;
  return { tenant, session, template, number };
}

describe('editing a campaign', () => {
  it('changes a draft: name, rotation order, numbers, segment and link target, audited once', async () => {
    const { tenant, session, template, number } = await setUp();
    const [t1, t2, withLink] = [await template('Hi'), await template('Hello'), await template('See {link}')];
    const [n1, n2] = [await number(), await number()];
    const created = (await (await h.request('/api/campaigns', { json: { name: 'Draft', templateIds: [t1], sendingNumberIds: [n1] }, as: session })).json()) as Campaign;

    const res = await h.request(`/api/campaigns/${created.id}`, { method: 'PATCH', json: { name: 'Spring', templateIds: [t2, t1], sendingNumberIds: [n2], segment: { tags: ['vip'] } }, as: session });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'Spring', status: 'draft', templateIds: [t2, t1], sendingNumberIds: [n2], segment: { tags: ['vip'] } });

    // A template with {link} needs a link target, given in the same edit or already there.
    const noLink = await h.request(`/api/campaigns/${created.id}`, { method: 'PATCH', json: { templateIds: [withLink] }, as: session });
    expect(noLink.status).toBe(400);
    expect(((await noLink.json()) as ErrorBody).error.message).toContain('linkUrl');
    const linked = (await (await h.request(`/api/campaigns/${created.id}`, { method: 'PATCH', json: { templateIds: [withLink], linkUrl: 'https://example.com/a' }, as: session })).json()) as Campaign;
    expect(linked).toMatchObject({ templateIds: [withLink], linkUrl: 'https://example.com/a' });

    const read = (await (await h.request(`/api/campaigns/${created.id}`, { as: session })).json()) as Campaign;
    expect(read).toMatchObject({ name: 'Spring', templateIds: [withLink], sendingNumberIds: [n2] });
    const audits = await h.db.select().from(auditLog).where(and(eq(auditLog.tenantId, tenant.id), eq(auditLog.action, 'campaign.update')));
    expect(audits).toHaveLength(2);
  });

  it('after queueing only renames; empty and unknown changes are refused', async () => {
    const { session, template, number } = await setUp();
    const t = await template('Hi');
    await number();
    const created = (await (await h.request('/api/campaigns', { json: { name: 'Q', templateIds: [t] }, as: session })).json()) as Campaign;
    expect((await h.request(`/api/campaigns/${created.id}`, { method: 'PATCH', json: {}, as: session })).status).toBe(400);
    expect((await h.request(`/api/campaigns/${created.id}`, { method: 'PATCH', json: { status: 'done' }, as: session })).status).toBe(400);
    expect((await h.request(`/api/campaigns/${created.id}/queue`, { method: 'POST', as: session })).status).toBe(202);

    const retarget = await h.request(`/api/campaigns/${created.id}`, { method: 'PATCH', json: { templateIds: [await template('Other')] }, as: session });
    expect(retarget.status).toBe(409);
    expect(((await retarget.json()) as ErrorBody).error.code).toBe('conflict');
    const renamed = await h.request(`/api/campaigns/${created.id}`, { method: 'PATCH', json: { name: 'Q, renamed' }, as: session });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ name: 'Q, renamed', templateIds: [t] });
  });

  it("another tenant's campaign is a 404", async () => {
    const a = await setUp();
    const b = await setUp();
    const created = (await (await h.request('/api/campaigns', { json: { name: 'Mine', templateIds: [await a.template('Hi')] }, as: a.session })).json()) as Campaign;
    expect((await h.request(`/api/campaigns/${created.id}`, { method: 'PATCH', json: { name: 'Theirs' }, as: b.session })).status).toBe(404);
  });
});
