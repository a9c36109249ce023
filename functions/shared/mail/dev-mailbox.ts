/**
 * The local-mode Mailer: nothing leaves the machine. Each message is kept for `GET /api/dev/mailbox`
 * (newest first) and its link is printed as a log line, so whoever ran `npm start` can sign in from
 * the terminal or from the login page's hint.
 *
 * Kept in memory, not in a table: in local mode one process both sends and serves the mailbox; a
 * dev-only table would ship in every production schema; and a restart loses nothing that matters (the
 * links are in the terminal scroll-back, and asking for a new one takes a second). Bounded, so a
 * long-running local stack does not grow without end.
 */
import type { MailMessage, MailResult, Mailer } from '../../../core/ports/mailer';
import type { Logger } from '../log';

export type DevMailboxMessage = { to: string; subject: string; link: string | null; text: string; sentAt: string };

export type DevMailbox = Mailer & {
  /** Newest first. */
  messages(): DevMailboxMessage[];
};

export function createDevMailbox(options: { log: Logger; now: () => Date; capacity?: number }): DevMailbox {
  const capacity = options.capacity ?? 100;
  const kept: DevMailboxMessage[] = [];
  let sequence = 0;
  return {
    kind: 'dev-mailbox',
    async send(message: MailMessage): Promise<MailResult> {
      const entry = { to: message.to, subject: message.subject, link: message.link ?? null, text: message.text, sentAt: options.now().toISOString() };
      kept.unshift(entry);
      if (kept.length > capacity) kept.length = capacity;
      sequence += 1;
      options.log.info('dev mailbox: mail kept locally (nothing was sent)', { to: entry.to, subject: entry.subject, link: entry.link });
      return { status: 'sent', messageId: `dev-${sequence}` };
    },
    messages: () => kept.map((m) => ({ ...m })),
  };
}
