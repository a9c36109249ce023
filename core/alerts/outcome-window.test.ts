import { describe, expect, it } from 'vitest';
import { alertDefaults, autoPauseThresholds, errorRateVerdict, outcomeWindows } from './outcome-window';

const span = 900;
const at = (iso: string) => new Date(iso);

describe('outcomeWindows', () => {
  it.each([
    // now → the measured window's start (it started one to two spans ago)
    ['2026-03-02T10:00:00.000Z', '2026-03-02T09:45:00.000Z'],
    ['2026-03-02T10:14:59.999Z', '2026-03-02T09:45:00.000Z'],
    ['2026-03-02T10:15:00.000Z', '2026-03-02T10:00:00.000Z'],
    ['2026-03-02T10:29:59.999Z', '2026-03-02T10:00:00.000Z'],
    ['2026-03-02T10:30:00.000Z', '2026-03-02T10:15:00.000Z'],
  ])('at %s measures from %s', (now, start) => {
    const w = outcomeWindows(at(now), span);
    expect(w.measured.start.toISOString()).toBe(start);
    expect(w.measured.end.getTime() - w.measured.start.getTime()).toBe(2 * span * 1000);
  });

  it('always measures between one and two spans back, and counts in two windows that both hold now', () => {
    const base = Date.parse('2026-03-02T00:00:00.000Z');
    for (let t = base; t < base + 4 * 3_600_000; t += 61_000) {
      const now = new Date(t);
      const w = outcomeWindows(now, span);
      const age = t - w.measured.start.getTime();
      expect(age).toBeGreaterThanOrEqual(span * 1000);
      expect(age).toBeLessThan(2 * span * 1000);
      for (const window of w.counted) {
        expect(window.start.getTime()).toBeLessThanOrEqual(t);
        expect(window.end.getTime()).toBeGreaterThan(t);
      }
      expect(w.counted).toContain(w.measured);
      expect(w.counted[0].start.getTime()).not.toBe(w.counted[1].start.getTime());
    }
  });

  it('keeps the same two windows until one of them ends (so counts add up across batches)', () => {
    const a = outcomeWindows(at('2026-03-02T10:16:00Z'), span);
    const b = outcomeWindows(at('2026-03-02T10:29:00Z'), span);
    expect(b.counted.map((w) => w.start.getTime()).sort()).toEqual(a.counted.map((w) => w.start.getTime()).sort());
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a span of %s', (bad) => {
    expect(() => outcomeWindows(new Date(), bad)).toThrow(RangeError);
  });
});

describe('autoPauseThresholds', () => {
  const none = { autoPauseFailureRateBps: null, autoPauseOptOutRateBps: null };
  it.each([
    ['product defaults when neither sets one', none, none, { failureRateBps: 1_000, optOutRateBps: 500 }],
    ['the tenant over the product', none, { autoPauseFailureRateBps: 300, autoPauseOptOutRateBps: 200 }, { failureRateBps: 300, optOutRateBps: 200 }],
    ['the campaign over the tenant', { autoPauseFailureRateBps: 2_000, autoPauseOptOutRateBps: null }, { autoPauseFailureRateBps: 300, autoPauseOptOutRateBps: 200 }, { failureRateBps: 2_000, optOutRateBps: 200 }],
    ['10,000 (100 %) as the way to turn one off', none, { autoPauseFailureRateBps: 10_000, autoPauseOptOutRateBps: null }, { failureRateBps: 10_000, optOutRateBps: 500 }],
  ])('%s', (_name, campaign, tenant, expected) => {
    expect(autoPauseThresholds(campaign, tenant)).toEqual({ ...expected, minSample: alertDefaults.autoPauseMinSample });
  });

  it('takes a minimum sample', () => {
    expect(autoPauseThresholds(none, none, 20).minSample).toBe(20);
  });
});

describe('errorRateVerdict', () => {
  const policy = { thresholdBps: 2_000, minSample: 20 };
  it.each([
    // attempted, errors → spike?
    [19, 19, { spike: false }],
    [20, 4, { spike: false }],
    [20, 5, { spike: true, rateBps: 2_500, thresholdBps: 2_000, sample: 20, errors: 5 }],
    [10_000, 2_000, { spike: false }],
    [10_000, 2_001, { spike: true, rateBps: 2_001, thresholdBps: 2_000, sample: 10_000, errors: 2_001 }],
    [0, 0, { spike: false }],
  ])('%i calls, %i errors', (attempted, errors, verdict) => {
    expect(errorRateVerdict({ attempted, errors }, policy)).toEqual(verdict);
  });

  it('needs at least one call even with no minimum sample', () => {
    expect(errorRateVerdict({ attempted: 0, errors: 0 }, { thresholdBps: 0, minSample: 0 })).toEqual({ spike: false });
  });

  it('never fires at a 100 % threshold', () => {
    expect(errorRateVerdict({ attempted: 50, errors: 50 }, { thresholdBps: 10_000, minSample: 1 })).toEqual({ spike: false });
  });
});
