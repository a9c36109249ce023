import { describe, expect, it } from 'vitest';
import { evaluateGates, gateOrder, gatesByJobKind, recipientSchedule, type GateInput } from './evaluate-gates';
import { defaultQuietHours, resolveQuietHoursPolicy, quietHoursOverrideSchema } from './quiet-hours';
import { defaultWarmupCurve } from './warmup-curve';

// Monday 2026-06-01 10:00 in New York (EDT, UTC−4): inside every default window.
const now = new Date('2026-06-01T14:00:00Z');

/** A message every gate lets through; each test changes one fact. */
function passing(): GateInput {
  return {
    now,
    job: { kind: 'campaign', estimatedCostMicros: 7_900 },
    tenant: { paused: false, timezone: 'America/New_York', defaultCountry: 'US' },
    campaign: { status: 'sending' },
    budget: { dailyMicros: 10_000_000, monthlyMicros: 100_000_000, spentTodayMicros: 0, spentThisMonthMicros: 0 },
    recipient: { phoneE164: '+12125550100', timezone: null, country: 'US', doNotContact: null, suppression: null },
    quietHours: defaultQuietHours,
    rate: { tenantPerMinute: 600, tenantSentThisMinute: 0, numberPerMinute: 60, numberSentThisMinute: 0 },
    warmup: { startedAt: new Date('2026-05-31T12:00:00Z'), sentToday: 0, curve: defaultWarmupCurve },
  };
}

type Change = (input: GateInput) => void;

