/**
 * A local HTTP server that speaks QStash's publish API (for adapter tests): `POST /v2/publish/<url>`
 * with Bearer auth, `Upstash-Deduplication-Id` (a duplicate answers 202 with the first message's id and
 * `deduplicated: true`), `Upstash-Delay` in QStash's `<n><s|m|h|d>` format, `Upstash-Retries`, and
 * errors as `{"error": "..."}`. It records what it accepted; it does not deliver.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export type PublishedRecord = { messageId: string; destination: string; headers: Record<string, string>; body: string };

export type QStashServer = {
  url: string;
  token: string;
  /** Accepted, non-duplicate messages, in order. */
  published: PublishedRecord[];
  /** Every publish request that reached the server (duplicates and refusals included). */
  requests: number;
  /** The next publish is answered with this status and body instead. */
  failNext(status: number, body: string): void;
  close(): Promise<void>;
};

export async function startQStashServer(options: { token?: string } = {}): Promise<QStashServer> {
  const token = options.token ?? `qstash_${randomBytes(8).toString('hex')}`;
  const dedupe = new Map<string, string>();
  const published: PublishedRecord[] = [];
  let nextFailure: { status: number; body: string } | undefined;
  let requests = 0;

  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      requests += 1;
      const answer = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
      };
      const prefix = '/v2/publish/';
      if (req.method !== 'POST' || !req.url?.startsWith(prefix)) return answer(404, { error: 'not found' });
      if (nextFailure) {
        const failure = nextFailure;
        nextFailure = undefined;
        return answer(failure.status, failure.body);
      }
      if (req.headers.authorization !== `Bearer ${token}`) return answer(401, { error: 'Unauthorized' });
      const destination = req.url.slice(prefix.length);
      if (!/^https?:\/\//.test(destination)) return answer(400, { error: `invalid destination url: ${destination}` });
      const delay = header(req, 'upstash-delay');
      if (delay !== undefined && !/^\d+[smhd]$/.test(delay)) return answer(400, { error: `invalid Upstash-Delay: ${delay}` });
      const retries = header(req, 'upstash-retries');
      if (retries !== undefined && !/^\d+$/.test(retries)) return answer(400, { error: `invalid Upstash-Retries: ${retries}` });

      const dedupeId = header(req, 'upstash-deduplication-id');
      const previous = dedupeId === undefined ? undefined : dedupe.get(dedupeId);
      if (previous !== undefined) return answer(202, { messageId: previous, url: destination, deduplicated: true });
      const messageId = `msg_${randomBytes(12).toString('hex')}`;
      if (dedupeId !== undefined) dedupe.set(dedupeId, messageId);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      published.push({ messageId, destination, headers, body });
      return answer(201, { messageId, url: destination });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    published,
    get requests() {
      return requests;
    },
    failNext(status, body) {
      nextFailure = { status, body };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
