import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, campaigns, contacts, sendJobs, sendingNumbers } from '../../db/schema/index';
import { testId } from '../../db/testing';
import { startApiHarness, type ApiHarness } from './testing/api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h.close();
});

type NumberView = { id: string; e164: string; provider: string; use: string; label: string | null; status: string; warmupStartedAt: string | null };
type ErrorBody = { error: { code: string; message: string; details?: { reason?: string } } };

/** A valid Australian mobile (0412 …) no other test uses (numbers are unique across tenants). */
function auMobile(): { national: string; e164: string } {
  const rest = String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
  return { national: `0412 ${rest.slice(0, 3)} ${rest.slice(3)}`, e164: `+61412${rest}` };
}

async function adminOf() {
  const { tenant, admin } = await h.newTenant();
  return { tenant, session: await h.login(admin.email) };
}

describe('sending numbers', () => {
  it('an admin adds a number typed nationally; it is stored as E.164 and listed', async () => {
    const { tenant, session } = await adminOf();
    const n = auMobile();
    const res = await h.request('/api/sending-numbers', { json: { e164: n.national, provider: 'signalhouse', use: 'bulk', label: 'Main', warmupStartedAt: '2026-01-02T00:00:00Z' }, as: session });
    expect(res.status).toBe(201);
    const created = (await res.json()) as NumberView;
    expect(created).toMatchObject({ e164: n.e164, provider: 'signalhouse', use: 'bulk', label: 'Main', status: 'active', warmupStartedAt: '2026-01-02T00:00:00.000Z' });
    const list = (await (await h.request('/api/sending-numbers', { as: session })).json()) as { sendingNumbers: NumberView[] };
    expect(list.sendingNumbers.map((x) => x.id)).toEqual([created.id]);
    const [audit] = await h.db.select().from(auditLog).where(and(eq(auditLog.tenantId, tenant.id), eq(auditLog.action, 'sending_number.add')));
    expect(audit?.details).toMatchObject({ e164: n.e164 });
  });

  it('refuses the wrong provider for a use with a clear reason, before the database would', async () => {
    const { session } = await adminOf();
    for (const json of [
      { e164: auMobile().e164, provider: 'twilio', use: 'bulk' },
      { e164: auMobile().e164, provider: 'signalhouse', use: 'conversation' },
    ]) {
      const res = await h.request('/api/sending-numbers', { json, as: session });
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error).toMatchObject({ code: 'validation_failed', details: { reason: 'provider_use_mismatch' } });
    }
    const ok = await h.request('/api/sending-numbers', { json: { e164: auMobile().e164, provider: 'twilio', use: 'conversation' }, as: session });
    expect(ok.status).toBe(201);
    const created = (await ok.json()) as NumberView;
    // Changing only the use must also respect the pairing.
    const patched = await h.request(`/api/sending-numbers/${created.id}`, { method: 'PATCH', json: { use: 'bulk' }, as: session });
    expect(patched.status).toBe(400);
    expect(((await patched.json()) as ErrorBody).error.details?.reason).toBe('provider_use_mismatch');
  });

  it('refuses what is not a phone number, unknown fields, and a number another tenant has (409)', async () => {
    const a = await adminOf();
    const b = await adminOf();
    const bad = await h.request('/api/sending-numbers', { json: { e164: '12', provider: 'sandbox', use: 'bulk' }, as: a.session });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).error.details?.reason).toBe('invalid_number');
    const extra = await h.request('/api/sending-numbers', { json: { e164: auMobile().e164, provider: 'sandbox', use: 'bulk', tenantId: 'x' }, as: a.session });
    expect(extra.status).toBe(400);

    const n = auMobile();
    expect((await h.request('/api/sending-numbers', { json: { e164: n.e164, provider: 'sandbox', use: 'bulk' }, as: a.session })).status).toBe(201);
    const taken = await h.request('/api/sending-numbers', { json: { e164: n.national, provider: 'sandbox', use: 'bulk' }, as: b.session });
    expect(taken.status).toBe(409);
    expect(((await taken.json()) as ErrorBody).error.details?.reason).toBe('number_taken');
  });

  it('updates label, warm-up and status; another tenant sees a 404', async () => {
    const a = await adminOf();
    const b = await adminOf();
    const created = (await (await h.request('/api/sending-numbers', { json: { e164: auMobile().e164, provider: 'sandbox', use: 'bulk' }, as: a.session })).json()) as NumberView;
    const res = await h.request(`/api/sending-numbers/${created.id}`, { method: 'PATCH', json: { label: 'Spare', warmupStartedAt: null, status: 'disabled' }, as: a.session });
    expect(res.status).toBe(200);
    expect((await res.json()) as NumberView).toMatchObject({ label: 'Spare', status: 'disabled', warmupStartedAt: null });
    expect((await h.request(`/api/sending-numbers/${created.id}`, { method: 'PATCH', json: { label: 'Mine' }, as: b.session })).status).toBe(404);
    expect((await h.request(`/api/sending-numbers/${created.id}`, { method: 'DELETE', as: b.session })).status).toBe(404);
  });

  it('deletes a number that never sent, and disables (keeps) one that did', async () => {
    const { tenant, session } = await adminOf();
    const fresh = (await (await h.request('/api/sending-numbers', { json: { e164: auMobile().e164, provider: 'sandbox', use: 'bulk' }, as: session })).json()) as NumberView;
    expect((await h.request(`/api/sending-numbers/${fresh.id}`, { method: 'DELETE', as: session })).status).toBe(204);
    expect(await h.db.select().from(sendingNumbers).where(eq(sendingNumbers.id, fresh.id))).toEqual([]);

    const used = (await (await h.request('/api/sending-numbers', { json: { e164: auMobile().e164, provider: 'sandbox', use: 'bulk' }, as: session })).json()) as NumberView;
    const contactId = testId('contact');
    const campaignId = testId('campaign');
    await h.db.insert(contacts).values({ id: contactId, tenantId: tenant.id, phoneE164: auMobile().e164 });
    await h.db.insert(campaigns).values({ id: campaignId, tenantId: tenant.id, name: 'c' });
    await h.db.insert(sendJobs).values({ id: testId('sendJob'), tenantId: tenant.id, kind: 'campaign', campaignId, contactId, toE164: '+61400000001', sendingNumberId: used.id, status: 'sent' });
    const res = await h.request(`/api/sending-numbers/${used.id}`, { method: 'DELETE', as: session });
    expect(res.status).toBe(200);
    expect(((await res.json()) as NumberView).status).toBe('disabled');
  });

  it('only admins change numbers; staff and viewers may list them', async () => {
    const { tenant } = await adminOf();
    const staff = await h.login((await h.addUser(tenant.id, 'staff')).email);
    expect((await h.request('/api/sending-numbers', { as: staff })).status).toBe(200);
    const res = await h.request('/api/sending-numbers', { json: { e164: auMobile().e164, provider: 'sandbox', use: 'bulk' }, as: staff });
    expect(res.status).toBe(403);
    expect(((await res.json()) as ErrorBody).error.code).toBe('forbidden_role');
  });
});
