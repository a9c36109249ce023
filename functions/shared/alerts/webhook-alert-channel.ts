/**
 * The webhook channel: `POST <ALERT_WEBHOOK_URL>` with a JSON body (`alertWebhookBody`, version 1:
 * `{type: "revenue_reactor.alert", version: 1, text, alert}`). `text` is top-level so a chat
 * incoming-webhook (Slack, Mattermost, Discord's Slack-compatible endpoint) shows it as is; other
 * receivers parse `alert`. Any 2xx is delivered; anything else, a timeout or a refused connection throws
 * `provider_error` (retryable for 429, 5xx and the network), and the Alerts service retries the channel
 * at the next raise of the same condition.
 *
 * The URL is the secret (as with chat webhooks): keep it out of logs; only its origin is ever printed.
 */
import { z } from 'zod';
import { alertWebhookBody } from '../../../core/alerts/alert';
import { DomainError } from '../../../core/errors';
import type { AlertChannel } from '../../../core/ports/alerts';

export const webhookAlertChannelConfigSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  /** Give up on a receiver that does not answer within this long (ms). */
  timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
});
export type WebhookAlertChannelConfig = z.input<typeof webhookAlertChannelConfigSchema>;

export function createWebhookAlertChannel(config: WebhookAlertChannelConfig, options: { fetch?: typeof fetch; kind?: 'webhook' | 'tenant_webhook' } = {}): AlertChannel {
  const { url, timeoutMs } = webhookAlertChannelConfigSchema.parse(config);
  const doFetch = options.fetch ?? fetch;
  const origin = new URL(url).origin;
  return {
    kind: options.kind ?? 'webhook',
    async deliver(alert) {
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'revenue-reactor-alerts/1' },
          body: JSON.stringify(alertWebhookBody(alert)),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new DomainError('provider_error', `The alert webhook at ${origin} could not be reached.`, { retryable: true, cause: error });
      }
      // Drain the body so the connection can be reused; its content does not matter.
      await response.text().catch(() => '');
      if (response.status >= 200 && response.status < 300) return;
      throw new DomainError('provider_error', `The alert webhook at ${origin} answered HTTP ${response.status}.`, {
        retryable: response.status === 429 || response.status >= 500,
        details: { status: response.status },
      });
    },
  };
}
