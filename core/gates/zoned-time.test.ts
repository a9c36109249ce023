import { describe, expect, it } from 'vitest';
import { addDays, fromLocal, isValidTimeZone, localDay, localMonth, offsetMs, toLocal, utcMinute, weekdayOf } from './zoned-time';

const ny = 'America/New_York';
const sydney = 'Australia/Sydney';
const hour = 3_600_000;

describe('toLocal', () => {
  it.each([
    ['2026-03-09T12:30:15Z', ny, { year: 2026, month: 3, day: 9, hour: 8, minute: 30, second: 15, weekday: 1 }],
    ['2026-01-15T00:00:00Z', sydney, { year: 2026, month: 1, day: 15, hour: 11, minute: 0, second: 0, weekday: 4 }],
    ['2026-12-31T23:59:59Z', 'Pacific/Kiritimati', { year: 2027, month: 1, day: 1, hour: 13, minute: 59, second: 59, weekday: 5 }],
    ['2026-06-01T04:00:00Z', ny, { year: 2026, month: 6, day: 1, hour: 0, minute: 0, second: 0, weekday: 1 }],
  ])('%s in %s', (instant, zone, local) => {
    expect(toLocal(new Date(instant), zone)).toEqual(local);
  });

  it.each([
    ['2026-01-15T12:00:00Z', ny, -5 * hour],
    ['2026-07-15T12:00:00Z', ny, -4 * hour],
    ['2026-01-15T12:00:00Z', sydney, 11 * hour],
    ['2026-07-15T12:00:00Z', sydney, 10 * hour],
    ['2026-07-15T12:00:00Z', 'Australia/Adelaide', 9.5 * hour],
    ['2026-07-15T12:00:00Z', 'Asia/Kathmandu', 5.75 * hour],
  ])('offset at %s in %s', (instant, zone, offset) => {
    expect(offsetMs(new Date(instant).getTime(), zone)).toBe(offset);
  });
});

