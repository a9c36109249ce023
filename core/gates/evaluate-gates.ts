/**
 * The gates a message must pass, in the product's fixed order — pause, budget, DNC, suppression window,
 * quiet hours, rate limits, warm-up — evaluated at enqueue and again immediately before the provider
 * call. Pure: every fact (flags, counts, spend, the recipient's DNC row) is read by the caller and
 * passed in, so the same decision is made in both places and in tests with a fake clock.
 *
 * Outcomes:
 * - `send`: all gates pass.
 * - `defer` until an instant: the job waits and is tried again then (quiet hours, rate, warm-up, a
 *   budget window that resets, a pause that may be lifted). Deferred is never dropped.
 * - `skip` with a reason: the job will never be sent (DNC or opted out, suppressed, campaign closed for
 *   good, a message that costs more than the whole budget, a quiet-hours rule with no window at all).
 *
 * Which gates apply depends on the kind of job (`gatesByJobKind`): a 1:1 conversation reply is a person
 * answering a person who wrote, not a solicitation, so quiet hours and warm-up (a bulk-number concern)
 * do not hold it back; pause, budget, DNC, suppression and rate limits do.
 */
import type { CompiledSchedule, QuietHoursPolicy } from './quiet-hours';
import { quietHoursDecision, scheduleFor } from './quiet-hours';
import { resolveRecipientLocale } from './recipient-locale';
import { warmupDailyCap, type WarmupCurve } from './warmup-curve';
import { localDay, localMonth, utcMinute } from './zoned-time';

export const gateOrder = ['pause', 'budget', 'dnc', 'suppression', 'quiet_hours', 'rate_limit', 'warmup'] as const;
export type GateName = (typeof gateOrder)[number];

export type JobKind = 'campaign' | 'conversation';

export const gatesByJobKind: Readonly<Record<JobKind, readonly GateName[]>> = {
  campaign: gateOrder,
  conversation: ['pause', 'budget', 'dnc', 'suppression', 'rate_limit'],
};

export type SkipReason = 'campaign_done' | 'dnc' | 'opted_out' | 'suppressed' | 'exceeds_budget' | 'no_sending_window';
export type DeferReason =
  | 'tenant_paused'
  | 'campaign_paused'
  | 'daily_budget'
  | 'monthly_budget'
  | 'quiet_hours'
  | 'tenant_rate'
  | 'number_rate'
  | 'warmup_cap';

export type GateVerdict =
  | { verdict: 'send' }
  | { verdict: 'defer'; gate: GateName; reason: DeferReason; until: Date }
  | { verdict: 'skip'; gate: GateName; reason: SkipReason };

/** Mirrors `campaigns.status`. */
export type CampaignStatus = 'draft' | 'queued' | 'sending' | 'paused' | 'done';
/** Mirrors `do_not_contact.source`. */
export type DncSource = 'manual' | 'stop_keyword' | 'provider_opt_out' | 'import';

export type GateInput = {
  now: Date;
  job: {
    kind: JobKind;
    /** Parts × the price per part for the provider and destination country; 0 when no price is known. */
    estimatedCostMicros: number;
  };
  tenant: {
    /** The kill switch (`tenants.paused_at` set, or the pause flag in Counters). */
    paused: boolean;
    /** IANA zone: budget days and months, warm-up days, and the last fallback for quiet hours. */
    timezone: string;
    defaultCountry: string;
  };
  /** Null for conversation jobs. */
  campaign: { status: CampaignStatus } | null;
  /** Null when the tenant has no budget row (no cap). */
  budget: {
    dailyMicros: number;
    monthlyMicros: number;
    /** Spent in the tenant's current local day / month, before this message. */
    spentTodayMicros: number;
    spentThisMonthMicros: number;
  } | null;
  recipient: {
    phoneE164: string;
    /** `contacts.timezone`, `contacts.country`. */
    timezone: string | null;
    country: string | null;
    /** The tenant's `do_not_contact` row for the number, if any. */
    doNotContact: { source: DncSource } | null;
    /** The tenant's unlifted suppression rule for the number, if any (expiry is checked here). */
    suppression: { reason: string; expiresAt: Date | null } | null;
  };
  /** The tenant's policy (`resolveQuietHoursPolicy(tenants.quiet_hours)`). */
  quietHours: QuietHoursPolicy;
  rate: {
    /** `budgets.per_minute`; null → no tenant-wide cap. */
    tenantPerMinute: number | null;
    /** Sends already counted in the current UTC minute (`utcMinute(now).key`), not counting this one. */
    tenantSentThisMinute: number;
    /** `budgets.per_number_per_minute` or the provider's default; null → none. */
    numberPerMinute: number | null;
    numberSentThisMinute: number;
  };
  /** The sending number's warm-up; null when it has none. */
  warmup: {
    startedAt: Date | null;
    /** Sends from this number in the tenant's current local day (`localDay(now, tz).key`), not counting this one. */
    sentToday: number;
    curve: WarmupCurve;
  } | null;
  /**
   * How soon a job held by a pause is tried again (default 60 s), so a resume takes effect within a
   * minute. The sender's claim query should also leave paused tenants and campaigns out, so held jobs
   * are not rewritten every minute; this gate is the check right before the provider call.
   */
  pauseRecheckMs?: number;
};

const defaultPauseRecheckMs = 60_000;

type GateOutcome = Exclude<GateVerdict, { verdict: 'send' }> | null;

