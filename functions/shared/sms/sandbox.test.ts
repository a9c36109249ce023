/**
 * The sandbox provider on a real database (PGlite, or PostgreSQL with DATABASE_URL): what it answers,
 * what it records, each magic number, and that its memory (the receipt log) outlives the instance.
 */
import { randomBytes } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../../core/errors';
import { smsErrorDetails } from '../../../core/ports/sms-provider';
import type { Database } from '../../../db/client';
import { sandboxReceipts } from '../../../db/schema/index';
import { openTestDatabase } from '../../../db/testing';
import { createLogger, silentLogger } from '../log';
import { createSandboxSms, sandboxMagicNumbers, type SandboxImitation } from './sandbox';

let database: Database;
const now = () => new Date('2026-03-02T10:00:00.000Z');
const random = (n: number) => new Uint8Array(randomBytes(n));

beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

const sandbox = (imitates: SandboxImitation = 'signalhouse') => createSandboxSms({ db: database.db, imitates, now, random, log: silentLogger });
const message = (to: string, idempotencyKey?: string) => ({
  from: '+61480000001',
  to,
  body: 'Hi Sam 👋 reply STOP to opt out',
  statusCallbackUrl: 'http://localhost:8787/api/webhooks/signalhouse',
  ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
});

function unavailable(httpStatus: number, providerCode: string) {
  return (error: unknown) => {
    const d = smsErrorDetails(error);
    return error instanceof DomainError && error.code === 'unavailable' && error.retryable && d?.httpStatus === httpStatus && d.providerCode === providerCode && !d.maybeAccepted;
  };
}

