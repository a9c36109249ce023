/**
 * Conversations: the 1:1 inbox (contract: shared/API.md "Conversations"; decisions in
 * docs/conversations.md). A thread is a contact; its messages are the contact's outbound `send_jobs`
 * (campaign messages that went out and 1:1 replies) and `INBOUND` events, oldest first. The
 * `conversations` row is only the thread's summary (activity, unread count), written by the webhook on
 * inbound and here on replies.
 *
 * - `GET /conversations?unread=true&cursor=&limit=` → `{threads, nextCursor, unreadThreads}` newest
 *   activity first, each with the contact, `unreadCount` and `lastMessage` (direction, body, tick).
 * - `GET /conversations/:contactId` → `{contact, thread, messages, timeline}`: messages both ways, newest
 *   last, with status ticks (queued / sent / delivered / failed); the contact's timeline (events,
 *   oldest first) beside it. Any contact of the tenant has a thread, possibly empty.
 * - `POST /conversations/:contactId/read` → `{unreadCount: 0, lastReadAt}`.
 * - `POST /conversations/:contactId/messages {body, clientMessageId}` → `202 {id, status, message}`. A
 *   conversation send job is written (one per `clientMessageId` per tenant) and sent right away through
 *   the 1:1 route (functions/send/send-conversation.ts); `status` is the job's status when the answer
 *   leaves (`sent`, `failed` with `message.errorCode`, or `queued` when it is still under way). The same
 *   `clientMessageId` again sends nothing and answers the same message (a different text or contact
 *   under that id is a 409 `idempotency_conflict`).
 * - `POST /conversations/:contactId/messages/:messageId/retry` → `202 {id, status, message}`: another
 *   attempt with the same text for a reply that did not go (`failed` or `skipped`); on any other
 *   status it changes nothing and answers the message as it is, so a double click sends once.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { canRetry, messageTick, notSentReason, type JobStatus, type MessageTick } from '../../core/conversations/message-tick';
import { DomainError } from '../../core/errors';
import { newId } from '../../core/ids';
import { pageLimitSchema } from '../../core/page-cursor';
import { queryRows } from '../../db/client';
import { campaigns, contacts, conversations, events, sendJobs } from '../../db/schema/index';
import { sendConversation, type ConversationSenderDeps } from '../send/send-conversation';
import type { StaffEnv } from '../shared/auth/staff-access';
import { allOf } from '../shared/auth/tenant-scope';
import type { AreaServices } from './area-services';
import { jsonBody } from './json-body';

/** Twilio's limit for one message body (it splits into parts itself). */
const maxBodyLength = 1_600;
const threadMessageLimit = 200;
const timelineLimit = 100;

const contactIdSchema = z.string().min(1).max(64);
const replySchema = z.strictObject({
  body: z
    .string()
    .max(maxBodyLength, `A message has at most ${maxBodyLength} characters.`)
    .refine((s) => s.trim().length > 0, 'Write something first.'),
  clientMessageId: z
    .string()
    .min(8)
    .max(100)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only'),
});
const listSchema = z.object({ unread: z.enum(['true', 'false']).optional(), cursor: z.string().max(300).optional(), limit: pageLimitSchema });

type JobRow = typeof sendJobs.$inferSelect;

export type MessageView = {
  id: string;
  direction: 'inbound' | 'outbound';
  body: string;
  at: string;
  /** Outbound only: the status mark, the raw job status and what happened. */
  tick: MessageTick | null;
  status: JobStatus | null;
  /** `auto`: a STOP / START / HELP answer the webhook sent on its own (an event, not a send job). */
  kind: 'campaign' | 'conversation' | 'auto' | null;
  /** Inbound only: the keyword the text was read as (`opt_out`, `opt_in`, `help`), if any. */
  intent: string | null;
  campaignId: string | null;
  clientMessageId: string | null;
  from: string | null;
  to: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** A person-readable line for a message that did not go (or whose outcome is unknown). */
  problem: string | null;
  canRetry: boolean;
  attempts: number;
  sentAt: string | null;
  deliveredAt: string | null;
  failedAt: string | null;
};

