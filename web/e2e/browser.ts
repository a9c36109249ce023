/**
 * Browser-test scaffolding: Debian's Chromium driven by playwright-core (which never downloads a
 * browser of its own), a fresh profile per launch, and a built admin (web/dist) that is rebuilt once
 * when its sources changed, even when several test files ask at the same time.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { silentLogger } from '../../functions/shared/log';
import { buildWebIfStale } from '../../scripts/web-build';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// Debian's Chromium by default; CHROMIUM_PATH points elsewhere (GitHub's runners ship Google Chrome).
export const chromiumPath = process.env.CHROMIUM_PATH?.trim() || '/usr/bin/chromium';
export const screenshotDir = path.join(root, 'test-results', 'e2e');

/** Fails loudly (never skips) when the browser is missing, saying how to install it. */
export function requireChromium(): void {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Browser tests need Debian's Chromium at ${chromiumPath}, and it is not installed.\n` +
        'Install it with:  apt-get update && apt-get install -y chromium\n' +
        '(.ci/run installs it; playwright-core never downloads a browser of its own.)',
    );
  }
}

const lockDir = path.join(os.tmpdir(), `reactor-web-build-${Buffer.from(root).toString('base64url').slice(-24)}.lock`);

/** Builds web/dist if stale; a lock directory keeps two test processes from building at once. */
export async function ensureWebBuilt(): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch {
      // Another process is building; a lock older than two minutes is left over from a crash.
      const age = await stat(lockDir).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 120_000) await rm(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the web build lock ${lockDir}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    await buildWebIfStale(root, silentLogger);
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

export type Browser = { context: BrowserContext; close(): Promise<void> };

export async function launchBrowser(): Promise<Browser> {
  requireChromium();
  const profile = await mkdtemp(path.join(os.tmpdir(), 'reactor-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    // Without the background-networking flags Chromium keeps dialling Google on a machine without a network.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshotPath(name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  return path.join(screenshotDir, `${name}.png`);
}
