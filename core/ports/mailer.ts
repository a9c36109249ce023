/**
 * The Mailer port: how the product sends email (magic links and invites today, alerts later).
 * Production: Postmark's HTTP API. Local mode: the dev mailbox, which keeps the messages for
 * `GET /api/dev/mailbox` and prints their links on the console; nothing leaves the machine.
 */
export type MailMessage = {
  to: string;
  subject: string;
  /** The plain-text body; always present. */
  text: string;
  html?: string;
  /** The one link the mail is about (a magic link), so the dev mailbox can show it without parsing. */
  link?: string;
  /** A short category for the provider's stats, e.g. `magic-link`, `invite`. */
  tag?: string;
};

/**
 * Expected outcomes are results, not exceptions: the provider refusing an address (invalid, bounced
 * before, marked as spam) is something the caller records and moves on from. Only failures a retry
 * may fix or an operator must fix (bad token, provider down) throw.
 */
export type MailResult = { status: 'sent'; messageId: string } | { status: 'rejected'; reason: string };

export interface Mailer {
  /** Which adapter this is, for the start-up banner and logs. */
  readonly kind: 'postmark' | 'dev-mailbox';
  send(message: MailMessage): Promise<MailResult>;
}
