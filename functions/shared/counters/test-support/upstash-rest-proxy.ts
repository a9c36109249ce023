/**
 * A local HTTP endpoint that speaks Upstash Redis's REST API in front of a real Redis server (for
 * adapter tests; production talks to Upstash itself). What it implements, as Upstash documents it:
 *
 * - `POST /` with a JSON array (`["SET", "k", "v", "EX", 10]`): one command → `{"result": …}`, or HTTP
 *   400 `{"error": "ERR …"}` when Redis refuses it (NOSCRIPT included, which clients use to fall back
 *   from EVALSHA to EVAL).
 * - `POST /pipeline` with an array of commands → an array of `{result}` / `{error}`, one per command, in
 *   order, not atomic.
 * - `POST /multi-exec`: the same inside MULTI/EXEC (atomic); a command Redis refuses to queue aborts the
 *   whole transaction with HTTP 400.
 * - `Authorization: Bearer <token>` (or `?_token=`); anything else → 401 `{"error": "Unauthorized"}`.
 * - `Upstash-Encoding: base64`: string results are base64 (UTF-8) encoded, "OK" excepted, as the SDK
 *   expects by default.
 *
 * Arguments may be JSON strings or numbers (numbers go to Redis as their decimal text). Not implemented:
 * GET-style path commands, pub/sub streams, read-your-writes sync tokens (one local Redis is always in
 * sync with itself).
 *
 * `failNext` answers the next request with a given status, to test a client's error paths. When Redis is
 * not running, `startUpstashRestProxy` fails with a message saying so.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { z } from 'zod';

export type UpstashRestProxy = {
  /** What `UPSTASH_REDIS_REST_URL` would be. */
  url: string;
  /** What `UPSTASH_REDIS_REST_TOKEN` would be. */
  token: string;
  /** A direct connection to the Redis behind the proxy, for tests to look underneath. */
  redis: Redis;
  /** Requests that reached the proxy (refused ones included). */
  requests(): number;
  /** The next request is answered with this status and body instead of reaching Redis. */
  failNext(status: number, body: string): void;
  close(): Promise<void>;
};

const argument = z.union([z.string(), z.number()]);
const commandSchema = z.array(argument).min(1);
const batchSchema = z.array(commandSchema).min(1);

type Reply = { result: unknown } | { error: string };

export async function startUpstashRestProxy(options: { redisUrl?: string; token?: string } = {}): Promise<UpstashRestProxy> {
  const redisUrl = options.redisUrl ?? 'redis://127.0.0.1:6379';
  const token = options.token ?? `upstash_${randomBytes(12).toString('hex')}`;
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => null });
  // Connection errors reach us through connect() and through each command's answer; without a listener
  // ioredis would also print them as "unhandled".
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Redis is not running at ${redisUrl} (${reason}). The Upstash adapter tests need it: CI starts it (.ci/run); ` +
        `locally run: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`,
    );
  }

  let requests = 0;
  let nextFailure: { status: number; body: string } | undefined;

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) answer(res, 500, { error: `proxy failure: ${error instanceof Error ? error.message : String(error)}` });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    requests += 1;
    if (nextFailure) {
      const failure = nextFailure;
      nextFailure = undefined;
      res.writeHead(failure.status, { 'content-type': 'application/json' });
      res.end(failure.body);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://proxy');
    const presented = req.headers.authorization ?? (url.searchParams.has('_token') ? `Bearer ${url.searchParams.get('_token') ?? ''}` : undefined);
    if (presented !== `Bearer ${token}`) return answer(res, 401, { error: 'Unauthorized' });
    if (req.method !== 'POST') return answer(res, 405, { error: 'only POST with a JSON body is implemented by this proxy' });
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return answer(res, 400, { error: 'ERR failed to parse the command: the body is not JSON' });
    }

    if (url.pathname === '/' || url.pathname === '') {
      const command = commandSchema.safeParse(json);
      if (!command.success) return answer(res, 400, { error: 'ERR the command must be a non-empty JSON array of strings and numbers' });
      const reply = await run(command.data);
      return 'error' in reply ? answer(res, 400, reply) : answer(res, 200, encode(reply, base64));
    }
    if (url.pathname === '/pipeline') {
      const batch = batchSchema.safeParse(json);
      if (!batch.success) return answer(res, 400, { error: 'ERR the pipeline must be a JSON array of commands' });
      const replies: Reply[] = [];
      for (const command of batch.data) replies.push(encode(await run(command), base64));
      return answer(res, 200, replies);
    }
    if (url.pathname === '/multi-exec') {
      const batch = batchSchema.safeParse(json);
      if (!batch.success) return answer(res, 400, { error: 'ERR the transaction must be a JSON array of commands' });
      let results: [Error | null, unknown][] | null;
      try {
        const multi = redis.multi();
        for (const [name, ...args] of batch.data) multi.call(String(name), args.map(String));
        results = await multi.exec();
      } catch (error) {
        return answer(res, 400, { error: error instanceof Error ? error.message : String(error) });
      }
      if (results === null) return answer(res, 400, { error: 'EXECABORT Transaction discarded' });
      return answer(
        res,
        200,
        results.map(([error, result]) => encode(error ? { error: error.message } : { result }, base64)),
      );
    }
    return answer(res, 404, { error: `ERR unknown endpoint ${url.pathname}` });
  }

  async function run([name, ...args]: (string | number)[]): Promise<Reply> {
    try {
      return { result: await redis.call(String(name), args.map(String)) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    redis,
    requests: () => requests,
    failNext(status, body) {
      nextFailure = { status, body };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    },
  };
}

function encode(reply: Reply, base64: boolean): Reply {
  if (!base64 || 'error' in reply) return reply;
  return { result: encodeValue(reply.result) };
}

function encodeValue(value: unknown): unknown {
  if (typeof value === 'string') return value === 'OK' ? value : Buffer.from(value, 'utf8').toString('base64');
  if (Array.isArray(value)) return value.map(encodeValue);
  return value;
}

function answer(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(payload));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