function outboundAt(job: Pick<JobRow, 'kind' | 'createdAt' | 'sentAt' | 'claimedAt'>): Date {
  // A reply stands where the person wrote it; a campaign message where it went out (queued hours earlier, maybe).
  return job.kind === 'conversation' ? job.createdAt : (job.sentAt ?? job.claimedAt ?? job.createdAt);
}

function problemOf(job: Pick<JobRow, 'status' | 'errorCode' | 'skipReason'>): string | null {
  if (job.status === 'failed') return notSentReason(job.errorCode);
  if (job.status === 'skipped' || job.status === 'cancelled') return notSentReason(job.skipReason);
  if (job.status === 'reconcile') return 'Outcome unknown: the provider may have it; it will not be resent';
  return null;
}

export function jobMessageView(job: JobRow, fromE164: string | null = null): MessageView {
  return {
    id: job.id,
    direction: 'outbound',
    body: job.body ?? '',
    at: outboundAt(job).toISOString(),
    tick: messageTick(job.status),
    status: job.status,
    kind: job.kind,
    campaignId: job.campaignId,
    clientMessageId: job.clientMessageId,
    from: fromE164,
    to: job.toE164,
    errorCode: job.errorCode,
    errorMessage: job.errorMessage,
    intent: null,
    problem: problemOf(job),
    canRetry: canRetry(job.kind, job.status),
    attempts: job.attempts,
    sentAt: job.sentAt?.toISOString() ?? null,
    deliveredAt: job.deliveredAt?.toISOString() ?? null,
    failedAt: job.failedAt?.toISOString() ?? null,
  };
}

/** What the webhook writes into an `INBOUND` event's data (db/schema/events.ts); read leniently. */
const inboundData = z
  .object({ body: z.string().catch(''), from: z.string().nullish().catch(null), to: z.string().nullish().catch(null), intent: z.string().nullish().catch(null) })
  .catch({ body: '', from: null, to: null, intent: null });
/** What the webhook writes into the `SENT` / `FAILED` event of a compliance answer (functions/webhook/compliance-reply.ts). */
const autoReplyData = z
  .object({ reply: z.string(), body: z.string().catch(''), from: z.string().nullish().catch(null), to: z.string().nullish().catch(null), code: z.string().nullish().catch(null), message: z.string().nullish().catch(null) })
  .nullable()
  .catch(null);

function autoReplyView(event: typeof events.$inferSelect): MessageView | null {
  const data = autoReplyData.parse(event.data);
  if (data === null) return null;
  const failed = event.type === 'FAILED';
  return {
    id: event.id,
    direction: 'outbound',
    body: data.body,
    at: event.occurredAt.toISOString(),
    tick: failed ? 'failed' : 'sent',
    status: failed ? 'failed' : 'sent',
    kind: 'auto',
    intent: data.reply,
    campaignId: null,
    clientMessageId: null,
    from: data.from ?? null,
    to: data.to ?? null,
    errorCode: failed ? (data.code ?? null) : null,
    errorMessage: failed ? (data.message ?? null) : null,
    problem: failed ? notSentReason(data.code ?? null) : null,
    canRetry: false,
    attempts: 1,
    sentAt: failed ? null : event.occurredAt.toISOString(),
    deliveredAt: null,
    failedAt: failed ? event.occurredAt.toISOString() : null,
  };
}

function inboundView(event: typeof events.$inferSelect): MessageView {
  const data = inboundData.parse(event.data);
  return {
    id: event.id,
    direction: 'inbound',
    body: data.body,
    at: event.occurredAt.toISOString(),
    tick: null,
    status: null,
    kind: null,
    intent: data.intent ?? null,
    campaignId: event.campaignId,
    clientMessageId: null,
    from: data.from ?? null,
    to: data.to ?? null,
    errorCode: null,
    errorMessage: null,
    problem: null,
    canRetry: false,
    attempts: 0,
    sentAt: null,
    deliveredAt: null,
    failedAt: null,
  };
}

