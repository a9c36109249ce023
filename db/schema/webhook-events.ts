/**
 * Every provider and edge callback that passed its signature check, stored before it is processed.
 *
 * Uniqueness is (provider, provider_event_id), the primary key, not provider_event_id alone: each
 * provider mints its ids in its own namespace (Twilio SIDs, SignalHouse delivery ids, our edge's click
 * ids, the sandbox's), so two providers may legitimately produce the same string, and a global key would
 * drop a real event as a "replay". Within one provider the id identifies one delivery of one event
 * (Twilio sends several status callbacks per MessageSid, so its id is `<MessageSid>:<MessageStatus>`;
 * SignalHouse has `X-SignalHouse-Delivery-Id`). A replay hits the key and changes nothing.
 *
 * `tenant_id` is null when the receiving number is unknown: the event is kept and acknowledged, never
 * routed to a tenant by fall-through.
 */
import { index, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { instant, oneOf } from './columns';
import { tenants } from './tenants';

export const webhookProviders = ['twilio', 'signalhouse', 'edge', 'sandbox'] as const;
export type WebhookProvider = (typeof webhookProviders)[number];

export const webhookEvents = pgTable(
  'webhook_events',
  {
    provider: text('provider', { enum: webhookProviders }).notNull(),
    providerEventId: text('provider_event_id').notNull(),
    tenantId: text('tenant_id').references(() => tenants.id),
    /** What the callback is: status, inbound, click, or the provider's own event name when unknown. */
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    /** The provider's timestamp, for webhook lag (provider time → processed). */
    providerTime: instant('provider_time'),
    receivedAt: instant('received_at').notNull().defaultNow(),
    processedAt: instant('processed_at'),
    /** Set when processing failed for good (recorded, acknowledged). */
    error: text('error'),
  },
  (t) => [
    primaryKey({ name: 'webhook_events_pkey', columns: [t.provider, t.providerEventId] }),
    index('webhook_events_received_idx').on(t.receivedAt),
    oneOf('webhook_events_provider_check', t.provider, webhookProviders),
  ],
);
