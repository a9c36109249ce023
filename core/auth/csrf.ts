/**
 * CSRF: the double-submit check. A state-changing request that rides on the session cookie must echo
 * the session's CSRF token in `x-csrf-token`. A cross-site page can make the browser send the cookie,
 * but it cannot read the `reactor_csrf` cookie or `GET /api/auth/csrf` to learn the token (same-origin
 * policy), so it cannot echo it. The token is bound to the session (kept in its row), which is stronger
 * than comparing the cookie with the header: a cookie planted by a sibling subdomain does not pass.
 */
import { isSafeMethod } from './roles';
import { secretsEqual } from './opaque-token';

export const csrfHeader = 'x-csrf-token';

export type CsrfVerdict = 'not_needed' | 'ok' | 'missing' | 'mismatch';

export function csrfVerdict(input: { method: string; expected: string; presented: string | undefined | null }): CsrfVerdict {
  if (isSafeMethod(input.method)) return 'not_needed';
  if (input.presented === undefined || input.presented === null || input.presented === '') return 'missing';
  return secretsEqual(input.expected, input.presented) ? 'ok' : 'mismatch';
}
