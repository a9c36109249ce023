/**
 * Raises an alert without letting it disturb the work that raised it: a send batch or a pause request
 * must finish the same whether or not the alert could be delivered (the Alerts service already logs
 * a channel's failure; this also catches a Counters failure on the de-duplication claim).
 */
import type { Alert } from '../../../core/alerts/alert';
import type { Alerts, RaiseResult } from '../../../core/ports/alerts';
import type { Logger } from '../log';

export async function raiseSafely(alerts: Alerts, alert: Alert, log: Logger): Promise<RaiseResult | null> {
  try {
    return await alerts.raise(alert);
  } catch (error) {
    log.error('an alert could not be raised (de-duplication unavailable); it is logged here instead', { alert, err: error });
    return null;
  }
}
