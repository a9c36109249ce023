/**
 * What the sender does after each batch, besides sending: counts the batch's provider outcomes in the
 * recent window, auto-pauses a campaign whose failure or opt-out rate passed its threshold, and raises
 * the alerts the batch calls for (spend near or at a cap, provider errors spiking, a campaign
 * auto-paused). The decisions are pure (core/alerts, core/gates/auto-pause.ts); this module reads and
 * writes the counters, the campaign row and the audit log, and hands alerts to the Alerts port.
 *
 * Cost per batch on the hot path: two counter increments per campaign in the batch and two for the
 * tenant; the rates are read only when the batch itself saw a failure, an opt-out or an error (a rate
 * can only have gone up then) or when its sample just reached the minimum, and spend only when the
 * batch spent or a cap held a job back.
 *
 * Nothing here may fail the batch: the messages are already recorded when it runs. Every error is
 * logged and the next batch tries again.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { budgetAlert, budgetAlertLevel, campaignAutoPausedAlert, errorRateSpikeAlert } from '../../core/alerts/alert';
import { alertDefaults, autoPauseThresholds, errorRateVerdict, outcomeWindows, type OutcomeWindows } from '../../core/alerts/outcome-window';
import { autoPauseDecision } from '../../core/gates/auto-pause';
import { newId } from '../../core/ids';
import type { Alerts } from '../../core/ports/alerts';
import type { Counters, ResolvedWindow } from '../../core/ports/counters';
import type { Db } from '../../db/client';
import { auditLog, campaigns } from '../../db/schema/index';
import { raiseSafely } from '../shared/alerts/raise-safely';
import type { Logger } from '../shared/log';
import type { Clock, RandomBytes } from '../shared/services';

/** The product's defaults (core/alerts/outcome-window.ts); tests shorten the sample, never the rules. */
export type AlertPolicy = {
  /** The recent window's span in seconds: rates cover the last one to two spans. */
  windowSeconds: number;
  autoPauseMinSample: number;
  errorRateBps: number;
  errorRateMinSample: number;
};

export const defaultAlertPolicy: AlertPolicy = {
  windowSeconds: alertDefaults.windowSeconds,
  autoPauseMinSample: alertDefaults.autoPauseMinSample,
  errorRateBps: alertDefaults.errorRateBps,
  errorRateMinSample: alertDefaults.errorRateMinSample,
};

export type SendAlertDeps = {
  db: Db;
  counters: Counters;
  alerts: Alerts;
  log: Logger;
  now: Clock;
  random: RandomBytes;
  alerting?: Partial<AlertPolicy>;
};

/** How a provider call ended, for the rates: `error` is a throw (unreachable, 429, 5xx, no answer). */
export type CallOutcome = 'sent' | 'failed' | 'opted_out' | 'error';

type Counts = { attempted: number; failed: number; optedOut: number; errors: number };

/** What one batch saw; the sender fills it in as it records outcomes. */
export type SendTally = {
  called(campaignId: string, outcome: CallOutcome): void;
  /** A job deferred with this reason (`daily_budget` / `monthly_budget`: that cap held it back). */
  held(reason: string): void;
  readonly campaigns: ReadonlyMap<string, Readonly<Counts>>;
  readonly sent: number;
  readonly budgetRefused: { readonly daily: boolean; readonly monthly: boolean };
};

export function createSendTally(): SendTally {
  const byCampaign = new Map<string, Counts>();
  const refused = { daily: false, monthly: false };
  let sent = 0;
  return {
    called(campaignId, outcome) {
      const counts = byCampaign.get(campaignId) ?? { attempted: 0, failed: 0, optedOut: 0, errors: 0 };
      counts.attempted += 1;
      if (outcome === 'failed') counts.failed += 1;
      else if (outcome === 'opted_out') counts.optedOut += 1;
      else if (outcome === 'error') counts.errors += 1;
      else sent += 1;
      byCampaign.set(campaignId, counts);
    },
    held(reason) {
      if (reason === 'daily_budget') refused.daily = true;
      else if (reason === 'monthly_budget') refused.monthly = true;
    },
    campaigns: byCampaign,
    get sent() {
      return sent;
    },
    budgetRefused: refused,
  };
}