function pauseGate(input: GateInput): GateOutcome {
  const recheck = new Date(input.now.getTime() + (input.pauseRecheckMs ?? defaultPauseRecheckMs));
  if (input.tenant.paused) return { verdict: 'defer', gate: 'pause', reason: 'tenant_paused', until: recheck };
  const status = input.campaign?.status;
  if (status === 'done') return { verdict: 'skip', gate: 'pause', reason: 'campaign_done' };
  // A draft has not been started; a paused campaign waits for resume. Both keep their jobs.
  if (status === 'paused' || status === 'draft') return { verdict: 'defer', gate: 'pause', reason: 'campaign_paused', until: recheck };
  return null;
}

function budgetGate(input: GateInput): GateOutcome {
  const budget = input.budget;
  if (budget === null) return null;
  const cost = input.job.estimatedCostMicros;
  // A message dearer than a whole window's cap could never go: waiting would hide that forever.
  if (cost > budget.dailyMicros && cost > 0) return { verdict: 'skip', gate: 'budget', reason: 'exceeds_budget' };
  if (cost > budget.monthlyMicros && cost > 0) return { verdict: 'skip', gate: 'budget', reason: 'exceeds_budget' };
  // The month first: when both are spent, the month's reset is the later (binding) one. A cap already
  // reached stops even messages with no known price ("spend stops at the cap").
  const overMonth = budget.spentThisMonthMicros >= budget.monthlyMicros || budget.spentThisMonthMicros + cost > budget.monthlyMicros;
  if (overMonth) return { verdict: 'defer', gate: 'budget', reason: 'monthly_budget', until: localMonth(input.now, input.tenant.timezone).endsAt };
  const overDay = budget.spentTodayMicros >= budget.dailyMicros || budget.spentTodayMicros + cost > budget.dailyMicros;
  if (overDay) return { verdict: 'defer', gate: 'budget', reason: 'daily_budget', until: localDay(input.now, input.tenant.timezone).endsAt };
  return null;
}

function dncGate(input: GateInput): GateOutcome {
  const row = input.recipient.doNotContact;
  if (row === null) return null;
  // The number asked to stop (keyword or the provider's own opt-out) vs. staff or an import put it there.
  const optedOut = row.source === 'stop_keyword' || row.source === 'provider_opt_out';
  return { verdict: 'skip', gate: 'dnc', reason: optedOut ? 'opted_out' : 'dnc' };
}

function suppressionGate(input: GateInput): GateOutcome {
  const rule = input.recipient.suppression;
  if (rule === null) return null;
  if (rule.expiresAt !== null && rule.expiresAt.getTime() <= input.now.getTime()) return null;
  return { verdict: 'skip', gate: 'suppression', reason: 'suppressed' };
}

/** The schedule and zones of a recipient, exposed for previews ("would go at 09:00 their time"). */
export function recipientSchedule(input: Pick<GateInput, 'recipient' | 'tenant' | 'quietHours'>): { schedule: CompiledSchedule; timeZones: string[]; country: string | null; region: string | null } {
  const locale = resolveRecipientLocale({
    phoneE164: input.recipient.phoneE164,
    contactTimezone: input.recipient.timezone,
    contactCountry: input.recipient.country,
    tenantTimezone: input.tenant.timezone,
    tenantDefaultCountry: input.tenant.defaultCountry,
  });
  return { schedule: scheduleFor(input.quietHours, locale.country, locale.region), timeZones: locale.timeZones, country: locale.country, region: locale.region };
}

function quietHoursGate(input: GateInput): GateOutcome {
  const { schedule, timeZones } = recipientSchedule(input);
  const decision = quietHoursDecision(input.now, timeZones, schedule);
  if (decision.allowed) return null;
  if (decision.until === null) return { verdict: 'skip', gate: 'quiet_hours', reason: 'no_sending_window' };
  return { verdict: 'defer', gate: 'quiet_hours', reason: 'quiet_hours', until: decision.until };
}

function rateGate(input: GateInput): GateOutcome {
  const { rate } = input;
  const nextMinute = utcMinute(input.now).endsAt;
  if (rate.tenantPerMinute !== null && rate.tenantSentThisMinute >= rate.tenantPerMinute) {
    return { verdict: 'defer', gate: 'rate_limit', reason: 'tenant_rate', until: nextMinute };
  }
  if (rate.numberPerMinute !== null && rate.numberSentThisMinute >= rate.numberPerMinute) {
    return { verdict: 'defer', gate: 'rate_limit', reason: 'number_rate', until: nextMinute };
  }
  return null;
}

function warmupGate(input: GateInput): GateOutcome {
  const warmup = input.warmup;
  if (warmup === null) return null;
  const cap = warmupDailyCap({ startedAt: warmup.startedAt, now: input.now, timeZone: input.tenant.timezone, curve: warmup.curve });
  if (cap === null || warmup.sentToday < cap) return null;
  return { verdict: 'defer', gate: 'warmup', reason: 'warmup_cap', until: localDay(input.now, input.tenant.timezone).endsAt };
}

const gates: Readonly<Record<GateName, (input: GateInput) => GateOutcome>> = {
  pause: pauseGate,
  budget: budgetGate,
  dnc: dncGate,
  suppression: suppressionGate,
  quiet_hours: quietHoursGate,
  rate_limit: rateGate,
  warmup: warmupGate,
};

/** The first gate (in the fixed order) that stops the message decides; otherwise it may be sent. */
export function evaluateGates(input: GateInput): GateVerdict {
  for (const name of gatesByJobKind[input.job.kind]) {
    const outcome = gates[name](input);
    if (outcome !== null) return outcome;
  }
  return { verdict: 'send' };
}
