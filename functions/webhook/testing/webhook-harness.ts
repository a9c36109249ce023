/**
 * Test scaffolding for the `webhook` function: the API harness (throw-away database, hand-moved clock)
 * plus the real webhook app built on the same services, whose SMS adapters post their callbacks
 * straight into that app (the sandbox's `deliverDueCallbacks` travels the signed path in-process, as it
 * does over HTTP in `npm start`). Signing helpers use the keys the webhook verifies with: the sandbox's
 * own secrets (no provider keys are configured here).
 */
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { addDays, fromLocal, toLocal, weekdayOf } from '../../../core/gates/zoned-time';
import { newId } from '../../../core/ids';
import { signalHouseHeaders, signalHouseSignature } from '../../../core/signatures/signalhouse';
import { twilioSignature, twilioSignatureHeader } from '../../../core/signatures/twilio';
import { sendingNumbers, sendJobs, type tenants } from '../../../db/schema/index';
import { createTestTenant } from '../../../db/testing';
import { startApiHarness, type ApiHarness } from '../../api/testing/api-harness';
import type { FunctionApp } from '../../shared/app';
import { buildFunctionApp } from '../../shared/compose';
import type { Services } from '../../shared/services';
import { createSms } from '../../shared/sms/create-sms';
import type { SandboxWebhookSecrets } from '../../shared/sms/sandbox-callbacks';

// No port: Twilio's standard-port variants (`:443`) apply to it.
export const publicUrl = 'https://reactor.example';
export const twilioUrl = `${publicUrl}/api/webhooks/twilio`;
export const signalHouseUrl = `${publicUrl}/api/webhooks/signalhouse`;

export type WebhookHarness = {
  api: ApiHarness;
  services: Services;
  app: FunctionApp;
  secrets: SandboxWebhookSecrets;
  /** Twilio form post, signed for `url` (default the public Twilio webhook URL) with `token` (default ours). */
  postTwilio(params: Record<string, string>, options?: { url?: string; token?: string; signature?: string | null; sign?: (url: string) => string }): Promise<Response>;
  /** SignalHouse JSON post, signed with `secret` (default ours) at `timestampMs` (default now). */
  postSignalHouse(body: unknown, options?: { secret?: string; timestampMs?: number; deliveryId?: string | null; rawBody?: string; tamper?: (raw: string) => string }): Promise<Response>;
  /** A tenant with one sandbox number per route (bulk imitating SignalHouse, conversation imitating Twilio). */
  newTenant(overrides?: Partial<Omit<typeof tenants.$inferInsert, 'id'>>, numbers?: { providerSendsStopConfirmation?: boolean }): Promise<{
    tenantId: string;
    name: string;
    adminEmail: string;
    bulk: typeof sendingNumbers.$inferSelect;
    conversation: typeof sendingNumbers.$inferSelect;
  }>;
  close(): Promise<void>;
};

let seq = 0;
/** Sending numbers unique per call across test files sharing one PostgreSQL (`sending_numbers_e164_key`). */
export function uniqueSendingNumber(): string {
  return `+61498${String((randomBytes(3).readUIntBE(0, 3) * 7 + seq++) % 1_000_000).padStart(6, '0')}`;
}