describe('sandbox SMS', () => {
  it('says loudly, once at start, that nothing leaves the machine', () => {
    const lines: string[] = [];
    createSandboxSms({ db: database.db, imitates: 'twilio', now, random, log: createLogger({ sink: (line) => lines.push(line) }) });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'warn', msg: expect.stringContaining('nothing leaves this machine'), imitates: 'twilio', route: 'conversation' });
  });

  it('accepts a message with a provider-like id, counts its parts, and records the call with its callback due', async () => {
    const result = await sandbox().send(message('+61412345678', 'job_accept'));
    expect(result).toMatchObject({ provider: 'sandbox', sandbox: true, kind: 'accepted', status: 'queued', parts: 1 });
    if (result.kind !== 'accepted') throw new Error('not accepted');
    expect(result.providerMessageId).toMatch(/^SBX[0-9a-f]{32}$/);
    const [row] = await database.db.select().from(sandboxReceipts).where(eq(sandboxReceipts.id, result.providerMessageId));
    expect(row).toMatchObject({
      imitates: 'signalhouse',
      fromNumber: '+61480000001',
      toNumber: '+61412345678',
      idempotencyKey: 'job_accept',
      outcome: 'accepted',
      parts: 1,
      callbackStatus: 'delivered',
      callbackDeliveredAt: null,
      deliverAfter: new Date('2026-03-02T10:00:02.000Z'),
    });
  });

  it('counts parts as carriers do (UCS-2 over 70 units is several parts)', async () => {
    const long = await sandbox().send({ ...message('+61412345678'), body: '😀'.repeat(40) });
    expect(long).toMatchObject({ kind: 'accepted', parts: 2 });
  });

  it('records every call, so calls per job can be counted', async () => {
    const s = sandbox();
    await s.send(message('+61412345678', 'job_counted'));
    await s.send(message('+61412345678', 'job_counted'));
    const rows = await database.db.select().from(sandboxReceipts).where(eq(sandboxReceipts.idempotencyKey, 'job_counted'));
    expect(rows).toHaveLength(2);
  });

  describe.each<[SandboxImitation, 0 | 1]>([
    ['signalhouse', 0],
    ['twilio', 0],
    ['signalhouse', 1],
    ['twilio', 1],
  ])('magic numbers imitating %s (number %i of each pair)', (imitates, index) => {
    const number = (mode: keyof typeof sandboxMagicNumbers) => sandboxMagicNumbers[mode][index];
    const codes = imitates === 'twilio'
      ? { invalid: '21211', out: '21610', rejected: '21408', unavailable: '20500', rateLimited: '20429' }
      : { invalid: 'INVALID_NUMBER', out: 'OUT', rejected: 'BLOCKED', unavailable: 'http_503', rateLimited: 'http_429' };

    it('invalid number, opted out, rejected: results with the provider\'s codes, and no callback', async () => {
      const s = sandbox(imitates);
      expect(await s.send(message(number('invalidNumber')))).toMatchObject({ kind: 'invalid_number', code: codes.invalid, sandbox: true });
      expect(await s.send(message(number('optedOut')))).toMatchObject({ kind: 'opted_out', code: codes.out, sandbox: true });
      expect(await s.send(message(number('rejected')))).toMatchObject({ kind: 'rejected', code: codes.rejected, sandbox: true });
      const rows = await database.db.select().from(sandboxReceipts).where(eq(sandboxReceipts.toNumber, number('optedOut')));
      expect(rows.at(-1)).toMatchObject({ outcome: 'opted_out', errorCode: codes.out, callbackStatus: null, deliverAfter: null });
    });

    it('5xx then success, and 429 then success, per number, surviving a new instance (a restart)', async () => {
      await expect(sandbox(imitates).send(message(number('unavailableThenAccepted')))).rejects.toSatisfy(unavailable(503, codes.unavailable));
      expect(await sandbox(imitates).send(message(number('unavailableThenAccepted')))).toMatchObject({ kind: 'accepted' });
      await expect(sandbox(imitates).send(message(number('unavailableThenAccepted')))).rejects.toSatisfy(unavailable(503, codes.unavailable));
      expect(await sandbox(imitates).send(message(number('unavailableThenAccepted')))).toMatchObject({ kind: 'accepted' });

      await expect(sandbox(imitates).send(message(number('rateLimitedThenAccepted')))).rejects.toSatisfy(unavailable(429, codes.rateLimited));
      expect(await sandbox(imitates).send(message(number('rateLimitedThenAccepted')))).toMatchObject({ kind: 'accepted' });
    });

    it('undelivered: accepted now, a failed status callback later', async () => {
      const result = await sandbox(imitates).send(message(number('undelivered')));
      expect(result).toMatchObject({ kind: 'accepted' });
      if (result.kind !== 'accepted') throw new Error('not accepted');
      const [row] = await database.db.select().from(sandboxReceipts).where(eq(sandboxReceipts.id, result.providerMessageId));
      expect(row).toMatchObject({ callbackStatus: 'failed', callbackErrorCode: imitates === 'twilio' ? '30003' : 'UNDELIVERED' });
    });
  });

  it('answers invalid_number for a recipient that is not E.164', async () => {
    expect(await sandbox('twilio').send(message('0412345678'))).toMatchObject({ kind: 'invalid_number', code: '21211' });
  });

  it('answers a call only once its receipt is written, also when many calls arrive together (group commit)', async () => {
    const provider = sandbox();
    const keys = Array.from({ length: 40 }, (_, i) => `job_group_${i}`);
    const seenAtAnswer = await Promise.all(
      keys.map(async (key) => {
        const result = await provider.send(message(`+614123${String(45000 + keys.indexOf(key)).padStart(5, '0')}`, key));
        if (result.kind !== 'accepted') throw new Error('not accepted');
        // The moment the caller has its answer, the receipt is in the database.
        return (await database.db.select().from(sandboxReceipts).where(eq(sandboxReceipts.id, result.providerMessageId))).length;
      }),
    );
    expect(seenAtAnswer).toEqual(keys.map(() => 1));
    const rows = await database.db.select().from(sandboxReceipts).where(inArray(sandboxReceipts.idempotencyKey, keys));
    expect(rows.map((r) => r.idempotencyKey).sort()).toEqual([...keys].sort());
  });
});
