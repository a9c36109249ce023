import { describe, expect, it } from 'vitest';
import {
  defaultSessionPolicy,
  openSessionDeadlines,
  sessionCookieMaxAge,
  sessionPolicy,
  sessionState,
  slideSession,
  type SessionTimes,
} from './session-lifetime';

const minute = 60_000;
const hour = 60 * minute;
const t0 = new Date('2026-03-01T09:00:00.000Z');
const at = (offsetMs: number) => new Date(t0.getTime() + offsetMs);

function openedAt(policy = defaultSessionPolicy): SessionTimes {
  return { ...openSessionDeadlines(t0, policy), lastSeenAt: t0, revokedAt: null };
}

describe('openSessionDeadlines', () => {
  it('gives 12 hours idle and 7 days absolute by default', () => {
    expect(openSessionDeadlines(t0, defaultSessionPolicy)).toEqual({ idleExpiresAt: at(12 * hour), absoluteExpiresAt: at(7 * 24 * hour) });
  });

  it('never lets the idle deadline pass the absolute one', () => {
    const policy = { ...defaultSessionPolicy, idleTtlMs: 10 * hour, absoluteTtlMs: 2 * hour };
    expect(openSessionDeadlines(t0, policy).idleExpiresAt).toEqual(at(2 * hour));
  });
});

describe('sessionState', () => {
  it.each<[string, Partial<SessionTimes>, number, string]>([
    ['just opened', {}, 0, 'active'],
    ['one millisecond before the idle deadline', {}, 12 * hour - 1, 'active'],
    ['at the idle deadline', {}, 12 * hour, 'idle_expired'],
    ['a day idle', {}, 24 * hour, 'idle_expired'],
    ['kept alive but at the absolute deadline', { idleExpiresAt: at(7 * 24 * hour) }, 7 * 24 * hour, 'absolute_expired'],
    ['revoked, even if fresh', { revokedAt: t0 }, 1, 'revoked'],
  ])('%s → %s', (_case, overrides, offset, expected) => {
    expect(sessionState({ ...openedAt(), ...overrides }, at(offset))).toBe(expected);
  });
});

describe('slideSession', () => {
  it('does not write again within a minute of the last write', () => {
    expect(slideSession(openedAt(), at(59_999), defaultSessionPolicy)).toBeUndefined();
  });

  it('moves the idle deadline to 12 hours after the request', () => {
    expect(slideSession(openedAt(), at(3 * hour), defaultSessionPolicy)).toEqual({ lastSeenAt: at(3 * hour), idleExpiresAt: at(15 * hour) });
  });

  it('stops at the absolute deadline', () => {
    const late = at(7 * 24 * hour - hour);
    expect(slideSession(openedAt(), late, defaultSessionPolicy)?.idleExpiresAt).toEqual(at(7 * 24 * hour));
  });

  it('keeps a session used every few hours alive until the absolute deadline, not past it', () => {
    let session = openedAt();
    for (let h = 6; h < 7 * 24; h += 6) {
      expect(sessionState(session, at(h * hour))).toBe('active');
      session = { ...session, ...slideSession(session, at(h * hour), defaultSessionPolicy) };
    }
    expect(sessionState(session, at(7 * 24 * hour))).toBe('absolute_expired');
  });
});

describe('sessionPolicy', () => {
  it('reads minutes and hours from config', () => {
    expect(sessionPolicy({ idleTtlMinutes: 30, absoluteTtlHours: 24 })).toEqual({ idleTtlMs: 30 * minute, absoluteTtlMs: 24 * hour, touchEveryMs: minute });
  });

  it('touches more often when the idle TTL is tiny', () => {
    expect(sessionPolicy({ idleTtlMinutes: 1, absoluteTtlHours: 1 }).touchEveryMs).toBe(6_000);
  });

  it('caps idle at absolute', () => {
    expect(sessionPolicy({ idleTtlMinutes: 600, absoluteTtlHours: 1 }).idleTtlMs).toBe(hour);
  });

  it.each([
    [0, 1],
    [1, 0],
    [-5, 1],
  ])('refuses idle %i min, absolute %i h', (idleTtlMinutes, absoluteTtlHours) => {
    expect(() => sessionPolicy({ idleTtlMinutes, absoluteTtlHours })).toThrow(RangeError);
  });
});

describe('sessionCookieMaxAge', () => {
  it('lasts until the absolute deadline', () => {
    expect(sessionCookieMaxAge(openSessionDeadlines(t0, defaultSessionPolicy), t0)).toBe(7 * 24 * 3600);
  });
});
