/**
 * The inbox in a real browser against the real stack, run in this process (`startLocalStack`, the
 * same code `npm start` runs) so the test can sign inbound texts with the sandbox's webhook secret:
 * contacts text in through the real Twilio webhook route, the inbox shows the threads with unread
 * counts, a reply shows as sent the moment it is sent (the API call is held back to prove it), a new
 * inbound text appears without a reload, and a reply to the sandbox's invalid-number magic number
 * rolls back to a failed state with Retry, its text back in the box. The sandbox's delivery callback
 * (through the signed webhook) moves a sent reply to delivered. Screenshots in test-results/e2e/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioSignature, twilioSignatureHeader } from '../../core/signatures/twilio';
import { queryRows } from '../../db/client';
import { contacts } from '../../db/schema/index';
import { seedTenantId } from '../../db/seed';
import { testId } from '../../db/testing';
import { parseConfig } from '../../functions/shared/config';
import { startLocalStack, type LocalStack } from '../../functions/shared/local-server';
import { silentLogger } from '../../functions/shared/log';
import { sandboxMagicNumbers } from '../../functions/shared/sms/sandbox';
import { signIn } from '../../scripts/testing/sign-in';
import { freePort } from '../../scripts/testing/spawn-stack';
import { ensureWebBuilt, launchBrowser, requireChromium, root, screenshotPath, type Browser } from './browser';

let stack: LocalStack | undefined;
let browser: Browser | undefined;
let dataDir: string;
let url: string;

const adminEmail = 'admin@reactor.local';
const ourNumber = '+61480000999';
const sam = { phone: '+61412000111', first: 'Sam', last: 'Okafor' };
const [invalidAu] = sandboxMagicNumbers.invalidNumber.filter((n) => n.startsWith('+61'));
const priya = { phone: invalidAu ?? '', first: 'Priya', last: 'Raman' };

beforeAll(async () => {
  requireChromium();
  await ensureWebBuilt();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'reactor-e2e-inbox-'));
  const port = await freePort();
  const config = parseConfig(
    { REACTOR_ENV: 'local', DATA_DIR: dataDir, PORT: String(port), EDGE_PORT: String(await freePort()), PUBLIC_URL: `http://localhost:${port}`, SEED_ADMIN_EMAIL: adminEmail, LOG_LEVEL: 'warn' },
    root,
  );
  // A fast cron tick: the sandbox's delivery callbacks (due 2 s after a send) come back within the test.
  stack = await startLocalStack(config, { log: silentLogger, webDist: path.join(root, 'web', 'dist'), edge: false, cronIntervalMs: 1_000 });
  url = stack.url;
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

let sid = 0;
/** A contact texts our number: a signed inbound message through the real Twilio webhook route. */
async function textIn(from: string, body: string): Promise<void> {
  if (!stack) throw new Error('no stack');
  const token = stack.runtime.sms.sandbox?.webhookSecrets.twilioAuthToken;
  if (token === undefined) throw new Error('the 1:1 route is not the sandbox');
  const hook = `${url}/api/webhooks/twilio`;
  const params = { AccountSid: 'ACsandbox', ApiVersion: '2010-04-01', From: from, To: ourNumber, Body: body, MessageSid: `SM${String(++sid).padStart(32, '0')}`, NumSegments: '1', SmsStatus: 'received' };
  const res = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', [twilioSignatureHeader]: await twilioSignature(token, hook, params) }, body: new URLSearchParams(params) });
  if (res.status !== 200) throw new Error(`the webhook answered ${res.status}: ${await res.text()}`);
}

/** Holds the browser's reply calls until released, so the test can look at the page before the API answers. */
function holdReplies(page: Page) {
  const held: Route[] = [];
  let answered = 0;
  void page.route(/\/api\/conversations\/[^/]+\/messages(\/[^/]+\/retry)?$/, (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    held.push(route);
    return undefined;
  });
  page.on('requestfinished', (request) => {
    if (request.method() === 'POST' && /\/messages(\/[^/]+\/retry)?$/.test(request.url())) answered += 1;
  });
  return {
    held: () => held.length,
    answered: () => answered,
    async release() {
      for (const route of held.splice(0)) await route.continue();
    },
  };
}

async function expectNoSpinner(page: Page) {
  expect(await page.locator('[aria-busy="true"], [role="progressbar"], .spinner').count()).toBe(0);
}

