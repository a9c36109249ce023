/**
 * The delivery state machine of an outbound message (a send job), and how each provider's words map
 * onto it.
 *
 *   queued ──► sent ──► delivered
 *                  └──► failed
 *
 * Status only moves forward. Providers retry and reorder callbacks (Twilio may post `sent` after
 * `delivered`; a retried SignalHouse delivery may arrive minutes late), so a callback that would move
 * a message back is ignored rather than applied: `nextStatus` is the only way status changes on a
 * callback. `delivered` and `failed` are both final: once a handset confirmed delivery, a later failure
 * report is noise, and once a carrier gave up, nothing revives the message.
 *
 * The job statuses mirror `send_jobs.status` (db/schema/send-jobs.ts); the ones before the provider
 * call (queued, deferred, sending, reconcile) all rank below `sent`, so the first callback proves the
 * provider had the message, which is exactly what a job in `reconcile` needs to learn.
 */
export const jobStatuses = ['queued', 'deferred', 'sending', 'sent', 'delivered', 'failed', 'skipped', 'cancelled', 'reconcile'] as const;
export type JobStatus = (typeof jobStatuses)[number];

/** What a provider can tell us about a message it has. */
export const deliveryStatuses = ['queued', 'sent', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

const rank: Record<JobStatus, number> = {
  queued: 0,
  deferred: 0,
  // Claimed, or crashed around the provider call: the provider may or may not have it.
  sending: 1,
  reconcile: 1,
  sent: 2,
  delivered: 3,
  failed: 3,
  // Never handed to a provider: no callback can concern them.
  skipped: 3,
  cancelled: 3,
};

const finalStatuses: ReadonlySet<JobStatus> = new Set(['delivered', 'failed', 'skipped', 'cancelled']);

export function isFinalStatus(status: JobStatus): boolean {
  return finalStatuses.has(status);
}

/** The status after a provider reports `incoming`: `current` unless that is a step forward. */
export function nextStatus(current: JobStatus, incoming: DeliveryStatus): JobStatus {
  if (finalStatuses.has(current)) return current;
  return rank[incoming] > rank[current] ? incoming : current;
}

/** The event recorded when a job reaches a delivery status (`events.type`). */
export function eventTypeFor(status: Exclude<DeliveryStatus, 'queued'>): 'SENT' | 'DELIVERED' | 'FAILED';
export function eventTypeFor(status: DeliveryStatus): 'QUEUED' | 'SENT' | 'DELIVERED' | 'FAILED';
export function eventTypeFor(status: DeliveryStatus): 'QUEUED' | 'SENT' | 'DELIVERED' | 'FAILED' {
  return status.toUpperCase() as 'QUEUED' | 'SENT' | 'DELIVERED' | 'FAILED';
}

/** What a provider callback is about. */
export type ProviderUpdate = { kind: 'status'; status: DeliveryStatus } | { kind: 'inbound' } | { kind: 'unknown'; raw: string };

/**
 * Twilio `MessageStatus` values (Messaging API "Message status values"). `partially_delivered` is a
 * multi-part message of which some parts arrived: it proves the message left, not that it was read
 * whole, so it counts as `sent`. `canceled` is a scheduled message that never left: failed.
 */
const twilioStatuses: Record<string, ProviderUpdate> = {
  accepted: { kind: 'status', status: 'queued' },
  scheduled: { kind: 'status', status: 'queued' },
  queued: { kind: 'status', status: 'queued' },
  sending: { kind: 'status', status: 'queued' },
  sent: { kind: 'status', status: 'sent' },
  partially_delivered: { kind: 'status', status: 'sent' },
  delivered: { kind: 'status', status: 'delivered' },
  read: { kind: 'status', status: 'delivered' },
  undelivered: { kind: 'status', status: 'failed' },
  failed: { kind: 'status', status: 'failed' },
  canceled: { kind: 'status', status: 'failed' },
  receiving: { kind: 'inbound' },
  received: { kind: 'inbound' },
};

export function fromTwilioStatus(messageStatus: string): ProviderUpdate {
  return twilioStatuses[messageStatus.trim().toLowerCase()] ?? { kind: 'unknown', raw: messageStatus };
}

/**
 * SignalHouse webhook events (`event`), and the `status` of its message documents (a 201 send answer
 * can carry a FAILED message, and `MESSAGE_*` callbacks carry the document in `metaData`). Anything
 * else is stored and acknowledged by the webhook, not guessed at here.
 */
const signalHouseEvents: Record<string, ProviderUpdate> = {
  MESSAGE_RECEIVED: { kind: 'inbound' },
  MESSAGE_QUEUED: { kind: 'status', status: 'queued' },
  MESSAGE_ENQUEUED: { kind: 'status', status: 'queued' },
  MESSAGE_SENT: { kind: 'status', status: 'sent' },
  MESSAGE_DELIVERED: { kind: 'status', status: 'delivered' },
  MESSAGE_FAILED: { kind: 'status', status: 'failed' },
  MESSAGE_UNDELIVERED: { kind: 'status', status: 'failed' },
};

const signalHouseMessageStatuses: Record<string, DeliveryStatus> = {
  PENDING: 'queued',
  QUEUED: 'queued',
  ENQUEUED: 'queued',
  ACCEPTED: 'queued',
  SENDING: 'queued',
  SENT: 'sent',
  DELIVERED: 'delivered',
  FAILED: 'failed',
  UNDELIVERED: 'failed',
  REJECTED: 'failed',
  EXPIRED: 'failed',
};

export function fromSignalHouseEvent(event: string): ProviderUpdate {
  return signalHouseEvents[event.trim().toUpperCase()] ?? { kind: 'unknown', raw: event };
}

export function fromSignalHouseMessageStatus(status: string): ProviderUpdate {
  const mapped = signalHouseMessageStatuses[status.trim().toUpperCase()];
  return mapped === undefined ? { kind: 'unknown', raw: status } : { kind: 'status', status: mapped };
}
