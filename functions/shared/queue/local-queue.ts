/**
 * The Queue port on the local relay (the embedded default): `publish` is one INSERT into
 * `relay_messages`. The dedupe id is the row's unique key, so publishing it twice stores (and delivers)
 * one message and reports the second as deduplicated, as QStash does. A delay becomes `deliver_after`.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { DomainError } from '../../../core/errors';
import { newId } from '../../../core/ids';
import type { OutgoingMessage, PublishResult, Queue } from '../../../core/ports/queue';
import { queryRows, type Db } from '../../../db/client';
import { functionUrl } from './function-url';

export type LocalQueueOptions = {
  db: Db;
  publicUrl: string;
  now?: () => Date;
  /** Retries when a message sets none: 7, i.e. 8 attempts over about 25 minutes (core/queue/retry-schedule.ts). */
  defaultRetries?: number;
  /** Called after a message is stored, so the relay delivers it now rather than at its next poll. */
  onPublished?: () => void;
};

const headerSafe = /^[\x21-\x7e]{1,256}$/;

export function createLocalQueue(options: LocalQueueOptions): Queue {
  const now = options.now ?? (() => new Date());
  return {
    async publish(message: OutgoingMessage): Promise<PublishResult> {
      // Same rule as QStash: the dedupe id travels in a header there, so it must here too.
      if (!headerSafe.test(message.dedupeId)) {
        throw new DomainError('bad_request', 'A dedupe id must be 1-256 visible ASCII characters.', { details: { dedupeId: message.dedupeId } });
      }
      const at = now();
      const id = newId('message', at.getTime(), randomBytes(10));
      const deliverAfter = new Date(at.getTime() + Math.max(0, Math.ceil(message.delaySeconds ?? 0)) * 1000);
      const maxAttempts = (message.retries ?? options.defaultRetries ?? 7) + 1;
      const inserted = await queryRows<{ id: string }>(
        options.db,
        sql`insert into relay_messages (id, destination, url, body, dedupe_id, correlation_id, max_attempts, deliver_after, created_at)
            values (${id}, ${message.destination}, ${functionUrl(options.publicUrl, message.destination)}, ${JSON.stringify(message.body)},
                    ${message.dedupeId}, ${message.correlationId ?? null}, ${maxAttempts}, ${deliverAfter.toISOString()}::timestamptz, ${at.toISOString()}::timestamptz)
            on conflict (dedupe_id) do nothing
            returning id`,
      );
      if (inserted[0]) {
        options.onPublished?.();
        return { messageId: inserted[0].id, deduplicated: false };
      }
      const existing = await queryRows<{ id: string }>(options.db, sql`select id from relay_messages where dedupe_id = ${message.dedupeId}`);
      if (!existing[0]) throw new DomainError('unavailable', 'The relay lost a message it had deduplicated; publish again.', { retryable: true });
      return { messageId: existing[0].id, deduplicated: true };
    },
  };
}