/** `env`: more settings for the API harness (an `ALERT_WEBHOOK_URL`, say); `PUBLIC_URL` stays the one above. */
export async function startWebhookHarness(options: { env?: Record<string, string> } = {}): Promise<WebhookHarness> {
  const api = await startApiHarness({ env: { ...options.env, PUBLIC_URL: publicUrl } });
  const holder: { app?: FunctionApp } = {};
  // The sandbox's callbacks go to the webhook app in-process (its URLs are the public ones above).
  const toWebhook: typeof fetch = async (input, init) => {
    if (holder.app === undefined) throw new Error('webhook app not built yet');
    return holder.app.fetch(new Request(input, init));
  };
  const random = (length: number) => new Uint8Array(randomBytes(length));
  const services: Services = { ...api.services, ...createSms(api.services.config, { db: api.db, log: api.services.log, now: api.now, random, fetch: toWebhook }) };
  const app = buildFunctionApp('webhook', services);
  holder.app = app;
  const secrets = services.sms.sandbox?.webhookSecrets;
  if (secrets === undefined) throw new Error('the webhook harness expects the sandbox on both routes');

  const postTwilio: WebhookHarness['postTwilio'] = async (params, options = {}) => {
    const url = options.url ?? twilioUrl;
    const signature = options.signature === undefined ? await twilioSignature(options.token ?? secrets.twilioAuthToken, url, params) : options.signature;
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (signature !== null) headers[twilioSignatureHeader] = signature;
    return app.request(url, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
  };

  const postSignalHouse: WebhookHarness['postSignalHouse'] = async (body, options = {}) => {
    const raw = options.rawBody ?? JSON.stringify(body);
    const timestamp = String(options.timestampMs ?? api.now().getTime());
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [signalHouseHeaders.timestamp]: timestamp,
      [signalHouseHeaders.signature]: await signalHouseSignature(options.secret ?? secrets.signalHouseSecret, timestamp, raw),
    };
    if (options.deliveryId !== null) headers[signalHouseHeaders.deliveryId] = options.deliveryId ?? `dlv_${randomBytes(8).toString('hex')}`;
    return app.request(signalHouseUrl, { method: 'POST', headers, body: options.tamper ? options.tamper(raw) : raw });
  };

  return {
    api,
    services,
    app,
    secrets,
    postTwilio,
    postSignalHouse,
    async newTenant(overrides = {}, numbers = {}) {
      const { tenant, admin } = await createTestTenant(api.db, { name: 'Acme Realty', ...overrides });
      const at = api.now();
      const add = async (use: 'bulk' | 'conversation') => {
        const [row] = await api.db
          .insert(sendingNumbers)
          .values({ id: newId('sendingNumber', at.getTime(), random(10)), tenantId: tenant.id, e164: uniqueSendingNumber(), provider: 'sandbox', use, providerSendsStopConfirmation: numbers.providerSendsStopConfirmation ?? false })
          .returning();
        if (row === undefined) throw new Error('no sending number inserted');
        return row;
      };
      return { tenantId: tenant.id, name: tenant.name, adminEmail: admin.email, bulk: await add('bulk'), conversation: await add('conversation') };
    },
    close: () => api.close(),
  };
}

/**
 * A queued campaign of `count` new contacts through the real API (templates, campaign on the tenant's
 * bulk number, queue). Returns the campaign and the contacts in job order.
 */
export async function queueCampaign(
  h: WebhookHarness,
  tenant: { tenantId: string; adminEmail: string; bulk: { id: string } },
  contacts: { id: string; phone: string }[],
): Promise<{ campaignId: string; jobs: { id: string; contactId: string; toE164: string }[] }> {
  const session = await h.api.login(tenant.adminEmail);
  const template = await h.api.request('/api/templates', { json: { name: 'Offer', body: 'Hi {first_name|there}, a quick offer for you.' }, as: session });
  if (template.status !== 201) throw new Error(await template.text());
  const templateId = ((await template.json()) as { id: string }).id;
  const created = await h.api.request('/api/campaigns', { json: { name: 'Offer', templateIds: [templateId], sendingNumberIds: [tenant.bulk.id] }, as: session });
  if (created.status !== 201) throw new Error(await created.text());
  const campaignId = ((await created.json()) as { id: string }).id;
  const queued = await h.api.request(`/api/campaigns/${campaignId}/queue`, { method: 'POST', as: session });
  if (queued.status !== 202) throw new Error(await queued.text());
  const jobs = await h.api.db
    .select({ id: sendJobs.id, contactId: sendJobs.contactId, toE164: sendJobs.toE164 })
    .from(sendJobs)
    .where(and(eq(sendJobs.tenantId, tenant.tenantId), eq(sendJobs.campaignId, campaignId)));
  const order = new Map(contacts.map((c, i) => [c.id, i]));
  return { campaignId, jobs: jobs.sort((a, b) => (order.get(a.contactId) ?? 0) - (order.get(b.contactId) ?? 0)) };
}

/** Moves the clock to the next Tuesday 11:00 in Sydney: inside the sending window of AU contacts. */
export function advanceToSendingHours(h: WebhookHarness): void {
  const zone = 'Australia/Sydney';
  const now = h.api.now();
  let date = (({ year, month, day }) => ({ year, month, day }))(toLocal(now, zone));
  for (let i = 0; i < 15; i++) {
    const at = fromLocal({ ...date, hour: 11, minute: 0 }, zone);
    if (weekdayOf(date) === 2 && at.getTime() > now.getTime()) {
      h.api.advance(at.getTime() - now.getTime());
      return;
    }
    date = addDays(date, 1);
  }
  throw new Error('no Tuesday within two weeks');
}

/** The number row again (tests change its settings). */
export async function reloadNumber(h: WebhookHarness, tenantId: string, id: string) {
  const [row] = await h.api.db.select().from(sendingNumbers).where(and(eq(sendingNumbers.tenantId, tenantId), eq(sendingNumbers.id, id)));
  return row;
}
