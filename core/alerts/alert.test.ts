import { describe, expect, it } from 'vitest';
import { alertSchema, alertWebhookBody, alertWebhookBodySchema, budgetAlert, budgetAlertLevel, campaignAutoPausedAlert, errorRateSpikeAlert, tenantPausedAlert, type Alert } from './alert';

const tenant = { id: 'ten_1', name: 'Acme' };
const now = new Date('2026-03-02T10:20:00.000Z');
const day = { startsAt: new Date('2026-03-01T13:00:00.000Z'), endsAt: new Date('2026-03-02T13:00:00.000Z') };

describe('budgetAlertLevel', () => {
  it.each([
    // spent, cap, percent, refused → level
    [0, 100_000, 80, false, null],
    [79_999, 100_000, 80, false, null],
    [80_000, 100_000, 80, false, 'near_cap'],
    [99_999, 100_000, 80, false, 'near_cap'],
    [100_000, 100_000, 80, false, 'cap_hit'],
    [70_000, 100_000, 80, true, 'cap_hit'],
    [50_000, 100_000, 50, false, 'near_cap'],
    [99_000, 100_000, 100, false, null],
    [0, 0, 80, false, null],
    [0, 0, 80, true, 'cap_hit'],
    // Large caps: no float rounding decides it (80 % of 2^50 micros is 900,719,925,474,099.2).
    [900_719_925_474_100, 1_125_899_906_842_624, 80, false, 'near_cap'],
    [900_719_925_474_099, 1_125_899_906_842_624, 80, false, null],
  ] as const)('%i of %i at %i percent, refused %s → %s', (spentMicros, capMicros, alertAtPercent, refused, level) => {
    expect(budgetAlertLevel({ spentMicros, capMicros, alertAtPercent, refused })).toBe(level);
  });
});

function valid(alert: Alert) {
  const { dedupe: _d, ...body } = alert;
  expect(alertSchema.parse(body)).toEqual(body);
  expect(alertWebhookBodySchema.parse(alertWebhookBody(alert))).toEqual(alertWebhookBody(alert));
  expect(alert.dedupe.ttlSeconds).toBeGreaterThan(0);
}

describe('budgetAlert', () => {
  const near = budgetAlert({ id: 'alt_1', tenant, now, level: 'near_cap', period: 'daily', spentMicros: 81_500_000, capMicros: 100_000_000, alertAtPercent: 80, window: day });

  it('says how much of which cap is used and when it resets', () => {
    valid(near);
    expect(near).toMatchObject({ kind: 'budget_near_cap', severity: 'warning', tenantId: 'ten_1', details: { period: 'daily', usedBps: 8_150, spentMicros: 81_500_000, capMicros: 100_000_000, resetsAt: day.endsAt.toISOString() } });
    expect(near.title).toBe('Acme: 81.5 % of the daily spend cap used ($81.50 of $100.00)');
  });

  it('is keyed per window and cap, and lives until the window ends', () => {
    expect(near.dedupe).toEqual({ key: `alert:budget_near_cap:ten_1:daily:${day.startsAt.getTime()}:100000000`, ttlSeconds: (day.endsAt.getTime() - now.getTime()) / 1000 });
    const later = budgetAlert({ id: 'alt_2', tenant, now: new Date(now.getTime() + 3_600_000), level: 'near_cap', period: 'daily', spentMicros: 90_000_000, capMicros: 100_000_000, alertAtPercent: 80, window: day });
    expect(later.dedupe.key).toBe(near.dedupe.key);
    const raised = budgetAlert({ id: 'alt_3', tenant, now, level: 'near_cap', period: 'daily', spentMicros: 160_000_000, capMicros: 200_000_000, alertAtPercent: 80, window: day });
    expect(raised.dedupe.key).not.toBe(near.dedupe.key);
    const monthly = budgetAlert({ id: 'alt_4', tenant, now, level: 'near_cap', period: 'monthly', spentMicros: 81_500_000, capMicros: 100_000_000, alertAtPercent: 80, window: day });
    expect(monthly.dedupe.key).not.toBe(near.dedupe.key);
  });

  it('a cap hit is critical, keyed apart from near-cap, and says sending stopped', () => {
    const hit = budgetAlert({ id: 'alt_5', tenant, now, level: 'cap_hit', period: 'monthly', spentMicros: 100_000_000, capMicros: 100_000_000, alertAtPercent: 80, window: day });
    valid(hit);
    expect(hit).toMatchObject({ kind: 'budget_cap_hit', severity: 'critical' });
    expect(hit.title).toBe('Acme: monthly spend cap reached ($100.00 of $100.00)');
    expect(hit.text).toContain('until the cap resets at 2026-03-02T13:00:00.000Z');
    expect(hit.dedupe.key.startsWith('alert:budget_cap_hit:ten_1:monthly:')).toBe(true);
  });

  it('a TTL is never below one second, even at the very end of the window', () => {
    expect(budgetAlert({ id: 'alt_6', tenant, now: day.endsAt, level: 'cap_hit', period: 'daily', spentMicros: 1, capMicros: 1, alertAtPercent: 80, window: day }).dedupe.ttlSeconds).toBe(1);
  });
});

