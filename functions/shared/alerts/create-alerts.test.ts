/**
 * The Alerts service as the composition root builds it: channels chosen from config, and the
 * once-per-window claim on the real Counters adapters (PostgreSQL or PGlite, and Upstash over its REST
 * API in front of the local Redis), with many raises of one alert racing.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorRateSpikeAlert, tenantPausedAlert, type Alert } from '../../../core/alerts/alert';
import type { Counters } from '../../../core/ports/counters';
import type { Database } from '../../../db/client';
import { openTestDatabase } from '../../../db/testing';
import { describeAdapters, parseConfig } from '../config';
import { createPostgresCounters } from '../counters/postgres-counters';
import { startUpstashRestProxy, type UpstashRestProxy } from '../counters/test-support/upstash-rest-proxy';
import { createUpstashCounters } from '../counters/upstash-counters';
import { createLogger, type Logger } from '../log';
import { createDevMailbox } from '../mail/dev-mailbox';
import { createAlerts } from './create-alerts';
import { startAlertReceiver, type AlertReceiver } from './test-support/alert-receiver';

let database: Database;
let proxy: UpstashRestProxy;
let receiver: AlertReceiver;
let clock = Date.parse('2026-03-02T10:20:00.000Z');
const now = () => new Date(clock);

beforeAll(async () => {
  database = await openTestDatabase();
  proxy = await startUpstashRestProxy();
  receiver = await startAlertReceiver();
});
afterAll(async () => {
  await receiver.close();
  await proxy.close();
  await database.close();
});
beforeEach(() => {
  receiver.received.length = 0;
  receiver.respond(200);
});

/** A logger that keeps its lines, to see what the log channel wrote. */
function recordingLog(): { log: Logger; alerts: () => Record<string, unknown>[]; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'debug', sink: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines, alerts: () => lines.filter((l) => l.msg === 'alert') };
}

const countersOf: Record<'postgres' | 'upstash', () => Counters> = {
  postgres: () => createPostgresCounters({ db: database.db, now }),
  upstash: () => createUpstashCounters({ url: proxy.url, token: proxy.token, now, prefix: `rrtest:${randomBytes(6).toString('hex')}:` }),
};

let seq = 0;
function pauseAlert(): Alert {
  seq += 1;
  return tenantPausedAlert({ id: `alt_${seq}`, tenant: { id: `ten_${randomBytes(4).toString('hex')}`, name: 'Acme' }, now: now(), pausedBy: 'person', userId: 'usr_1', reason: 'checking', pausedAt: now() });
}

describe.each(['postgres', 'upstash'] as const)('Alerts on %s counters', (adapter) => {
  it('twenty parallel raises of one alert deliver it once on each channel', async () => {
    const { log, alerts: logged } = recordingLog();
    const config = parseConfig({ ALERT_WEBHOOK_URL: `${receiver.url}/hook`, ALERT_EMAIL_TO: 'ops@example.com' });
    const mailbox = createDevMailbox({ log, now });
    const { alerts } = createAlerts(config.alerts, { log, mailer: mailbox, counters: countersOf[adapter]() });
    expect(alerts.channels).toEqual(['log', 'webhook', 'email']);

    const alert = pauseAlert();
    const results = await Promise.all(Array.from({ length: 20 }, () => alerts.raise(alert)));
    expect(receiver.received).toHaveLength(1);
    expect(mailbox.messages().filter((m) => m.to === 'ops@example.com')).toHaveLength(1);
    expect(logged()).toHaveLength(1);
    expect(results.flatMap((r) => r.delivered).sort()).toEqual(['email', 'log', 'webhook']);
    expect(results.flatMap((r) => r.duplicate)).toHaveLength(19 * 3);
  });

  it('a channel that failed is tried again at the next raise, without repeating the others', async () => {
    const { log, lines } = recordingLog();
    const { alerts } = createAlerts({ webhookUrl: `${receiver.url}/hook`, emailTo: [], tenantWebhookTargets: 'any' }, { log, mailer: createDevMailbox({ log, now }), counters: countersOf[adapter]() });
    const alert = pauseAlert();
    receiver.respond(503);
    expect(await alerts.raise(alert)).toEqual({ delivered: ['log'], duplicate: [], failed: ['webhook'] });
    expect(lines.some((l) => String(l.msg).startsWith('an alert channel failed') && l.channel === 'webhook')).toBe(true);
    receiver.respond(200);
    expect(await alerts.raise(alert)).toEqual({ delivered: ['webhook'], duplicate: ['log'], failed: [] });
    expect(await alerts.raise(alert)).toEqual({ delivered: [], duplicate: ['log', 'webhook'], failed: [] });
    expect(receiver.received).toHaveLength(2);
  });
});

