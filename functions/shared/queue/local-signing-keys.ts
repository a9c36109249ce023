/**
 * The local relay's signing keys: generated on first start into DATA_DIR/queue-keys.json (mode 0600) and
 * reused afterwards, so deliveries signed before a restart still verify after it. Two keys, like
 * QStash's current and next, so the rotation path is exercised locally too.
 */
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { SigningKeys } from './delivery-verifier';

const keysFile = z.object({
  currentSigningKey: z.string().min(32),
  nextSigningKey: z.string().min(32),
  createdAt: z.string(),
});

function newKey(): string {
  return `sig_${randomBytes(32).toString('base64url')}`;
}

export async function loadLocalSigningKeys(file: string): Promise<SigningKeys> {
  const existing = await readKeys(file);
  if (existing) return existing;
  await mkdir(path.dirname(file), { recursive: true });
  const content = JSON.stringify({ currentSigningKey: newKey(), nextSigningKey: newKey(), createdAt: new Date().toISOString() }, null, 2);
  // Write a private temp file, then link it into place: link fails if the file exists, so two processes
  // starting at once agree on one set of keys, and a crash never leaves a half-written keys file.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${content}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, file);
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  const keys = await readKeys(file);
  if (!keys) throw new Error(`Could not create the queue signing keys in ${file}.`);
  return keys;
}

async function readKeys(file: string): Promise<SigningKeys | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = keysFile.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not a valid queue keys file; delete it to generate new keys.`);
  // Someone copied the folder with a loose umask: these keys sign deliveries, keep them private.
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  return { currentSigningKey: parsed.data.currentSigningKey, nextSigningKey: parsed.data.nextSigningKey };
}
