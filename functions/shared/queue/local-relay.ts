/**
 * The local relay: the embedded stand-in for QStash's delivery side. It claims due rows of
 * `relay_messages` with a lease, POSTs each body to its stored URL signed exactly like QStash
 * (`Upstash-Signature`, `Upstash-Message-Id`, `Upstash-Retried`), and records the outcome:
 *
 * - 2xx → `delivered`.
 * - any other answer, a timeout or a network error → retried with exponential backoff and jitter
 *   (core/queue/retry-schedule.ts); after `max_attempts` → `failed`, a dead letter, logged at error.
 * - the process dies mid-delivery → the lease expires and the next relay (after a restart, or another
 *   process on the same PostgreSQL) delivers the message again. At-least-once, like QStash: handlers
 *   are idempotent.
 *
 * Claiming is one statement (`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n)`), so
 * relays in several processes never claim the same row. A claim increments `attempts`, and every later
 * write for that delivery is fenced on it: a relay whose lease was taken over cannot overwrite the
 * newer attempt's outcome. Leases are short and renewed while a delivery is in flight, so a slow
 * handler is not delivered twice, and a crash is recovered within one lease.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { decideRetry, relayRetryPolicy, type RetryPolicy } from '../../../core/queue/retry-schedule';
import { signDeliveryToken } from '../../../core/queue/sign-delivery-token';
import { queryRows, type Db } from '../../../db/client';
import type { Logger } from '../log';
import type { SigningKeys } from './delivery-verifier';

export type LocalRelayOptions = {
  db: Db;
  keys: SigningKeys;
  log: Logger;
  fetch?: typeof fetch;
  now?: () => Date;
  /** A number in [0, 1) for retry jitter. */
  random?: () => number;
  /** Deliveries in flight at once. Default 4: a chain stays fast without flooding a 2-core machine. */
  concurrency?: number;
  /** How long a claim is held without renewal. Default 10 s: the crash-recovery delay. */
  leaseMs?: number;
  /** A delivery that takes longer is abandoned and retried. Default 5 minutes. */
  deliveryTimeoutMs?: number;
  /** Longest sleep when idle: bounds how late a message published by another process is seen. Default 1 s. */
  pollIntervalMs?: number;
  retryPolicy?: RetryPolicy;
};

export type LocalRelay = {
  /** Starts the delivery loop (idempotent). */
  start(): void;
  /** Stops claiming, then waits for the deliveries in flight to finish (Ctrl-C). */
  stop(): Promise<void>;
  /** One pass, for tests: claims what is due (up to the concurrency), delivers it, returns how many. */
  drainOnce(): Promise<number>;
  /** Something was published: look now rather than at the next poll. */
  wake(): void;
};

const claimedRow = z.object({
  id: z.string(),
  url: z.string(),
  body: z.string(),
  correlation_id: z.string().nullable(),
  attempts: z.number().int(),
  max_attempts: z.number().int(),
});
type Claimed = z.infer<typeof claimedRow>;

const headerSafe = /^[\x21-\x7e]{1,128}$/;

