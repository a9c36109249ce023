/**
 * Alerts: what the product tells a tenant's operators without being asked (near a spend cap, a cap
 * hit, a pause, provider errors piling up, a campaign stopped by auto-pause). Each alert is built here,
 * purely, with its text and its de-duplication key: the key names the window the alert speaks for (a
 * budget day and cap, a clock hour, one pause), so every sender that sees the same condition in the same
 * window builds the same key and the `Alerts` service delivers it once (core/ports/alerts.ts).
 *
 * The wire shape (`alertSchema`, version 1) is what the webhook channel posts; it is versioned like the
 * queue messages, because receivers outside this codebase parse it.
 */
import { z } from 'zod';
import { formatMicros, usedBps } from '../money/micros';

export const alertKinds = ['budget_near_cap', 'budget_cap_hit', 'tenant_paused', 'error_rate_spike', 'campaign_auto_paused'] as const;
export type AlertKind = (typeof alertKinds)[number];

const instant = z.iso.datetime({ offset: true });
const micros = z.number().int().nonnegative();
const bps = z.number().int().nonnegative();

const base = {
  /** `alt_…`: unique per raised alert (a receiver may use it to drop a redelivery). */
  id: z.string().min(1),
  tenantId: z.string().min(1),
  tenantName: z.string(),
  raisedAt: instant,
  severity: z.enum(['warning', 'critical']),
  /** One line, for a subject or a chat message. */
  title: z.string().min(1),
  /** A few sentences: what happened, what the product did, what a person may do. */
  text: z.string().min(1),
};

const budgetDetails = z.object({
  period: z.enum(['daily', 'monthly']),
  spentMicros: micros,
  capMicros: micros,
  /** Spent as basis points of the cap (10,000 = 100 %), rounded down. */
  usedBps: bps,
  alertAtPercent: z.number().int().min(1).max(100),
  /** The window this spend belongs to (the tenant's local day or month) and when the cap resets. */
  windowStartsAt: instant,
  resetsAt: instant,
});

const outcomeWindow = {
  /** Messages handed to the provider in the window the rate was measured over. */
  sample: z.number().int().nonnegative(),
  rateBps: bps,
  thresholdBps: bps,
  windowStartedAt: instant,
};

export const alertSchema = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('budget_near_cap'), details: budgetDetails }),
  z.object({ ...base, kind: z.literal('budget_cap_hit'), details: budgetDetails }),
  z.object({
    ...base,
    kind: z.literal('tenant_paused'),
    details: z.object({
      pausedBy: z.enum(['person', 'automatic']),
      /** The person who paused, when one did. */
      userId: z.string().nullable(),
      reason: z.string(),
      pausedAt: instant,
    }),
  }),
  z.object({ ...base, kind: z.literal('error_rate_spike'), details: z.object({ ...outcomeWindow, errors: z.number().int().nonnegative() }) }),
  z.object({
    ...base,
    kind: z.literal('campaign_auto_paused'),
    campaignId: z.string().min(1),
    details: z.object({ ...outcomeWindow, campaignName: z.string(), reason: z.enum(['failure_rate', 'opt_out_rate']), count: z.number().int().nonnegative(), pausedAt: instant }),
  }),
]);

export type AlertBody = z.infer<typeof alertSchema>;

/** Which window an alert speaks for: the first raise in it is delivered, later ones are duplicates. */
export type AlertDedupe = { key: string; ttlSeconds: number };

export type Alert = AlertBody & { dedupe: AlertDedupe };

/** What a webhook receives (`POST`, JSON). `text` is top-level so chat webhooks (Slack and the like) show it as is. */
export const alertWebhookBodySchema = z.object({
  type: z.literal('revenue_reactor.alert'),
  version: z.literal(1),
  text: z.string(),
  alert: alertSchema,
});
export type AlertWebhookBody = z.infer<typeof alertWebhookBodySchema>;

