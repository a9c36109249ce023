/**
 * The admin in a real browser against the real stack (`npm start` as a child process): sign in
 * through the dev mailbox, see the shell (user, tenant, navigation), open the users and audit pages,
 * sign out. Screenshots land in test-results/e2e/ (not in git).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '../../scripts/testing/sign-in';
import { spawnStack, type SpawnedStack } from '../../scripts/testing/spawn-stack';
import { ensureWebBuilt, launchBrowser, requireChromium, screenshotPath, type Browser } from './browser';

let stack: SpawnedStack | undefined;
let browser: Browser | undefined;
let dataDir: string;

beforeAll(async () => {
  requireChromium();
  await ensureWebBuilt();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'reactor-e2e-'));
  stack = await spawnStack({ dataDir, env: { REACTOR_ENV: 'local', SEED_ADMIN_EMAIL: 'admin@reactor.local' } });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('admin in the browser', () => {
  it('signs in through the dev mailbox, shows the shell and signs out', async () => {
    if (!stack || !browser) throw new Error('setup failed');
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));

    await page.goto(`${stack.url}/users`);
    await page.waitForURL('**/login');
    await page.getByLabel('Work email').fill('admin@reactor.local');
    await page.screenshot({ path: await screenshotPath('1-login') });
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();

    await page.getByTestId('check-inbox').waitFor();
    const link = page.getByTestId('dev-mailbox-link').first();
    await link.waitFor();
    await page.screenshot({ path: await screenshotPath('2-check-inbox') });
    await link.click();

    await page.getByTestId('current-user').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.getByTestId('current-user').innerText()).toContain('admin@reactor.local');
    expect(await page.getByTestId('tenant-name').innerText()).toBe('Reactor Demo');
    await page.screenshot({ path: await screenshotPath('3-shell') });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    const table = page.getByTestId('users-table');
    await table.getByText('admin@reactor.local').waitFor();

    // Invite: the row is there at once, the toast confirms.
    const invitee = `e2e-${Date.now().toString(36)}@example.com`;
    await page.getByLabel('Email to invite').fill(invitee);
    await page.getByLabel('Role for the invite').selectOption('viewer');
    await page.getByRole('button', { name: 'Invite' }).click();
    await table.getByText(invitee).waitFor();
    await page.getByTestId('toast').getByText(`Invited ${invitee}`).waitFor();
    await page.screenshot({ path: await screenshotPath('4-users-invited') });

    await page.getByLabel(`Role of ${invitee}`).selectOption('staff');
    await page.getByTestId('toast').getByText(`${invitee} is now staff.`).waitFor();

    // Demoting yourself, the only admin, is refused and rolled back.
    await page.getByLabel('Role of admin@reactor.local').selectOption('viewer');
    await page.getByTestId('toast').getByText(/last admin/).waitFor();
    expect(await page.getByLabel('Role of admin@reactor.local').inputValue()).toBe('admin');
    await page.screenshot({ path: await screenshotPath('4-users-refused') });

    const row = table.getByRole('row').filter({ hasText: invitee });
    await row.getByRole('button', { name: 'Remove' }).click();
    await row.getByRole('button', { name: 'Confirm remove' }).click();
    await page.getByTestId('toast').getByText(`Removed ${invitee}.`).waitFor();
    expect(await table.getByText(invitee).count()).toBe(0);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    const audit = page.getByTestId('audit-table');
    await audit.getByText('Signed in').first().waitFor();
    for (const action of ['Invited a user', 'Changed a role', 'Removed a user']) await audit.getByText(action).waitFor();
    await page.screenshot({ path: await screenshotPath('5-audit') });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    await page.getByRole('button', { name: 'Email me a sign-in link' }).waitFor();
    await page.screenshot({ path: await screenshotPath('6-signed-out') });
    const me = await page.request.get(`${stack.url}/api/auth/me`);
    expect(me.status()).toBe(401);
    expect(problems).toEqual([]);
  }, 120_000);

  it('keeps the ops routes for admins: a script signs in through the dev mailbox like a person', async () => {
    if (!stack) throw new Error('setup failed');
    const anonymous = await fetch(`${stack.url}/api/ops/queue-probe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"steps":1}' });
    expect(anonymous.status).toBe(401);
    const admin = await signIn(stack.url, 'admin@reactor.local');
    const started = await fetch(`${stack.url}/api/ops/queue-probe`, {
      method: 'POST',
      headers: admin.headers({ 'content-type': 'application/json' }),
      body: '{"steps":1}',
    });
    expect(started.status).toBe(202);
  });
});
