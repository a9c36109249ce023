/**
 * Quiet hours: when a text may reach a recipient, in the recipient's local time, and the next instant
 * it may when not now.
 *
 * A rule is a week of daily sending windows (`start` inclusive, `end` exclusive, local wall time;
 * `null` = no sending that day). Rules exist per country, optionally narrowed per region (US state,
 * Canadian province); the window for a recipient is the country's window intersected with the
 * region's, so a region rule can only make a country rule stricter and a tenant's stricter country
 * override is never loosened by a state default. Tenants override any of it (`tenants.quiet_hours`,
 * validated by `quietHoursOverrideSchema`).
 *
 * Defaults, and where they come from (public holidays are not modelled; see docs):
 * - US: 08:00–21:00 every day, the federal telephone-solicitation window (47 CFR 64.1200(c)(1)), which
 *   the TCPA case law applies to marketing texts. States with stricter telemarketing windows that name
 *   texts or "telephonic sales calls" get their own rule below. The list follows the state statutes as
 *   summarized by the industry's state-by-state compliance tables (2025): Florida's FTSA (8–20),
 *   Oklahoma's Telephone Solicitation Act (8–20), Maryland's Stop the Spam Calls Act (8–20),
 *   Washington's RCW 80.36.390 (8–20), Massachusetts (8–20), New Jersey (8–20), Alabama, Louisiana and
 *   Mississippi (8–20, no Sunday), Connecticut (9–20), Nevada (9–20), Kentucky (10–21), Michigan,
 *   Minnesota and New Mexico (9–21), Utah (no Sunday), Pennsylvania (Sunday from 13:30), Texas
 *   (9–21, Sunday from noon) and Rhode Island (9–18 weekdays, 10–17 Saturday, no Sunday). Where
 *   sources disagree, the stricter reading is encoded: waiting an hour costs little, a text at the
 *   wrong hour is a per-message statutory fine.
 * - CA: weekdays 09:00–21:30, weekends 10:00–18:00 (CRTC Unsolicited Telecommunications Rules,
 *   telemarketing hours).
 * - AU: weekdays 09:00–20:00, Saturday 09:00–17:00, no Sunday (Telecommunications (Telemarketing and
 *   Research Calls) Industry Standard 2017; national public holidays are also excluded there).
 * - Anywhere else: 09:00–20:00 every day, a conservative civil window.
 */
import { z } from 'zod';
import { addDays, fromLocal, toLocal, weekdayOf, type LocalDate } from './zoned-time';

export const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof weekdays)[number];

/** `HH:MM` local wall time; `end` may be `24:00` (until midnight). */
export type DailyWindow = { readonly start: string; readonly end: string };
export type WeekSchedule = Readonly<Record<Weekday, DailyWindow | null>>;
export type CountryRule = { readonly week: WeekSchedule; readonly regions?: Readonly<Record<string, WeekSchedule>> };
export type QuietHoursPolicy = { readonly fallback: WeekSchedule; readonly countries: Readonly<Record<string, CountryRule>> };

export function everyDay(start: string, end: string): WeekSchedule {
  const window = { start, end };
  return { sun: window, mon: window, tue: window, wed: window, thu: window, fri: window, sat: window };
}

function weekOf(weekdayWindow: DailyWindow | null, sat: DailyWindow | null, sun: DailyWindow | null): WeekSchedule {
  return { sun, mon: weekdayWindow, tue: weekdayWindow, wed: weekdayWindow, thu: weekdayWindow, fri: weekdayWindow, sat };
}

const w = (start: string, end: string): DailyWindow => ({ start, end });

