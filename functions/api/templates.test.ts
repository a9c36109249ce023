import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, prices, sendingNumbers } from '../../db/schema/index';
import { testId } from '../../db/testing';
import { startApiHarness, type ApiHarness } from './testing/api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
  // Prices are global (per provider and country), so this file owns these rows.
  await h.db.insert(prices).values([
    { provider: 'signalhouse', country: 'AU', microsPerPart: 45_000 },
    { provider: 'signalhouse', country: 'US', microsPerPart: 4_000 },
    { provider: 'sandbox', country: 'AU', microsPerPart: 1_000 },
  ]).onConflictDoNothing();
});
afterAll(async () => {
  await h.close();
});

type Template = { id: string; name: string; body: string; fields: string[]; archived: boolean; warnings: { field: string }[]; hasOptOutInstruction: boolean };
type ErrorBody = { error: { code: string; message: string; details?: { fieldErrors?: Record<string, string[]>; formErrors?: string[]; templateIssues?: { code: string; field?: string }[] } } };

async function signedIn(role: 'admin' | 'staff' | 'viewer' = 'staff') {
  const { tenant, admin } = await h.newTenant();
  const user = role === 'admin' ? admin : await h.addUser(tenant.id, role);
  return { tenant, session: await h.login(user.email) };
}

describe('templates', () => {
  it('staff create a template (201), list it and edit it; each change is audited', async () => {
    const { tenant, session } = await signedIn('staff');
    const created = await h.request('/api/templates', { json: { name: ' Intro ', body: 'Hi {first_name|there}, {link}' }, as: session });
    expect(created.status).toBe(201);
    const template = (await created.json()) as Template;
    expect(template).toMatchObject({ name: 'Intro', body: 'Hi {first_name|there}, {link}', fields: ['first_name', 'link'], archived: false, hasOptOutInstruction: false });
    expect(template.id).toMatch(/^tpl_/);

    const list = (await (await h.request('/api/templates', { as: session })).json()) as { templates: Template[] };
    expect(list.templates.map((t) => t.id)).toEqual([template.id]);

    const patched = await h.request(`/api/templates/${template.id}`, { method: 'PATCH', json: { body: 'Hello {first_name|friend}. Reply STOP to opt out' }, as: session });
    expect(patched.status).toBe(200);
    expect((await patched.json()) as Template).toMatchObject({ name: 'Intro', body: 'Hello {first_name|friend}. Reply STOP to opt out', hasOptOutInstruction: true });

    const archived = (await (await h.request(`/api/templates/${template.id}`, { method: 'PATCH', json: { archived: true }, as: session })).json()) as Template;
    expect(archived.archived).toBe(true);
    expect(((await (await h.request('/api/templates', { as: session })).json()) as { templates: Template[] }).templates).toEqual([]);
    expect(((await (await h.request('/api/templates?archived=true', { as: session })).json()) as { templates: Template[] }).templates.map((t) => t.id)).toEqual([template.id]);

    const audit = await h.db.select().from(auditLog).where(and(eq(auditLog.tenantId, tenant.id), eq(auditLog.targetId, template.id)));
    expect(audit.map((a) => a.action).sort()).toEqual(['template.create', 'template.update', 'template.update']);
  });

  it('refuses unknown merge fields with the issue, where it is, and which field', async () => {
    const { session } = await signedIn();
    const res = await h.request('/api/templates', { json: { name: 'Bad', body: 'Hi {nickname}!' }, as: session });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toContain('{nickname}');
    expect(body.error.details?.templateIssues).toEqual([expect.objectContaining({ code: 'unknown_field', field: 'nickname', index: 3 })]);
    expect(body.error.details?.fieldErrors?.body?.[0]).toContain('unknown merge field');
  });

  it('refuses unknown request fields, a missing name and an empty body with details', async () => {
    const { session } = await signedIn();
    const unknown = await h.request('/api/templates', { json: { name: 'x', body: 'y', colour: 'red' }, as: session });
    expect(unknown.status).toBe(400);
    const details = ((await unknown.json()) as ErrorBody).error;
    expect(details.code).toBe('validation_failed');
    expect(JSON.stringify(details.details)).toContain('colour');
    for (const json of [{ body: 'y' }, { name: 'x', body: '   ' }, { name: 'x', body: 'y'.repeat(1_531) }]) {
      const res = await h.request('/api/templates', { json, as: session });
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorBody).error.code).toBe('validation_failed');
    }
    expect((await h.request('/api/templates/tpl_nope', { method: 'PATCH', json: {}, as: session })).status).toBe(400);
  });

  it("another tenant's template is a 404, to read and to edit", async () => {
    const a = await signedIn();
    const b = await signedIn();
    const created = (await (await h.request('/api/templates', { json: { name: 'Mine', body: 'Hello' }, as: a.session })).json()) as Template;
    expect((await h.request(`/api/templates/${created.id}`, { as: b.session })).status).toBe(404);
    expect((await h.request(`/api/templates/${created.id}`, { method: 'PATCH', json: { name: 'Theirs' }, as: b.session })).status).toBe(404);
    expect(((await (await h.request('/api/templates', { as: b.session })).json()) as { templates: Template[] }).templates).toEqual([]);
  });

  it('viewers may read but not write', async () => {
    const { session } = await signedIn('viewer');
    expect((await h.request('/api/templates', { as: session })).status).toBe(200);
    expect((await h.request('/api/templates', { json: { name: 'x', body: 'y' }, as: session })).status).toBe(403);
  });
});

