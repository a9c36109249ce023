/**
 * Magic links: the only way in. A link carries an opaque token (see opaque-token.ts) that is stored
 * hashed, works once, and expires 15 minutes after it was sent: long enough to switch to a mail app,
 * short enough that a link found later in an old inbox or a forwarded mail is dead.
 */
import type { MailMessage } from '../ports/mailer';

export const magicLinkTtlMs = 15 * 60_000;
export const magicLinkFinishPath = '/api/auth/magic-link/finish';

export function magicLinkExpiry(now: Date): Date {
  return new Date(now.getTime() + magicLinkTtlMs);
}

export function magicLinkUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${magicLinkFinishPath}?token=${encodeURIComponent(token)}`;
}

export type MagicLinkVerdict = 'valid' | 'used' | 'expired';

/** For the log only: every failure answers the same 401, so the reason never reaches the caller. */
export function magicLinkVerdict(token: { expiresAt: Date; usedAt: Date | null }, now: Date): MagicLinkVerdict {
  if (token.usedAt !== null) return 'used';
  if (now.getTime() >= token.expiresAt.getTime()) return 'expired';
  return 'valid';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * The mail itself: plain text first (many security-minded inboxes show only that), with the link on
 * a line of its own so no client wraps it. An invite names the tenant and who invited.
 */
export function magicLinkMessage(input: { to: string; link: string; tenantName: string; invitedBy?: string }): MailMessage {
  const minutes = Math.round(magicLinkTtlMs / 60_000);
  const subject = input.invitedBy ? `You're invited to ${input.tenantName} on Revenue Reactor` : `Sign in to Revenue Reactor (${input.tenantName})`;
  const intro = input.invitedBy
    ? `${input.invitedBy} invited you to ${input.tenantName} on Revenue Reactor. Use this link to sign in:`
    : `Use this link to sign in to ${input.tenantName} on Revenue Reactor:`;
  const outro = `The link works once and expires in ${minutes} minutes. If you did not ask for it, ignore this mail: nobody can sign in without it.`;
  return {
    to: input.to,
    subject,
    text: `${intro}\n\n${input.link}\n\n${outro}\n`,
    html: `<p>${escapeHtml(intro)}</p><p><a href="${escapeHtml(input.link)}">Sign in to Revenue Reactor</a></p><p style="color:#5b6470">${escapeHtml(outro)}</p>`,
    link: input.link,
    tag: input.invitedBy ? 'invite' : 'magic-link',
  };
}
