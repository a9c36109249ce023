/**
 * The sandbox SMS provider: the embedded default for both routes (standing in for SignalHouse on the
 * bulk route and for Twilio on the 1:1 route). Nothing it "sends" leaves the machine, and it says so:
 * a warning when it is created, and `sandbox: true` on every result.
 *
 * It behaves like the provider it imitates where the send path can tell:
 * - it answers with provider-like ids (`SBX` + 32 hex characters) and counts parts as carriers do;
 * - every call it receives is written to `sandbox_receipts` before it answers (durable, so a kill -9 of
 *   the caller right after cannot hide a call), with the caller's idempotency key. Calls that arrive
 *   while a write is in flight are written together in the next one (group commit): each caller still
 *   waits for its own receipt's commit, but a busy sender pays one commit per group, not per call;
 * - an accepted message gets a status callback, due `callbackDelayMs` later, in the imitated
 *   provider's wire format and signature, sent to the message's `statusCallbackUrl`
 *   (sandbox-callbacks.ts builds and delivers it);
 * - magic recipient numbers produce every failure mode (`sandboxMagicNumbers`, docs/providers.md).
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { countSegments } from '../../../core/messages/segments';
import type { SmsProvider, SmsSend, SmsSendResult } from '../../../core/ports/sms-provider';
import { arrayLiteral, numberArrayLiteral } from '../../../db/array-literals';
import { queryRows, type Db } from '../../../db/client';
import type { sandboxReceipts } from '../../../db/schema/index';
import type { Logger } from '../log';
import { providerFailure } from './provider-http';

export type SandboxImitation = 'signalhouse' | 'twilio';

/**
 * Recipients that fail on purpose, one US and one AU number each, all from ranges reserved for fiction
 * (NANP 555-01xx; ACMA's 0491 570 xxx), so no real phone can ever be one of them.
 */
export const sandboxMagicNumbers = {
  /** Refused as not a valid mobile number (Twilio 21211; SignalHouse INVALID_NUMBER) → `invalid_number`. */
  invalidNumber: ['+12015550101', '+61491570006'],
  /** The recipient opted out at the provider (Twilio 21610; SignalHouse 201 with `errorCode: "OUT"`) → `opted_out`. */
  optedOut: ['+12015550102', '+61491570156'],
  /** Every other call to the number is a 503 (throws retryable `unavailable`); the retry is accepted. */
  unavailableThenAccepted: ['+12015550103', '+61491570157'],
  /** Accepted, then the status callback reports a failure (Twilio `undelivered` 30003; SignalHouse MESSAGE_FAILED). */
  undelivered: ['+12015550104', '+61491570158'],
  /** Refused for another permanent reason (Twilio 21408; SignalHouse BLOCKED) → `rejected`. */
  rejected: ['+12015550105', '+61491570159'],
  /** Every other call to the number is a 429 (throws retryable `unavailable`); the retry is accepted. */
  rateLimitedThenAccepted: ['+12015550106', '+61491570110'],
} as const satisfies Record<string, readonly string[]>;

type MagicMode = keyof typeof sandboxMagicNumbers;

const modeByNumber: ReadonlyMap<string, MagicMode> = new Map(
  (Object.entries(sandboxMagicNumbers) as [MagicMode, readonly string[]][]).flatMap(([mode, numbers]) => numbers.map((n) => [n, mode] as const)),
);

/** What each imitated provider would say, in its own codes. */
const wording = {
  twilio: {
    invalidNumber: { code: '21211', message: (to: string) => `The 'To' number ${to} is not a valid phone number.` },
    optedOut: { code: '21610', message: () => 'Attempt to send to unsubscribed recipient' },
    rejected: { code: '21408', message: () => "Permission to send an SMS has not been enabled for the region indicated by the 'To' number" },
    unavailable: { status: 503, code: '20500', message: 'Internal Server Error' },
    rateLimited: { status: 429, code: '20429', message: 'Too Many Requests' },
    undeliveredCode: '30003',
  },
  signalhouse: {
    invalidNumber: { code: 'INVALID_NUMBER', message: (to: string) => `Recipient ${to.slice(1)} is not a valid mobile number.` },
    optedOut: { code: 'OUT', message: () => 'Recipient has opted out.' },
    rejected: { code: 'BLOCKED', message: () => 'Message blocked by the carrier.' },
    unavailable: { status: 503, code: 'http_503', message: 'Service Unavailable' },
    rateLimited: { status: 429, code: 'http_429', message: 'Too Many Requests' },
    undeliveredCode: 'UNDELIVERED',
  },
} as const;

