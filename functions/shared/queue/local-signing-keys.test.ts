import { mkdtemp, readFile, rm, stat, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadLocalSigningKeys } from './local-signing-keys';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reactor-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadLocalSigningKeys', () => {
  it('creates two distinct keys on first start, readable only by the owner', async () => {
    const file = path.join(dir, 'nested', 'queue-keys.json');
    const keys = await loadLocalSigningKeys(file);
    expect(keys.currentSigningKey).not.toBe(keys.nextSigningKey);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject(keys);
  });

  it('returns the same keys after a restart, and when two processes race to create them', async () => {
    const file = path.join(dir, 'queue-keys.json');
    const [a, b, c] = await Promise.all([loadLocalSigningKeys(file), loadLocalSigningKeys(file), loadLocalSigningKeys(file)]);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(await loadLocalSigningKeys(file)).toEqual(a);
  });

  it('tightens a keys file copied with loose permissions', async () => {
    const file = path.join(dir, 'queue-keys.json');
    await loadLocalSigningKeys(file);
    await chmod(file, 0o644);
    await loadLocalSigningKeys(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('refuses a corrupt keys file with a message saying what to do', async () => {
    const file = path.join(dir, 'queue-keys.json');
    await loadLocalSigningKeys(file);
    await import('node:fs/promises').then((fs) => fs.writeFile(file, '{"currentSigningKey":"short"}'));
    await expect(loadLocalSigningKeys(file)).rejects.toThrow(/delete it/);
  });
});