describe('evaluateGates: one gate at a time', () => {
  it('sends when every gate passes', () => {
    expect(evaluateGates(passing())).toEqual({ verdict: 'send' });
  });

  const cases: Array<[string, Change, ReturnType<typeof evaluateGates>]> = [
    // pause
    ['tenant paused → defer, re-checked in a minute', (i) => (i.tenant.paused = true), { verdict: 'defer', gate: 'pause', reason: 'tenant_paused', until: new Date('2026-06-01T14:01:00Z') }],
    ['campaign paused → defer', (i) => (i.campaign = { status: 'paused' }), { verdict: 'defer', gate: 'pause', reason: 'campaign_paused', until: new Date('2026-06-01T14:01:00Z') }],
    ['campaign not started (draft) → defer', (i) => (i.campaign = { status: 'draft' }), { verdict: 'defer', gate: 'pause', reason: 'campaign_paused', until: new Date('2026-06-01T14:01:00Z') }],
    ['campaign done (stopped for good) → skip', (i) => (i.campaign = { status: 'done' }), { verdict: 'skip', gate: 'pause', reason: 'campaign_done' }],
    ['campaign queued → send', (i) => (i.campaign = { status: 'queued' }), { verdict: 'send' }],
    // budget (New York days and months)
    ['daily cap reached → defer to local midnight', (i) => (i.budget!.spentTodayMicros = 10_000_000), { verdict: 'defer', gate: 'budget', reason: 'daily_budget', until: new Date('2026-06-02T04:00:00Z') }],
    ['this message would pass the daily cap → defer', (i) => (i.budget!.spentTodayMicros = 9_992_101), { verdict: 'defer', gate: 'budget', reason: 'daily_budget', until: new Date('2026-06-02T04:00:00Z') }],
    ['this message lands exactly on the daily cap → send', (i) => (i.budget!.spentTodayMicros = 9_992_100), { verdict: 'send' }],
    ['monthly cap reached → defer to the 1st', (i) => (i.budget!.spentThisMonthMicros = 100_000_000), { verdict: 'defer', gate: 'budget', reason: 'monthly_budget', until: new Date('2026-07-01T04:00:00Z') }],
    [
      'both caps reached → the later reset',
      (i) => ((i.budget!.spentTodayMicros = 10_000_000), (i.budget!.spentThisMonthMicros = 100_000_000)),
      { verdict: 'defer', gate: 'budget', reason: 'monthly_budget', until: new Date('2026-07-01T04:00:00Z') },
    ],
    ['a price-less message once the cap is reached → defer', (i) => ((i.job.estimatedCostMicros = 0), (i.budget!.spentTodayMicros = 10_000_000)), { verdict: 'defer', gate: 'budget', reason: 'daily_budget', until: new Date('2026-06-02T04:00:00Z') }],
    ['a zero budget stops everything', (i) => ((i.budget!.dailyMicros = 0), (i.job.estimatedCostMicros = 0)), { verdict: 'defer', gate: 'budget', reason: 'daily_budget', until: new Date('2026-06-02T04:00:00Z') }],
    ['a message dearer than the whole daily cap → skip', (i) => (i.job.estimatedCostMicros = 10_000_001), { verdict: 'skip', gate: 'budget', reason: 'exceeds_budget' }],
    ['no budget row → no cap', (i) => ((i.budget = null), (i.job.estimatedCostMicros = 999_000_000)), { verdict: 'send' }],
    // DNC
    ['opted out by STOP → skip opted_out', (i) => (i.recipient.doNotContact = { source: 'stop_keyword' }), { verdict: 'skip', gate: 'dnc', reason: 'opted_out' }],
    ['opted out at the provider → skip opted_out', (i) => (i.recipient.doNotContact = { source: 'provider_opt_out' }), { verdict: 'skip', gate: 'dnc', reason: 'opted_out' }],
    ['on the DNC list by staff → skip dnc', (i) => (i.recipient.doNotContact = { source: 'manual' }), { verdict: 'skip', gate: 'dnc', reason: 'dnc' }],
    ['on the DNC list by import → skip dnc', (i) => (i.recipient.doNotContact = { source: 'import' }), { verdict: 'skip', gate: 'dnc', reason: 'dnc' }],
    // suppression
    ['an open-ended suppression → skip', (i) => (i.recipient.suppression = { reason: 'complaint', expiresAt: null }), { verdict: 'skip', gate: 'suppression', reason: 'suppressed' }],
    ['a suppression until tomorrow → skip', (i) => (i.recipient.suppression = { reason: 'cooldown', expiresAt: new Date('2026-06-02T00:00:00Z') }), { verdict: 'skip', gate: 'suppression', reason: 'suppressed' }],
    ['an expired suppression → send', (i) => (i.recipient.suppression = { reason: 'cooldown', expiresAt: now }), { verdict: 'send' }],
    // quiet hours
    ['06:00 in New York → defer to 08:00 there', (i) => (i.now = new Date('2026-06-01T10:00:00Z')), { verdict: 'defer', gate: 'quiet_hours', reason: 'quiet_hours', until: new Date('2026-06-01T12:00:00Z') }],
    ['the contact’s own zone (Los Angeles, 07:00) → defer to 08:00 there', (i) => (i.recipient.timezone = 'America/Los_Angeles'), { verdict: 'defer', gate: 'quiet_hours', reason: 'quiet_hours', until: new Date('2026-06-01T15:00:00Z') }],
    [
      'a Florida number at 20:30 → defer to 08:00 (Florida ends at 20:00)',
      (i) => ((i.recipient.phoneE164 = '+13055550100'), (i.now = new Date('2026-06-02T00:30:00Z'))),
      { verdict: 'defer', gate: 'quiet_hours', reason: 'quiet_hours', until: new Date('2026-06-02T12:00:00Z') },
    ],
    [
      'an Australian mobile on a Sunday → defer to Monday 09:00 Sydney',
      (i) => ((i.recipient.phoneE164 = '+61412345678'), (i.recipient.country = 'AU'), (i.now = new Date('2026-06-07T02:00:00Z'))),
      { verdict: 'defer', gate: 'quiet_hours', reason: 'quiet_hours', until: new Date('2026-06-07T23:00:00Z') },
    ],
    [
      'a quiet-hours rule with no window at all → skip',
      (i) => (i.quietHours = resolveQuietHoursPolicy(quietHoursOverrideSchema.parse({ countries: { US: { week: { sun: null, mon: null, tue: null, wed: null, thu: null, fri: null, sat: null } } } }))),
      { verdict: 'skip', gate: 'quiet_hours', reason: 'no_sending_window' },
    ],
    // rate limits
    ['tenant minute full → defer to the next minute', (i) => ((i.now = new Date('2026-06-01T14:00:42Z')), (i.rate.tenantSentThisMinute = 600)), { verdict: 'defer', gate: 'rate_limit', reason: 'tenant_rate', until: new Date('2026-06-01T14:01:00Z') }],
    ['number minute full → defer to the next minute', (i) => (i.rate.numberSentThisMinute = 60), { verdict: 'defer', gate: 'rate_limit', reason: 'number_rate', until: new Date('2026-06-01T14:01:00Z') }],
    ['one below the limit → send', (i) => ((i.rate.numberSentThisMinute = 59), (i.rate.tenantSentThisMinute = 599)), { verdict: 'send' }],
    ['no limits set → send', (i) => ((i.rate = { tenantPerMinute: null, tenantSentThisMinute: 10_000, numberPerMinute: null, numberSentThisMinute: 10_000 })), { verdict: 'send' }],
    // warm-up (started 2026-05-31 in New York → 2026-06-01 is day 2: cap 100)
    ['warm-up cap reached → defer to local midnight', (i) => (i.warmup!.sentToday = 100), { verdict: 'defer', gate: 'warmup', reason: 'warmup_cap', until: new Date('2026-06-02T04:00:00Z') }],
    ['one below the warm-up cap → send', (i) => (i.warmup!.sentToday = 99), { verdict: 'send' }],
    ['a warm number → send', (i) => ((i.warmup!.startedAt = new Date('2026-01-01T00:00:00Z')), (i.warmup!.sentToday = 50_000)), { verdict: 'send' }],
    ['a number that is not warming up → send', (i) => (i.warmup = null), { verdict: 'send' }],
  ];

  it.each(cases)('%s', (_name, change, verdict) => {
    const input = passing();
    change(input);
    expect(evaluateGates(input)).toEqual(verdict);
  });
});

