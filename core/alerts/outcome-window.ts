/**
 * Rates over a recent window: the failure and opt-out rates a campaign is auto-paused on, and the
 * provider-error rate a tenant is alerted on. What is "recent", and the product defaults.
 *
 * Counts live in the Counters port, which keeps only a window's current count (older windows expire
 * with it, on Redis a minute after they end), so a sliding window cannot be read back from past
 * windows. Instead every outcome is counted in two overlapping series of fixed windows, each twice the
 * span long and offset from each other by one span. At any moment one of the two windows in use started
 * between one and two spans ago: that one is measured. So the rate always covers at least the last span
 * (15 minutes by default) and at most the last two, and never resets to an empty sample at a boundary.
 */
import type { ResolvedWindow } from '../ports/counters';
import { defaultAutoPauseMinSample, effectiveAutoPauseThresholds, rateBps, type AutoPauseThresholds } from '../gates/auto-pause';

/** Product defaults where the tenant (and the campaign) set nothing. Documented in docs/campaigns.md. */
export const alertDefaults = {
  /** A campaign pauses when more than 10 % of its recent messages failed for good at the provider. */
  autoPauseFailureRateBps: 1_000,
  /** …or more than 5 % of them opted out (the carrier's list; STOP replies once webhooks record them). */
  autoPauseOptOutRateBps: 500,
  /** Rates count only over at least this many messages handed to the provider in the window. */
  autoPauseMinSample: defaultAutoPauseMinSample,
  /** Provider errors (unreachable, 429, 5xx, no answer) above 20 % of calls raise an alert… */
  errorRateBps: 2_000,
  /** …over at least 20 calls. */
  errorRateMinSample: 20,
  /** The recent window: rates cover the last 15 to 30 minutes. */
  windowSeconds: 15 * 60,
} as const;

export type OutcomeWindows = {
  /** Both windows in use now: every outcome is counted in each. */
  counted: readonly [ResolvedWindow, ResolvedWindow];
  /** The one of the two that started longer ago (one to two spans before now): the rate is read from it. */
  measured: ResolvedWindow;
};

/** The two windows in use at `now` for a span of `spanSeconds` (a whole number above 0). */
export function outcomeWindows(now: Date, spanSeconds: number): OutcomeWindows {
  if (!Number.isSafeInteger(spanSeconds) || spanSeconds <= 0) throw new RangeError(`a window span must be a whole number of seconds above 0, got ${spanSeconds}`);
  const span = spanSeconds * 1000;
  const t = now.getTime();
  // Series A starts at even multiples of the span, series B at odd ones; each window is two spans long.
  const a = Math.floor(t / (2 * span)) * 2 * span;
  const b = Math.floor((t - span) / (2 * span)) * 2 * span + span;
  const windowA = { start: new Date(a), end: new Date(a + 2 * span) };
  const windowB = { start: new Date(b), end: new Date(b + 2 * span) };
  return { counted: [windowA, windowB], measured: a <= b ? windowA : windowB };
}

/** The auto-pause thresholds in force: the campaign's own, else the tenant's, else the product's. */
export function autoPauseThresholds(
  campaign: { autoPauseFailureRateBps: number | null; autoPauseOptOutRateBps: number | null },
  tenant: { autoPauseFailureRateBps: number | null; autoPauseOptOutRateBps: number | null },
  minSample: number = alertDefaults.autoPauseMinSample,
): AutoPauseThresholds {
  return effectiveAutoPauseThresholds(
    campaign,
    {
      autoPauseFailureRateBps: tenant.autoPauseFailureRateBps ?? alertDefaults.autoPauseFailureRateBps,
      autoPauseOptOutRateBps: tenant.autoPauseOptOutRateBps ?? alertDefaults.autoPauseOptOutRateBps,
    },
    minSample,
  );
}

export type ErrorRatePolicy = { thresholdBps: number; minSample: number };

export type ErrorRateVerdict = { spike: false } | { spike: true; rateBps: number; thresholdBps: number; sample: number; errors: number };

/** A spike is a rate strictly above the threshold over at least the minimum sample (and at least one call). */
export function errorRateVerdict(outcomes: { attempted: number; errors: number }, policy: ErrorRatePolicy): ErrorRateVerdict {
  const { attempted, errors } = outcomes;
  if (attempted < Math.max(1, policy.minSample)) return { spike: false };
  // errors / attempted > threshold / 10,000, in integers.
  if (errors * 10_000 <= policy.thresholdBps * attempted) return { spike: false };
  return { spike: true, rateBps: rateBps(errors, attempted), thresholdBps: policy.thresholdBps, sample: attempted, errors };
}
