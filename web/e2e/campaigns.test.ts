/**
 * The Broadcaster's admin in a real browser against the real stack (`npm start` as a child process,
 * the sandbox provider): set a rate cap and the tenant's own alert destinations on the budget page, write a template (live encoding and parts,
 * the smart-encoding fix), create a campaign from it, queue it, pause and resume it — each step checked
 * in the page and through the API — see a refused action roll back, and pull the tenant kill switch
 * (the indicator shows on every page). Screenshots land in test-results/e2e/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, type SignedIn } from '../../scripts/testing/sign-in';
import { spawnStack, type SpawnedStack } from '../../scripts/testing/spawn-stack';
import { ensureWebBuilt, launchBrowser, requireChromium, screenshotPath, type Browser } from './browser';

let stack: SpawnedStack | undefined;
let browser: Browser | undefined;
let dataDir: string;
// The tenant's own alert webhook: a receiver on loopback that keeps what the stack posts to it.
let hook: Server | undefined;
const hooked: { alert?: { kind?: string; tenantId?: string } }[] = [];

beforeAll(async () => {
  requireChromium();
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      hooked.push(JSON.parse(body) as (typeof hooked)[number]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook?.listen(0, '127.0.0.1', resolve));
  await ensureWebBuilt();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'reactor-e2e-campaigns-'));
  stack = await spawnStack({ dataDir, env: { REACTOR_ENV: 'local', SEED_ADMIN_EMAIL: 'admin@reactor.local', DATABASE_URL: '' } });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await new Promise((resolve) => (hook ? hook.close(resolve) : resolve(undefined)));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

type Campaign = { id: string; name: string; status: string; templateIds: string[]; counts: { total: number; queued: number; skipped: number } };

async function apiGet<T>(session: SignedIn, pathname: string): Promise<T> {
  if (!stack) throw new Error('no stack');
  const res = await fetch(`${stack.url}${pathname}`, { headers: session.headers({ accept: 'application/json' }) });
  if (!res.ok) throw new Error(`GET ${pathname}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function apiPost<T>(session: SignedIn, pathname: string, body: unknown): Promise<T> {
  if (!stack) throw new Error('no stack');
  const res = await fetch(`${stack.url}${pathname}`, { method: 'POST', headers: session.headers({ accept: 'application/json', 'content-type': 'application/json' }), body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${pathname}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Six contacts through the Ingestor's own API (dry run, commit), so the campaign has someone to send to. */