type TenantFacts = { id: string; name: string; autoPauseFailureRateBps: number | null; autoPauseOptOutRateBps: number | null };
type CampaignFacts = { id: string; name: string; autoPauseFailureRateBps: number | null; autoPauseOptOutRateBps: number | null };
type SpendWindow = { key: string; window: ResolvedWindow };

export type AfterBatchInput = {
  tenant: TenantFacts;
  campaigns: readonly CampaignFacts[];
  /** Null when the tenant has no budget (no cap, no budget alert). */
  budget: { dailyMicros: number; monthlyMicros: number; alertAtPercent: number } | null;
  /** The spend counters the sender took from (the tenant's local day and month). */
  spend: { day: SpendWindow; month: SpendWindow };
  tally: SendTally;
};

export type AfterBatchResult = {
  /** Campaigns this call moved to paused. */
  autoPaused: string[];
  /** Alerts raised (whether or not a channel had already delivered them in the window). */
  raised: string[];
};

const outcomeKinds = ['attempted', 'failed', 'optedOut', 'errors'] as const;
type OutcomeKind = (typeof outcomeKinds)[number];

function outcomeKey(tenantId: string, campaignId: string | null, kind: OutcomeKind): string {
  return campaignId === null ? `outcomes:${tenantId}:${kind}` : `outcomes:${tenantId}:${campaignId}:${kind}`;
}

/**
 * Adds `counts` to both windows in use and returns the measured window's totals of `read` (the rest
 * stay 0): increments return the new value, so a kind with news costs no extra read.
 */
async function countOutcomes(counters: Counters, keyOf: (kind: OutcomeKind) => string, counts: Partial<Counts>, windows: OutcomeWindows, read: readonly OutcomeKind[]): Promise<Counts> {
  const measured: Counts = { attempted: 0, failed: 0, optedOut: 0, errors: 0 };
  for (const kind of outcomeKinds) {
    const n = counts[kind] ?? 0;
    if (n === 0 && !read.includes(kind)) continue;
    for (const window of windows.counted) {
      const isMeasured = window === windows.measured;
      if (n > 0) {
        const value = await counters.incrementWindow(keyOf(kind), window, n);
        if (isMeasured) measured[kind] = value;
      } else if (isMeasured) measured[kind] = await counters.readWindow(keyOf(kind), window);
    }
  }
  return measured;
}

/** Runs after a batch recorded its outcomes; never throws. */
export async function afterSendBatch(deps: SendAlertDeps, input: AfterBatchInput): Promise<AfterBatchResult> {
  const result: AfterBatchResult = { autoPaused: [], raised: [] };
  try {
    await checkRates(deps, input, result);
    await checkBudget(deps, input, result);
  } catch (error) {
    deps.log.error('the alert and auto-pause checks after a send batch failed; the next batch checks again', { tenantId: input.tenant.id, err: error });
  }
  return result;
}

async function checkRates(deps: SendAlertDeps, input: AfterBatchInput, result: AfterBatchResult): Promise<void> {
  const policy = { ...defaultAlertPolicy, ...deps.alerting };
  const { tenant, tally } = input;
  if (tally.campaigns.size === 0) return;
  const now = deps.now();
  const windows = outcomeWindows(now, policy.windowSeconds);

  // The tenant's provider-error rate: an alert, not a pause (the provider is the likely cause, not the campaign).
  const total: Counts = { attempted: 0, failed: 0, optedOut: 0, errors: 0 };
  for (const counts of tally.campaigns.values()) {
    total.attempted += counts.attempted;
    total.errors += counts.errors;
  }
  const tenantKey = (kind: OutcomeKind) => outcomeKey(tenant.id, null, kind);
  const { attempted: calls } = await countOutcomes(deps.counters, tenantKey, { attempted: total.attempted }, windows, ['attempted']);
  if (total.errors > 0 || sampleJustReached(calls, total.attempted, policy.errorRateMinSample)) {
    const { errors } = await countOutcomes(deps.counters, tenantKey, { errors: total.errors }, windows, ['errors']);
    const verdict = errorRateVerdict({ attempted: calls, errors }, { thresholdBps: policy.errorRateBps, minSample: policy.errorRateMinSample });
    if (verdict.spike) {
      const alert = errorRateSpikeAlert({ id: newId('alert', now.getTime(), deps.random(10)), tenant, now, errors: verdict.errors, sample: verdict.sample, rateBps: verdict.rateBps, thresholdBps: verdict.thresholdBps, windowStartedAt: windows.measured.start });
      await raiseSafely(deps.alerts, alert, deps.log);
      result.raised.push(alert.kind);
    }
  }

  for (const [campaignId, counts] of tally.campaigns) {
    const campaign = input.campaigns.find((c) => c.id === campaignId);
    if (campaign !== undefined) await checkCampaign(deps, { policy, windows, tenant, campaign, counts }, result);
  }
}

