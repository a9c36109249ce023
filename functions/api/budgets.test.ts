import { and, eq } from 'drizzle-orm';
import { senderLanes } from '../../core/queue/send-batch-message';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, contacts, costs, outbox, sendJobs, tenants } from '../../db/schema/index';
import { testId } from '../../db/testing';
import { startAlertReceiver } from '../shared/alerts/test-support/alert-receiver';
import { startApiHarness, type ApiHarness } from './testing/api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h.close();
});

type Budget = {
  configured: boolean;
  dailyMicros: number | null;
  monthlyMicros: number | null;
  perMinute: number | null;
  perNumberPerMinute: number | null;
  alertAtPercent: number;
  alertWebhookOrigin: string | null;
  alertEmail: string | null;
  spent: { todayMicros: number; thisMonthMicros: number };
  paused: { paused: boolean; since: string | null };
};
type Pause = { paused: boolean; since: string | null; reason: string | null };

async function adminOf() {
  const { tenant, admin } = await h.newTenant();
  return { tenant, session: await h.login(admin.email) };
}

describe('budget', () => {
  it('has no cap until an admin sets one; then reads back with what was spent today and this month', async () => {
    const { tenant, session } = await adminOf();
    const empty = (await (await h.request(`/api/tenants/${tenant.id}/budget`, { as: session })).json()) as Budget;
    expect(empty).toMatchObject({ configured: false, dailyMicros: null, monthlyMicros: null, spent: { todayMicros: 0, thisMonthMicros: 0 }, paused: { paused: false, since: null } });

    const set = await h.request(`/api/tenants/${tenant.id}/budget`, { json: { dailyMicros: 5_000_000, monthlyMicros: 100_000_000, perMinute: 120 }, as: session });
    expect(set.status).toBe(200);
    expect((await set.json()) as Budget).toMatchObject({ configured: true, dailyMicros: 5_000_000, monthlyMicros: 100_000_000, perMinute: 120, perNumberPerMinute: null, alertAtPercent: 80 });

    // Omitted rate caps keep their value; null clears one.
    const again = (await (await h.request(`/api/tenants/${tenant.id}/budget`, { json: { dailyMicros: 6_000_000, monthlyMicros: 100_000_000, perNumberPerMinute: 30 }, as: session })).json()) as Budget;
    expect(again).toMatchObject({ dailyMicros: 6_000_000, perMinute: 120, perNumberPerMinute: 30 });
    const cleared = (await (await h.request(`/api/tenants/${tenant.id}/budget`, { json: { dailyMicros: 6_000_000, monthlyMicros: 100_000_000, perMinute: null }, as: session })).json()) as Budget;
    expect(cleared.perMinute).toBeNull();

    // Spend: one charge now (today), one 40 days ago (neither today nor, at most, this month).
    const contactId = testId('contact');
    await h.db.insert(contacts).values({ id: contactId, tenantId: tenant.id, phoneE164: '+61412000001' });
    const jobs = [testId('sendJob'), testId('sendJob')];
    await h.db.insert(sendJobs).values(jobs.map((id) => ({ id, tenantId: tenant.id, kind: 'conversation' as const, contactId, toE164: '+61412000001', body: 'hi', status: 'sent' as const, clientMessageId: id })));
    await h.db.insert(costs).values([
      { id: testId('cost'), tenantId: tenant.id, kind: 'sms', sendJobId: jobs[0], amountMicros: 45_000, parts: 1, provider: 'sandbox', country: 'AU', occurredAt: h.now() },
      { id: testId('cost'), tenantId: tenant.id, kind: 'sms', sendJobId: jobs[1], amountMicros: 90_000, parts: 2, provider: 'sandbox', country: 'AU', occurredAt: new Date(h.now().getTime() - 40 * 86_400_000) },
    ]);
    const spent = (await (await h.request(`/api/tenants/${tenant.id}/budget`, { as: session })).json()) as Budget;
    expect(spent.spent).toMatchObject({ todayMicros: 45_000, thisMonthMicros: 45_000 });

    const audit = await h.db.select().from(auditLog).where(and(eq(auditLog.tenantId, tenant.id), eq(auditLog.action, 'budget.set')));
    expect(audit).toHaveLength(3);
  });

  it('refuses fractions, negatives, unknown fields; another tenant id is a 404; staff may read only', async () => {
    const { tenant, session } = await adminOf();
    for (const json of [{ dailyMicros: 1.5, monthlyMicros: 10 }, { dailyMicros: -1, monthlyMicros: 10 }, { dailyMicros: 1, monthlyMicros: 10, perMinute: 0 }, { dailyMicros: 1, monthlyMicros: 10, cap: 3 }, { dailyMicros: '1', monthlyMicros: 10 }]) {
      expect((await h.request(`/api/tenants/${tenant.id}/budget`, { json, as: session })).status).toBe(400);
    }
    const other = await adminOf();
    expect((await h.request(`/api/tenants/${other.tenant.id}/budget`, { as: session })).status).toBe(404);
    expect((await h.request(`/api/tenants/${other.tenant.id}/budget`, { json: { dailyMicros: 1, monthlyMicros: 1 }, as: session })).status).toBe(404);
    expect((await h.request(`/api/tenants/${other.tenant.id}/pause`, { method: 'POST', as: session })).status).toBe(404);
    const [untouched] = await h.db.select().from(tenants).where(eq(tenants.id, other.tenant.id));
    expect(untouched?.pausedAt).toBeNull();

    const staff = await h.login((await h.addUser(tenant.id, 'staff')).email);
    expect((await h.request(`/api/tenants/${tenant.id}/budget`, { as: staff })).status).toBe(200);
    expect((await h.request(`/api/tenants/${tenant.id}/budget`, { json: { dailyMicros: 1, monthlyMicros: 1 }, as: staff })).status).toBe(403);
    expect((await h.request(`/api/tenants/${tenant.id}/pause`, { method: 'POST', as: staff })).status).toBe(403);
  });
});

