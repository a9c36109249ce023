import { describe, expect, it } from 'vitest';
import {
  defaultQuietHours,
  everyDay,
  isWithinWindow,
  nextAllowedInstant,
  quietHoursDecision,
  quietHoursOverrideSchema,
  resolveQuietHoursPolicy,
  scheduleFor,
  type WeekSchedule,
} from './quiet-hours';
import { toLocal } from './zoned-time';

const us = scheduleFor(defaultQuietHours, 'US', null);
const next = (from: string, zones: string[], schedule = us) => nextAllowedInstant(new Date(from), zones, schedule)?.toISOString() ?? null;

describe('US federal window (08:00–21:00 local)', () => {
  const ny = ['America/New_York'];
  it.each([
    // 2026-03-09 is a Monday; New York is on EDT (UTC−4) from 2026-03-08.
    ['07:59 → 08:00 the same day', '2026-03-09T11:59:00Z', '2026-03-09T12:00:00.000Z'],
    ['08:00 is inside (start inclusive)', '2026-03-09T12:00:00Z', '2026-03-09T12:00:00.000Z'],
    ['20:59 is inside', '2026-03-10T00:59:00Z', '2026-03-10T00:59:00.000Z'],
    ['21:00 is outside (end exclusive) → 08:00 next day', '2026-03-10T01:00:00Z', '2026-03-10T12:00:00.000Z'],
    ['03:00 → 08:00', '2026-03-09T07:00:00Z', '2026-03-09T12:00:00.000Z'],
    // Saturday 2026-03-07 22:00 EST; the night the clocks spring forward: 08:00 EDT is 12:00Z, not 13:00Z.
    ['across spring-forward', '2026-03-08T03:00:00Z', '2026-03-08T12:00:00.000Z'],
    // Saturday 2026-10-31 21:30 EDT; the night they fall back: 08:00 EST is 13:00Z, not 12:00Z.
    ['across fall-back', '2026-11-01T01:30:00Z', '2026-11-01T13:00:00.000Z'],
  ])('%s', (_name, from, allowedAt) => {
    expect(next(from, ny)).toBe(allowedAt);
  });

  it('reads the window in the recipient zone, not ours', () => {
    // 12:00Z is 08:00 in New York (EDT) but 05:00 in Los Angeles (PDT).
    expect(next('2026-06-01T12:00:00Z', ['America/Los_Angeles'])).toBe('2026-06-01T15:00:00.000Z');
    expect(next('2026-06-01T12:00:00Z', ['America/Phoenix'])).toBe('2026-06-01T15:00:00.000Z');
    expect(next('2026-12-01T12:00:00Z', ['America/Phoenix'])).toBe('2026-12-01T15:00:00.000Z');
  });
});