const usStates: Record<string, WeekSchedule> = {
  AL: weekOf(w('08:00', '20:00'), w('08:00', '20:00'), null),
  CT: everyDay('09:00', '20:00'),
  FL: everyDay('08:00', '20:00'),
  KY: everyDay('10:00', '21:00'),
  LA: weekOf(w('08:00', '20:00'), w('08:00', '20:00'), null),
  MA: everyDay('08:00', '20:00'),
  MD: everyDay('08:00', '20:00'),
  MI: everyDay('09:00', '21:00'),
  MN: everyDay('09:00', '21:00'),
  MS: weekOf(w('08:00', '20:00'), w('08:00', '20:00'), null),
  NJ: everyDay('08:00', '20:00'),
  NM: everyDay('09:00', '21:00'),
  NV: everyDay('09:00', '20:00'),
  OK: everyDay('08:00', '20:00'),
  PA: weekOf(w('08:00', '21:00'), w('08:00', '21:00'), w('13:30', '21:00')),
  RI: weekOf(w('09:00', '18:00'), w('10:00', '17:00'), null),
  TX: weekOf(w('09:00', '21:00'), w('09:00', '21:00'), w('12:00', '21:00')),
  UT: weekOf(w('08:00', '21:00'), w('08:00', '21:00'), null),
  WA: everyDay('08:00', '20:00'),
};

export const defaultQuietHours: QuietHoursPolicy = {
  fallback: everyDay('09:00', '20:00'),
  countries: {
    US: { week: everyDay('08:00', '21:00'), regions: usStates },
    CA: { week: weekOf(w('09:00', '21:30'), w('10:00', '18:00'), w('10:00', '18:00')) },
    AU: { week: weekOf(w('09:00', '20:00'), w('09:00', '17:00'), null) },
  },
};

// ---------------------------------------------------------------------------------------------------
// The tenant override (tenants.quiet_hours)

const clockPattern = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const minutesOf = (clock: string): number => (clock === '24:00' ? 1_440 : Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5)));

const dailyWindowSchema = z
  .object({
    start: z.string().regex(clockPattern, 'start must be HH:MM (00:00–23:59)'),
    end: z.string().refine((v) => v === '24:00' || clockPattern.test(v), 'end must be HH:MM (00:01–24:00)'),
  })
  .strict()
  .refine((v) => minutesOf(v.start) < minutesOf(v.end), { message: 'a window must start before it ends (windows do not cross midnight)' });

/** A week: either one window for every day, or all seven days spelled out (`null` = closed that day). */
const weekScheduleSchema = z.union([
  dailyWindowSchema.transform((window): WeekSchedule => everyDay(window.start, window.end)),
  z
    .object({
      sun: dailyWindowSchema.nullable(),
      mon: dailyWindowSchema.nullable(),
      tue: dailyWindowSchema.nullable(),
      wed: dailyWindowSchema.nullable(),
      thu: dailyWindowSchema.nullable(),
      fri: dailyWindowSchema.nullable(),
      sat: dailyWindowSchema.nullable(),
    })
    .strict(),
]);

/**
 * `tenants.quiet_hours`: `{ fallback?, countries?: { US: { week?, regions?: { FL: … } } } }`. A country's
 * `week` replaces the default week; `regions` add to or replace the default regions one by one.
 */