export function alertWebhookBody(alert: Alert): AlertWebhookBody {
  const { dedupe: _dedupe, ...body } = alert;
  return { type: 'revenue_reactor.alert', version: 1, text: `${alert.title}\n${alert.text}`, alert: body };
}

type Common = { id: string; tenant: { id: string; name: string }; now: Date };

const hourMs = 3_600_000;
const dayS = 86_400;

/** Seconds from `now` until `until`, at least 1 (a TTL of 0 would not be a window at all). */
function secondsUntil(now: Date, until: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}

function percentText(bpsValue: number): string {
  const whole = Math.floor(bpsValue / 100);
  const rest = bpsValue % 100;
  return rest === 0 ? `${whole} %` : `${whole}.${String(rest).padStart(2, '0').replace(/0$/, '')} %`;
}

export type BudgetAlertLevel = 'near_cap' | 'cap_hit';

/**
 * Which budget alert a window's spend calls for, the most severe only (a batch that jumps from 70 % to
 * the cap raises "cap hit", not both). `refused` is a send the cap held back: the cap is hit even when
 * the spend itself stops short of it (the next message would have passed it). A zero cap is hit only by
 * a refusal: with nothing spent there is nothing to warn about.
 */
export function budgetAlertLevel(input: { spentMicros: number; capMicros: number; alertAtPercent: number; refused: boolean }): BudgetAlertLevel | null {
  const { spentMicros, capMicros } = input;
  if (input.refused || (capMicros > 0 && spentMicros >= capMicros)) return 'cap_hit';
  // spent / cap ≥ percent / 100, in BigInt: micros times 100 can pass 2^53.
  if (capMicros > 0 && BigInt(spentMicros) * 100n >= BigInt(capMicros) * BigInt(input.alertAtPercent)) return 'near_cap';
  return null;
}

/**
 * Near cap or cap hit, for one budget window (the tenant's local day or month). Once per window and
 * cap: raising the cap mid-day makes the new cap's 80 % and 100 % worth telling again.
 */
export function budgetAlert(
  input: Common & { level: BudgetAlertLevel; period: 'daily' | 'monthly'; spentMicros: number; capMicros: number; alertAtPercent: number; window: { startsAt: Date; endsAt: Date } },
): Alert {
  const kind = input.level === 'cap_hit' ? 'budget_cap_hit' : 'budget_near_cap';
  const used = usedBps(input.spentMicros, input.capMicros);
  const spent = formatMicros(input.spentMicros);
  const cap = formatMicros(input.capMicros);
  const what = input.period === 'daily' ? 'daily' : 'monthly';
  const resets = input.window.endsAt.toISOString();
  const title =
    input.level === 'cap_hit'
      ? `${input.tenant.name}: ${what} spend cap reached (${spent} of ${cap})`
      : `${input.tenant.name}: ${percentText(Math.min(used, 10_000))} of the ${what} spend cap used (${spent} of ${cap})`;
  const text =
    input.level === 'cap_hit'
      ? `Sending has stopped for this tenant until the cap resets at ${resets}. Messages waiting are deferred, not dropped. Raise the cap in the budget settings to send sooner.`
      : `Sending goes on until the cap; at the cap it stops until ${resets}. The alert threshold is ${input.alertAtPercent} % of the cap.`;
  return {
    id: input.id,
    tenantId: input.tenant.id,
    tenantName: input.tenant.name,
    raisedAt: input.now.toISOString(),
    severity: input.level === 'cap_hit' ? 'critical' : 'warning',
    title,
    text,
    kind,
    details: {
      period: input.period,
      spentMicros: input.spentMicros,
      capMicros: input.capMicros,
      usedBps: Math.min(used, Number.MAX_SAFE_INTEGER),
      alertAtPercent: input.alertAtPercent,
      windowStartsAt: input.window.startsAt.toISOString(),
      resetsAt: resets,
    },
    dedupe: { key: `alert:${kind}:${input.tenant.id}:${input.period}:${input.window.startsAt.getTime()}:${input.capMicros}`, ttlSeconds: secondsUntil(input.now, input.window.endsAt) },
  };
}

