/**
 * The Counters port on Upstash Redis, over its REST API with `@upstash/redis`.
 *
 * Atomicity: every read-modify-write is one Lua script (`EVALSHA`, falling back to `EVAL` once when the
 * server has not cached the script yet), and Redis runs a script alone, so "check the cap, then add"
 * cannot interleave with another caller. Windows are keys named after their start
 * (`<prefix>ctr:<key>:<window start ms>`), computed from the injected clock; a key expires a minute after
 * its window ends (the slack keeps a window alive while a slow caller near its end still uses it; a
 * new window is a new key anyway). Flags are plain keys (`<prefix>flag:<key>`) with Redis TTLs.
 *
 * Transport: a small `Requester` (the SDK's documented seam for a custom transport) on the injected
 * `fetch`, with a timeout: the send path checks counters before every provider call and must not hang
 * on a slow network. Values are read raw (no automatic JSON parsing): a flag holding "1" stays "1".
 * Failures throw a DomainError: `unavailable` (retryable) when Upstash cannot be reached or answers
 * 429/5xx, `provider_error` for a refused token or an answer that is not Upstash's.
 */
import { Redis, type Requester, type UpstashRequest, type UpstashResponse } from '@upstash/redis';
import { z } from 'zod';
import { DomainError } from '../../../core/errors';
import {
  assertCount,
  assertCounterKey,
  assertTtlSeconds,
  resolveWindow,
  type ConsumeResult,
  type CounterWindow,
  type Counters,
} from '../../../core/ports/counters';

export type UpstashCountersOptions = {
  /** `UPSTASH_REDIS_REST_URL`. */
  url: string;
  /** `UPSTASH_REDIS_REST_TOKEN`. */
  token: string;
  fetch?: typeof fetch;
  now?: () => Date;
  /** Prepended to every key, so several environments (or test runs) can share one database. Default `rr:`. */
  prefix?: string;
  /** Give up on a request after this long (ms). Default 2 s: a counter check sits in front of every send. */
  timeoutMs?: number;
};

/** A window key lives this long past its window's end (see the module comment). */
const windowSlackMs = 60_000;

// KEYS[1] counter; ARGV amount, ttl ms. The TTL is set once, when the key is new.
const incrementScript = `
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value`;

