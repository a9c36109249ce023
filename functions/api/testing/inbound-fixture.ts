/**
 * Test data for the inbox: an inbound text written the way the webhook records one (db/schema/events.ts
 * and conversations.ts): an `INBOUND` event (data: body, from, to, providerMessageId, parts) and the
 * contact's thread summary moved forward with one more unread message, in one transaction. Tests of the
 * inbox use it where they need a contact who wrote, without depending on a signed provider callback.
 */
import { sql } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { newId } from '../../../core/ids';
import { countSegments } from '../../../core/messages/segments';
import type { Db } from '../../../db/client';
import { conversations, events } from '../../../db/schema/index';

export async function recordInboundMessage(
  db: Db,
  input: { tenantId: string; contactId: string; from: string; to: string; body: string; at: Date },
): Promise<{ eventId: string; providerMessageId: string }> {
  const eventId = newId('event', input.at.getTime(), new Uint8Array(randomBytes(10)));
  const providerMessageId = `SM${randomBytes(16).toString('hex')}`;
  await db.transaction(async (tx) => {
    await tx.insert(events).values({
      id: eventId,
      tenantId: input.tenantId,
      type: 'INBOUND',
      contactId: input.contactId,
      occurredAt: input.at,
      data: { body: input.body, from: input.from, to: input.to, providerMessageId, parts: countSegments(input.body).parts },
      dedupeKey: `INBOUND:${providerMessageId}`,
    });
    await tx
      .insert(conversations)
      .values({ contactId: input.contactId, tenantId: input.tenantId, lastMessageAt: input.at, lastInboundAt: input.at, unreadCount: 1, updatedAt: input.at })
      .onConflictDoUpdate({
        target: conversations.contactId,
        set: {
          lastMessageAt: sql`greatest(${conversations.lastMessageAt}, excluded.last_message_at)`,
          lastInboundAt: sql`greatest(${conversations.lastInboundAt}, excluded.last_inbound_at)`,
          unreadCount: sql`${conversations.unreadCount} + 1`,
          updatedAt: input.at,
        },
      });
  });
  return { eventId, providerMessageId };
}
