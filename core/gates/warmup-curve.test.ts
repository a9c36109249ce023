import { describe, expect, it } from 'vitest';
import { capOnDay, defaultWarmupCurve, warmupCurveSchema, warmupDailyCap, warmupDay, type WarmupCurve } from './warmup-curve';

describe('capOnDay', () => {
  it.each([
    [1, 50],
    [2, 100],
    [3, 200],
    [6, 1_600],
    [7, 3_200],
    [8, null],
    [365, null],
  ])('default curve, day %i → %s', (day, cap) => {
    expect(capOnDay(defaultWarmupCurve, day)).toBe(cap);
  });

  const curves: Array<[string, WarmupCurve, Array<[number, number | null]>]> = [
    [
      'doubling every 2 days to a ceiling off the curve',
      { kind: 'geometric', startPerDay: 100, multiplier: 2, everyDays: 2, ceilingPerDay: 500 },
      [[1, 100], [2, 100], [3, 200], [4, 200], [5, 400], [6, 400], [7, 500], [8, 500], [9, null]],
    ],
    ['×1.5, whole numbers', { kind: 'geometric', startPerDay: 75, multiplier: 1.5, everyDays: 1, ceilingPerDay: 200 }, [[1, 75], [2, 112], [3, 168], [4, 200], [5, null]]],
    ['a gentle multiplier still climbs by at least one', { kind: 'geometric', startPerDay: 50, multiplier: 1.001, everyDays: 1, ceilingPerDay: 52 }, [[1, 50], [2, 51], [3, 52], [4, null]]],
    ['start equals ceiling', { kind: 'geometric', startPerDay: 500, multiplier: 1, everyDays: 1, ceilingPerDay: 500 }, [[1, 500], [2, null]]],
    [
      'explicit steps',
      { kind: 'steps', steps: [{ fromDay: 1, perDay: 25 }, { fromDay: 4, perDay: 250 }, { fromDay: 10, perDay: 1_000 }], warmFromDay: 15 },
      [[1, 25], [3, 25], [4, 250], [9, 250], [10, 1_000], [14, 1_000], [15, null]],
    ],
  ];
  describe.each(curves)('%s', (_name, curve, table) => {
    it.each(table)('day %i → %s', (day, cap) => {
      expect(capOnDay(curve, day)).toBe(cap);
    });
  });
});

describe('warmupDay', () => {
  it.each([
    ['the same local day', '2026-06-01T01:00:00Z', '2026-06-01T12:00:00Z', 'Australia/Sydney', 1],
    // 2026-06-01T13:30Z is 23:30 in Sydney; 14:30Z is 00:30 the next local day.
    ['the next local day, an hour later in UTC', '2026-06-01T13:30:00Z', '2026-06-01T14:30:00Z', 'Australia/Sydney', 2],
    ['a week later', '2026-06-01T00:00:00Z', '2026-06-08T00:00:00Z', 'UTC', 8],
    ['across a DST change', '2026-03-07T15:00:00Z', '2026-03-09T15:00:00Z', 'America/New_York', 3],
    ['a start in the future', '2026-06-10T00:00:00Z', '2026-06-01T00:00:00Z', 'UTC', 1],
  ])('%s', (_name, startedAt, now, zone, day) => {
    expect(warmupDay(new Date(startedAt), new Date(now), zone)).toBe(day);
  });

  it('gives no cap to a number that is not warming up', () => {
    expect(warmupDailyCap({ startedAt: null, now: new Date(), timeZone: 'UTC', curve: defaultWarmupCurve })).toBeNull();
    expect(warmupDailyCap({ startedAt: new Date('2026-06-01T00:00:00Z'), now: new Date('2026-06-03T00:00:00Z'), timeZone: 'UTC', curve: defaultWarmupCurve })).toBe(200);
  });
});

describe('warmupCurveSchema', () => {
  it.each([
    [{ kind: 'geometric', startPerDay: 50, multiplier: 2, ceilingPerDay: 3_200 }, true],
    [{ kind: 'geometric', startPerDay: 50, multiplier: 2, everyDays: 3, ceilingPerDay: 3_200 }, true],
    [{ kind: 'steps', steps: [{ fromDay: 1, perDay: 10 }], warmFromDay: 2 }, true],
    [{ kind: 'geometric', startPerDay: 0, multiplier: 2, ceilingPerDay: 100 }, false],
    [{ kind: 'geometric', startPerDay: 500, multiplier: 2, ceilingPerDay: 100 }, false],
    [{ kind: 'geometric', startPerDay: 50, multiplier: 1, ceilingPerDay: 100 }, false],
    [{ kind: 'geometric', startPerDay: 50, multiplier: 0.5, ceilingPerDay: 100 }, false],
    [{ kind: 'geometric', startPerDay: 50.5, multiplier: 2, ceilingPerDay: 100 }, false],
    [{ kind: 'steps', steps: [{ fromDay: 2, perDay: 10 }], warmFromDay: 5 }, false],
    [{ kind: 'steps', steps: [{ fromDay: 1, perDay: 10 }, { fromDay: 1, perDay: 20 }], warmFromDay: 5 }, false],
    [{ kind: 'steps', steps: [{ fromDay: 1, perDay: 10 }, { fromDay: 5, perDay: 20 }], warmFromDay: 5 }, false],
    [{ kind: 'steps', steps: [], warmFromDay: 5 }, false],
    [{ kind: 'linear', startPerDay: 50 }, false],
  ])('%j valid: %s', (value, valid) => {
    expect(warmupCurveSchema.safeParse(value).success).toBe(valid);
  });

  it('fills in the step length', () => {
    expect(warmupCurveSchema.parse({ kind: 'geometric', startPerDay: 50, multiplier: 2, ceilingPerDay: 3_200 })).toEqual(defaultWarmupCurve);
  });
});
