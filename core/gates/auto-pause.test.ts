import { describe, expect, it } from 'vitest';
import { autoPauseDecision, effectiveAutoPauseThresholds, rateBps } from './auto-pause';

const thresholds = { failureRateBps: 500, optOutRateBps: 200, minSample: 100 };

describe('autoPauseDecision', () => {
  it.each([
    // attempted, failed, optedOut → decision
    [99, 99, 99, { pause: false }],
    [100, 5, 2, { pause: false }],
    [100, 6, 0, { pause: true, reason: 'failure_rate', rateBps: 600, thresholdBps: 500, sample: 100 }],
    [100, 0, 3, { pause: true, reason: 'opt_out_rate', rateBps: 300, thresholdBps: 200, sample: 100 }],
    [100, 6, 3, { pause: true, reason: 'failure_rate', rateBps: 600, thresholdBps: 500, sample: 100 }],
    // 501 / 10,000 = 5.01 %: past 5 % although it rounds to 500 bps.
    [10_000, 501, 0, { pause: true, reason: 'failure_rate', rateBps: 501, thresholdBps: 500, sample: 10_000 }],
    [10_001, 500, 0, { pause: false }],
    [3_000, 151, 0, { pause: true, reason: 'failure_rate', rateBps: 503, thresholdBps: 500, sample: 3_000 }],
    [0, 0, 0, { pause: false }],
  ])('%i attempted, %i failed, %i opted out', (attempted, failed, optedOut, decision) => {
    expect(autoPauseDecision({ attempted, failed, optedOut }, thresholds)).toEqual(decision);
  });

  it('never pauses on a rate with no threshold', () => {
    expect(autoPauseDecision({ attempted: 1_000, failed: 1_000, optedOut: 1_000 }, { failureRateBps: null, optOutRateBps: null, minSample: 1 })).toEqual({ pause: false });
  });

  it('needs at least one message even with a zero minimum sample', () => {
    expect(autoPauseDecision({ attempted: 0, failed: 0, optedOut: 0 }, { ...thresholds, minSample: 0 })).toEqual({ pause: false });
  });
});

describe('effectiveAutoPauseThresholds', () => {
  it('takes the campaign’s own thresholds over the tenant’s', () => {
    expect(
      effectiveAutoPauseThresholds({ autoPauseFailureRateBps: 300, autoPauseOptOutRateBps: null }, { autoPauseFailureRateBps: 1_000, autoPauseOptOutRateBps: 150 }),
    ).toEqual({ failureRateBps: 300, optOutRateBps: 150, minSample: 100 });
  });
});

describe('rateBps', () => {
  it.each([
    [0, 0, 0],
    [1, 3, 3_333],
    [2, 3, 6_666],
    [5, 5, 10_000],
  ])('%i of %i → %i bps', (count, total, bps) => {
    expect(rateBps(count, total)).toBe(bps);
  });
});