export const quietHoursOverrideSchema = z
  .object({
    fallback: weekScheduleSchema.optional(),
    countries: z
      .record(
        z.string().regex(/^[A-Z]{2}$/, 'country must be ISO 3166-1 alpha-2, upper case'),
        z
          .object({
            week: weekScheduleSchema.optional(),
            regions: z.record(z.string().regex(/^[A-Z0-9]{1,3}$/, 'region must be a state or province code such as FL'), weekScheduleSchema).optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

export type QuietHoursOverrideInput = z.input<typeof quietHoursOverrideSchema>;
export type QuietHoursOverride = z.output<typeof quietHoursOverrideSchema>;

/** The policy in force for a tenant: the defaults with its override applied. */
export function resolveQuietHoursPolicy(override: QuietHoursOverride | null | undefined, defaults: QuietHoursPolicy = defaultQuietHours): QuietHoursPolicy {
  if (!override) return defaults;
  const countries: Record<string, CountryRule> = { ...defaults.countries };
  for (const [country, rule] of Object.entries(override.countries ?? {})) {
    const base = defaults.countries[country];
    countries[country] = {
      week: rule.week ?? base?.week ?? override.fallback ?? defaults.fallback,
      regions: { ...(base?.regions ?? {}), ...(rule.regions ?? {}) },
    };
  }
  return { fallback: override.fallback ?? defaults.fallback, countries };
}

// ---------------------------------------------------------------------------------------------------
// Evaluation

type Minutes = { start: number; end: number } | null;
export type CompiledSchedule = readonly Minutes[]; // indexed by weekday, 0 = Sunday

function compileWeek(week: WeekSchedule): Minutes[] {
  return weekdays.map((day) => {
    const window = week[day];
    return window ? { start: minutesOf(window.start), end: minutesOf(window.end) } : null;
  });
}

function intersectDays(a: Minutes[], b: Minutes[]): Minutes[] {
  return a.map((x, i) => {
    const y = b[i];
    if (!x || !y) return null;
    const start = Math.max(x.start, y.start);
    const end = Math.min(x.end, y.end);
    return start < end ? { start, end } : null;
  });
}

/** The week that applies to a recipient in `country` (and `region`, when known). */
export function scheduleFor(policy: QuietHoursPolicy, country: string | null, region: string | null): CompiledSchedule {
  const rule = country === null ? undefined : policy.countries[country];
  if (!rule) return compileWeek(policy.fallback);
  const regional = region === null ? undefined : rule.regions?.[region];
  const base = compileWeek(rule.week);
  return regional ? intersectDays(base, compileWeek(regional)) : base;
}

/** Whether `instant` is inside the window in `timeZone`. */
export function isWithinWindow(instant: Date, timeZone: string, schedule: CompiledSchedule): boolean {
  const local = toLocal(instant, timeZone);
  const window = schedule[local.weekday];
  if (!window) return false;
  const minutes = local.hour * 60 + local.minute;
  return minutes >= window.start && minutes < window.end;
}

function atMinutes(date: LocalDate, minutes: number): LocalDate & { hour: number; minute: number } {
  if (minutes >= 1_440) return { ...addDays(date, 1), hour: 0, minute: 0 };
  return { ...date, hour: Math.floor(minutes / 60), minute: minutes % 60 };
}

/** The first instant at or after `from` inside the window in one zone; null if the week has no window. */
function nextOpeningInZone(from: Date, timeZone: string, schedule: CompiledSchedule): Date | null {
  if (isWithinWindow(from, timeZone, schedule)) return from;
  const local = toLocal(from, timeZone);
  const today: LocalDate = { year: local.year, month: local.month, day: local.day };
  // Eight days: today's later opening, or the same weekday next week at the latest.
  for (let offset = 0; offset <= 7; offset++) {
    const date = addDays(today, offset);
    const window = schedule[weekdayOf(date)];
    if (!window) continue;
    const opening = fromLocal(atMinutes(date, window.start), timeZone);
    if (opening.getTime() < from.getTime()) continue;
    // A window can lie entirely inside a DST gap (02:00–02:30 on spring-forward day): then the opening
    // is not inside it and the next day is tried.
    if (isWithinWindow(opening, timeZone, schedule)) return opening;
  }
  return null;
}

/**
 * The first instant at or after `from` that is inside the window in every one of `timeZones` (one zone
 * normally; several when a number's area code straddles zones), or null when there is none within two
 * weeks (a rule with no window at all, or windows that never overlap across the zones).
 */
export function nextAllowedInstant(from: Date, timeZones: readonly string[], schedule: CompiledSchedule): Date | null {
  const limit = from.getTime() + 14 * 86_400_000;
  let candidate = from;
  for (let round = 0; round < 64; round++) {
    let moved = false;
    for (const zone of timeZones) {
      const next = nextOpeningInZone(candidate, zone, schedule);
      if (next === null || next.getTime() > limit) return null;
      if (next.getTime() > candidate.getTime()) {
        candidate = next;
        moved = true;
      }
    }
    if (!moved) return candidate;
  }
  return null;
}

export type QuietHoursDecision = { allowed: true } | { allowed: false; until: Date | null };

export function quietHoursDecision(now: Date, timeZones: readonly string[], schedule: CompiledSchedule): QuietHoursDecision {
  const next = nextAllowedInstant(now, timeZones, schedule);
  if (next !== null && next.getTime() === now.getTime()) return { allowed: true };
  return { allowed: false, until: next };
}