async function importContacts(session: SignedIn): Promise<void> {
  if (!stack) throw new Error('no stack');
  const csv = ['phone,first_name', ...[101, 102, 103, 104, 105, 106].map((n, i) => `0412 000 ${n},Person${i}`)].join('\n');
  const form = new FormData();
  form.set('file', new Blob([csv], { type: 'text/csv' }), 'people.csv');
  form.set('mapping', JSON.stringify({ phone: 'phone', first_name: 'first_name' }));
  const dry = await fetch(`${stack.url}/api/imports/contacts/dry-run`, { method: 'POST', headers: session.headers(), body: form });
  if (!dry.ok) throw new Error(`dry-run: ${dry.status} ${await dry.text()}`);
  const { importId } = (await dry.json()) as { importId: string };
  const commit = await fetch(`${stack.url}/api/imports/contacts/commit`, {
    method: 'POST',
    headers: session.headers({ 'content-type': 'application/json', 'idempotency-key': `e2e-${importId}` }),
    body: JSON.stringify({ importId }),
  });
  if (!commit.ok) throw new Error(`commit: ${commit.status} ${await commit.text()}`);
  for (let i = 0; i < 100; i++) {
    const summary = await apiGet<{ status: string; error: string | null }>(session, `/api/imports/${importId}`);
    if (summary.status === 'done') return;
    if (summary.status === 'failed') throw new Error(`import failed: ${summary.error}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the import did not finish');
}

async function statusOf(page: Page): Promise<string> {
  return (await page.getByTestId('campaign-detail').getByTestId('campaign-status').innerText()).trim();
}

describe('campaigns in the browser', () => {
  it('budget cap, template preview, create, queue, pause, resume, rollback, kill switch', async () => {
    if (!stack || !browser) throw new Error('setup failed');
    const session = await signIn(stack.url, 'admin@reactor.local');
    const me = await apiGet<{ tenant: { id: string } }>(session, '/api/auth/me');
    await importContacts(session);
    const host = new URL(stack.url).hostname;
    await browser.context.addCookies(
      session.cookie.split('; ').map((pair) => {
        const at = pair.indexOf('=');
        return { name: pair.slice(0, at), value: pair.slice(at + 1), domain: host, path: '/' };
      }),
    );
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    const nav = page.getByRole('navigation', { name: 'Main' });

    // Budget: one message a minute for the whole tenant, so the campaign is still sending when we pause it.
    await page.goto(`${stack.url}/`);
    await nav.getByRole('link', { name: 'Budget' }).click();
    await page.getByTestId('kill-switch-state').getByText('Sending is on').waitFor();
    await page.getByTestId('spend-today').waitFor();
    expect(await page.getByLabel('Daily cap').inputValue()).toBe('50.00');
    await page.getByLabel('Daily cap').fill('12.5x');
    await page.getByTestId('budget-form').getByText('Not an amount').waitFor();
    expect(await page.getByTestId('save-budget').isDisabled()).toBe(true);
    await page.getByLabel('Daily cap').fill('12.50');
    await page.getByLabel('Messages a minute').fill('1');
    // The tenant's own alert destinations; the webhook URL is a secret, shown back by origin only.
    if (!hook) throw new Error('no webhook receiver');
    const hookOrigin = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    await page.getByLabel('Alert email').fill('Ops@Example');
    await page.getByTestId('budget-form').getByText('Not an email address').waitFor();
    await page.getByLabel('Alert email').fill('Ops@Example.com');
    await page.getByLabel('Alert webhook').fill(`${hookOrigin}/hooks/s3cret-token`);
    await page.getByTestId('save-budget').click();
    await page.getByTestId('toast').getByText('Budget saved: $12.50 a day').waitFor();
    const budget = await apiGet<{ dailyMicros: number; monthlyMicros: number; perMinute: number; alertEmail: string | null; alertWebhookOrigin: string | null }>(session, `/api/tenants/${me.tenant.id}/budget`);
    expect(budget).toMatchObject({ dailyMicros: 12_500_000, monthlyMicros: 1_000_000_000, perMinute: 1, alertEmail: 'ops@example.com', alertWebhookOrigin: hookOrigin });
    expect(JSON.stringify(budget)).not.toContain('s3cret-token');
    expect(await page.getByLabel('Alert webhook').inputValue()).toBe('');
    await page.getByText('Saved; type a new URL to replace it').waitFor();
    await page.screenshot({ path: await screenshotPath('campaigns-0-budget'), fullPage: true });

    // Template: a curly apostrophe makes it UCS-2; the smart-encoding fix brings it back to GSM-7.
    await nav.getByRole('link', { name: 'Templates' }).click();
    await page.getByTestId('template-list').getByText('Intro offer').waitFor();
    await page.getByTestId('new-template').click();
    await page.getByLabel('Name', { exact: true }).fill('Spring e2e');
    const body = 'Hi {first_name|there}, it’s spring at Reactor Demo: 20% off this week. Reply STOP to opt out';
    await page.getByTestId('template-body').fill(body);
    expect(await page.getByTestId('meter-encoding').innerText()).toBe('UCS-2');
    const ucs = await apiPost<{ encoding: string; characters: number; parts: number }>(session, '/api/messages/preview', { body, sample: { first_name: 'Alex' } });
    expect(ucs.encoding).toBe('UCS-2');
    expect(await page.getByTestId('meter-characters').innerText()).toBe(`${ucs.characters} characters`);
    expect(await page.getByTestId('meter-parts').innerText()).toBe(`${ucs.parts} ${ucs.parts === 1 ? 'part' : 'parts'}`);
    await page.getByTestId('smart-encoding').getByText('curly single quote').waitFor();
    await page.getByTestId('rendered').getByText('Hi Alex, it’s spring').waitFor();
    await page.screenshot({ path: await screenshotPath('campaigns-1-template-ucs2'), fullPage: true });
    await page.getByTestId('apply-smart-encoding').click();
    expect(await page.getByTestId('meter-encoding').innerText()).toBe('GSM-7');
    expect(await page.getByTestId('smart-encoding').count()).toBe(0);
    const gsmBody = await page.getByTestId('template-body').inputValue();
    expect(gsmBody).toBe(body.replace('’', "'"));
    const gsm = await apiPost<{ encoding: string; characters: number; parts: number; costMicros?: number }>(session, '/api/messages/preview', { body: gsmBody, sample: { first_name: 'Alex' } });
    expect(gsm).toMatchObject({ encoding: 'GSM-7', parts: 1 });
    expect(await page.getByTestId('meter-characters').innerText()).toBe(`${gsm.characters} characters`);
    expect(await page.getByTestId('meter-parts').innerText()).toBe('1 part');
    // Seeded price: the sandbox to AU, $0.045 a part.
    expect(await page.getByTestId('meter-cost').innerText()).toBe('$0.045');
    await page.screenshot({ path: await screenshotPath('campaigns-1b-template-gsm'), fullPage: true });
    await page.getByTestId('save-template').click();
    await page.getByTestId('toast').getByText('Created “Spring e2e”.').waitFor();
    const templates = await apiGet<{ templates: { id: string; name: string; body: string }[] }>(session, '/api/templates');
    const template = templates.templates.find((t) => t.name === 'Spring e2e');
    expect(template?.body).toBe(gsmBody);

    // Campaign: create a draft from the template.
    await nav.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByTestId('campaigns-table').getByText('No campaigns yet.').waitFor();
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByTestId('campaign-name-input').fill('Spring launch');
    await page.getByTestId('add-template').selectOption({ label: 'Spring e2e' });
    await page.getByTestId('chosen-templates').getByText('Spring e2e').waitFor();
    await page.screenshot({ path: await screenshotPath('campaigns-2-form'), fullPage: true });
    await page.getByTestId('save-campaign').click();
    await page.getByTestId('campaign-detail').waitFor();
    expect(await statusOf(page)).toBe('Draft');
    const campaignId = page.url().split('/').pop() ?? '';
    expect(campaignId).toMatch(/^cmp_/);
    const draft = await apiGet<Campaign>(session, `/api/campaigns/${campaignId}`);
    expect(draft).toMatchObject({ name: 'Spring launch', status: 'draft', templateIds: [template?.id] });

    // Edit the draft: a second template joins the rotation.
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByTestId('chosen-templates').getByText('Spring e2e').waitFor();
    await page.getByTestId('add-template').selectOption({ label: 'Check-in' });
    await page.getByTestId('chosen-templates').getByText('Check-in').waitFor();
    await page.getByTestId('save-campaign').click();
    await page.getByTestId('campaign-templates').getByText('Check-in').waitFor();
    const edited = await apiGet<Campaign>(session, `/api/campaigns/${campaignId}`);
    expect(edited.templateIds).toHaveLength(2);
    expect(edited.templateIds[0]).toBe(template?.id);

    // Queue (asks once more, inline), then the live progress.
    await page.getByTestId('queue').click();
    await page.getByTestId('queue-confirm').getByText('every contact').waitFor();
    await page.getByTestId('queue-confirm-button').click();
    await page.getByTestId('toast').getByText('Queued 6 messages.').waitFor();
    expect(['Queued', 'Sending']).toContain(await statusOf(page));
    const queued = await apiGet<Campaign>(session, `/api/campaigns/${campaignId}`);
    expect(['queued', 'sending']).toContain(queued.status);
    expect(queued.counts.total).toBe(6);
    await page.getByTestId('campaign-progress').getByText(/of 6 ·/).waitFor();
    await page.screenshot({ path: await screenshotPath('campaigns-3-queued'), fullPage: true });

    // Pause: the page shows it at once; the API agrees.
    await page.getByTestId('pause').click();
    expect(await statusOf(page)).toBe('Paused');
    await page.getByTestId('toast').getByText('Paused.', { exact: false }).waitFor();
    await page.getByTestId('paused-banner').waitFor();
    expect((await apiGet<Campaign>(session, `/api/campaigns/${campaignId}`)).status).toBe('paused');
    await page.screenshot({ path: await screenshotPath('campaigns-4-paused'), fullPage: true });

    // A refused resume goes back to Paused, with the server's reason in a toast.
    await page.route('**/api/campaigns/*/resume', (route) =>
      route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ error: { code: 'conflict', message: 'Cannot resume right now (test).' } }) }),
    );
    await page.getByTestId('resume').click();
    await page.getByTestId('toast').getByText('Cannot resume right now (test).').waitFor();
    expect(await statusOf(page)).toBe('Paused');
    await page.unroute('**/api/campaigns/*/resume');

    // Resume for real.
    await page.getByTestId('resume').click();
    await page.getByTestId('toast').getByText('Resumed.', { exact: false }).waitFor();
    expect(['Queued', 'Sending']).toContain(await statusOf(page));
    expect(['queued', 'sending']).toContain((await apiGet<Campaign>(session, `/api/campaigns/${campaignId}`)).status);

    // The list shows it with its progress.
    await nav.getByRole('link', { name: 'Campaigns' }).click();
    const row = page.getByTestId('campaign-row').filter({ hasText: 'Spring launch' });
    await row.waitFor();
    await page.screenshot({ path: await screenshotPath('campaigns-5-list'), fullPage: true });

    // Kill switch: pause everything; the indicator is on every page; resume.
    await nav.getByRole('link', { name: 'Budget' }).click();
    await page.getByTestId('pause-all').click();
    await page.getByLabel('Reason for pausing').fill('checking the numbers');
    await page.getByTestId('pause-all-confirm').click();
    await page.getByTestId('pause-indicator').waitFor();
    await page.getByTestId('toast').getByText('All sending paused.', { exact: false }).waitFor();
    expect(await apiGet<{ paused: boolean; reason: string }>(session, `/api/tenants/${me.tenant.id}/pause`)).toMatchObject({ paused: true, reason: 'checking the numbers' });
    // The pause alert reached the tenant's own webhook.
    await expect.poll(() => hooked.find((m) => m.alert?.kind === 'tenant_paused')?.alert?.tenantId, { timeout: 10_000 }).toBe(me.tenant.id);
    await page.screenshot({ path: await screenshotPath('campaigns-6-budget-paused'), fullPage: true });
    await nav.getByRole('link', { name: 'Imports' }).click();
    await page.getByTestId('pause-indicator').waitFor();
    await page.goto(`${stack.url}/campaigns/${campaignId}`);
    await page.getByTestId('pause-indicator').waitFor();
    await page.getByTestId('campaign-detail').getByText('All sending is paused for your organisation').waitFor();
    await page.screenshot({ path: await screenshotPath('campaigns-7-detail-tenant-paused'), fullPage: true });
    await page.getByTestId('pause-indicator').click();
    await page.getByTestId('resume-all').click();
    await page.getByTestId('kill-switch-state').getByText('Sending is on').waitFor();
    expect(await page.getByTestId('pause-indicator').count()).toBe(0);
    expect((await apiGet<{ paused: boolean }>(session, `/api/tenants/${me.tenant.id}/pause`)).paused).toBe(false);

    expect(problems).toEqual([]);
  }, 150_000);
});