describe('evaluateGates: the order decides', () => {
  /** Every gate would stop the message; removing the first blocker each time reveals the next in order. */
  it('reports the first gate in the fixed order', () => {
    const blocked = passing();
    blocked.tenant.paused = true;
    blocked.budget!.spentTodayMicros = 10_000_000;
    blocked.recipient.doNotContact = { source: 'manual' };
    blocked.recipient.suppression = { reason: 'x', expiresAt: null };
    blocked.now = new Date('2026-06-01T10:00:00Z');
    blocked.rate.numberSentThisMinute = 60;
    blocked.warmup!.sentToday = 100;
    const unblock: Record<string, Change> = {
      pause: (i) => (i.tenant.paused = false),
      budget: (i) => (i.budget!.spentTodayMicros = 0),
      dnc: (i) => (i.recipient.doNotContact = null),
      suppression: (i) => (i.recipient.suppression = null),
      quiet_hours: (i) => (i.now = new Date('2026-06-01T14:00:00Z')),
      rate_limit: (i) => (i.rate.numberSentThisMinute = 0),
      warmup: (i) => (i.warmup!.sentToday = 0),
    };
    const seen: string[] = [];
    for (;;) {
      const verdict = evaluateGates(blocked);
      if (verdict.verdict === 'send') break;
      seen.push(verdict.gate);
      unblock[verdict.gate]!(blocked);
    }
    expect(seen).toEqual([...gateOrder]);
  });

  it('holds a 1:1 reply only by pause, budget, DNC, suppression and rate', () => {
    const reply = passing();
    reply.job.kind = 'conversation';
    reply.campaign = null;
    reply.now = new Date('2026-06-01T06:00:00Z'); // 02:00 in New York
    reply.warmup!.sentToday = 1_000;
    expect(evaluateGates(reply)).toEqual({ verdict: 'send' });
    reply.recipient.doNotContact = { source: 'stop_keyword' };
    expect(evaluateGates(reply)).toEqual({ verdict: 'skip', gate: 'dnc', reason: 'opted_out' });
    expect(gatesByJobKind.conversation).toEqual(['pause', 'budget', 'dnc', 'suppression', 'rate_limit']);
  });

  it('uses its own pause re-check interval when given', () => {
    const input = passing();
    input.tenant.paused = true;
    input.pauseRecheckMs = 5_000;
    expect(evaluateGates(input)).toMatchObject({ until: new Date('2026-06-01T14:00:05Z') });
  });
});

describe('recipientSchedule', () => {
  it('tells where and by which rule a recipient is judged', () => {
    const { timeZones, country, region } = recipientSchedule({ ...passing(), recipient: { ...passing().recipient, phoneE164: '+18505550100' } });
    expect({ timeZones, country, region }).toEqual({ timeZones: ['America/New_York', 'America/Chicago'], country: 'US', region: 'FL' });
  });
});