export type SandboxSmsOptions = {
  db: Db;
  imitates: SandboxImitation;
  now: () => Date;
  random: (length: number) => Uint8Array;
  log: Logger;
  /** How long after the send its status callback is due (ms). Default 2 s. */
  callbackDelayMs?: number;
};

export type SandboxSms = SmsProvider<'sandbox'> & { readonly imitates: SandboxImitation };

const priorCalls = z.object({ failures: z.number(), accepted: z.number() });

/** What a call writes to the log; the delivery columns (attempts, delivered at) start at their defaults. */
type Receipt = Omit<typeof sandboxReceipts.$inferInsert, 'callbackAttempts' | 'callbackDeliveredAt'>;

/**
 * One insert for a group of receipts, its rows as parallel arrays read with `unnest` (db/array-literals.ts):
 * a Drizzle multi-row insert maps and types every value on its own, which on a busy sender cost more
 * CPU than the insert itself.
 */
async function insertReceipts(db: Db, receipts: readonly Receipt[]): Promise<void> {
  const column = (pick: (r: Receipt) => string | null) => arrayLiteral(receipts.map(pick));
  const instant = (d: Date | null | undefined) => (d === null || d === undefined ? null : d.toISOString());
  await queryRows(
    db,
    sql`insert into sandbox_receipts (id, imitates, from_number, to_number, body, parts, status_callback_url, idempotency_key, outcome,
                                      error_code, error_message, received_at, callback_status, callback_error_code, deliver_after)
        select * from unnest(${column((r) => r.id)}::text[], ${column((r) => r.imitates)}::text[], ${column((r) => r.fromNumber)}::text[],
                             ${column((r) => r.toNumber)}::text[], ${column((r) => r.body)}::text[], ${numberArrayLiteral(receipts.map((r) => r.parts))}::int[],
                             ${column((r) => r.statusCallbackUrl)}::text[], ${column((r) => r.idempotencyKey ?? null)}::text[], ${column((r) => r.outcome)}::text[],
                             ${column((r) => r.errorCode ?? null)}::text[], ${column((r) => r.errorMessage ?? null)}::text[],
                             ${column((r) => instant(r.receivedAt))}::timestamptz[], ${column((r) => r.callbackStatus ?? null)}::text[],
                             ${column((r) => r.callbackErrorCode ?? null)}::text[], ${column((r) => instant(r.deliverAfter))}::timestamptz[])`,
  );
}

/**
 * The receipt log's writer. A receipt is written at once when no write is in flight; receipts that
 * arrive meanwhile wait and go together in the next insert (one commit for the group). A caller's
 * promise settles only when the insert holding its receipt has committed (or failed), so "written
 * before it answers" holds for every call.
 */
export function createReceiptWriter(db: Db): (receipt: Receipt) => Promise<void> {
  let waiting: { receipt: Receipt; settle: (error?: unknown) => void }[] = [];
  let writing = false;
  const drain = async () => {
    writing = true;
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      try {
        await insertReceipts(db, group.map((g) => g.receipt));
        for (const g of group) g.settle();
      } catch (error) {
        for (const g of group) g.settle(error);
      }
    }
    writing = false;
  };
  return (receipt) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ receipt, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!writing) void drain();
    });
}

