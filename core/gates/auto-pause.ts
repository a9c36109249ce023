/**
 * Auto-pause: stop a campaign whose messages are failing or driving opt-outs, before carriers stop the
 * number. Rates are in basis points (100 = 1 %) of the messages handed to the provider. A minimum sample
 * keeps the first few results from tripping it (one failure in the first two messages is 50 %).
 */
export type AutoPauseThresholds = {
  /** Null → never auto-pause on failures. */
  failureRateBps: number | null;
  /** Null → never auto-pause on opt-outs. */
  optOutRateBps: number | null;
  /** Messages that must have been attempted before a rate counts. */
  minSample: number;
};

/** Below this many attempted messages a rate says little. */
export const defaultAutoPauseMinSample = 100;

/** The campaign's own thresholds where set, else the tenant's (campaigns.auto_pause_* over tenants.auto_pause_*). */
export function effectiveAutoPauseThresholds(
  campaign: { autoPauseFailureRateBps: number | null; autoPauseOptOutRateBps: number | null },
  tenant: { autoPauseFailureRateBps: number | null; autoPauseOptOutRateBps: number | null },
  minSample: number = defaultAutoPauseMinSample,
): AutoPauseThresholds {
  return {
    failureRateBps: campaign.autoPauseFailureRateBps ?? tenant.autoPauseFailureRateBps,
    optOutRateBps: campaign.autoPauseOptOutRateBps ?? tenant.autoPauseOptOutRateBps,
    minSample,
  };
}

export type CampaignOutcomes = {
  /** Messages handed to the provider (sent + delivered + failed after the call). */
  attempted: number;
  failed: number;
  optedOut: number;
};

export type AutoPauseDecision =
  | { pause: false }
  | { pause: true; reason: 'failure_rate' | 'opt_out_rate'; rateBps: number; thresholdBps: number; sample: number };

/** Rounded down, so a displayed rate never exceeds the real one. */
export function rateBps(count: number, total: number): number {
  return total <= 0 ? 0 : Math.floor((count * 10_000) / total);
}

/** Pauses when a rate is strictly above its threshold; failures are checked first (they hurt the number most). */
export function autoPauseDecision(outcomes: CampaignOutcomes, thresholds: AutoPauseThresholds): AutoPauseDecision {
  const { attempted } = outcomes;
  if (attempted < Math.max(1, thresholds.minSample)) return { pause: false };
  const checks = [
    ['failure_rate', outcomes.failed, thresholds.failureRateBps],
    ['opt_out_rate', outcomes.optedOut, thresholds.optOutRateBps],
  ] as const;
  for (const [reason, count, threshold] of checks) {
    // Compared as count / attempted > threshold / 10,000, in integers, so no rounding decides it.
    if (threshold !== null && count * 10_000 > threshold * attempted) {
      return { pause: true, reason, rateBps: rateBps(count, attempted), thresholdBps: threshold, sample: attempted };
    }
  }
  return { pause: false };
}