describe('the inbox in the browser', () => {
  it('replies optimistically, shows new inbound without a reload, and rolls a provider failure back to Retry', async () => {
    if (!stack || !browser) throw new Error('setup failed');
    const db = stack.runtime.db;
    for (const c of [sam, priya]) await db.insert(contacts).values({ id: testId('contact'), tenantId: seedTenantId, phoneE164: c.phone, firstName: c.first, lastName: c.last, tags: ['plumbing'] });
    const session = await signIn(url, adminEmail);
    const number = await fetch(`${url}/api/sending-numbers`, { method: 'POST', headers: session.headers({ 'content-type': 'application/json' }), body: JSON.stringify({ e164: ourNumber, provider: 'sandbox', use: 'conversation', label: 'Sandbox 1:1' }) });
    expect(number.status).toBe(201);
    await textIn(priya.phone, 'Can someone call me about the hot water system?');
    await textIn(sam.phone, 'Hi, is the quote from Tuesday still valid?');
    await textIn(sam.phone, 'We could start next week.');

    const host = new URL(url).hostname;
    await browser.context.addCookies(
      session.cookie.split('; ').map((pair) => {
        const at = pair.indexOf('=');
        return { name: pair.slice(0, at), value: pair.slice(at + 1), domain: host, path: '/' };
      }),
    );
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));

    // The inbox: newest activity first, unread counts.
    await page.goto(`${url}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).click();
    const list = page.getByTestId('thread-list');
    await list.getByText('Sam Okafor').waitFor();
    const items = list.getByTestId('thread-item');
    expect(await items.count()).toBe(2);
    expect(await items.nth(0).innerText()).toContain('Sam Okafor');
    expect(await items.nth(0).getByTestId('unread-count').innerText()).toBe('2');
    expect(await items.nth(1).getByTestId('unread-count').innerText()).toBe('1');
    await page.screenshot({ path: await screenshotPath('inbox-1-threads') });

    // Open Sam's thread: both messages, the timeline beside them, and the thread is read.
    await items.nth(0).click();
    const messages = page.getByTestId('messages');
    await messages.getByText('We could start next week.').waitFor();
    await page.getByTestId('timeline').getByText('Texted in').first().waitFor();
    await expect.poll(() => items.nth(0).getByTestId('unread-count').count(), { timeout: 10_000 }).toBe(0);

    // Reply: shown as sent while the API call is still held back.
    const replies = holdReplies(page);
    const box = page.getByTestId('composer-input');
    await box.fill('Yes, it is valid until Friday. Shall I book Monday 8am?');
    await box.press('Enter');
    const mine = messages.getByTestId('message').filter({ hasText: 'Shall I book Monday 8am?' });
    await mine.waitFor();
    expect(await mine.getAttribute('data-tick')).toBe('sent');
    expect(replies.held()).toBe(1);
    expect(replies.answered()).toBe(0);
    expect(await box.inputValue()).toBe('');
    await expectNoSpinner(page);
    await page.screenshot({ path: await screenshotPath('inbox-2-sent-before-answer') });
    await replies.release();
    await expect.poll(() => replies.answered()).toBe(1);
    expect(await mine.getAttribute('data-tick')).toMatch(/^(sent|delivered)$/);
    // The provider's delivery callback (the sandbox's, through the signed webhook) turns one tick into two.
    await expect.poll(() => mine.getAttribute('data-tick'), { timeout: 20_000 }).toBe('delivered');

    // A new inbound text appears without a reload.
    await textIn(sam.phone, 'Monday 8am works, thanks!');
    await messages.getByText('Monday 8am works, thanks!').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: await screenshotPath('inbox-3-new-inbound') });

    // Priya's number fails at the provider (the sandbox's invalid-number magic number, Twilio 21211).
    await list.getByText('Priya Raman').click();
    await messages.getByText('hot water system').waitFor();
    await box.fill('Hi Priya, a plumber can call you at 2pm today.');
    await page.getByTestId('composer-send').click();
    const failing = messages.getByTestId('message').filter({ hasText: 'a plumber can call you at 2pm' });
    await failing.waitFor();
    expect(await failing.getAttribute('data-tick')).toBe('sent');
    await expectNoSpinner(page);
    await replies.release();
    // Rolled back: failed, with the provider's code, a Retry, the text back in the box, and a toast.
    await expect.poll(() => failing.getAttribute('data-tick'), { timeout: 10_000 }).toBe('failed');
    expect(await failing.getByTestId('message-problem').innerText()).toBe('Not a valid phone number (21211)');
    await failing.getByTestId('message-retry').waitFor();
    expect(await box.inputValue()).toBe('Hi Priya, a plumber can call you at 2pm today.');
    await page.getByTestId('toast').filter({ hasText: 'not sent' }).first().waitFor();
    await page.screenshot({ path: await screenshotPath('inbox-4-failed-with-retry') });

    // Retry: optimistic again, a second provider attempt with the same text, failed again.
    await failing.getByTestId('message-retry').click();
    await expect.poll(() => failing.getAttribute('data-tick')).toBe('sent');
    await replies.release();
    await expect.poll(() => failing.getAttribute('data-tick'), { timeout: 10_000 }).toBe('failed');
    const attempts = await queryRows<{ key: string }>(db, sql`select idempotency_key as key from sandbox_receipts where to_number = ${priya.phone} order by received_at`);
    expect(attempts).toHaveLength(2);
    expect(attempts[1]?.key).toBe(`${attempts[0]?.key}#2`);
    // Still exactly one bubble for it: a retry is the same message, not a new one.
    expect(await failing.count()).toBe(1);
    expect(problems).toEqual([]);
  }, 120_000);
});