export function createSandboxSms(options: SandboxSmsOptions): SandboxSms {
  const { db, imitates } = options;
  const words = wording[imitates];
  const callbackDelayMs = options.callbackDelayMs ?? 2_000;
  const base = { provider: 'sandbox' as const, sandbox: true };
  options.log.warn('sandbox SMS: nothing leaves this machine (no provider keys configured)', {
    imitates,
    route: imitates === 'signalhouse' ? 'bulk' : 'conversation',
    magicNumbers: sandboxMagicNumbers,
  });

  const newMessageId = () => `SBX${Buffer.from(options.random(16)).toString('hex')}`;
  const writeReceipt = createReceiptWriter(db);

  /**
   * "Every other call fails", per number and imitated provider, counted from the receipt log (so it
   * holds across restarts): fail while the number has had no more failures than acceptances.
   */
  async function failsThisTime(to: string): Promise<boolean> {
    const rows = await queryRows(
      db,
      sql`select count(*) filter (where outcome = 'unavailable')::int as failures,
                 count(*) filter (where outcome = 'accepted')::int as accepted
            from sandbox_receipts where to_number = ${to} and imitates = ${imitates}`,
    );
    const { failures, accepted } = priorCalls.parse(rows[0]);
    return failures <= accepted;
  }

  return {
    ...base,
    imitates,
    async send(message: SmsSend): Promise<SmsSendResult<'sandbox'>> {
      const receivedAt = options.now();
      const id = newMessageId();
      const mode = modeByNumber.get(message.to);
      const parts = countSegments(message.body).parts;
      const receipt = {
        id,
        imitates,
        fromNumber: message.from,
        toNumber: message.to,
        body: message.body,
        parts,
        statusCallbackUrl: message.statusCallbackUrl,
        idempotencyKey: message.idempotencyKey ?? null,
        receivedAt,
      };
      const record = (values: Pick<typeof sandboxReceipts.$inferInsert, 'outcome' | 'errorCode' | 'errorMessage' | 'callbackStatus' | 'callbackErrorCode' | 'deliverAfter'>) =>
        writeReceipt({ ...receipt, ...values });
      const refusal = { callbackStatus: null, callbackErrorCode: null, deliverAfter: null };

      if (!/^\+[1-9]\d{6,14}$/.test(message.to) || mode === 'invalidNumber') {
        const invalid = words.invalidNumber;
        const text = invalid.message(message.to);
        await record({ outcome: 'invalid_number', errorCode: invalid.code, errorMessage: text, ...refusal });
        return { ...base, kind: 'invalid_number', code: invalid.code, message: text };
      }
      if (mode === 'optedOut') {
        const text = words.optedOut.message();
        await record({ outcome: 'opted_out', errorCode: words.optedOut.code, errorMessage: text, ...refusal });
        return { ...base, kind: 'opted_out', code: words.optedOut.code, message: text };
      }
      if (mode === 'rejected') {
        const text = words.rejected.message();
        await record({ outcome: 'rejected', errorCode: words.rejected.code, errorMessage: text, ...refusal });
        return { ...base, kind: 'rejected', code: words.rejected.code, message: text };
      }
      if (mode === 'unavailableThenAccepted' || mode === 'rateLimitedThenAccepted') {
        const failure = mode === 'unavailableThenAccepted' ? words.unavailable : words.rateLimited;
        if (await failsThisTime(message.to)) {
          await record({ outcome: 'unavailable', errorCode: failure.code, errorMessage: failure.message, ...refusal });
          throw providerFailure('unavailable', `sandbox (${imitates}) answered HTTP ${failure.status}: ${failure.message}`, {
            provider: 'sandbox',
            httpStatus: failure.status,
            providerCode: failure.code,
            maybeAccepted: false,
          });
        }
      }
      const undelivered = mode === 'undelivered';
      await record({
        outcome: 'accepted',
        errorCode: null,
        errorMessage: null,
        callbackStatus: undelivered ? 'failed' : 'delivered',
        callbackErrorCode: undelivered ? words.undeliveredCode : null,
        deliverAfter: new Date(receivedAt.getTime() + callbackDelayMs),
      });
      return { ...base, kind: 'accepted', providerMessageId: id, parts, status: 'queued' };
    },
  };
}