type Preview = {
  rendered: string;
  encoding: string;
  characters: number;
  parts: number;
  costMicros?: number;
  provider?: string;
  country: string;
  smartEncoded?: { text: string; changes: { from: string; to: string }[]; encoding: string; parts: number };
  firstMessage?: { rendered: string; parts: number };
  errors: { code: string }[];
};

describe('POST /api/messages/preview', () => {
  it('renders the sample and counts encoding, characters and parts at the 160/161 boundary', async () => {
    const { session } = await signedIn();
    const at160 = (await (await h.request('/api/messages/preview', { json: { body: `{first_name|x}${'a'.repeat(157)}`, sample: { first_name: 'Bob' } }, as: session })).json()) as Preview;
    expect(at160).toMatchObject({ rendered: `Bob${'a'.repeat(157)}`, encoding: 'GSM-7', characters: 160, parts: 1 });
    const at161 = (await (await h.request('/api/messages/preview', { json: { body: 'a'.repeat(161) }, as: session })).json()) as Preview;
    expect(at161).toMatchObject({ encoding: 'GSM-7', characters: 161, parts: 2 });
    const ucs = (await (await h.request('/api/messages/preview', { json: { body: `${'a'.repeat(70)}😀` }, as: session })).json()) as Preview;
    expect(ucs).toMatchObject({ encoding: 'UCS-2', characters: 71, parts: 2 });
  });

  it('prices the parts for the provider and country asked for, or the tenant’s bulk provider and country', async () => {
    const { tenant, session } = await signedIn();
    const body = 'b'.repeat(200);
    const us = (await (await h.request('/api/messages/preview', { json: { body, provider: 'signalhouse', country: 'us' }, as: session })).json()) as Preview;
    expect(us).toMatchObject({ parts: 2, costMicros: 8_000, provider: 'signalhouse', country: 'US' });

    // No number yet: no provider, so no cost rather than a guess.
    const none = (await (await h.request('/api/messages/preview', { json: { body }, as: session })).json()) as Preview;
    expect(none.costMicros).toBeUndefined();
    expect(none.country).toBe('AU');

    await h.db.insert(sendingNumbers).values({ id: testId('sendingNumber'), tenantId: tenant.id, e164: `+6148${Math.floor(1e6 + Math.random() * 8e6)}`, provider: 'sandbox', use: 'bulk' });
    const sandbox = (await (await h.request('/api/messages/preview', { json: { body }, as: session })).json()) as Preview;
    expect(sandbox).toMatchObject({ provider: 'sandbox', country: 'AU', costMicros: 2_000 });

    const unpriced = (await (await h.request('/api/messages/preview', { json: { body, provider: 'twilio', country: 'NZ' }, as: session })).json()) as Preview;
    expect(unpriced.costMicros).toBeUndefined();
  });

  it('offers smart encoding and shows the first message with its opt-out line', async () => {
    const { session } = await signedIn();
    const res = await h.request('/api/messages/preview', { json: { body: 'We’re open — come by' }, as: session });
    expect(res.status).toBe(200);
    const p = (await res.json()) as Preview;
    expect(p.encoding).toBe('UCS-2');
    expect(p.smartEncoded).toMatchObject({ text: "We're open - come by", encoding: 'GSM-7', parts: 1 });
    expect(p.firstMessage?.rendered).toBe('We’re open — come by\nReply STOP to opt out');
  });

  it('answers for a template that is not valid yet, listing the issues', async () => {
    const { session } = await signedIn();
    const p = (await (await h.request('/api/messages/preview', { json: { body: 'Hi {first_name' }, as: session })).json()) as Preview;
    expect(p.errors.map((e) => e.code)).toEqual(['unclosed_field']);
    expect(p.parts).toBe(1);
    const bad = await h.request('/api/messages/preview', { json: { body: 'x', extra: 1 }, as: session });
    expect(bad.status).toBe(400);
  });

  it('is a staff tool: a viewer (who may change nothing) is refused like on any POST', async () => {
    const { session } = await signedIn('viewer');
    expect((await h.request('/api/messages/preview', { json: { body: 'x' }, as: session })).status).toBe(403);
  });
});
