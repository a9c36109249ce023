import { describe, expect, it } from 'vitest';
import { magicLinkRules, rateDecision, rateWindow, type RateLimitRule } from './rate-limit';

const rule: RateLimitRule = { name: 'test', limit: 3, windowMs: 60_000 };

describe('rateWindow', () => {
  it.each([
    ['2026-03-01T09:00:00.000Z', '2026-03-01T09:00:00.000Z', '2026-03-01T09:01:00.000Z'],
    ['2026-03-01T09:00:59.999Z', '2026-03-01T09:00:00.000Z', '2026-03-01T09:01:00.000Z'],
    ['2026-03-01T09:01:00.000Z', '2026-03-01T09:01:00.000Z', '2026-03-01T09:02:00.000Z'],
  ])('at %s the window is [%s, %s)', (now, start, reset) => {
    const window = rateWindow(rule, 'ana@example.com', new Date(now));
    expect(window).toEqual({ key: 'test:ana@example.com', windowStart: new Date(start), resetAt: new Date(reset) });
  });

  it('puts the 15-minute magic-link windows on quarter hours', () => {
    expect(rateWindow(magicLinkRules.perEmail, 'x', new Date('2026-03-01T09:29:00.000Z')).windowStart).toEqual(new Date('2026-03-01T09:15:00.000Z'));
  });
});

describe('rateDecision', () => {
  const now = new Date('2026-03-01T09:00:20.000Z');
  const window = rateWindow(rule, 's', now);
  it.each([
    [1, true, 2, 0],
    [3, true, 0, 0],
    [4, false, 0, 40],
    [50, false, 0, 40],
  ])('hit %i → allowed %s, remaining %i, retry after %i s', (count, allowed, remaining, retryAfterSeconds) => {
    expect(rateDecision(rule, window, count, now)).toEqual({ allowed, remaining, retryAfterSeconds });
  });
});