describe('Alerts windows', () => {
  it('the same condition in the next window is delivered again', async () => {
    await database.db.execute(sql`delete from flags where key like 'alert:error_rate_spike:%'`);
    const { log, alerts: logged } = recordingLog();
    const { alerts } = createAlerts({ webhookUrl: undefined, emailTo: [], tenantWebhookTargets: 'any' }, { log, mailer: createDevMailbox({ log, now }), counters: countersOf.postgres() });
    const spike = () => errorRateSpikeAlert({ id: 'alt_x', tenant: { id: 'ten_w', name: 'W' }, now: now(), errors: 9, sample: 30, rateBps: 3_000, thresholdBps: 2_000, windowStartedAt: now() });
    await alerts.raise(spike());
    clock += 30 * 60_000; // 10:50: the same hour
    await alerts.raise(spike());
    expect(logged()).toHaveLength(1);
    clock += 15 * 60_000; // 11:05: the next hour
    await alerts.raise(spike());
    expect(logged()).toHaveLength(2);
  });

  it('mails every address of ALERT_EMAIL_TO', async () => {
    const { log } = recordingLog();
    const mailbox = createDevMailbox({ log, now });
    const config = parseConfig({ ALERT_EMAIL_TO: ' Ops@Example.com, cfo@example.com,ops@example.com ' });
    expect(config.alerts.emailTo).toEqual(['ops@example.com', 'cfo@example.com']);
    const { alerts } = createAlerts(config.alerts, { log, mailer: mailbox, counters: countersOf.postgres() });
    const alert = pauseAlert();
    await alerts.raise(alert);
    const mails = mailbox.messages();
    expect(mails.map((m) => m.to).sort()).toEqual(['cfo@example.com', 'ops@example.com']);
    expect(mails[0]?.subject).toBe('[Alert] Acme: all sending paused');
    expect(mails[0]?.text).toContain('Reason: checking.');
    expect(mails[0]?.text).toContain('"kind": "tenant_paused"');
  });
});

describe('alert config', () => {
  it('is the log alone by default, and the banner never prints the webhook’s secret path', () => {
    expect(parseConfig({}).alerts).toEqual({ webhookUrl: undefined, emailTo: [], tenantWebhookTargets: 'any' });
    expect(describeAdapters(parseConfig({})).alerts).toBe('log');
    const config = parseConfig({ ALERT_WEBHOOK_URL: 'https://hooks.example.com/services/T0/B0/s3cret', ALERT_EMAIL_TO: 'ops@example.com' });
    expect(describeAdapters(config).alerts).toBe('log + webhook https://hooks.example.com + email ops@example.com');
  });

  it.each([
    [{ ALERT_WEBHOOK_URL: 'hooks.example.com/x' }, 'ALERT_WEBHOOK_URL'],
    [{ ALERT_WEBHOOK_URL: 'ftp://hooks.example.com/x' }, 'ALERT_WEBHOOK_URL'],
    [{ ALERT_EMAIL_TO: 'ops@example.com, not-an-address' }, 'ALERT_EMAIL_TO'],
  ])('refuses %j, naming %s', (env, key) => {
    expect(() => parseConfig(env)).toThrow(key);
  });
});
