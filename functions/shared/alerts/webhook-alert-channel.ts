/**
 * The webhook channel: `POST <ALERT_WEBHOOK_URL>` with a JSON body (`alertWebhookBody`, version 1:
 * `{type: "revenue_reactor.alert", version: 1, text, alert}`). `text` is top-level so a chat
 * incoming-webhook (Slack, Mattermost, Discord's Slack-compatible endpoint) shows it as is; other
 * receivers parse `alert`. Any 2xx is delivered; anything else, a timeout or a refused connection throws
 * `provider_error` (retryable for 429, 5xx and the network), and the Alerts service retries the channel
 * at the next raise of the same condition.
 *
 * The URL is the secret (as with chat webhooks): keep it out of logs; only its origin is ever printed.
 *
 * A tenant's own webhook (`kind: 'tenant_webhook'`) is set by the tenant's admin, not by the operator, so
 * it never follows a redirect, and with `targets: 'public_only'` (production) it is called only when its
 * name resolves to public addresses alone (core/net/public-address.ts), checked at each delivery: an
 * admin must not be able to make the server POST into its own network or a cloud metadata service.
 * (The check and the connection resolve the name separately; a name that changes its answer in
 * between is not caught. The platform's egress rules are the second fence.)
 */
import { lookup } from 'node:dns/promises';
import { z } from 'zod';
import { alertWebhookBody } from '../../../core/alerts/alert';
import { DomainError } from '../../../core/errors';
import { judgeAddress, publicTargetProblem } from '../../../core/net/public-address';
import type { AlertChannel } from '../../../core/ports/alerts';
import type { AlertsConfig } from '../config';

/** Where a tenant's webhook may point: anywhere (local), or public addresses only (production). */
export type WebhookTargets = AlertsConfig['tenantWebhookTargets'];

/** Resolves a host name to all its addresses (the system resolver unless a test gives another). */
export type ResolveHost = (host: string) => Promise<string[]>;
const systemResolve: ResolveHost = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Throws unless every address `url`'s host stands for is public. */
export async function assertPublicTarget(url: string, resolve: ResolveHost = systemResolve): Promise<void> {
  const { origin, hostname } = new URL(url);
  const refuse = (why: string) => new DomainError('provider_error', `The alert webhook at ${origin} was not called: it ${why}.`, { retryable: false, details: { reason: 'target_not_public' } });
  const problem = publicTargetProblem(url);
  if (problem !== undefined) throw refuse(problem);
  if (judgeAddress(hostname).public) return;
  let addresses: string[];
  try {
    addresses = await resolve(hostname);
  } catch (error) {
    throw new DomainError('provider_error', `The alert webhook at ${origin} could not be reached: its name did not resolve.`, { retryable: true, cause: error });
  }
  if (addresses.length === 0 || !addresses.every((a) => judgeAddress(a).public)) throw refuse('resolves to an address of this server or its network');
}

export const webhookAlertChannelConfigSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  /** Give up on a receiver that does not answer within this long (ms). */
  timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
});
export type WebhookAlertChannelConfig = z.input<typeof webhookAlertChannelConfigSchema>;

export function createWebhookAlertChannel(
  config: WebhookAlertChannelConfig,
  options: { fetch?: typeof fetch; kind?: 'webhook' | 'tenant_webhook'; targets?: WebhookTargets } = {},
): AlertChannel {
  const { url, timeoutMs } = webhookAlertChannelConfigSchema.parse(config);
  const doFetch = options.fetch ?? fetch;
  const origin = new URL(url).origin;
  const kind = options.kind ?? 'webhook';
  const tenants = kind === 'tenant_webhook';
  return {
    kind,
    async deliver(alert) {
      if (tenants && options.targets === 'public_only') await assertPublicTarget(url);
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'revenue-reactor-alerts/1' },
          body: JSON.stringify(alertWebhookBody(alert)),
          signal: AbortSignal.timeout(timeoutMs),
          // A redirect would take a tenant's alert (and the check above) somewhere else.
          redirect: tenants ? 'error' : 'follow',
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
