/**
 * What a provider callback says, read from its wire format into one shape the webhook acts on.
 *
 * Both providers send two kinds of callback to the same endpoint: a status update about a message we
 * sent (our number is the sender) and an inbound message (our number is the recipient). Which number is
 * "ours" matters because it is the only thing a tenant is found by (`sending_numbers.e164`): the
 * payload's account ids, message ids or anything else never choose a tenant.
 *
 * Each callback also gets its `eventId`, the provider-scoped key `webhook_events` deduplicates on:
 * - Twilio sends several status callbacks per message and retries each with the same parameters, so
 *   the id is `<MessageSid>:<status>` (an inbound message is `<MessageSid>:received`).
 * - SignalHouse names each delivery of an event (`X-SignalHouse-Delivery-Id`, the same on its retries);
 *   without that header the id falls back to `<identifier>:<event>`.
 *
 * A signed payload we cannot read is `unreadable`: stored and acknowledged, because a retry carries the
 * same bytes and cannot fix it.
 */
import { z } from 'zod';
import { fromSignalHouseEvent, fromSignalHouseMessageStatus, fromTwilioStatus, type DeliveryStatus } from '../messages/status';
import type { TwilioParams } from '../signatures/twilio';

export type StatusCallback = {
  kind: 'status';
  eventId: string;
  providerMessageId: string;
  status: DeliveryStatus;
  /** The provider's own word for it (`undelivered`, `MESSAGE_FAILED`), kept for the event data. */
  rawStatus: string;
  errorCode: string | null;
  errorMessage: string | null;
  /** Our sending number (E.164), or null when the payload does not say or it is not a phone number. */
  ourNumber: string | null;
  recipient: string | null;
  parts: number | null;
  providerTime: Date | null;
};

export type InboundCallback = {
  kind: 'inbound';
  eventId: string;
  providerMessageId: string;
  /** The person who texted (E.164), or null for a sender that is not a phone number (short code, alphanumeric). */
  from: string | null;
  rawFrom: string;
  /** Our number that received it (E.164), or null when it is not one. */
  ourNumber: string | null;
  body: string;
  parts: number | null;
  providerTime: Date | null;
};

export type OtherCallback = {
  kind: 'unknown' | 'unreadable';
  eventId: string;
  /** The provider's name for what this is (its event or status), or why it could not be read. */
  label: string;
  ourNumber: string | null;
  providerTime: Date | null;
};

export type ProviderCallback = StatusCallback | InboundCallback | OtherCallback;

/** `+61412345678`, `61412345678` or `+1 (415) 867-5309` → `+61412345678`; anything else → null. */
export function toE164(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const trimmed = raw.trim();
  if (!/^\+?[\d\s().-]+$/.test(trimmed)) return null;
  const digits = trimmed.replace(/\D/g, '');
  return /^[1-9]\d{6,14}$/.test(digits) ? `+${digits}` : null;
}

function positiveInt(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : null;
}

/** A provider timestamp in milliseconds, seconds or ISO 8601; null when absent or implausible. */
export function parseProviderTime(value: unknown): Date | null {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value < 1e11 ? value * 1000 : value);
  if (typeof value !== 'string' || value.trim() === '') return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return parseProviderTime(Number(text));
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

const firstOf = (value: string | readonly string[] | undefined): string | undefined => (typeof value === 'string' ? value : value?.[0]);

/**
 * Reads a Twilio Messaging callback (the form parameters; a JSON body's top-level strings are read the
 * same way). Inbound messages carry `Body` and `SmsStatus=received` (no `MessageStatus`); status
 * callbacks carry `MessageStatus`. Twilio sends no event time, so `providerTime` is null.
 */
export function readTwilioCallback(params: TwilioParams): ProviderCallback {
  const sid = firstOf(params.MessageSid) ?? firstOf(params.SmsSid);
  const status = firstOf(params.MessageStatus) ?? firstOf(params.SmsStatus);
  const from = firstOf(params.From);
  const to = firstOf(params.To);
  if (sid === undefined || sid.trim() === '') {
    return { kind: 'unreadable', eventId: `unreadable:${status ?? ''}:${from ?? ''}:${to ?? ''}`, label: 'no MessageSid', ourNumber: toE164(to), providerTime: null };
  }
  const body = firstOf(params.Body);
  const update = status === undefined ? (body === undefined ? null : ({ kind: 'inbound' } as const)) : fromTwilioStatus(status);
  if (update === null) return { kind: 'unreadable', eventId: `${sid}:`, label: 'no MessageStatus', ourNumber: toE164(from), providerTime: null };
  if (update.kind === 'inbound') {
    if (body === undefined) return { kind: 'unknown', eventId: `${sid}:${status ?? 'received'}`, label: status ?? 'received', ourNumber: toE164(to), providerTime: null };
    return {
      kind: 'inbound',
      eventId: `${sid}:received`,
      providerMessageId: sid,
      from: toE164(from),
      rawFrom: from ?? '',
      ourNumber: toE164(to),
      body,
      parts: positiveInt(firstOf(params.NumSegments)),
      providerTime: null,
    };
  }
  if (update.kind === 'unknown') return { kind: 'unknown', eventId: `${sid}:${update.raw}`, label: update.raw, ourNumber: toE164(from), providerTime: null };
  const errorCode = firstOf(params.ErrorCode)?.trim() || null;
  return {
    kind: 'status',
    eventId: `${sid}:${status ?? update.status}`,
    providerMessageId: sid,
    status: update.status,
    rawStatus: status ?? update.status,
    errorCode,
    errorMessage: firstOf(params.ErrorMessage)?.trim() || null,
    ourNumber: toE164(from),
    recipient: toE164(to),
    parts: positiveInt(firstOf(params.NumSegments)),
    providerTime: null,
  };
}