describe("a tenant's own alert destinations", () => {
  it('are set with the budget, shown by origin only, validated, and get the tenant’s alerts beside the operator’s', async () => {
    const receiver = await startAlertReceiver();
    try {
      const { tenant, session } = await adminOf();
      const hook = `${receiver.url}/hooks/T0123/secret-part`;
      const budget = { dailyMicros: 5_000_000, monthlyMicros: 100_000_000 };
      for (const json of [{ ...budget, alertWebhookUrl: 'ftp://example.com/x' }, { ...budget, alertWebhookUrl: 'not a url' }, { ...budget, alertEmail: 'ops@' }]) {
        const refused = await h.request(`/api/tenants/${tenant.id}/budget`, { json, as: session });
        expect(refused.status).toBe(400);
      }
      const set = (await (await h.request(`/api/tenants/${tenant.id}/budget`, { json: { ...budget, alertWebhookUrl: hook, alertEmail: 'Ops@Acme.example' }, as: session })).json()) as Budget;
      expect(set).toMatchObject({ alertWebhookOrigin: new URL(receiver.url).origin, alertEmail: 'ops@acme.example' });
      expect(JSON.stringify(set)).not.toContain('secret-part');
      // Saving the budget again without them keeps them.
      const kept = (await (await h.request(`/api/tenants/${tenant.id}/budget`, { json: budget, as: session })).json()) as Budget;
      expect(kept).toMatchObject({ alertWebhookOrigin: new URL(receiver.url).origin, alertEmail: 'ops@acme.example' });
      const [audit] = await h.db.select().from(auditLog).where(and(eq(auditLog.tenantId, tenant.id), eq(auditLog.action, 'budget.set'))).limit(1);
      expect(JSON.stringify(audit?.details)).not.toContain('secret-part');

      // A pause alerts the tenant's webhook and address (the operator's log gets it as always).
      expect((await h.request(`/api/tenants/${tenant.id}/pause`, { json: { reason: 'checking' }, as: session })).status).toBe(200);
      expect(receiver.received.map((r) => r.path)).toEqual(['/hooks/T0123/secret-part']);
      expect(receiver.received[0]?.body).toMatchObject({ type: 'revenue_reactor.alert', alert: { kind: 'tenant_paused', tenantId: tenant.id } });
      expect(h.mailbox.messages().filter((m) => m.to === 'ops@acme.example').map((m) => m.subject)).toEqual([expect.stringMatching(/^\[Alert\] /)]);

      // Removed (null): the next alert goes to the operator's channels only.
      const removed = (await (await h.request(`/api/tenants/${tenant.id}/budget`, { json: { ...budget, alertWebhookUrl: null, alertEmail: null }, as: session })).json()) as Budget;
      expect(removed).toMatchObject({ alertWebhookOrigin: null, alertEmail: null });
      await h.request(`/api/tenants/${tenant.id}/resume`, { method: 'POST', as: session });
      h.advance(1000);
      expect((await h.request(`/api/tenants/${tenant.id}/pause`, { method: 'POST', as: session })).status).toBe(200);
      expect(receiver.received).toHaveLength(1);
      expect(h.mailbox.messages().filter((m) => m.to === 'ops@acme.example')).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});

describe('kill switch', () => {
  it('pauses the tenant (since when, why), repeats harmlessly, and resume wakes the sender', async () => {
    const { tenant, session } = await adminOf();
    const paused = await h.request(`/api/tenants/${tenant.id}/pause`, { json: { reason: 'carrier complaint' }, as: session });
    expect(paused.status).toBe(200);
    const p = (await paused.json()) as Pause;
    expect(p).toEqual({ paused: true, since: h.now().toISOString(), reason: 'carrier complaint' });
    const [row] = await h.db.select().from(tenants).where(eq(tenants.id, tenant.id));
    expect(row?.pausedAt?.toISOString()).toBe(p.since);

    h.advance(60_000);
    expect((await (await h.request(`/api/tenants/${tenant.id}/pause`, { method: 'POST', as: session })).json()) as Pause).toEqual(p);
    expect((await (await h.request(`/api/tenants/${tenant.id}/pause`, { as: session })).json()) as Pause).toEqual(p);
    expect(((await (await h.request(`/api/tenants/${tenant.id}/budget`, { as: session })).json()) as Budget).paused).toMatchObject({ paused: true, since: p.since });

    const resumed = (await (await h.request(`/api/tenants/${tenant.id}/resume`, { method: 'POST', as: session })).json()) as Pause;
    expect(resumed).toEqual({ paused: false, since: null, reason: null });
    const wakes = await h.db.select().from(outbox).where(and(eq(outbox.tenantId, tenant.id), eq(outbox.destination, 'send')));
    expect(wakes.map((w) => (w.body as { data: unknown }).data)).toEqual(Array.from({ length: senderLanes }, () => ({ tenantId: tenant.id, campaignId: null, reason: 'tenant_resumed' })));
    expect((await (await h.request(`/api/tenants/${tenant.id}/resume`, { method: 'POST', as: session })).json()) as Pause).toEqual(resumed);

    const actions = (await h.db.select().from(auditLog).where(eq(auditLog.tenantId, tenant.id))).map((a) => a.action).filter((a) => a.startsWith('tenant.'));
    expect(actions.sort()).toEqual(['tenant.pause', 'tenant.resume']);
  });
});