describe('tenantPausedAlert', () => {
  it('once per pause, naming who and why', () => {
    const pausedAt = new Date('2026-03-02T10:19:58.123Z');
    const byPerson = tenantPausedAlert({ id: 'alt_7', tenant, now, pausedBy: 'person', userId: 'usr_1', reason: 'checking the list', pausedAt });
    valid(byPerson);
    expect(byPerson).toMatchObject({ kind: 'tenant_paused', severity: 'critical', title: 'Acme: all sending paused', details: { pausedBy: 'person', userId: 'usr_1', reason: 'checking the list', pausedAt: pausedAt.toISOString() } });
    expect(byPerson.dedupe.key).toBe(`alert:tenant_paused:ten_1:${pausedAt.getTime()}`);
    const automatic = tenantPausedAlert({ id: 'alt_8', tenant, now, pausedBy: 'automatic', userId: null, reason: 'spend breaker', pausedAt: new Date(pausedAt.getTime() + 1) });
    expect(automatic.title).toBe('Acme: all sending paused automatically');
    expect(automatic.dedupe.key).not.toBe(byPerson.dedupe.key);
  });
});

describe('errorRateSpikeAlert', () => {
  it('once per tenant per clock hour', () => {
    const alert = errorRateSpikeAlert({ id: 'alt_9', tenant, now, errors: 9, sample: 30, rateBps: 3_000, thresholdBps: 2_000, windowStartedAt: new Date('2026-03-02T10:00:00Z') });
    valid(alert);
    expect(alert.title).toBe('Acme: provider errors at 30 % of sends');
    expect(alert.dedupe).toEqual({ key: `alert:error_rate_spike:ten_1:${Date.parse('2026-03-02T10:00:00Z')}`, ttlSeconds: 40 * 60 });
    const sameHour = errorRateSpikeAlert({ id: 'alt_10', tenant, now: new Date('2026-03-02T10:59:59Z'), errors: 9, sample: 30, rateBps: 3_000, thresholdBps: 2_000, windowStartedAt: now });
    const nextHour = errorRateSpikeAlert({ id: 'alt_11', tenant, now: new Date('2026-03-02T11:00:00Z'), errors: 9, sample: 30, rateBps: 3_000, thresholdBps: 2_000, windowStartedAt: now });
    expect(sameHour.dedupe.key).toBe(alert.dedupe.key);
    expect(nextHour.dedupe.key).not.toBe(alert.dedupe.key);
  });
});

describe('campaignAutoPausedAlert', () => {
  it.each([
    ['failure_rate', 1_250, 'Acme: campaign “Spring” paused automatically (12.5 % failed)', '15 of the last 120 messages'],
    ['opt_out_rate', 605, 'Acme: campaign “Spring” paused automatically (6.05 % opted out)', '15 of the last 120 messages'],
  ] as const)('%s', (reason, rateBps, title, text) => {
    const pausedAt = new Date('2026-03-02T10:19:00Z');
    const alert = campaignAutoPausedAlert({ id: 'alt_12', tenant, now, campaign: { id: 'cmp_1', name: 'Spring' }, reason, count: 15, sample: 120, rateBps, thresholdBps: 1_000, windowStartedAt: new Date('2026-03-02T10:00:00Z'), pausedAt });
    valid(alert);
    expect(alert).toMatchObject({ kind: 'campaign_auto_paused', campaignId: 'cmp_1', severity: 'critical', title });
    expect(alert.text).toContain(text);
    expect(alert.dedupe.key).toBe(`alert:campaign_auto_paused:ten_1:cmp_1:${pausedAt.getTime()}`);
  });
});

describe('alertWebhookBody', () => {
  it('carries the alert without its de-duplication key, and a chat-ready text', () => {
    const alert = tenantPausedAlert({ id: 'alt_13', tenant, now, pausedBy: 'person', userId: null, reason: 'x', pausedAt: now });
    const body = alertWebhookBody(alert);
    expect(body).toMatchObject({ type: 'revenue_reactor.alert', version: 1, text: `${alert.title}\n${alert.text}` });
    expect('dedupe' in body.alert).toBe(false);
  });
});
