/**
 * Session lifetime decisions, from timestamps alone (the clock comes in as an argument).
 *
 * A session has two deadlines: an idle one that slides forward on use (a forgotten tab logs out after
 * `idleTtlMs` without requests) and an absolute one fixed at login (a stolen cookie is worthless after
 * `absoluteTtlMs` whatever its use). Defaults: 12 hours idle, 7 days absolute, overridable by config.
 * A deadline is exclusive: at the very instant of expiry the session is already expired.
 */
export type SessionPolicy = {
  idleTtlMs: number;
  absoluteTtlMs: number;
  /**
   * The idle deadline is pushed forward at most this often: a busy admin fires many requests a
   * minute, and one write per request to move a 12-hour deadline by seconds buys nothing.
   */
  touchEveryMs: number;
};

export const defaultSessionPolicy: SessionPolicy = {
  idleTtlMs: 12 * 60 * 60_000,
  absoluteTtlMs: 7 * 24 * 60 * 60_000,
  touchEveryMs: 60_000,
};

export function sessionPolicy(input: { idleTtlMinutes: number; absoluteTtlHours: number }): SessionPolicy {
  const idleTtlMs = input.idleTtlMinutes * 60_000;
  const absoluteTtlMs = input.absoluteTtlHours * 60 * 60_000;
  if (!(idleTtlMs > 0 && absoluteTtlMs > 0)) throw new RangeError('session TTLs must be positive');
  return { idleTtlMs: Math.min(idleTtlMs, absoluteTtlMs), absoluteTtlMs, touchEveryMs: Math.min(defaultSessionPolicy.touchEveryMs, idleTtlMs / 10) };
}

export type SessionDeadlines = { idleExpiresAt: Date; absoluteExpiresAt: Date };

export function openSessionDeadlines(now: Date, policy: SessionPolicy): SessionDeadlines {
  const absoluteExpiresAt = new Date(now.getTime() + policy.absoluteTtlMs);
  return { idleExpiresAt: new Date(Math.min(now.getTime() + policy.idleTtlMs, absoluteExpiresAt.getTime())), absoluteExpiresAt };
}

export type SessionTimes = SessionDeadlines & { lastSeenAt: Date; revokedAt: Date | null };
export type SessionState = 'active' | 'revoked' | 'idle_expired' | 'absolute_expired';

export function sessionState(session: SessionTimes, now: Date): SessionState {
  if (session.revokedAt !== null) return 'revoked';
  const t = now.getTime();
  if (t >= session.absoluteExpiresAt.getTime()) return 'absolute_expired';
  if (t >= session.idleExpiresAt.getTime()) return 'idle_expired';
  return 'active';
}

/**
 * The new idle deadline after a request at `now`, or undefined when the last write is recent enough
 * (see `touchEveryMs`). Never moves past the absolute deadline. Only call it for an active session.
 */
export function slideSession(session: SessionTimes, now: Date, policy: SessionPolicy): { lastSeenAt: Date; idleExpiresAt: Date } | undefined {
  if (now.getTime() - session.lastSeenAt.getTime() < policy.touchEveryMs) return undefined;
  const idle = Math.min(now.getTime() + policy.idleTtlMs, session.absoluteExpiresAt.getTime());
  return { lastSeenAt: now, idleExpiresAt: new Date(idle) };
}

/** Cookie Max-Age (seconds) for a session opened now: the browser may drop it once the server would. */
export function sessionCookieMaxAge(deadlines: SessionDeadlines, now: Date): number {
  return Math.max(0, Math.floor((deadlines.absoluteExpiresAt.getTime() - now.getTime()) / 1000));
}