// KEYS[1] counter; ARGV amount, limit, ttl ms. Returns {allowed 0|1, count}. Counts stay below 2^53,
// where Lua's doubles are exact.
const tryConsumeScript = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
if current + amount > tonumber(ARGV[2]) then return {0, current} end
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {1, value}`;

const upstashAnswer = z.object({ result: z.unknown().optional(), error: z.string().optional() });
const integerReply = z.number().int();
const consumeReply = z.tuple([z.union([z.literal(0), z.literal(1)]), z.number().int()]);
const stringOrNil = z.string().nullable();

/** The SDK's `Requester` on an injected fetch, with a timeout and our error mapping. */
function createRequester(options: { url: string; token: string; fetch: typeof fetch; timeoutMs: number }): Requester {
  const baseUrl = options.url.replace(/\/+$/, '');
  return {
    async request<TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
      let response: Response;
      try {
        response = await options.fetch([baseUrl, ...(req.path ?? [])].join('/'), {
          method: 'POST',
          headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json', ...req.headers },
          body: JSON.stringify(req.body),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        throw new DomainError('unavailable', 'Upstash Redis could not be reached.', { retryable: true, cause: error });
      }
      const text = await response.text();
      if (response.status === 429 || response.status >= 500) {
        throw new DomainError('unavailable', `Upstash Redis is unavailable (HTTP ${response.status}).`, { retryable: true, details: { status: response.status } });
      }
      if (response.status === 401 || response.status === 403) {
        throw new DomainError('provider_error', `Upstash Redis refused the token (HTTP ${response.status}).`, { details: { status: response.status } });
      }
      let parsed: z.infer<typeof upstashAnswer> | undefined;
      try {
        const result = upstashAnswer.safeParse(JSON.parse(text));
        parsed = result.success ? result.data : undefined;
      } catch {
        parsed = undefined;
      }
      if (parsed === undefined || (parsed.error === undefined && !('result' in parsed))) {
        throw new DomainError('provider_error', `Upstash Redis answered in an unknown shape (HTTP ${response.status}).`, { details: { status: response.status } });
      }
      // A command error ({error}, HTTP 400) goes back to the SDK, which raises it as an UpstashError.
      // The SDK's interface is generic over the result it expects; every caller below parses it with zod.
      return parsed as UpstashResponse<TResult>;
    },
  };
}

/**
 * The SDK client on our Requester, reading replies as Redis holds them. The SDK JSON-parses replies by
 * default ("1" → 1, "true" → true) and takes that option only through its URL/token constructor, which
 * would bypass our transport; its `opts` are protected for subclasses like this one.
 */
class RawRedis extends Redis {
  constructor(requester: Requester) {
    super(requester);
    this.opts = { automaticDeserialization: false };
  }
}

export function createUpstashCounters(options: UpstashCountersOptions): Counters {
  const requester = createRequester({
    url: options.url,
    token: options.token,
    fetch: options.fetch ?? fetch,
    timeoutMs: options.timeoutMs ?? 2_000,
  });
  const now = options.now ?? (() => new Date());
  const prefix = options.prefix ?? 'rr:';
  const redis = new RawRedis(requester);
  // `exec` runs EVALSHA and falls back to EVAL once when the server has not cached the script (NOSCRIPT).
  const increment = redis.createScript<unknown>(incrementScript);
  const consume = redis.createScript<unknown>(tryConsumeScript);

  const windowKey = (key: string, start: Date) => `${prefix}ctr:${key}:${start.getTime()}`;
  const flagKey = (key: string) => `${prefix}flag:${key}`;

  async function command<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw wrapCommandError(error);
    }
  }

  function ttlMs(end: Date, at: Date): number {
    return Math.max(1, end.getTime() - at.getTime()) + windowSlackMs;
  }

  async function readWindow(key: string, window: CounterWindow): Promise<number> {
    assertCounterKey(key);
    const { start } = resolveWindow(window, now());
    const value = stringOrNil.parse(await command(() => redis.get<string>(windowKey(key, start))));
    return value === null ? 0 : parseCount(value);
  }

  return {
    kind: 'upstash',

    async incrementWindow(key, window, by = 1) {
      assertCounterKey(key);
      assertCount(by, 'by', { allowNegative: true });
      const at = now();
      const { start, end } = resolveWindow(window, at);
      return integerReply.parse(await command(() => increment.exec([windowKey(key, start)], [String(by), String(ttlMs(end, at))])));
    },

    readWindow,

    async tryConsume(key, window, amount, limit): Promise<ConsumeResult> {
      assertCounterKey(key);
      assertCount(amount, 'amount');
      assertCount(limit, 'limit');
      const at = now();
      const { start, end } = resolveWindow(window, at);
      const [allowed, value] = consumeReply.parse(
        await command(() => consume.exec([windowKey(key, start)], [String(amount), String(limit), String(ttlMs(end, at))])),
      );
      return { allowed: allowed === 1, value, resetAt: end };
    },

    async setFlag(key, value, ttlSeconds) {
      assertCounterKey(key);
      if (ttlSeconds !== undefined) assertTtlSeconds(ttlSeconds);
      // A plain SET also clears an earlier TTL: a flag set without one never expires, as in the port.
      await command(() => (ttlSeconds === undefined ? redis.set(flagKey(key), value) : redis.set(flagKey(key), value, { ex: ttlSeconds })));
    },

    async getFlag(key) {
      assertCounterKey(key);
      return stringOrNil.parse(await command(() => redis.get<string>(flagKey(key))));
    },

    async clearFlag(key) {
      assertCounterKey(key);
      await command(() => redis.del(flagKey(key)));
    },

    async setIfAbsent(key, ttlSeconds, value = '1') {
      assertCounterKey(key);
      assertTtlSeconds(ttlSeconds);
      const reply = await command(() => redis.set(flagKey(key), value, { nx: true, ex: ttlSeconds }));
      return reply === 'OK';
    },
  };
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new DomainError('provider_error', `Upstash Redis holds a counter that is not a whole number: ${value.slice(0, 40)}`);
  return n;
}

/** SDK errors (an `{error}` answer, a missing result) become a DomainError; ours pass through. */
function wrapCommandError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DomainError('provider_error', `Upstash Redis refused a command: ${message}`, { cause: error });
}
