/**
 * Builds the admin (web/) with Vite when its build is missing or older than its sources, so
 * `npm start` on a fresh clone serves a current admin without a separate step.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../functions/shared/log';

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestMtime(full) : (await stat(full)).mtimeMs);
  }
  return newest;
}

export async function buildWebIfStale(root: string, log: Logger): Promise<boolean> {
  const webDir = path.join(root, 'web');
  const built = await stat(path.join(webDir, 'dist', 'index.html')).then((s) => s.mtimeMs, () => 0);
  if (built > (await newestMtime(webDir))) return false;
  log.info('building the admin (web/)');
  await buildWeb(root);
  return true;
}

export async function buildWeb(root: string): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'web', 'vite.config.ts'), logLevel: 'warn' });
}
