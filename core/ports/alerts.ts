/**
 * The Alerts port: how the product tells people that spend is near or at its cap, that sending was
 * paused (by a person or automatically), that provider errors spiked, or that a campaign auto-paused.
 *
 * Two seams:
 * - `AlertChannel`: one way out, an adapter per vendor: a webhook URL (POST JSON), email (through the
 *   Mailer port), and the log (the embedded default, always on). The operator's are chosen once at the
 *   composition root from config (`ALERT_WEBHOOK_URL`, `ALERT_EMAIL_TO`); a tenant's own webhook and
 *   address (its admin sets them with the budget) are read at each raise; functions/shared/alerts/.
 * - `Alerts`: what callers use. `raise` de-duplicates before delivering: each alert carries the key of
 *   the window it speaks for (core/alerts/alert.ts), and the first raise of a key in its window wins an
 *   atomic `setIfAbsent` on the Counters port, so parallel senders that see the same cap deliver one
 *   alert. The claim is per channel: a channel that failed gives its claim back, so the next raise of the
 *   same condition retries that channel without repeating the ones that worked.
 *
 * An alert must never stop or slow the work that raised it: `raise` does not throw for a channel's
 * failure (it is logged and reported in the result); only a Counters failure escapes.
 */
import type { Alert } from '../alerts/alert';

/** The operator's channels (`log`, `webhook`, `email`, from config) and a tenant's own (`tenant_…`, set by its admin). */
export type AlertChannelKind = 'log' | 'webhook' | 'email' | 'tenant_webhook' | 'tenant_email';

export interface AlertChannel {
  readonly kind: AlertChannelKind;
  /** Delivers one alert; throws when it could not (the caller logs it and may retry later). */
  deliver(alert: Alert): Promise<void>;
}

export type RaiseResult = {
  /** Channels that delivered the alert in this call. */
  delivered: AlertChannelKind[];
  /** Channels that had already delivered it in this window (another sender, an earlier batch). */
  duplicate: AlertChannelKind[];
  /** Channels that failed this time (logged; the next raise of the same key tries them again). */
  failed: AlertChannelKind[];
};

export interface Alerts {
  /** The channels in use, for the start-up banner. */
  readonly channels: readonly AlertChannelKind[];
  raise(alert: Alert): Promise<RaiseResult>;
}
