/**
 * The composition of the SMS routes from config, and the routing rule at the type level: the bulk
 * route can only hold SignalHouse or the sandbox, the 1:1 route only Twilio or the sandbox, and the
 * real adapters cannot be certified for the other route.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { bulkSender, conversationSender, routeJob, senderFor } from '../../../core/routing';
import type { Database } from '../../../db/client';
import { openTestDatabase } from '../../../db/testing';
import { parseConfig } from '../config';
import { createLogger, silentLogger } from '../log';
import { createSms } from './create-sms';
import { createSignalHouseSms } from './signalhouse';
import { createTwilioSms } from './twilio';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

const deps = () => ({ db: database.db, log: silentLogger, now: () => new Date(), random: (n: number) => new Uint8Array(randomBytes(n)) });

describe('createSms', () => {
  it('runs both routes on the sandbox when no provider keys are set, and says so', () => {
    const lines: string[] = [];
    const { sms } = createSms(parseConfig({}), { ...deps(), log: createLogger({ sink: (line) => lines.push(line) }) });
    expect(sms.bulk).toMatchObject({ route: 'bulk', provider: 'sandbox', adapter: { imitates: 'signalhouse', sandbox: true } });
    expect(sms.conversation).toMatchObject({ route: 'conversation', provider: 'sandbox', adapter: { imitates: 'twilio', sandbox: true } });
    expect(sms.sandbox?.webhookSecrets.twilioAuthToken).toMatch(/^[0-9a-f]{32}$/);
    expect(lines.filter((line) => line.includes('nothing leaves this machine'))).toHaveLength(2);
  });

  it('uses SignalHouse for bulk and Twilio for 1:1 when their keys are set', () => {
    const config = parseConfig({
      SIGNALHOUSE_API_KEY: 'sh_key',
      SIGNALHOUSE_WEBHOOK_SECRET: 'whsec',
      TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'token',
    });
    const { sms } = createSms(config, deps());
    expect(sms.bulk.provider).toBe('signalhouse');
    expect(sms.conversation.provider).toBe('twilio');
    expect(sms.sandbox).toBeUndefined();
  });

  it('mixes: a real provider on one route, the sandbox on the other', () => {
    const { sms } = createSms(parseConfig({ TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'token' }), deps());
    expect([sms.bulk.provider, sms.conversation.provider]).toEqual(['sandbox', 'twilio']);
    expect(sms.sandbox).toBeDefined();
  });

  it('fits core/routing.ts: the route types follow the job kind, and a crossed pairing does not compile', () => {
    const { sms } = createSms(parseConfig({}), deps());
    expectTypeOf(sms.bulk.provider).toEqualTypeOf<'signalhouse' | 'sandbox'>();
    expectTypeOf(sms.conversation.provider).toEqualTypeOf<'twilio' | 'sandbox'>();
    expectTypeOf(senderFor('campaign', sms).adapter.provider).toEqualTypeOf<'signalhouse' | 'sandbox'>();
    expectTypeOf(senderFor('conversation', sms).adapter.provider).toEqualTypeOf<'twilio' | 'sandbox'>();

    const twilio = createTwilioSms({ accountSid: 'AC1', authToken: 't', fetch });
    const signalHouse = createSignalHouseSms({ apiKey: 'k', fetch });
    // @ts-expect-error the Twilio adapter cannot be certified for bulk (campaign) sends.
    expect(() => bulkSender(twilio)).toThrow();
    // @ts-expect-error the SignalHouse adapter cannot be certified for 1:1 replies.
    expect(() => conversationSender(signalHouse)).toThrow();
    // @ts-expect-error a campaign job cannot go through the 1:1 route.
    expect(() => routeJob({ kind: 'campaign' as const }, sms.conversation)).toThrow();
    expect(routeJob({ kind: 'campaign' as const }, sms.bulk).sender.provider).toBe('sandbox');
  });
});
