/**
 * Warm-up: a new sending number's daily cap grows with its age, because carriers' filters judge a
 * number by its history and a brand-new number that sends thousands on day one gets blocked.
 *
 * A number's age is counted in the tenant's calendar days (day 1 is the day warm-up started), so the
 * cap changes at the same local midnight as the daily counter it is compared with. Once the curve has
 * held its ceiling for one step the number is warm: no warm-up cap applies after that (the per-minute
 * rate limits still do). A number with no `warmup_started_at` is not warming up.
 */
import { z } from 'zod';
import { toLocal } from './zoned-time';

const perDay = z.number().int().min(1).max(10_000_000);

export const warmupCurveSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('geometric'),
      /** The cap on day 1. */
      startPerDay: perDay,
      /** The cap is multiplied by this every `everyDays` days (2 = doubling). */
      multiplier: z.number().min(1).max(10),
      everyDays: z.number().int().min(1).max(30).default(1),
      /** The largest cap; one step after the curve reaches it, the number is warm. */
      ceilingPerDay: perDay,
    })
    .strict()
    .refine((c) => c.ceilingPerDay >= c.startPerDay, { message: 'the ceiling must be at least the first day’s cap' })
    .refine((c) => c.multiplier > 1 || c.ceilingPerDay === c.startPerDay, { message: 'a curve that never grows must have its ceiling at its start' }),
  z
    .object({
      kind: z.literal('steps'),
      /** From day `fromDay` on, the cap is `perDay`; the first step starts on day 1. */
      steps: z
        .array(z.object({ fromDay: z.number().int().min(1), perDay }).strict())
        .min(1)
        .refine((steps) => steps[0]?.fromDay === 1, { message: 'the first step must start on day 1' })
        .refine((steps) => steps.every((s, i) => i === 0 || s.fromDay > (steps[i - 1]?.fromDay ?? 0)), { message: 'steps must be in increasing day order' }),
      /** From this day on the number is warm (no cap). */
      warmFromDay: z.number().int().min(2),
    })
    .strict()
    .refine((c) => c.warmFromDay > (c.steps[c.steps.length - 1]?.fromDay ?? 0), { message: 'warmFromDay must come after the last step' }),
]);

export type WarmupCurve = z.output<typeof warmupCurveSchema>;

/** The product default: 50 on day 1, doubling daily to 3,200 on day 7; warm from day 8. */
export const defaultWarmupCurve: WarmupCurve = { kind: 'geometric', startPerDay: 50, multiplier: 2, everyDays: 1, ceilingPerDay: 3_200 };

/** Day 1 is the local calendar day warm-up started on; a start in the future counts as day 1. */
export function warmupDay(startedAt: Date, now: Date, timeZone: string): number {
  const start = toLocal(startedAt, timeZone);
  const today = toLocal(now, timeZone);
  const days = Math.round((Date.UTC(today.year, today.month - 1, today.day) - Date.UTC(start.year, start.month - 1, start.day)) / 86_400_000);
  return Math.max(1, days + 1);
}

/** The cap on a given day of the curve, or null when the number is warm by then. */
export function capOnDay(curve: WarmupCurve, day: number): number | null {
  if (curve.kind === 'steps') {
    if (day >= curve.warmFromDay) return null;
    let cap = curve.steps[0]?.perDay ?? null;
    for (const step of curve.steps) if (step.fromDay <= day) cap = step.perDay;
    return cap;
  }
  // Walk the curve (a few dozen steps at most before the ceiling) instead of a power, so the cap on
  // the day it reaches the ceiling is exactly the ceiling and every earlier one is a whole number.
  let cap = curve.startPerDay;
  let d = 1;
  while (cap < curve.ceilingPerDay) {
    const nextStepDay = d + curve.everyDays;
    if (day < nextStepDay) return cap;
    // At least +1 a step, so a gentle multiplier (1.01 × 50 = 50.5) still climbs and the walk ends.
    cap = Math.min(curve.ceilingPerDay, Math.max(cap + 1, Math.floor(cap * curve.multiplier)));
    d = nextStepDay;
  }
  // The curve reached its ceiling on day `d`: capped for that step, warm from the next one.
  return day < d + curve.everyDays ? cap : null;
}

/** Today's cap for a number, or null when it is not warming up or is warm. */
export function warmupDailyCap(input: { startedAt: Date | null; now: Date; timeZone: string; curve: WarmupCurve }): number | null {
  if (input.startedAt === null) return null;
  return capOnDay(input.curve, warmupDay(input.startedAt, input.now, input.timeZone));
}
