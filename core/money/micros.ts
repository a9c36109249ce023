/**
 * Money as integer micro-dollars (1 USD = 1,000,000 micros), the unit of every amount column
 * (`*_micros`). SMS prices are fractions of a cent (a US part costs around $0.0079 = 7,900 micros), so
 * cents would round real prices away; micros hold them exactly, and a JS number holds micros exactly up
 * to Number.MAX_SAFE_INTEGER (about 9 billion dollars).
 *
 * Nothing here goes through a float: dollars strings are parsed digit by digit, products and ratios go
 * through BigInt.
 */
import { z } from 'zod';

export const microsPerDollar = 1_000_000;
export const microsPerCent = 10_000;

/** A non-negative whole number of micro-dollars that a JS number holds exactly. */
export const microsSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

function assertMicros(value: number, name: string): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a safe integer number of micros, got ${value}`);
}

function toSafeNumber(value: bigint, name: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${name} is too large to hold in micros: ${value}`);
  }
  return Number(value);
}

/** The cost of a message: parts × the price of one part for its provider and destination country. */
export function partCost(parts: number, microsPerPart: number): number {
  if (!Number.isSafeInteger(parts) || parts < 0) throw new RangeError(`parts must be a whole number ≥ 0, got ${parts}`);
  assertMicros(microsPerPart, 'microsPerPart');
  if (microsPerPart < 0) throw new RangeError('a price cannot be negative');
  return toSafeNumber(BigInt(parts) * BigInt(microsPerPart), 'partCost');
}

export function sumMicros(amounts: readonly number[]): number {
  let total = 0n;
  for (const amount of amounts) {
    assertMicros(amount, 'amount');
    total += BigInt(amount);
  }
  return toSafeNumber(total, 'sum');
}

/** `percent` % of an amount, rounded down (an alert threshold must not fire early because of rounding up). */
export function percentOfMicros(amount: number, percent: number): number {
  assertMicros(amount, 'amount');
  if (!Number.isSafeInteger(percent) || percent < 0) throw new RangeError(`percent must be a whole number ≥ 0, got ${percent}`);
  return toSafeNumber((BigInt(amount) * BigInt(percent)) / 100n, 'percentOfMicros');
}

/** How much of a cap is used, in basis points (10,000 = 100 %), rounded down; a zero cap is full at once. */
export function usedBps(spent: number, cap: number): number {
  assertMicros(spent, 'spent');
  assertMicros(cap, 'cap');
  if (cap <= 0) return spent > 0 ? Number.MAX_SAFE_INTEGER : 10_000;
  return toSafeNumber((BigInt(spent) * 10_000n) / BigInt(cap), 'usedBps');
}

export type FormatMicrosOptions = {
  /** Fraction digits always shown (default 2: `$1.50`). */
  minFractionDigits?: number;
  /** Digits kept at most (default 6: every micro); extra digits are cut, never rounded up. */
  maxFractionDigits?: number;
  /** Thousands separators in the dollars (default true: `$1,234.50`). */
  grouping?: boolean;
};

/**
 * `$0.0079`, `$1.50`, `$1,234.567891`, `-$0.25`: as many decimals as the amount needs (so a price per part
 * is shown exactly), at least two.
 */
export function formatMicros(amount: number, options: FormatMicrosOptions = {}): string {
  assertMicros(amount, 'amount');
  const minDigits = options.minFractionDigits ?? 2;
  const maxDigits = options.maxFractionDigits ?? 6;
  if (minDigits < 0 || maxDigits > 6 || minDigits > maxDigits) throw new RangeError('fraction digits must satisfy 0 ≤ min ≤ max ≤ 6');
  const negative = amount < 0;
  const absolute = BigInt(negative ? -amount : amount);
  const dollars = absolute / BigInt(microsPerDollar);
  let fraction = (absolute % BigInt(microsPerDollar)).toString().padStart(6, '0').slice(0, maxDigits);
  while (fraction.length > minDigits && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  let whole = dollars.toString();
  if (options.grouping ?? true) whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const body = fraction.length > 0 ? `${whole}.${fraction}` : whole;
  const isZero = dollars === 0n && !/[1-9]/.test(fraction);
  return `${negative && !isZero ? '-' : ''}$${body}`;
}

export type ParseDollarsResult = { ok: true; micros: number } | { ok: false; reason: 'empty' | 'malformed' | 'too_precise' | 'too_large' };

const dollarsPattern = /^([+-])?\$?(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d*))?$/;

/**
 * Parses what a person types as dollars (`12`, `$12.50`, `0.0079`, `1,234.5`, `-3`) into micros, digit
 * by digit. More than six decimals is refused rather than rounded: a price typed as `0.00791234` would
 * otherwise be silently changed.
 */
export function parseDollars(input: string): ParseDollarsResult {
  const text = input.trim().replace(/\s+/g, '');
  if (text === '' || text === '$') return { ok: false, reason: 'empty' };
  const match = dollarsPattern.exec(text);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, sign, wholeText, fractionText] = match;
  if (wholeText === undefined && (fractionText === undefined || fractionText === '')) return { ok: false, reason: 'malformed' };
  const fraction = fractionText ?? '';
  if (fraction.length > 6) {
    // Trailing zeros past the sixth decimal change nothing.
    if (/[1-9]/.test(fraction.slice(6))) return { ok: false, reason: 'too_precise' };
  }
  const whole = BigInt((wholeText ?? '0').replace(/,/g, ''));
  const micros = whole * BigInt(microsPerDollar) + BigInt(fraction.slice(0, 6).padEnd(6, '0'));
  const signed = sign === '-' ? -micros : micros;
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) return { ok: false, reason: 'too_large' };
  return { ok: true, micros: signed === 0n ? 0 : Number(signed) };
}

/** A zod field for amounts typed as dollars (forms, CSV): a non-negative dollars string → micros. */
export const dollarsSchema = z.string().transform((value, ctx) => {
  const parsed = parseDollars(value);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: `not a dollar amount (${parsed.reason})`, params: { reason: parsed.reason } });
    return z.NEVER;
  }
  if (parsed.micros < 0) {
    ctx.addIssue({ code: 'custom', message: 'must not be negative', params: { reason: 'negative' } });
    return z.NEVER;
  }
  return parsed.micros;
});