const phoneField = z.union([z.string(), z.number().transform(String), z.array(z.union([z.string(), z.number().transform(String)])).transform((a) => a[0])]).optional();

const signalHouseMessage = z
  .object({
    _id: z.string().optional(),
    status: z.string().optional(),
    senderPhoneNumber: phoneField,
    recipientPhoneNumber: phoneField,
    messageBody: z.string().optional(),
    segmentCount: z.unknown().optional(),
    errorCode: z.union([z.string(), z.number().transform(String)]).nullish(),
    failureReason: z.string().nullish(),
  })
  .loose();

const signalHousePayload = z
  .object({
    timestamp: z.unknown().optional(),
    event: z.string().min(1),
    identifier: z.union([z.string(), z.number().transform(String)]).optional(),
    metaData: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

function outerRecipient(metaData: Record<string, unknown> | undefined): string | undefined {
  const value = metaData?.recipientPhoneNumber ?? metaData?.phoneNumber;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

/**
 * Reads a SignalHouse webhook body `{timestamp, event, identifier, metaData}`. `MESSAGE_RECEIVED` carries
 * the message under `metaData.Message` (`senderPhoneNumber` is the person, `recipientPhoneNumber` our
 * number); the `MESSAGE_*` status events carry the message document itself as `metaData` (`status`,
 * `segmentCount`, `errorCode`, `failureReason`; `senderPhoneNumber` is ours). Phone numbers come without
 * the `+`. Any other event is `unknown`: stored and acknowledged.
 */
export function readSignalHouseCallback(rawBody: string, deliveryId: string | null | undefined): ProviderCallback {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    json = undefined;
  }
  const parsed = signalHousePayload.safeParse(json);
  const dedupe = deliveryId?.trim() || null;
  if (!parsed.success) return { kind: 'unreadable', eventId: dedupe ?? `unreadable:${rawBody.length}:${rawBody.slice(0, 64)}`, label: 'not a SignalHouse event', ourNumber: null, providerTime: null };
  const { event, identifier, metaData } = parsed.data;
  const providerTime = parseProviderTime(parsed.data.timestamp);
  const update = fromSignalHouseEvent(event);
  const nested = metaData?.Message ?? metaData?.message;
  const document = signalHouseMessage.safeParse(update.kind === 'inbound' ? (nested ?? metaData) : metaData);
  const message = document.success ? document.data : undefined;
  const messageId = message?._id ?? identifier;
  const eventId = dedupe ?? `${messageId ?? 'none'}:${event}`;
  if (update.kind === 'inbound') {
    if (message === undefined || messageId === undefined || message.messageBody === undefined || message.senderPhoneNumber === undefined) {
      return { kind: 'unreadable', eventId, label: `${event} without a message`, ourNumber: toE164(message?.recipientPhoneNumber), providerTime };
    }
    return {
      kind: 'inbound',
      eventId,
      providerMessageId: messageId,
      from: toE164(message.senderPhoneNumber),
      rawFrom: message.senderPhoneNumber,
      // Our number is the message's recipient; some payloads carry it beside the message instead.
      ourNumber: toE164(message.recipientPhoneNumber) ?? toE164(outerRecipient(metaData)),
      body: message.messageBody,
      parts: positiveInt(message.segmentCount),
      providerTime,
    };
  }
  // An event we do not know may still carry a message document whose status we do know; we do not
  // guess from it: unknown events are kept for a person to read, never applied.
  if (update.kind === 'unknown' || message === undefined || messageId === undefined) {
    return { kind: 'unknown', eventId, label: event, ourNumber: toE164(message?.senderPhoneNumber), providerTime };
  }
  // The event says what happened; a document status further along (a late MESSAGE_SENT whose document
  // already reads DELIVERED) is not taken from it, so each event moves the message by its own name only.
  const documentStatus = message.status === undefined ? null : fromSignalHouseMessageStatus(message.status);
  return {
    kind: 'status',
    eventId,
    providerMessageId: messageId,
    status: update.status,
    rawStatus: event,
    errorCode: message.errorCode ?? (update.status === 'failed' && documentStatus?.kind === 'status' ? (message.status ?? null) : null),
    errorMessage: message.failureReason ?? null,
    ourNumber: toE164(message.senderPhoneNumber),
    recipient: toE164(message.recipientPhoneNumber),
    parts: positiveInt(message.segmentCount),
    providerTime,
  };
}

/** Webhook lag for the metrics: from the provider's event time to the moment we processed it (never negative). */
export function webhookLagMs(providerTime: Date | null, processedAt: Date): number | null {
  if (providerTime === null) return null;
  return Math.max(0, processedAt.getTime() - providerTime.getTime());
}