describe('state, province and country rules', () => {
  it.each([
    // name, country, region, zones, from, next allowed
    ['Florida ends at 20:00', 'US', 'FL', ['America/New_York'], '2026-06-02T00:30:00Z', '2026-06-02T12:00:00.000Z'],
    ['Florida 19:59 is fine', 'US', 'FL', ['America/New_York'], '2026-06-01T23:59:00Z', '2026-06-01T23:59:00.000Z'],
    ['Washington ends at 20:00', 'US', 'WA', ['America/Los_Angeles'], '2026-06-02T03:00:00Z', '2026-06-02T15:00:00.000Z'],
    ['New York keeps 21:00', 'US', 'NY', ['America/New_York'], '2026-06-02T00:30:00Z', '2026-06-02T00:30:00.000Z'],
    // 2026-06-07 is a Sunday. Texas: Sunday from noon.
    ['Texas Sunday waits for noon', 'US', 'TX', ['America/Chicago'], '2026-06-07T15:00:00Z', '2026-06-07T17:00:00.000Z'],
    // Alabama: no Sunday; Saturday 20:30 CDT → Monday 08:00 CDT.
    ['Alabama skips Sunday', 'US', 'AL', ['America/Chicago'], '2026-06-07T01:30:00Z', '2026-06-08T13:00:00.000Z'],
    // Rhode Island: Saturday 10:00–17:00.
    ['Rhode Island Saturday', 'US', 'RI', ['America/New_York'], '2026-06-06T13:30:00Z', '2026-06-06T14:00:00.000Z'],
    // Pennsylvania: Sunday from 13:30.
    ['Pennsylvania Sunday', 'US', 'PA', ['America/New_York'], '2026-06-07T15:00:00Z', '2026-06-07T17:30:00.000Z'],
    // Canada: weekends 10:00–18:00, weekdays to 21:30.
    ['Canada Saturday starts at 10:00', 'CA', 'ON', ['America/Toronto'], '2026-06-06T13:30:00Z', '2026-06-06T14:00:00.000Z'],
    ['Canada weekday 21:15 is fine', 'CA', 'ON', ['America/Toronto'], '2026-06-03T01:15:00Z', '2026-06-03T01:15:00.000Z'],
    // Australia: weekdays 09:00–20:00, Saturday 09:00–17:00, no Sunday. Sydney is AEST (UTC+10) in June.
    ['Australia Friday 20:00 → Saturday 09:00', 'AU', null, ['Australia/Sydney'], '2026-06-05T10:00:00Z', '2026-06-05T23:00:00.000Z'],
    ['Australia Saturday 17:30 → Monday 09:00', 'AU', null, ['Australia/Sydney'], '2026-06-06T07:30:00Z', '2026-06-07T23:00:00.000Z'],
    ['Australia Sunday → Monday 09:00', 'AU', null, ['Australia/Sydney'], '2026-06-07T00:00:00Z', '2026-06-07T23:00:00.000Z'],
    ['Australia Saturday 16:59 is fine', 'AU', null, ['Australia/Sydney'], '2026-06-06T06:59:00Z', '2026-06-06T06:59:00.000Z'],
    // Sydney springs forward on Sunday 2026-10-04: Saturday 18:00 AEST → Monday 09:00 AEDT (UTC+11).
    ['Australia across spring-forward', 'AU', null, ['Australia/Sydney'], '2026-10-03T08:00:00Z', '2026-10-04T22:00:00.000Z'],
    ['anywhere else: 09:00–20:00', 'GB', null, ['Europe/London'], '2026-06-01T07:00:00Z', '2026-06-01T08:00:00.000Z'],
    ['no country: the fallback', null, null, ['Europe/London'], '2026-06-01T19:30:00Z', '2026-06-02T08:00:00.000Z'],
  ])('%s', (_name, country, region, zones, from, allowedAt) => {
    expect(next(from, zones, scheduleFor(defaultQuietHours, country, region))).toBe(allowedAt);
  });

  it('holds in every zone of a straddling area code (850: Eastern and Central, Florida 08:00–20:00)', () => {
    const florida = scheduleFor(defaultQuietHours, 'US', 'FL');
    const zones = ['America/New_York', 'America/Chicago'];
    // 08:30 Eastern is 07:30 Central: wait for 08:00 Central = 09:00 Eastern.
    expect(next('2026-06-01T12:30:00Z', zones, florida)).toBe('2026-06-01T13:00:00.000Z');
    // 19:30 Eastern is 18:30 Central: fine.
    expect(next('2026-06-01T23:30:00Z', zones, florida)).toBe('2026-06-01T23:30:00.000Z');
    // 20:00 Eastern is closed in Eastern even though Central is open: next day 09:00 Eastern.
    expect(next('2026-06-02T00:00:00Z', zones, florida)).toBe('2026-06-02T13:00:00.000Z');
  });
});

describe('edge cases', () => {
  it('skips a window that lies entirely in a spring-forward gap', () => {
    const schedule = scheduleFor({ fallback: everyDay('02:00', '02:30'), countries: {} }, null, null);
    // Midnight EST on 2026-03-08: 02:00–02:30 does not exist that day; the next is 2026-03-09 02:00 EDT.
    expect(next('2026-03-08T05:00:00Z', ['America/New_York'], schedule)).toBe('2026-03-09T06:00:00.000Z');
  });

  it('finds no instant when no day has a window', () => {
    const closed: WeekSchedule = { sun: null, mon: null, tue: null, wed: null, thu: null, fri: null, sat: null };
    const schedule = scheduleFor({ fallback: closed, countries: {} }, null, null);
    expect(next('2026-06-01T12:00:00Z', ['UTC'], schedule)).toBeNull();
    expect(quietHoursDecision(new Date('2026-06-01T12:00:00Z'), ['UTC'], schedule)).toEqual({ allowed: false, until: null });
  });

  it('finds no instant when the windows of the zones never overlap', () => {
    // UTC+14 and UTC−11: 09:00–10:00 local is 19:00–20:00Z in one and 20:00–21:00Z in the other.
    const schedule = scheduleFor({ fallback: everyDay('09:00', '10:00'), countries: {} }, null, null);
    expect(next('2026-06-01T00:00:00Z', ['Pacific/Kiritimati', 'Pacific/Pago_Pago'], schedule)).toBeNull();
  });

  it('allows a window that runs to midnight', () => {
    const schedule = scheduleFor({ fallback: everyDay('22:00', '24:00'), countries: {} }, null, null);
    expect(isWithinWindow(new Date('2026-06-01T23:59:00Z'), 'UTC', schedule)).toBe(true);
    expect(next('2026-06-02T00:00:00Z', ['UTC'], schedule)).toBe('2026-06-02T22:00:00.000Z');
  });

  it('never returns an instant outside the window, over a year of hourly starting points', () => {
    const zones = ['America/New_York'];
    const florida = scheduleFor(defaultQuietHours, 'US', 'FL');
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 3_600_000 * 7) {
      const allowed = nextAllowedInstant(new Date(t), zones, florida);
      expect(allowed).not.toBeNull();
      expect(isWithinWindow(allowed!, zones[0]!, florida)).toBe(true);
      expect(allowed!.getTime()).toBeGreaterThanOrEqual(t);
      // It is the first such instant: the minute before is closed (unless it is `t` itself).
      if (allowed!.getTime() > t) expect(isWithinWindow(new Date(allowed!.getTime() - 60_000), zones[0]!, florida)).toBe(false);
      expect(toLocal(allowed!, zones[0]!).hour).toBeLessThan(20);
    }
  });
});

