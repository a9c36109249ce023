/**
 * The import flow in a real browser against the real stack (`npm start` as a child process): drop a CSV
 * (it goes to the local blob store by presigned PUT), check and fix the suggested mapping, preview the
 * dry-run and filter its decisions, commit, download the rejected rows, see the import in the history
 * and open the prospects page. Screenshots land in test-results/e2e/.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'reactor-e2e-imports-'));
  stack = await spawnStack({ dataDir, env: { REACTOR_ENV: 'local', SEED_ADMIN_EMAIL: 'admin@reactor.local', DATABASE_URL: '' } });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

const csv = [
  'Mobile;Email;Given name;Plan',
  '0412 345 678;ana@example.com;Ana;gold',
  '+61 412 345 678;;Ana again;',
  'not a number;bo@example.com;Bo;silver',
  '0498 765 432;cy@example.com;"Cy; Jr";bronze',
].join('\r\n');

describe('imports in the browser', () => {
  it('walks upload → mapping → dry-run → commit → rejected CSV download', async () => {
    if (!stack || !browser) throw new Error('setup failed');
    const session = await signIn(stack.url, 'admin@reactor.local');
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

    await page.goto(`${stack.url}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Imports' }).click();
    await page.getByTestId('dropzone').waitFor();
    await page.getByTestId('import-history').getByText('No imports yet.').waitFor();

    // Drop a file: presigned upload, then the suggested mapping.
    await page.getByTestId('file-input').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const mapping = page.getByTestId('mapping');
    await mapping.waitFor();
    expect(await page.getByLabel('Field for Mobile').inputValue()).toBe('phone');
    expect(await page.getByLabel('Field for Email').inputValue()).toBe('email');
    expect(await page.getByLabel('Field for Given name').inputValue()).toBe('first_name');
    expect(await page.getByLabel('Field for Plan').inputValue()).toBe('');
    // Fix it: Plan becomes a merge field.
    await page.getByLabel('Field for Plan').selectOption('attr:Plan');
    await page.screenshot({ path: await screenshotPath('imports-1-mapping'), fullPage: true });

    // Dry run: counts and decisions, filterable.
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    const preview = page.getByTestId('preview');
    await preview.waitFor();
    const counts = await page.getByTestId('import-counts').innerText();
    expect(counts).toContain('4 rows');
    expect(counts).toContain('2 new');
    expect(counts).toContain('2 rejected');
    const decisions = page.getByTestId('decisions');
    expect(await decisions.getByRole('row').count()).toBe(5);
    await page.getByLabel('Filter decisions').selectOption('rejected');
    expect(await decisions.getByRole('row').count()).toBe(3);
    await decisions.getByText('same phone as row 1').waitFor();
    await decisions.getByText('"not a number" is not a phone number').waitFor();
    await page.screenshot({ path: await screenshotPath('imports-2-dry-run'), fullPage: true });

    // Commit: a progress bar, then the result.
    await page.getByTestId('commit').click();
    const done = page.getByTestId('import-done');
    await done.waitFor();
    expect(await done.innerText()).toContain('Imported contacts.csv');
    await page.getByTestId('toast').getByText(/2 new, 0 updated, 2 rejected/).waitFor();
    // The history says so too: the dry run's row is now the finished import.
    await page.getByTestId('import-history').getByText('done', { exact: true }).waitFor();
    expect(await page.getByTestId('import-history').getByText('dry run only').count()).toBe(0);
    await page.screenshot({ path: await screenshotPath('imports-3-committed'), fullPage: true });

    // The rejected rows, as uploaded, with decision and reason.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('rejected-download').click()]);
    expect(download.suggestedFilename()).toBe('contacts-rejected.csv');
    const file = await download.path();
    const text = await readFile(file, 'utf8');
    expect(text.split('\r\n')).toEqual([
      'Mobile;Email;Given name;Plan;decision;reason',
      '+61 412 345 678;;Ana again;;duplicate;same phone as row 1',
      'not a number;bo@example.com;Bo;silver;invalid_phone;"""not a number"" is not a phone number"',
      '',
    ]);

    // History shows the import; the prospects page opens (empty).
    const history = page.getByTestId('import-history');
    await history.getByText('contacts.csv').waitFor();
    await history.getByText('done').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Prospects' }).click();
    await page.getByTestId('prospects-table').getByText('No prospects yet').waitFor();
    await page.screenshot({ path: await screenshotPath('imports-4-prospects'), fullPage: true });
    expect(problems).toEqual([]);
  }, 120_000);
});
