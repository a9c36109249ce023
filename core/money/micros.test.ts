import { describe, expect, it } from 'vitest';
import { dollarsSchema, formatMicros, microsSchema, parseDollars, partCost, percentOfMicros, sumMicros, usedBps } from './micros';

describe('partCost', () => {
  it.each([
    [1, 7_900, 7_900],
    [3, 7_900, 23_700],
    [0, 7_900, 0],
    [4, 0, 0],
    [10, 55_000, 550_000],
  ])('%i parts × %i micros = %i', (parts, price, cost) => {
    expect(partCost(parts, price)).toBe(cost);
  });

  it.each([
    [1.5, 100],
    [-1, 100],
    [1, 0.5],
    [1, -1],
    [2, Number.MAX_SAFE_INTEGER],
  ])('refuses %s parts × %s', (parts, price) => {
    expect(() => partCost(parts, price)).toThrow(RangeError);
  });
});

describe('formatMicros', () => {
  it.each([
    [7_900, '$0.0079'],
    [0, '$0.00'],
    [1, '$0.000001'],
    [10_000, '$0.01'],
    [1_500_000, '$1.50'],
    [12_000_000, '$12.00'],
    [1_234_567_891, '$1,234.567891'],
    [1_000_000_000_000, '$1,000,000.00'],
    [-250_000, '-$0.25'],
    [Number.MAX_SAFE_INTEGER, '$9,007,199,254.740991'],
  ])('%i micros → %s', (micros, text) => {
    expect(formatMicros(micros)).toBe(text);
  });

  it.each([
    [7_900, { maxFractionDigits: 2 }, '$0.00'],
    [1_239_999, { maxFractionDigits: 2 }, '$1.23'],
    [1_500_000, { minFractionDigits: 0 }, '$1.5'],
    [2_000_000, { minFractionDigits: 0 }, '$2'],
    [1_234_000_000, { grouping: false }, '$1234.00'],
    [-1, { maxFractionDigits: 2 }, '$0.00'],
  ])('%i with %j → %s (cut, never rounded up)', (micros, options, text) => {
    expect(formatMicros(micros, options)).toBe(text);
  });

  it('refuses fractions of a micro', () => {
    expect(() => formatMicros(0.5)).toThrow(RangeError);
  });
});

describe('parseDollars', () => {
  it.each([
    ['12', 12_000_000],
    ['$12.50', 12_500_000],
    ['0.0079', 7_900],
    ['.0079', 7_900],
    ['$.5', 500_000],
    ['1,234.5', 1_234_500_000],
    ['  $ 1,000  ', 1_000_000_000],
    ['-3', -3_000_000],
    ['+3.', 3_000_000],
    ['0.000001', 1],
    ['0.12345600', 123_456],
    ['0', 0],
    ['-0.00', 0],
    ['9007199254.740991', Number.MAX_SAFE_INTEGER],
  ])('%j → %i micros', (text, micros) => {
    expect(parseDollars(text)).toEqual({ ok: true, micros });
  });

  it.each([
    ['', 'empty'],
    ['  ', 'empty'],
    ['$', 'empty'],
    ['abc', 'malformed'],
    ['1.2.3', 'malformed'],
    ['1,23', 'malformed'],
    ['12,34.5', 'malformed'],
    ['.', 'malformed'],
    ['1e3', 'malformed'],
    ['0x10', 'malformed'],
    ['$-3', 'malformed'],
    ['0.0000001', 'too_precise'],
    ['0.00791234', 'too_precise'],
    ['9007199254.740992', 'too_large'],
  ])('%j is refused: %s', (text, reason) => {
    expect(parseDollars(text)).toEqual({ ok: false, reason });
  });

  it('round-trips with formatMicros for every micro of a cent', () => {
    for (let micros = 0; micros <= 10_000; micros += 7) {
      expect(parseDollars(formatMicros(micros))).toEqual({ ok: true, micros });
    }
  });
});

describe('dollarsSchema and microsSchema', () => {
  it('turns a typed amount into micros and refuses negatives and garbage', () => {
    expect(dollarsSchema.parse('$0.0079')).toBe(7_900);
    expect(dollarsSchema.safeParse('-1').success).toBe(false);
    expect(dollarsSchema.safeParse('ten').success).toBe(false);
  });

  it.each([
    [0, true],
    [7_900, true],
    [Number.MAX_SAFE_INTEGER, true],
    [-1, false],
    [0.5, false],
    [Number.MAX_SAFE_INTEGER + 1, false],
  ])('microsSchema(%s) → %s', (value, ok) => {
    expect(microsSchema.safeParse(value).success).toBe(ok);
  });
});

describe('sums and shares', () => {
  it('adds exactly', () => {
    expect(sumMicros([7_900, 7_900, 1])).toBe(15_801);
    expect(sumMicros([])).toBe(0);
    expect(() => sumMicros([Number.MAX_SAFE_INTEGER, 1])).toThrow(RangeError);
  });

  it.each([
    [100_000_000, 80, 80_000_000],
    [999, 80, 799],
    [0, 80, 0],
    [Number.MAX_SAFE_INTEGER, 100, Number.MAX_SAFE_INTEGER],
  ])('%i × %i %% = %i (rounded down)', (amount, percent, share) => {
    expect(percentOfMicros(amount, percent)).toBe(share);
  });

  it.each([
    [0, 100, 0],
    [80, 100, 8_000],
    [1, 3, 3_333],
    [150, 100, 15_000],
    [0, 0, 10_000],
  ])('spent %i of %i → %i bps', (spent, cap, bps) => {
    expect(usedBps(spent, cap)).toBe(bps);
  });
});