describe('tenant override', () => {
  it.each([
    [{}, true],
    [{ fallback: { start: '10:00', end: '18:00' } }, true],
    [{ countries: { US: { week: { start: '09:00', end: '20:00' } } } }, true],
    [{ countries: { US: { regions: { FL: { start: '08:00', end: '19:00' } } } } }, true],
    [{ countries: { AU: { week: { sun: null, mon: { start: '09:00', end: '20:00' }, tue: null, wed: null, thu: null, fri: null, sat: null } } } }, true],
    [{ countries: { NZ: { week: { start: '09:00', end: '24:00' } } } }, true],
    [{ fallback: { start: '20:00', end: '08:00' } }, false],
    [{ fallback: { start: '09:00', end: '09:00' } }, false],
    [{ fallback: { start: '9:00', end: '20:00' } }, false],
    [{ fallback: { start: '24:00', end: '24:00' } }, false],
    [{ fallback: { start: '09:00', end: '20:60' } }, false],
    [{ countries: { us: { week: { start: '09:00', end: '20:00' } } } }, false],
    [{ countries: { US: { regions: { Florida: { start: '09:00', end: '20:00' } } } } }, false],
    [{ countries: { AU: { week: { mon: { start: '09:00', end: '20:00' } } } } }, false],
    [{ quiet: true }, false],
  ])('%j valid: %s', (value, valid) => {
    expect(quietHoursOverrideSchema.safeParse(value).success).toBe(valid);
  });

  it('keeps state rules stricter than a tenant’s country window, and lets the tenant tighten either', () => {
    const tighterUs = resolveQuietHoursPolicy(quietHoursOverrideSchema.parse({ countries: { US: { week: { start: '09:00', end: '20:30' } } } }));
    // Florida: the tenant's 09:00 start and Florida's 20:00 end both hold.
    expect(next('2026-06-01T12:30:00Z', ['America/New_York'], scheduleFor(tighterUs, 'US', 'FL'))).toBe('2026-06-01T13:00:00.000Z');
    expect(next('2026-06-02T00:10:00Z', ['America/New_York'], scheduleFor(tighterUs, 'US', 'FL'))).toBe('2026-06-02T13:00:00.000Z');
    // New York: the tenant's 20:30 end.
    expect(next('2026-06-02T00:35:00Z', ['America/New_York'], scheduleFor(tighterUs, 'US', 'NY'))).toBe('2026-06-02T13:00:00.000Z');
  });

  it('replaces a region rule one by one and keeps the other defaults', () => {
    const policy = resolveQuietHoursPolicy(quietHoursOverrideSchema.parse({ countries: { US: { regions: { FL: { start: '08:00', end: '21:00' } } } } }));
    expect(next('2026-06-02T00:30:00Z', ['America/New_York'], scheduleFor(policy, 'US', 'FL'))).toBe('2026-06-02T00:30:00.000Z');
    expect(next('2026-06-02T00:30:00Z', ['America/New_York'], scheduleFor(policy, 'US', 'OK'))).toBe('2026-06-02T12:00:00.000Z');
    expect(scheduleFor(policy, 'AU', null)).toEqual(scheduleFor(defaultQuietHours, 'AU', null));
  });

  it('adds a country with no default and changes the fallback', () => {
    const policy = resolveQuietHoursPolicy(quietHoursOverrideSchema.parse({ fallback: { start: '10:00', end: '17:00' }, countries: { NZ: { week: { start: '08:30', end: '19:00' } } } }));
    expect(next('2026-06-01T20:00:00Z', ['Pacific/Auckland'], scheduleFor(policy, 'NZ', null))).toBe('2026-06-01T20:30:00.000Z');
    expect(next('2026-06-01T08:00:00Z', ['Europe/London'], scheduleFor(policy, 'GB', null))).toBe('2026-06-01T09:00:00.000Z');
    expect(resolveQuietHoursPolicy(null)).toBe(defaultQuietHours);
  });
});
