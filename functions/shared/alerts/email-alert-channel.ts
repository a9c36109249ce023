/**
 * The email channel: each alert as a plain-text mail to every address of `ALERT_EMAIL_TO`, through the
 * Mailer port (Postmark in production, the dev mailbox locally). An address the provider refuses
 * (invalid, bounced before) is logged and skipped: it will not start working on a retry. The channel
 * fails only when no address got the mail because the provider itself failed.
 */
import type { Alert } from '../../../core/alerts/alert';
import type { AlertChannel } from '../../../core/ports/alerts';
import type { Mailer } from '../../../core/ports/mailer';
import type { Logger } from '../log';

export function alertMailText(alert: Alert): string {
  const { dedupe: _dedupe, title: _title, text, ...rest } = alert;
  return `${text}\n\n${JSON.stringify({ kind: rest.kind, tenantId: rest.tenantId, raisedAt: rest.raisedAt, ...('campaignId' in rest ? { campaignId: rest.campaignId } : {}), details: rest.details }, null, 2)}\n`;
}

export function createEmailAlertChannel(options: { mailer: Mailer; to: readonly string[]; log: Logger; kind?: 'email' | 'tenant_email' }): AlertChannel {
  if (options.to.length === 0) throw new Error('the email alert channel needs at least one address');
  return {
    kind: options.kind ?? 'email',
    async deliver(alert) {
      const subject = `[${alert.severity === 'critical' ? 'Alert' : 'Warning'}] ${alert.title}`;
      let firstError: unknown;
      let sent = 0;
      for (const to of options.to) {
        try {
          const result = await options.mailer.send({ to, subject, text: alertMailText(alert), tag: 'alert' });
          if (result.status === 'sent') sent += 1;
          else options.log.warn('an alert address was refused by the mail provider; fix ALERT_EMAIL_TO', { to, reason: result.reason, alertId: alert.id });
        } catch (error) {
          firstError ??= error;
        }
      }
      if (firstError === undefined) return;
      if (sent === 0) throw firstError;
      options.log.error('an alert reached only some of ALERT_EMAIL_TO; the others are not retried', { alertId: alert.id, sent, err: firstError });
    },
  };
}