function contactView(c: typeof contacts.$inferSelect) {
  const name = [c.firstName, c.lastName].filter((p): p is string => p !== null && p.trim() !== '').join(' ');
  return { id: c.id, name: name === '' ? null : name, phoneE164: c.phoneE164, email: c.email, country: c.country, timezone: c.timezone, tags: c.tags };
}

/** Outbound jobs that belong in a thread: replies always; campaign messages once they reached the send step. */
const threadJob = sql`(${sendJobs.kind} = 'conversation' or ${sendJobs.status} in ('sending', 'sent', 'delivered', 'failed', 'reconcile')) and ${sendJobs.body} is not null`;

const cursorSchema = z.object({ at: z.string().datetime(), id: z.string().min(1).max(64) });

function encodeThreadCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify({ at: at.toISOString(), id })).toString('base64url');
}

function decodeThreadCursor(cursor: string): z.infer<typeof cursorSchema> {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new DomainError('bad_request', 'That page cursor is not valid; start from the first page.');
  }
}

const threadRow = z.object({
  contact_id: z.string(),
  last_message_at: z.union([z.string(), z.date()]),
  unread_count: z.number().int(),
  last_read_at: z.union([z.string(), z.date()]).nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  phone_e164: z.string(),
  direction: z.enum(['inbound', 'outbound']).nullable(),
  body: z.string().nullable(),
  status: z.string().nullable(),
  at: z.union([z.string(), z.date()]).nullable(),
});

const iso = (value: string | Date) => new Date(value).toISOString();
const jobStatusSchema = z.enum(['queued', 'deferred', 'sending', 'sent', 'delivered', 'failed', 'skipped', 'cancelled', 'reconcile']);

