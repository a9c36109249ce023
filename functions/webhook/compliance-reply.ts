/**
 * Answers to STOP, START and HELP: sent from the number that received the text, through the adapter
 * certified for that number's route (a bulk number's answer goes through the bulk sender, a
 * conversation number's through the 1:1 sender; core/routing.ts `routeOfNumber`). They are not send
 * jobs: a conversation job on a bulk number would break the routing rule, and a campaign job needs a
 * campaign. They skip the gates on purpose: a confirmation to a number that just opted out is what the
 * law asks for, and a HELP answer is owed whatever the budget.
 *
 * At most once per inbound message: the claim is a Counters flag keyed by the provider's event id
 * (`setIfAbsent`, kept 7 days, longer than any provider retries a callback), taken before the call.
 * - A replayed or retried callback finds the claim and sends nothing.
 * - When the provider certainly did not take the message (connection refused, 429, 5xx), the claim is
 *   given back and the webhook answers 503, so the provider's retry sends it then.
 * - When the outcome is unknown (a timeout after the request left), the claim stays: a missing
 *   confirmation is better than two.
 * What happened is recorded as an event on the contact's timeline: `SENT` (or `FAILED`) with no
 * campaign and no send job, `data.reply` naming the kind of answer.
 */
import { sql } from 'drizzle-orm';
import { newId } from '../../core/ids';
import { smsErrorDetails, type SmsSendResult } from '../../core/ports/sms-provider';
import { routeOfNumber } from '../../core/routing';
import type { ReplyKind } from '../../core/webhooks/inbound-decision';
import { conversations, events, type sendingNumbers } from '../../db/schema/index';
import type { Logger } from '../shared/log';
import type { BulkAdapter, ConversationAdapter } from '../shared/sms/create-sms';
import type { WebhookServices } from './process-callback';

export type ReplyOutcome = 'sent' | 'refused' | 'already_answered' | 'not_sendable' | 'retry_later' | 'unknown';

/** Kept longer than Twilio (up to a day with its retry policy) or SignalHouse retry a callback. */
const claimTtlSeconds = 7 * 86_400;

function webhookPathOf(adapter: BulkAdapter | ConversationAdapter): 'twilio' | 'signalhouse' {
  if ('imitates' in adapter) return adapter.imitates;
  return adapter.provider;
}

export async function sendComplianceReply(
  services: WebhookServices,
  input: {
    number: typeof sendingNumbers.$inferSelect;
    to: string;
    kind: ReplyKind;
    body: string;
    contactId: string;
    /** The claim's scope: one answer per inbound callback. */
    claimKey: string;
    inboundMessageId: string;
    correlationId: string | null;
    log: Logger;
  },
): Promise<ReplyOutcome> {
  const { number, log } = input;
  const route = routeOfNumber(number);
  if (route === null) {
    log.error('compliance reply not sent: the receiving number has no valid route', { numberId: number.id, provider: number.provider, use: number.use });
    return 'not_sendable';
  }
  const adapter: BulkAdapter | ConversationAdapter = route === 'bulk' ? services.sms.bulk.adapter : services.sms.conversation.adapter;
  // The sandbox stands in for a provider whose keys are not set; a real adapter sends only from its own numbers.
  if (!adapter.sandbox && adapter.provider !== number.provider) {
    log.error('compliance reply not sent: the number belongs to a provider this deployment does not send through', { numberId: number.id, numberProvider: number.provider, adapter: adapter.provider });
    return 'not_sendable';
  }
  if (!(await services.counters.setIfAbsent(input.claimKey, claimTtlSeconds, 'claimed'))) return 'already_answered';

  let result: SmsSendResult;
  try {
    result = await adapter.send({
      from: number.e164,
      to: input.to,
      body: input.body,
      statusCallbackUrl: `${services.config.publicUrl.replace(/\/+$/, '')}/api/webhooks/${webhookPathOf(adapter)}`,
      idempotencyKey: input.claimKey,
    });
  } catch (error) {
    const details = smsErrorDetails(error);
    if (details !== undefined && !details.maybeAccepted) {
      await services.counters.clearFlag(input.claimKey);
      log.warn('compliance reply: provider unavailable; the callback is answered 503 so its retry sends it', { kind: input.kind, err: error });
      return 'retry_later';
    }
    log.error('compliance reply: the provider call ended without an answer; not retried (never sent twice)', { kind: input.kind, err: error });
    return 'unknown';
  }

  const at = services.now();
  const accepted = result.kind === 'accepted';
  await services.db.transaction(async (tx) => {
    await tx
      .insert(events)
      .values({
        id: newId('event', at.getTime(), services.random(10)),
        tenantId: number.tenantId,
        type: accepted ? 'SENT' : 'FAILED',
        contactId: input.contactId,
        occurredAt: at,
        data: {
          reply: input.kind,
          body: input.body,
          from: number.e164,
          to: input.to,
          provider: adapter.provider,
          sandbox: result.sandbox,
          inReplyTo: input.inboundMessageId,
          ...(result.kind === 'accepted' ? { providerMessageId: result.providerMessageId, parts: result.parts ?? null } : { kind: result.kind, code: result.code, message: result.message }),
        },
        correlationId: input.correlationId,
        dedupeKey: `REPLY:${input.claimKey}`,
      })
      .onConflictDoNothing();
    if (accepted) {
      await tx
        .insert(conversations)
        .values({ contactId: input.contactId, tenantId: number.tenantId, lastMessageAt: at, lastOutboundAt: at, unreadCount: 0, updatedAt: at })
        .onConflictDoUpdate({
          target: conversations.contactId,
          set: {
            lastOutboundAt: sql`greatest(${conversations.lastOutboundAt}, excluded.last_outbound_at)`,
            lastMessageAt: sql`greatest(${conversations.lastMessageAt}, excluded.last_message_at)`,
            updatedAt: at,
          },
        });
    }
  });
  if (result.kind !== 'accepted') log.warn('compliance reply refused by the provider', { kind: input.kind, code: result.code, refusal: result.kind });
  return accepted ? 'sent' : 'refused';
}