/**
 * Counts a campaign's new outcomes in the recent window and pauses it if a rate passed its threshold.
 * `counts.attempted` is 0 for outcomes that arrive after the send (the message was counted then).
 */
async function checkCampaign(
  deps: SendAlertDeps,
  input: { policy: AlertPolicy; windows: OutcomeWindows; tenant: TenantFacts; campaign: CampaignFacts; counts: Readonly<Counts> },
  result: AfterBatchResult,
): Promise<void> {
  const { policy, windows, tenant, campaign, counts } = input;
  const keyOf = (kind: OutcomeKind) => outcomeKey(tenant.id, campaign.id, kind);
  const { attempted } = await countOutcomes(deps.counters, keyOf, { attempted: counts.attempted }, windows, ['attempted']);
  // A rate can only have passed its threshold if this batch failed or lost someone, or if the sample
  // just grew big enough to count: otherwise count, do not read.
  if (counts.failed === 0 && counts.optedOut === 0 && !sampleJustReached(attempted, counts.attempted, policy.autoPauseMinSample)) return;
  const measured = { ...(await countOutcomes(deps.counters, keyOf, { failed: counts.failed, optedOut: counts.optedOut }, windows, ['failed', 'optedOut'])), attempted };
  const decision = autoPauseDecision(measured, autoPauseThresholds(campaign, tenant, policy.autoPauseMinSample));
  if (!decision.pause) return;
  const count = decision.reason === 'failure_rate' ? measured.failed : measured.optedOut;
  const pausedAt = deps.now();
  const paused = await pauseCampaign(deps, { tenantId: tenant.id, campaignId: campaign.id, pausedAt, reason: `auto-paused: ${pausedReason(decision.reason, count, decision.sample, decision.thresholdBps)}`, details: { ...decision, count, windowStartedAt: windows.measured.start.toISOString() } });
  if (!paused) return;
  result.autoPaused.push(campaign.id);
  deps.log.warn('campaign auto-paused', { tenantId: tenant.id, campaignId: campaign.id, reason: decision.reason, rateBps: decision.rateBps, thresholdBps: decision.thresholdBps, sample: decision.sample });
  // A resume starts from a clean sample: the rate that paused the campaign must not pause it again at once.
  await forgetOutcomes(deps.counters, keyOf, windows);
  const alert = campaignAutoPausedAlert({
    id: newId('alert', pausedAt.getTime(), deps.random(10)),
    tenant,
    now: pausedAt,
    campaign,
    reason: decision.reason,
    count,
    sample: decision.sample,
    rateBps: decision.rateBps,
    thresholdBps: decision.thresholdBps,
    windowStartedAt: windows.measured.start,
    pausedAt,
  });
  await raiseSafely(deps.alerts, alert, deps.log);
  result.raised.push(alert.kind);
}

/**
 * For outcomes that arrive after the send, through the webhook: a status callback's delivery failure
 * (`failed`) or a STOP reply to a campaign message (`opted_out`). Counts it in the campaign's recent
 * window (the message itself was counted when it was sent) and auto-pauses the campaign if that
 * passed a threshold. Never throws.
 */
export async function afterLateOutcome(deps: SendAlertDeps, input: { tenant: TenantFacts; campaign: CampaignFacts; outcome: 'failed' | 'opted_out' }): Promise<AfterBatchResult> {
  const result: AfterBatchResult = { autoPaused: [], raised: [] };
  try {
    const policy = { ...defaultAlertPolicy, ...deps.alerting };
    const counts: Counts = { attempted: 0, failed: input.outcome === 'failed' ? 1 : 0, optedOut: input.outcome === 'opted_out' ? 1 : 0, errors: 0 };
    await checkCampaign(deps, { policy, windows: outcomeWindows(deps.now(), policy.windowSeconds), tenant: input.tenant, campaign: input.campaign, counts }, result);
  } catch (error) {
    deps.log.error('the auto-pause check after a late outcome failed', { tenantId: input.tenant.id, campaignId: input.campaign.id, err: error });
  }
  return result;
}