export function conversationsRoutes(_services: AreaServices, sender: ConversationSenderDeps): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  const { db } = sender;

  app.get('/conversations', async (c) => {
    const query = listSchema.parse(c.req.query());
    const { scope } = c.var.staff;
    const after = query.cursor === undefined ? null : decodeThreadCursor(query.cursor);
    const rows = await queryRows(
      db,
      sql`select t.contact_id, t.last_message_at, t.unread_count, t.last_read_at, k.first_name, k.last_name, k.phone_e164,
                 m.direction, m.body, m.status, m.at
            from conversations t
            join contacts k on k.id = t.contact_id and k.tenant_id = t.tenant_id
            left join lateral (
              select * from (
                (select 'inbound' as direction, e.data->>'body' as body, null::text as status, e.occurred_at as at
                   from events e
                  where e.tenant_id = t.tenant_id and e.contact_id = t.contact_id and e.type = 'INBOUND'
                  order by e.occurred_at desc limit 1)
                union all
                (select 'outbound', j.body, j.status,
                        case when j.kind = 'conversation' then j.created_at else coalesce(j.sent_at, j.claimed_at, j.created_at) end
                   from send_jobs j
                  where j.tenant_id = t.tenant_id and j.contact_id = t.contact_id and j.body is not null
                    and (j.kind = 'conversation' or j.status in ('sending', 'sent', 'delivered', 'failed', 'reconcile'))
                  order by j.created_at desc limit 1)
              ) x order by x.at desc limit 1
            ) m on true
           where t.tenant_id = ${scope.tenantId}
             ${query.unread === 'true' ? sql`and t.unread_count > 0` : sql``}
             ${after === null ? sql`` : sql`and (date_trunc('milliseconds', t.last_message_at), t.contact_id) < (${after.at}::timestamptz, ${after.id})`}
           order by t.last_message_at desc, t.contact_id desc
           limit ${query.limit + 1}`,
    );
    const parsed = rows.map((r) => threadRow.parse(r));
    const page = parsed.slice(0, query.limit);
    const last = page.at(-1);
    const [unread] = await queryRows(db, sql`select count(*)::int as n from conversations where tenant_id = ${scope.tenantId} and unread_count > 0`);
    return c.json({
      threads: page.map((r) => {
        const name = [r.first_name, r.last_name].filter((p): p is string => p !== null && p.trim() !== '').join(' ');
        const status = r.status === null ? null : jobStatusSchema.parse(r.status);
        return {
          contactId: r.contact_id,
          contact: { id: r.contact_id, name: name === '' ? null : name, phoneE164: r.phone_e164 },
          lastMessageAt: iso(r.last_message_at),
          unreadCount: r.unread_count,
          lastReadAt: r.last_read_at === null ? null : iso(r.last_read_at),
          lastMessage:
            r.direction === null || r.at === null
              ? null
              : { direction: r.direction, body: (r.body ?? '').slice(0, 280), at: iso(r.at), tick: status === null ? null : messageTick(status), status },
        };
      }),
      nextCursor: parsed.length > query.limit && last !== undefined ? encodeThreadCursor(new Date(last.last_message_at), last.contact_id) : null,
      unreadThreads: z.object({ n: z.number().int() }).parse(unread).n,
    });
  });

  app.get('/conversations/:contactId', async (c) => {
    const contactId = contactIdSchema.parse(c.req.param('contactId'));
    const { scope } = c.var.staff;
    const contact = await scope.get(contacts, eq(contacts.id, contactId), { what: 'contact' });
    const [thread, jobs, inbound, autoReplies, timeline] = await Promise.all([
      scope.findFirst(conversations, eq(conversations.contactId, contactId)),
      scope.findMany(sendJobs, { where: and(eq(sendJobs.contactId, contactId), threadJob), orderBy: [desc(sendJobs.createdAt)], limit: threadMessageLimit }),
      scope.findMany(events, { where: and(eq(events.contactId, contactId), eq(events.type, 'INBOUND')), orderBy: [desc(events.occurredAt)], limit: threadMessageLimit }),
      scope.findMany(events, {
        where: and(eq(events.contactId, contactId), sql`${events.type} in ('SENT', 'FAILED') and ${events.sendJobId} is null and ${events.data}->>'reply' is not null`),
        orderBy: [desc(events.occurredAt)],
        limit: threadMessageLimit,
      }),
      db
        .select({ event: events, campaignName: campaigns.name })
        .from(events)
        .leftJoin(campaigns, eq(campaigns.id, events.campaignId))
        .where(and(eq(events.tenantId, scope.tenantId), eq(events.contactId, contactId)))
        .orderBy(desc(events.occurredAt), desc(events.id))
        .limit(timelineLimit),
    ]);
    const numbers = await numbersById(scope.tenantId, jobs.map((j) => j.sendingNumberId).filter((id): id is string => id !== null));
    const messages = [...jobs.map((j) => jobMessageView(j, j.sendingNumberId === null ? null : (numbers.get(j.sendingNumberId) ?? null))), ...inbound.map(inboundView), ...autoReplies.map(autoReplyView).filter((m): m is MessageView => m !== null)]
      .sort((a, b) => (a.at === b.at ? (a.id < b.id ? -1 : 1) : a.at < b.at ? -1 : 1))
      .slice(-threadMessageLimit);
    return c.json({
      contact: contactView(contact),
      thread:
        thread === undefined
          ? null
          : {
              lastMessageAt: thread.lastMessageAt.toISOString(),
              lastInboundAt: thread.lastInboundAt?.toISOString() ?? null,
              lastOutboundAt: thread.lastOutboundAt?.toISOString() ?? null,
              unreadCount: thread.unreadCount,
              lastReadAt: thread.lastReadAt?.toISOString() ?? null,
            },
      messages,
      timeline: timeline.reverse().map(({ event, campaignName }) => ({
        id: event.id,
        type: event.type,
        at: event.occurredAt.toISOString(),
        campaignId: event.campaignId,
        campaignName,
        sendJobId: event.sendJobId,
        data: event.data,
      })),
    });
  });

  async function numbersById(tenantId: string, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await queryRows<{ id: string; e164: string }>(
      db,
      sql`select id, e164 from sending_numbers where tenant_id = ${tenantId} and id in (${sql.join([...new Set(ids)].map((id) => sql`${id}`), sql`, `)})`,
    );
    return new Map(rows.map((r) => [r.id, r.e164]));
  }

  app.post('/conversations/:contactId/read', async (c) => {
    const contactId = contactIdSchema.parse(c.req.param('contactId'));
    const { scope, user } = c.var.staff;
    await scope.get(contacts, eq(contacts.id, contactId), { what: 'contact' });
    const thread = await scope.findFirst(conversations, eq(conversations.contactId, contactId));
    if (thread === undefined || thread.unreadCount === 0) {
      // Nothing to mark: no write, so no audit row either.
      c.set('changesNothing', true);
      return c.json({ unreadCount: 0, lastReadAt: thread?.lastReadAt?.toISOString() ?? null });
    }
    const now = sender.now();
    await scope.mutate('conversation.read', async (tx) => {
      await tx.update(conversations, eq(conversations.contactId, contactId), { unreadCount: 0, lastReadAt: now, lastReadBy: user.id, updatedAt: now });
      return { result: null, target: { type: 'contact', id: contactId }, details: { unread: thread.unreadCount } };
    });
    return c.json({ unreadCount: 0, lastReadAt: now.toISOString() });
  });

  /** Sends (or re-tries) right away, then answers the job as it stands. */
  const sendAndView = async (tenantId: string, jobId: string) => {
    await sendConversation(sender, { tenantId, jobId });
    const [job] = await db.select().from(sendJobs).where(and(eq(sendJobs.tenantId, tenantId), eq(sendJobs.id, jobId)));
    if (job === undefined) throw new Error(`conversation job vanished: ${jobId}`);
    const from = job.sendingNumberId === null ? null : ((await numbersById(tenantId, [job.sendingNumberId])).get(job.sendingNumberId) ?? null);
    const message = jobMessageView(job, from);
    return { id: job.id, status: job.status, message };
  };

  app.post('/conversations/:contactId/messages', async (c) => {
    const contactId = contactIdSchema.parse(c.req.param('contactId'));
    const input = replySchema.parse(await jsonBody(c));
    const { scope, user } = c.var.staff;
    const correlationId = c.get('requestId');

    const existing = async () => {
      const job = await scope.findFirst(sendJobs, eq(sendJobs.clientMessageId, input.clientMessageId));
      if (job === undefined) return undefined;
      if (job.contactId !== contactId || job.body !== input.body) {
        throw new DomainError('idempotency_conflict', 'This clientMessageId was already used for another message; use a new one for a new message.');
      }
      return job;
    };
    const replay = async (job: JobRow) => {
      // The same message again: nothing new is written. A job still `queued` (the first request died
      // before its send) is sent now; the claim makes sure that happens once.
      c.set('changesNothing', true);
      return c.json(await sendAndView(scope.tenantId, job.id), 202);
    };

    const before = await existing();
    if (before !== undefined) return replay(before);

    const contact = await scope.get(contacts, eq(contacts.id, contactId), { what: 'contact' });
    const number = await replyNumber(scope.tenantId, contactId);
    if (number === null) {
      throw new DomainError('conflict', 'There is no 1:1 number to send from. Add a conversation number under Sending numbers.', { details: { reason: 'no_conversation_number' } });
    }
    const now = sender.now();
    const jobId = newId('sendJob', now.getTime(), sender.random(10));
    const created = await db.transaction((outer) =>
      scope.mutate(
        'conversation.reply',
        async () => {
          // No conflict target: the only key a new row can meet is `send_jobs_tenant_client_message_key`
          // (two requests with one clientMessageId racing); the loser writes nothing and answers the winner's.
          const inserted = await outer
            .insert(sendJobs)
            .values({
              id: jobId,
              tenantId: scope.tenantId,
              kind: 'conversation',
              contactId,
              toE164: contact.phoneE164,
              sendingNumberId: number.id,
              body: input.body,
              status: 'queued',
              clientMessageId: input.clientMessageId,
              correlationId,
              createdAt: now,
              updatedAt: now,
            })
            .onConflictDoNothing()
            .returning({ id: sendJobs.id });
          if (inserted.length === 0) return { result: false, target: { type: 'contact', id: contactId }, details: { clientMessageId: input.clientMessageId, duplicate: true } };
          await outer
            .insert(conversations)
            .values({ contactId, tenantId: scope.tenantId, lastMessageAt: now, lastOutboundAt: now, updatedAt: now })
            .onConflictDoUpdate({
              target: conversations.contactId,
              set: { lastMessageAt: sql`greatest(${conversations.lastMessageAt}, excluded.last_message_at)`, lastOutboundAt: sql`greatest(${conversations.lastOutboundAt}, excluded.last_outbound_at)`, updatedAt: now },
              // The thread's tenant is the contact's: never touch another tenant's row (ids do not collide, but say so).
              setWhere: eq(conversations.tenantId, scope.tenantId),
            });
          return {
            result: true,
            target: { type: 'contact', id: contactId },
            details: { sendJobId: jobId, clientMessageId: input.clientMessageId, from: number.e164, characters: input.body.length, by: user.email },
          };
        },
        { within: outer },
      ),
    );
    if (!created) {
      const winner = await existing();
      if (winner === undefined) throw new Error('a clientMessageId conflict without a row');
      return replay(winner);
    }
    return c.json(await sendAndView(scope.tenantId, jobId), 202);
  });

  app.post('/conversations/:contactId/messages/:messageId/retry', async (c) => {
    const contactId = contactIdSchema.parse(c.req.param('contactId'));
    const messageId = contactIdSchema.parse(c.req.param('messageId'));
    const { scope } = c.var.staff;
    const job = await scope.get(sendJobs, allOf(eq(sendJobs.id, messageId), eq(sendJobs.contactId, contactId), eq(sendJobs.kind, 'conversation')), { what: 'message' });
    if (!canRetry(job.kind, job.status)) {
      // Already retried (a double click), sent, or in reconciliation: nothing to do.
      c.set('changesNothing', true);
      return c.json(await sendAndView(scope.tenantId, job.id), 202);
    }
    const now = sender.now();
    const requeued = await scope.mutate('conversation.retry', async (tx) => {
      const rows = await tx.update(sendJobs, allOf(eq(sendJobs.id, job.id), sql`${sendJobs.status} in ('failed', 'skipped')`), {
        status: 'queued',
        errorCode: null,
        errorMessage: null,
        skipReason: null,
        failedAt: null,
        updatedAt: now,
      });
      return { result: rows.length === 1, target: { type: 'contact', id: contactId }, details: { sendJobId: job.id, previousStatus: job.status, previousError: job.errorCode ?? job.skipReason, attempt: job.attempts + 1 } };
    });
    if (!requeued) c.set('changesNothing', true);
    return c.json(await sendAndView(scope.tenantId, job.id), 202);
  });

  /**
   * The number a reply goes from: the tenant's active 1:1 number the contact last wrote to, else its
   * oldest active 1:1 number. It must belong to the route's provider (the sandbox stands in for any).
   */
  async function replyNumber(tenantId: string, contactId: string): Promise<{ id: string; e164: string } | null> {
    const adapter = sender.conversation.adapter;
    const rows = await queryRows<{ id: string; e164: string }>(
      db,
      sql`select n.id, n.e164 from sending_numbers n
           where n.tenant_id = ${tenantId} and n.use = 'conversation' and n.status = 'active'
             ${adapter.sandbox ? sql`` : sql`and n.provider = ${adapter.provider}`}
           order by (n.e164 = (select e.data->>'to' from events e
                                where e.tenant_id = ${tenantId} and e.contact_id = ${contactId} and e.type = 'INBOUND'
                                order by e.occurred_at desc limit 1)) desc nulls last,
                    n.created_at asc, n.id asc
           limit 1`,
    );
    return rows[0] ?? null;
  }

  return app;
}