/** Once per pause: the key is the pause's own instant, so a retried request never alerts twice. */
export function tenantPausedAlert(input: Common & { pausedBy: 'person' | 'automatic'; userId: string | null; reason: string; pausedAt: Date }): Alert {
  return {
    id: input.id,
    tenantId: input.tenant.id,
    tenantName: input.tenant.name,
    raisedAt: input.now.toISOString(),
    severity: 'critical',
    title: `${input.tenant.name}: all sending paused${input.pausedBy === 'automatic' ? ' automatically' : ''}`,
    text: `Reason: ${input.reason}. No message is handed to a provider until an admin resumes the tenant; queued messages wait.`,
    kind: 'tenant_paused',
    details: { pausedBy: input.pausedBy, userId: input.userId, reason: input.reason, pausedAt: input.pausedAt.toISOString() },
    dedupe: { key: `alert:tenant_paused:${input.tenant.id}:${input.pausedAt.getTime()}`, ttlSeconds: dayS },
  };
}

/** Once per tenant per clock hour (UTC): errors tend to come in storms, one message an hour is enough. */
export function errorRateSpikeAlert(input: Common & { errors: number; sample: number; rateBps: number; thresholdBps: number; windowStartedAt: Date }): Alert {
  const hour = Math.floor(input.now.getTime() / hourMs) * hourMs;
  return {
    id: input.id,
    tenantId: input.tenant.id,
    tenantName: input.tenant.name,
    raisedAt: input.now.toISOString(),
    severity: 'warning',
    title: `${input.tenant.name}: provider errors at ${percentText(input.rateBps)} of sends`,
    text: `${input.errors} of the last ${input.sample} provider calls since ${input.windowStartedAt.toISOString()} ended in an error (unreachable, 429 or 5xx, or no answer); the alert threshold is ${percentText(input.thresholdBps)}. Those messages are retried with backoff or held for reconciliation; none is sent twice.`,
    kind: 'error_rate_spike',
    details: { errors: input.errors, sample: input.sample, rateBps: input.rateBps, thresholdBps: input.thresholdBps, windowStartedAt: input.windowStartedAt.toISOString() },
    dedupe: { key: `alert:error_rate_spike:${input.tenant.id}:${hour}`, ttlSeconds: secondsUntil(input.now, new Date(hour + hourMs)) },
  };
}

/** Once per auto-pause of a campaign (keyed by the pause's instant). */
export function campaignAutoPausedAlert(
  input: Common & { campaign: { id: string; name: string }; reason: 'failure_rate' | 'opt_out_rate'; count: number; sample: number; rateBps: number; thresholdBps: number; windowStartedAt: Date; pausedAt: Date },
): Alert {
  const what = input.reason === 'failure_rate' ? 'failed' : 'opted out';
  return {
    id: input.id,
    tenantId: input.tenant.id,
    tenantName: input.tenant.name,
    raisedAt: input.now.toISOString(),
    severity: 'critical',
    title: `${input.tenant.name}: campaign “${input.campaign.name}” paused automatically (${percentText(input.rateBps)} ${what})`,
    text: `${input.count} of the last ${input.sample} messages since ${input.windowStartedAt.toISOString()} ${what}, past the threshold of ${percentText(input.thresholdBps)}. The campaign is paused; its queued messages wait. Check the list and the template, then resume it.`,
    kind: 'campaign_auto_paused',
    campaignId: input.campaign.id,
    details: {
      campaignName: input.campaign.name,
      reason: input.reason,
      count: input.count,
      sample: input.sample,
      rateBps: input.rateBps,
      thresholdBps: input.thresholdBps,
      windowStartedAt: input.windowStartedAt.toISOString(),
      pausedAt: input.pausedAt.toISOString(),
    },
    dedupe: { key: `alert:campaign_auto_paused:${input.tenant.id}:${input.campaign.id}:${input.pausedAt.getTime()}`, ttlSeconds: dayS },
  };
}
