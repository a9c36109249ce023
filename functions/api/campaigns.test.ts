import { and, eq } from 'drizzle-orm';
import { senderLanes } from '../../core/queue/send-batch-message';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, outbox, sendJobs } from '../../db/schema/index';
import type { Session } from './testing/api-harness';
import { startApiHarness, type ApiHarness } from './testing/api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h.close();
});

type Campaign = {
  id: string;
  name: string;
  status: string;
  segment: { tags?: string[]; tagsMatch?: string };
  templateIds: string[];
  sendingNumberIds: string[];
  pausedAt: string | null;
  pausedReason: string | null;
  counts: Record<string, number> & { total: number; skippedByReason: Record<string, number> };
};
type ErrorBody = { error: { code: string; message: string; details?: { reason?: string } } };

let numberSeq = 0;
/** Sending numbers live in +61499…, apart from the contacts the fixtures make (+6140…–+6149000…). */
const sendingE164 = () => `+61499${String(Math.floor(Math.random() * 1e4) * 100 + (numberSeq++ % 100)).padStart(6, '0')}`;

async function setUp(role: 'admin' | 'staff' = 'staff') {
  const { tenant, admin } = await h.newTenant();
  const adminSession = await h.login(admin.email);
  const session = role === 'admin' ? adminSession : await h.login((await h.addUser(tenant.id, 'staff')).email);
  const template = async (body: string) => ((await (await h.request('/api/templates', { json: { name: 'T', body }, as: session })).json()) as { id: string }).id;
  const number = async (json: Record<string, unknown> = {}) => {
    const res = await h.request('/api/sending-numbers', { json: { e164: sendingE164(), provider: 'sandbox', use: 'bulk', ...json }, as: adminSession });
    if (res.status !== 201) throw new Error(`number: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  };
  return { tenant, session, adminSession, template, number };
}

async function create(session: Session, json: unknown) {
  return h.request('/api/campaigns', { json, as: session });
}

describe('campaigns', () => {
  it('creates a draft with its templates in rotation order and its numbers, readable with zero counts', async () => {
    const { tenant, session, template, number } = await setUp();
    const t1 = await template('Hi {first_name|there}');
    const t2 = await template('Hello {first_name|there}');
    const n1 = await number();
    const res = await create(session, { name: ' Spring ', templateIds: [t2, t1], sendingNumberIds: [n1], segment: { tags: ['vip', 'vip', 'new'] } });
    expect(res.status).toBe(201);
    const campaign = (await res.json()) as Campaign;
    expect(campaign).toMatchObject({ name: 'Spring', status: 'draft', templateIds: [t2, t1], sendingNumberIds: [n1], segment: { tags: ['vip', 'new'], tagsMatch: 'any' } });
    expect(campaign.id).toMatch(/^cmp_/);
    expect(campaign.counts).toMatchObject({ total: 0, queued: 0, sent: 0, skipped: 0, skippedByReason: {} });

    const read = (await (await h.request(`/api/campaigns/${campaign.id}`, { as: session })).json()) as Campaign;
    expect(read).toEqual(campaign);
    const list = (await (await h.request('/api/campaigns', { as: session })).json()) as { campaigns: Campaign[]; nextCursor: string | null };
    expect(list.campaigns.map((c) => c.id)).toEqual([campaign.id]);
    expect(list.nextCursor).toBeNull();
    const [audit] = await h.db.select().from(auditLog).where(and(eq(auditLog.tenantId, tenant.id), eq(auditLog.action, 'campaign.create')));
    expect(audit?.targetId).toBe(campaign.id);
  });

  it('refuses templates and numbers that are not usable, unknown fields, and no template at all', async () => {
    const { session, template, number } = await setUp();
    const other = await setUp();
    const foreign = await other.template('Not yours');
    const t = await template('Hi');
    const conversation = await number({ provider: 'twilio', use: 'conversation' });
    const disabled = await number();
    await h.request(`/api/sending-numbers/${disabled}`, { method: 'PATCH', json: { status: 'disabled' }, as: (await setUpAdminOf(session)) });
    for (const json of [
      { name: 'x', templateIds: [] },
      { name: 'x', templateIds: [foreign] },
      { name: 'x', templateIds: [t, t] },
      { name: 'x', templateIds: [t], sendingNumberIds: [conversation] },
      { name: 'x', templateIds: [t], colour: 'red' },
      { name: '', templateIds: [t] },
      { name: 'x', templateIds: [t], segment: { city: 'Sydney' } },
    ]) {
      const res = await create(session, json);
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(((await res.json()) as ErrorBody).error.code).toBe('validation_failed');
    }
    const archived = await template('Old');
    await h.request(`/api/templates/${archived}`, { method: 'PATCH', json: { archived: true }, as: session });
    expect((await create(session, { name: 'x', templateIds: [archived] })).status).toBe(400);
    expect((await create(session, { name: 'x', templateIds: [t], sendingNumberIds: [disabled] })).status).toBe(400);
  });

  it('needs a link target when a template uses {link}', async () => {
    const { session, template } = await setUp();
    const t = await template('Hi {first_name|there}, see {link}');
    const missing = await create(session, { name: 'L', templateIds: [t] });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as ErrorBody).error.message).toContain('linkUrl');
    expect((await create(session, { name: 'L', templateIds: [t], linkUrl: 'javascript:alert(1)' })).status).toBe(400);
    const ok = await create(session, { name: 'L', templateIds: [t], linkUrl: 'https://example.com/offer?x=1' });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { linkUrl: string }).linkUrl).toBe('https://example.com/offer?x=1');
  });

  it('pauses and resumes; the state machine refuses what makes no sense and repeats are harmless', async () => {
    const { tenant, session, template, number } = await setUp();
    await number();
    const campaign = (await (await create(session, { name: 'P', templateIds: [await template('Hi')] })).json()) as Campaign;

    const draftPause = await h.request(`/api/campaigns/${campaign.id}/pause`, { method: 'POST', as: session });
    expect(draftPause.status).toBe(409);
    expect(((await draftPause.json()) as ErrorBody).error.message).toMatch(/not been queued/);

    expect((await h.request(`/api/campaigns/${campaign.id}/queue`, { method: 'POST', as: session })).status).toBe(202);
    const paused = await h.request(`/api/campaigns/${campaign.id}/pause`, { json: { reason: 'checking the copy' }, as: session });
    expect(paused.status).toBe(200);
    const p = (await paused.json()) as Campaign;
    expect(p).toMatchObject({ status: 'paused', pausedReason: 'checking the copy' });
    expect(p.pausedAt).not.toBeNull();

    const again = (await (await h.request(`/api/campaigns/${campaign.id}/pause`, { method: 'POST', as: session })).json()) as Campaign;
    expect(again).toMatchObject({ status: 'paused', pausedAt: p.pausedAt });

    const before = await h.db.select().from(outbox).where(eq(outbox.tenantId, tenant.id));
    const resumed = (await (await h.request(`/api/campaigns/${campaign.id}/resume`, { method: 'POST', as: session })).json()) as Campaign;
    expect(resumed).toMatchObject({ status: 'queued', pausedAt: null, pausedReason: null });
    // Resume wakes the sender (one more send.batch message per lane staged for this campaign).
    const after = await h.db.select().from(outbox).where(eq(outbox.tenantId, tenant.id));
    expect(after.length).toBe(before.length + senderLanes);
    expect(after.find((m) => !before.some((b) => b.id === m.id))).toMatchObject({ destination: 'send', body: { type: 'send.batch', data: { campaignId: campaign.id, reason: 'resumed' } } });

    const actions = (await h.db.select().from(auditLog).where(and(eq(auditLog.tenantId, tenant.id), eq(auditLog.targetId, campaign.id)))).map((a) => a.action).sort();
    expect(actions).toEqual(['campaign.create', 'campaign.pause', 'campaign.queue', 'campaign.resume']);
  });

  it("another tenant's campaign is a 404 for every route", async () => {
    const a = await setUp();
    const b = await setUp();
    await a.number();
    const campaign = (await (await create(a.session, { name: 'Mine', templateIds: [await a.template('Hi')] })).json()) as Campaign;
    for (const [path, method] of [['', 'GET'], ['/queue', 'POST'], ['/pause', 'POST'], ['/resume', 'POST']] as const) {
      expect((await h.request(`/api/campaigns/${campaign.id}${path}`, { method, as: b.session })).status).toBe(404);
    }
    expect(await h.db.select().from(sendJobs).where(eq(sendJobs.campaignId, campaign.id))).toEqual([]);
  });

  it('pages the list newest first and filters by status', async () => {
    const { session, template } = await setUp();
    const t = await template('Hi');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      h.advance(5);
      ids.push(((await (await create(session, { name: `C${i}`, templateIds: [t] })).json()) as Campaign).id);
    }
    const first = (await (await h.request('/api/campaigns?limit=2', { as: session })).json()) as { campaigns: Campaign[]; nextCursor: string };
    expect(first.campaigns.map((c) => c.id)).toEqual([ids[2], ids[1]]);
    const second = (await (await h.request(`/api/campaigns?limit=2&cursor=${first.nextCursor}`, { as: session })).json()) as { campaigns: Campaign[]; nextCursor: string | null };
    expect(second.campaigns.map((c) => c.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
    const drafts = (await (await h.request('/api/campaigns?status=queued', { as: session })).json()) as { campaigns: Campaign[] };
    expect(drafts.campaigns).toEqual([]);
    expect((await h.request('/api/campaigns?cursor=nonsense', { as: session })).status).toBe(400);
  });
});

/** The admin session of the tenant a staff session belongs to (a fresh login). */
async function setUpAdminOf(staff: Session): Promise<Session> {
  const me = (await (await h.request('/api/auth/me', { as: staff })).json()) as { tenant: { id: string } };
  const admin = await h.addUser(me.tenant.id, 'admin');
  return h.login(admin.email);
}
