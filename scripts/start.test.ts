import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createThrowawayDatabase } from '../db/testing';
import { spawnStack, type SpawnedStack } from './testing/spawn-stack';

// `npm start` as a person runs it: a real child process on a fresh DATA_DIR.
describe('npm start', () => {
  let dataDir: string;
  let stack: SpawnedStack;
  let startedMs: number;
  let env: Record<string, string>;
  let dropDatabase = async () => {};

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'reactor-start-'));
    // PGlite in DATA_DIR, or an empty database of its own on the DATABASE_URL server.
    const serverUrl = process.env.DATABASE_URL?.trim();
    if (serverUrl) {
      const throwaway = await createThrowawayDatabase(serverUrl, 'rr_start');
      dropDatabase = throwaway.drop;
      env = { DATABASE_URL: throwaway.url };
    } else {
      env = { DATABASE_URL: '' };
    }
    startedMs = Date.now();
    stack = await spawnStack({ dataDir, env });
  });

  afterAll(async () => {
    await stack?.stop();
    await dropDatabase();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers the three health checks', async () => {
    for (const url of [`${stack.url}/api/health`, `${stack.url}/fn/send/health`, `${stack.edgeUrl}/health`]) {
      const res = await fetch(url);
      expect(res.status, url).toBe(200);
      const body = (await res.json()) as { ok: boolean; ts: string };
      expect(body.ok).toBe(true);
      expect(new Date(body.ts).getTime()).toBeGreaterThanOrEqual(startedMs - 1000);
    }
  });

  it('answers every function at /fn/<name>/health', async () => {
    for (const name of ['api', 'import-chunk', 'hydrate', 'enqueue', 'send', 'webhook', 'report', 'cron']) {
      const res = await fetch(`${stack.url}/fn/${name}/health`);
      expect(res.status, name).toBe(200);
    }
  });

  it('prints the URLs and who to sign in as', () => {
    expect(stack.output()).toContain(`Admin        ${stack.url}/`);
    expect(stack.output()).toContain('Sign in as   admin@reactor.local');
  });

  it('shuts down cleanly on Ctrl-C and starts again on the same data', async () => {
    expect(await stack.stop()).toBe(0);
    stack = await spawnStack({ dataDir, env });
    const res = await fetch(`${stack.url}/api/health`);
    expect(res.status).toBe(200);
  });

  it('starts again on the same ports after being killed with kill -9', async () => {
    const port = Number(new URL(stack.url).port);
    const edgePort = Number(new URL(stack.edgeUrl).port);
    await stack.kill9();
    stack = await spawnStack({ dataDir, port, edgePort, env });
    expect((await fetch(`${stack.url}/api/health`)).status).toBe(200);
    expect((await fetch(`${stack.edgeUrl}/health`)).status).toBe(200);
  });
});