/** Whether this batch's `added` calls brought the window's sample to its minimum (so the rate counts from now). */
function sampleJustReached(sample: number, added: number, minSample: number): boolean {
  return sample >= minSample && sample - added < minSample;
}

function pausedReason(reason: 'failure_rate' | 'opt_out_rate', count: number, sample: number, thresholdBps: number): string {
  const threshold = `${thresholdBps / 100} %`;
  return reason === 'failure_rate' ? `${count} of the last ${sample} messages failed (threshold ${threshold})` : `${count} of the last ${sample} recipients opted out (threshold ${threshold})`;
}

/**
 * Moves a sending campaign to paused, with its reason and an audit row with no actor (the system acted).
 * Only from `queued`/`sending` (the state machine's pause), so of parallel senders one pauses and the
 * others find it done; a campaign a person paused or finished meanwhile is left as it is.
 */
async function pauseCampaign(deps: SendAlertDeps, input: { tenantId: string; campaignId: string; pausedAt: Date; reason: string; details: Record<string, unknown> }): Promise<boolean> {
  return deps.db.transaction(async (tx) => {
    const rows = await tx
      .update(campaigns)
      .set({ status: 'paused', pausedAt: input.pausedAt, pausedReason: input.reason.slice(0, 500), updatedAt: input.pausedAt })
      .where(and(eq(campaigns.tenantId, input.tenantId), eq(campaigns.id, input.campaignId), inArray(campaigns.status, ['queued', 'sending'])))
      .returning({ id: campaigns.id });
    if (rows.length === 0) return false;
    await tx.insert(auditLog).values({
      id: newId('audit', input.pausedAt.getTime(), deps.random(10)),
      tenantId: input.tenantId,
      actorUserId: null,
      action: 'campaign.auto_pause',
      targetType: 'campaign',
      targetId: input.campaignId,
      requestId: null,
      details: { reason: input.reason, ...input.details },
      createdAt: input.pausedAt,
    });
    return true;
  });
}

/** Brings a campaign's outcome counts in both windows back to zero. */
async function forgetOutcomes(counters: Counters, keyOf: (kind: OutcomeKind) => string, windows: OutcomeWindows): Promise<void> {
  for (const kind of ['attempted', 'failed', 'optedOut'] as const) {
    for (const window of windows.counted) {
      const value = await counters.readWindow(keyOf(kind), window);
      if (value !== 0) await counters.incrementWindow(keyOf(kind), window, -value);
    }
  }
}

async function checkBudget(deps: SendAlertDeps, input: AfterBatchInput, result: AfterBatchResult): Promise<void> {
  const { budget, tally, tenant } = input;
  if (budget === null || (tally.sent === 0 && !tally.budgetRefused.daily && !tally.budgetRefused.monthly)) return;
  const periods = [
    { period: 'daily', capMicros: budget.dailyMicros, spend: input.spend.day, refused: tally.budgetRefused.daily },
    { period: 'monthly', capMicros: budget.monthlyMicros, spend: input.spend.month, refused: tally.budgetRefused.monthly },
  ] as const;
  for (const { period, capMicros, spend, refused } of periods) {
    const spentMicros = Math.max(0, await deps.counters.readWindow(spend.key, spend.window));
    const level = budgetAlertLevel({ spentMicros, capMicros, alertAtPercent: budget.alertAtPercent, refused });
    if (level === null) continue;
    const now = deps.now();
    const alert = budgetAlert({ id: newId('alert', now.getTime(), deps.random(10)), tenant, now, level, period, spentMicros, capMicros, alertAtPercent: budget.alertAtPercent, window: { startsAt: spend.window.start, endsAt: spend.window.end } });
    await raiseSafely(deps.alerts, alert, deps.log);
    result.raised.push(alert.kind);
  }
}