describe('fromLocal (wall time → instant)', () => {
  it.each([
    ['an ordinary morning', ny, { year: 2026, month: 3, day: 7, hour: 8 }, '2026-03-07T13:00:00.000Z'],
    ['the morning after spring-forward', ny, { year: 2026, month: 3, day: 8, hour: 8 }, '2026-03-08T12:00:00.000Z'],
    // 02:30 does not exist on 2026-03-08 in New York: the clocks jump from 02:00 EST to 03:00 EDT.
    ['a time in the spring gap → the jump', ny, { year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, '2026-03-08T07:00:00.000Z'],
    // 01:30 happens twice on 2026-11-01: the first (EDT) is taken.
    ['a time in the autumn overlap → the first', ny, { year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, '2026-11-01T05:30:00.000Z'],
    ['the morning after fall-back', ny, { year: 2026, month: 11, day: 1, hour: 8 }, '2026-11-01T13:00:00.000Z'],
    // Sydney falls back on 2026-04-05 (03:00 AEDT → 02:00 AEST) and springs forward on 2026-10-04.
    ['Sydney autumn overlap → the first', sydney, { year: 2026, month: 4, day: 5, hour: 2, minute: 30 }, '2026-04-04T15:30:00.000Z'],
    ['Sydney spring gap → the jump', sydney, { year: 2026, month: 10, day: 4, hour: 2, minute: 30 }, '2026-10-03T16:00:00.000Z'],
    ['Sydney 09:00 after spring-forward', sydney, { year: 2026, month: 10, day: 4, hour: 9 }, '2026-10-03T22:00:00.000Z'],
    ['a zone without DST', 'Australia/Brisbane', { year: 2026, month: 10, day: 4, hour: 9 }, '2026-10-03T23:00:00.000Z'],
    // Havana springs forward at midnight: 00:00 does not exist on 2026-03-08, the day starts at 01:00.
    ['midnight in a midnight gap', 'America/Havana', { year: 2026, month: 3, day: 8 }, '2026-03-08T05:00:00.000Z'],
  ])('%s', (_name, zone, local, instant) => {
    expect(fromLocal(local, zone).toISOString()).toBe(instant);
  });

  it('round-trips every hour around each DST change, and every 7 hours of the year', () => {
    // 2026 changes: New York 03-08 and 11-01, Sydney 04-05 and 10-04, London 03-29 and 10-25.
    const around = ['2026-03-08', '2026-11-01', '2026-04-05', '2026-10-04', '2026-03-29', '2026-10-25'].flatMap((day) => {
      const start = Date.parse(`${day}T00:00:00Z`) - 36 * hour;
      return Array.from({ length: 72 }, (_, i) => start + i * hour);
    });
    const yearly = Array.from({ length: Math.ceil((365 * 24) / 7) }, (_, i) => Date.UTC(2026, 0, 1) + i * 7 * hour);
    for (const t of [...around, ...yearly]) {
      for (const zone of [ny, sydney, 'Europe/London']) {
        const local = toLocal(t, zone);
        const back = fromLocal(local, zone).getTime();
        // Exact, except the second pass of an autumn hour, which maps to its first pass one hour earlier.
        expect([t, t - hour]).toContain(back);
      }
    }
  });
});

describe('calendar windows', () => {
  it.each([
    ['an ordinary day', '2026-03-10T15:00:00Z', ny, '2026-03-10', '2026-03-10T04:00:00.000Z', '2026-03-11T04:00:00.000Z'],
    ['a 23-hour spring-forward day', '2026-03-08T15:00:00Z', ny, '2026-03-08', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'],
    ['a 25-hour fall-back day', '2026-11-01T15:00:00Z', ny, '2026-11-01', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z'],
    ['Sydney, just after local midnight', '2026-01-14T13:30:00Z', sydney, '2026-01-15', '2026-01-14T13:00:00.000Z', '2026-01-15T13:00:00.000Z'],
  ])('localDay: %s', (_name, now, zone, key, startsAt, endsAt) => {
    expect(localDay(new Date(now), zone)).toEqual({ key, startsAt: new Date(startsAt), endsAt: new Date(endsAt) });
  });

  it.each([
    ['2026-03-31T20:00:00Z', ny, '2026-03', '2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z'],
    ['2026-12-31T14:00:00Z', sydney, '2027-01', '2026-12-31T13:00:00.000Z', '2027-01-31T13:00:00.000Z'],
    ['2026-12-15T00:00:00Z', 'UTC', '2026-12', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
  ])('localMonth at %s in %s', (now, zone, key, startsAt, endsAt) => {
    expect(localMonth(new Date(now), zone)).toEqual({ key, startsAt: new Date(startsAt), endsAt: new Date(endsAt) });
  });

  it.each([
    ['2026-03-01T09:00:00.000Z', '2026-03-01T09:00', '2026-03-01T09:01:00.000Z'],
    ['2026-03-01T09:00:59.999Z', '2026-03-01T09:00', '2026-03-01T09:01:00.000Z'],
    ['2026-12-31T23:59:30.000Z', '2026-12-31T23:59', '2027-01-01T00:00:00.000Z'],
  ])('utcMinute(%s)', (now, key, endsAt) => {
    expect(utcMinute(new Date(now))).toMatchObject({ key, endsAt: new Date(endsAt) });
  });

  it('adds days across months and years and knows the weekday', () => {
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({ year: 2027, month: 1, day: 1 });
    expect(addDays({ year: 2028, month: 3, day: 1 }, -1)).toEqual({ year: 2028, month: 2, day: 29 });
    expect(weekdayOf({ year: 2026, month: 3, day: 8 })).toBe(0);
  });
});

describe('isValidTimeZone', () => {
  it.each([
    ['America/New_York', true],
    ['Australia/Sydney', true],
    ['UTC', true],
    ['Mars/Olympus_Mons', false],
    ['', false],
    ['  ', false],
    ['EST5EDT,M3.2.0', false],
  ])('%j → %s', (zone, valid) => {
    expect(isValidTimeZone(zone)).toBe(valid);
  });
});
