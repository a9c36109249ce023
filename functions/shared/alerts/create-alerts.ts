/**
 * Builds the Alerts service from config, once, at the composition root: the log channel always, the
 * webhook channel when `ALERT_WEBHOOK_URL` is set, the email channel when `ALERT_EMAIL_TO` is (the
 * operator's, for every tenant). Given the database, each raise also reads the alert's tenant's own
 * destinations (`tenants.alert_webhook_url`, `tenants.alert_email`, set by its admin with the budget), so
 * a change applies from the next alert. `raise` de-duplicates per channel through the Counters port
 * (see core/ports/alerts.ts).
 */
import type { Alert } from '../../../core/alerts/alert';
import type { AlertChannel, Alerts, RaiseResult } from '../../../core/ports/alerts';
import type { Counters } from '../../../core/ports/counters';
import type { Mailer } from '../../../core/ports/mailer';
import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { tenants } from '../../../db/schema/index';
import type { AlertsConfig } from '../config';
import type { Logger } from '../log';
import { createEmailAlertChannel } from './email-alert-channel';
import { createLogAlertChannel } from './log-alert-channel';
import { createWebhookAlertChannel } from './webhook-alert-channel';

export type TenantAlertChannels = (tenantId: string) => Promise<AlertChannel[]>;

export function createAlertService(options: { channels: readonly AlertChannel[]; counters: Counters; log: Logger; tenantChannels?: TenantAlertChannels }): Alerts {
  const { channels, counters, log } = options;
  const ownChannels = async (tenantId: string): Promise<AlertChannel[]> => {
    try {
      return (await options.tenantChannels?.(tenantId)) ?? [];
    } catch (error) {
      log.error("a tenant's own alert destinations could not be read; the operator's channels still get the alert", { tenantId, err: error });
      return [];
    }
  };
  return {
    channels: channels.map((c) => c.kind),
    async raise(alert: Alert): Promise<RaiseResult> {
      const result: RaiseResult = { delivered: [], duplicate: [], failed: [] };
      for (const channel of [...channels, ...(await ownChannels(alert.tenantId))]) {
        // One claim per channel and window: the first raise delivers, parallel and later ones do not.
        const claim = `${alert.dedupe.key}:${channel.kind}`;
        if (!(await counters.setIfAbsent(claim, alert.dedupe.ttlSeconds, alert.id))) {
          result.duplicate.push(channel.kind);
          continue;
        }
        try {
          await channel.deliver(alert);
          result.delivered.push(channel.kind);
        } catch (error) {
          // Give the claim back, so the next raise of this condition tries this channel again.
          await counters.clearFlag(claim);
          result.failed.push(channel.kind);
          log.error('an alert channel failed; the alert is in this log and the channel is retried at the next raise', { channel: channel.kind, alertId: alert.id, kind: alert.kind, tenantId: alert.tenantId, err: error });
        }
      }
      return result;
    },
  };
}

export function createAlerts(config: AlertsConfig, options: { log: Logger; mailer: Mailer; counters: Counters; fetch?: typeof fetch; db?: Db }): { alerts: Alerts } {
  const channels: AlertChannel[] = [createLogAlertChannel(options.log)];
  if (config.webhookUrl !== undefined) channels.push(createWebhookAlertChannel({ url: config.webhookUrl }, { fetch: options.fetch }));
  if (config.emailTo.length > 0) channels.push(createEmailAlertChannel({ mailer: options.mailer, to: config.emailTo, log: options.log }));
  const { db } = options;
  const tenantChannels: TenantAlertChannels | undefined =
    db === undefined
      ? undefined
      : async (tenantId) => {
          const [row] = await db.select({ webhookUrl: tenants.alertWebhookUrl, email: tenants.alertEmail }).from(tenants).where(eq(tenants.id, tenantId)).limit(1);
          const own: AlertChannel[] = [];
          // Both were validated when the admin saved them (functions/api/budgets.ts); the webhook's
          // addresses are judged again at each delivery (a name can change what it points at).
          if (row?.webhookUrl) own.push(createWebhookAlertChannel({ url: row.webhookUrl }, { fetch: options.fetch, kind: 'tenant_webhook', targets: config.tenantWebhookTargets }));
          if (row?.email) own.push(createEmailAlertChannel({ mailer: options.mailer, to: [row.email], log: options.log, kind: 'tenant_email' }));
          return own;
        };
  return { alerts: createAlertService({ channels, counters: options.counters, log: options.log, ...(tenantChannels ? { tenantChannels } : {}) }) };
}

