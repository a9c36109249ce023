/**
 * The log channel: every alert as one structured log line (`msg: "alert"`), the embedded default and
 * always on beside the others, so an alert is never lost even when a webhook or the mail is down.
 */
import type { AlertChannel } from '../../../core/ports/alerts';
import type { Logger } from '../log';

export function createLogAlertChannel(log: Logger): AlertChannel {
  return {
    kind: 'log',
    deliver(alert) {
      const { dedupe, ...body } = alert;
      const fields = { alert: body, dedupeKey: dedupe.key, tenantId: alert.tenantId };
      if (alert.severity === 'critical') log.error('alert', fields);
      else log.warn('alert', fields);
      return Promise.resolve();
    },
  };
}
