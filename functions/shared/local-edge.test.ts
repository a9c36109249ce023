import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from './log';
import { startLocalEdge, type LocalEdge } from './local-edge';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('local edge (the Worker in Miniflare)', () => {
  const lines: string[] = [];
  const log: Logger = createLogger({ sink: (line) => lines.push(line) });
  let port: number;
  let edge: LocalEdge;

  beforeAll(async () => {
    port = await freePort();
    edge = await startLocalEdge({ port, bindings: { API_ORIGIN: 'http://127.0.0.1:1' }, log });
  });
  afterAll(async () => {
    await edge?.stop();
  });

  it('listens on the port it was given', () => {
    expect(edge.url).toBe(`http://127.0.0.1:${port}`);
  });

  it('answers /health with ok and an ISO timestamp', async () => {
    const res = await fetch(`${edge.url}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; ts: string };
    expect(body.ok).toBe(true);
    expect(new Date(body.ts).toISOString()).toBe(body.ts);
  });

  it('answers an unknown token with the expired-link page and the link headers', async () => {
    const res = await fetch(`${edge.url}/nope1234`, { redirect: 'manual' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('This link has expired or does not exist');
  });

  it('frees its port when stopped, and stopping twice is harmless', async () => {
    await edge.stop();
    await edge.stop();
    expect(await canListen(port)).toBe(true);
    await expect(fetch(`${edge.url}/health`)).rejects.toThrow();
  });
});
