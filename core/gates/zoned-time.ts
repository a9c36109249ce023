/**
 * Wall-clock time in IANA time zones with nothing but `Intl` (the runtime's tz database), for quiet
 * hours, budget days and months, and warm-up days.
 *
 * The one subtle operation is the reverse one, "the instant when it is 08:00 on 2026-03-08 in
 * America/New_York": around a DST change a wall time can happen twice (autumn: the first one is taken,
 * so nothing waits an extra hour) or not at all (spring: the instant the clocks jump is taken, which is
 * the first moment the wall clock shows that time or later).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether the runtime knows this IANA zone (a contact's free-text time zone may be anything). */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export type LocalDate = { year: number; month: number; day: number };
export type LocalDateTime = LocalDate & { hour: number; minute: number; second: number; /** 0 = Sunday … 6 = Saturday */ weekday: number };

const dayMs = 86_400_000;

/** The wall-clock reading of an instant in a zone. */
export function toLocal(instant: Date | number, timeZone: string): LocalDateTime {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(ms)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const year = fields.year ?? 1970;
  const month = fields.month ?? 1;
  const day = fields.day ?? 1;
  return {
    year,
    month,
    day,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

/** A wall-clock reading as if it were UTC: comparable, and subtractable from the instant to get the offset. */
function wallAsUtc(local: LocalDate & { hour?: number; minute?: number; second?: number }): number {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour ?? 0, local.minute ?? 0, local.second ?? 0);
}

/** The zone's offset from UTC at an instant, in milliseconds (Sydney in January: +11 h). */
export function offsetMs(instant: number, timeZone: string): number {
  return wallAsUtc(toLocal(instant, timeZone)) - Math.floor(instant / 1000) * 1000;
}

/**
 * The first instant at which the wall clock in `timeZone` reads `local` or later. Usually the one
 * instant that reads exactly `local`; the earlier of two in an autumn overlap; the moment of the jump
 * when `local` falls in a spring gap.
 */
export function fromLocal(local: LocalDate & { hour?: number; minute?: number; second?: number }, timeZone: string): Date {
  const target = wallAsUtc(local);
  // Real zones change offset at most once within two days, so the offsets a day either side are the
  // only two candidates.
  const before = target - offsetMs(target - dayMs, timeZone);
  const after = target - offsetMs(target + dayMs, timeZone);
  const exact = [before, after].filter((t) => wallAsUtc(toLocal(t, timeZone)) === target);
  if (exact.length > 0) return new Date(Math.min(...exact));
  // A gap: the wall clock jumps over `target` somewhere between the two candidates. Find the first
  // instant that reads `target` or later.
  let lo = Math.min(before, after);
  let hi = Math.max(before, after);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallAsUtc(toLocal(mid, timeZone)) >= target) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/** A calendar date plus `days` (negative allowed), with month and year rollover. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function weekdayOf(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export type CalendarWindow = {
  /** `2026-03-08` for a day, `2026-03` for a month: stable counter keys. */
  key: string;
  startsAt: Date;
  endsAt: Date;
};

/** The local calendar day containing `now` in `timeZone` (23 or 25 hours long on DST days). */
export function localDay(now: Date, timeZone: string): CalendarWindow {
  const local = toLocal(now, timeZone);
  const date: LocalDate = { year: local.year, month: local.month, day: local.day };
  return {
    key: `${pad(local.year, 4)}-${pad(local.month)}-${pad(local.day)}`,
    startsAt: fromLocal(date, timeZone),
    endsAt: fromLocal(addDays(date, 1), timeZone),
  };
}

/** The local calendar month containing `now` in `timeZone`. */
export function localMonth(now: Date, timeZone: string): CalendarWindow {
  const local = toLocal(now, timeZone);
  const next = local.month === 12 ? { year: local.year + 1, month: 1, day: 1 } : { year: local.year, month: local.month + 1, day: 1 };
  return {
    key: `${pad(local.year, 4)}-${pad(local.month)}`,
    startsAt: fromLocal({ year: local.year, month: local.month, day: 1 }, timeZone),
    endsAt: fromLocal(next, timeZone),
  };
}

/**
 * The UTC minute containing `now`: the fixed window of the per-minute rate limits. Counters must use
 * the same key so the gate and the counter agree on which minute a send belongs to.
 */
export function utcMinute(now: Date): CalendarWindow {
  const start = Math.floor(now.getTime() / 60_000) * 60_000;
  return { key: new Date(start).toISOString().slice(0, 16), startsAt: new Date(start), endsAt: new Date(start + 60_000) };
}