export function createLocalRelay(options: LocalRelayOptions): LocalRelay {
  const { db, keys, log } = options;
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const concurrency = options.concurrency ?? 4;
  const leaseMs = options.leaseMs ?? 10_000;
  const deliveryTimeoutMs = options.deliveryTimeoutMs ?? 5 * 60_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const policy = options.retryPolicy ?? relayRetryPolicy;

  const inFlight = new Set<Promise<void>>();
  let running = false;
  let loop: Promise<void> | undefined;
  let woken = false;
  let wakeUp: (() => void) | undefined;
  let lastReap = 0;

  const iso = (d: Date) => d.toISOString();

  async function claim(limit: number): Promise<Claimed[]> {
    const at = now();
    const rows = await queryRows(
      db,
      sql`update relay_messages
             set attempts = attempts + 1, lease_expires_at = ${iso(new Date(at.getTime() + leaseMs))}::timestamptz
           where id in (
             select id from relay_messages
              where state = 'pending'
                and deliver_after <= ${iso(at)}::timestamptz
                and (lease_expires_at is null or lease_expires_at <= ${iso(at)}::timestamptz)
                and attempts < max_attempts
              order by deliver_after, id
              limit ${limit}
              for update skip locked)
           returning id, url, body, correlation_id, attempts, max_attempts`,
    );
    return rows.map((row) => claimedRow.parse(row));
  }

  /** A delivery that was claimed for its last attempt and never finished (the process died). */
  async function reapExhausted(): Promise<void> {
    const at = iso(now());
    const rows = await queryRows<{ id: string; url: string; attempts: number }>(
      db,
      sql`update relay_messages
             set state = 'failed', lease_expires_at = null, last_error = 'lease expired on the last attempt (the relay stopped mid-delivery)'
           where state = 'pending' and attempts >= max_attempts and lease_expires_at <= ${at}::timestamptz
           returning id, url, attempts`,
    );
    for (const row of rows) log.error('relay dead letter', { messageId: row.id, url: row.url, attempts: row.attempts, reason: 'lease expired on the last attempt' });
  }

  async function renewLease(message: Claimed): Promise<void> {
    await queryRows(
      db,
      sql`update relay_messages set lease_expires_at = ${iso(new Date(now().getTime() + leaseMs))}::timestamptz
           where id = ${message.id} and attempts = ${message.attempts} and state = 'pending'`,
    );
  }

  async function deliver(message: Claimed): Promise<void> {
    const heartbeat = setInterval(() => {
      renewLease(message).catch((error: unknown) => log.warn('relay lease renewal failed', { messageId: message.id, err: error }));
    }, Math.max(50, Math.floor(leaseMs / 3)));
    let status: number | undefined;
    let failure: string | undefined;
    try {
      const signature = await signDeliveryToken({
        key: keys.currentSigningKey,
        url: message.url,
        body: message.body,
        nowSeconds: now().getTime() / 1000,
        jti: `jwt_${randomBytes(12).toString('hex')}`,
      });
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'upstash-signature': signature,
        'upstash-message-id': message.id,
        'upstash-retried': String(message.attempts - 1),
      };
      if (message.correlation_id !== null && headerSafe.test(message.correlation_id)) headers['x-request-id'] = message.correlation_id;
      const response = await doFetch(message.url, {
        method: 'POST',
        headers,
        body: message.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(deliveryTimeoutMs),
      });
      status = response.status;
      const answer = await response.text().catch(() => '');
      if (!response.ok) failure = `HTTP ${response.status}: ${answer.slice(0, 300)}`;
    } catch (error) {
      failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    } finally {
      clearInterval(heartbeat);
    }
    await (failure === undefined ? markDelivered(message, status ?? 200) : markFailed(message, status, failure));
  }

  async function markDelivered(message: Claimed, status: number): Promise<void> {
    await queryRows(
      db,
      sql`update relay_messages
             set state = 'delivered', delivered_at = ${iso(now())}::timestamptz, lease_expires_at = null, last_status = ${status}, last_error = null
           where id = ${message.id} and attempts = ${message.attempts} and state = 'pending'`,
    );
  }

  async function markFailed(message: Claimed, status: number | undefined, reason: string): Promise<void> {
    const decision = decideRetry({ attempt: message.attempts, maxAttempts: message.max_attempts, policy, random: random() });
    if (decision.kind === 'dead') {
      await queryRows(
        db,
        sql`update relay_messages set state = 'failed', lease_expires_at = null, last_status = ${status ?? null}, last_error = ${reason}
             where id = ${message.id} and attempts = ${message.attempts} and state = 'pending'`,
      );
      log.error('relay dead letter: delivery failed on its last attempt', { messageId: message.id, url: message.url, attempts: message.attempts, status, reason });
      return;
    }
    const retryAt = new Date(now().getTime() + decision.delayMs);
    await queryRows(
      db,
      sql`update relay_messages set deliver_after = ${iso(retryAt)}::timestamptz, lease_expires_at = null, last_status = ${status ?? null}, last_error = ${reason}
           where id = ${message.id} and attempts = ${message.attempts} and state = 'pending'`,
    );
    log.warn('relay delivery failed; will retry', { messageId: message.id, url: message.url, attempt: message.attempts, status, reason, retryInMs: decision.delayMs });
  }

  function track(message: Claimed): void {
    const delivery = deliver(message)
      .catch((error: unknown) => log.error('relay could not record a delivery outcome (the lease will expire and it is retried)', { messageId: message.id, err: error }))
      .finally(() => {
        inFlight.delete(delivery);
        wake();
      });
    inFlight.add(delivery);
  }

  function wake(): void {
    woken = true;
    wakeUp?.();
  }

  function sleep(ms: number): Promise<void> {
    if (woken) {
      woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        woken = false;
        resolve();
      }
      wakeUp = done;
    });
  }

  /** How long until the earliest pending message becomes due (a delay, a backoff or a lease). */
  async function msUntilNextDue(): Promise<number> {
    const rows = await queryRows<{ due_ms: number | null }>(
      db,
      sql`select (extract(epoch from min(greatest(deliver_after, coalesce(lease_expires_at, deliver_after)))) * 1000)::float8 as due_ms
            from relay_messages where state = 'pending' and attempts < max_attempts`,
    );
    const due = rows[0]?.due_ms;
    return due === null || due === undefined ? pollIntervalMs : Math.max(0, due - now().getTime());
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        if (Date.now() - lastReap >= pollIntervalMs) {
          lastReap = Date.now();
          await reapExhausted();
        }
        const free = concurrency - inFlight.size;
        const claimed = free > 0 ? await claim(free) : [];
        for (const message of claimed) track(message);
        // Every slot filled: more may be due, look again when one frees up (its settle wakes us).
        if (free > 0 && claimed.length === free) continue;
        if (inFlight.size >= concurrency) {
          await sleep(pollIntervalMs);
          continue;
        }
        await sleep(Math.min(pollIntervalMs, await msUntilNextDue()));
      } catch (error) {
        log.error('relay loop error; retrying shortly', { err: error });
        await sleep(pollIntervalMs);
      }
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      woken = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake();
      await loop;
      loop = undefined;
      await Promise.allSettled([...inFlight]);
    },
    async drainOnce() {
      await reapExhausted();
      const claimed = await claim(concurrency);
      await Promise.allSettled(claimed.map((message) => deliver(message)));
      return claimed.length;
    },
    wake,
  };
}
