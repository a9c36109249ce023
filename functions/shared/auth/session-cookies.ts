/**
 * The two cookies of a staff session:
 *
 * - `reactor_session`: the opaque session token. HttpOnly (page scripts never see it), SameSite=Lax
 *   (not sent on cross-site POSTs or subresource loads, still sent when a person follows a link to the
 *   admin), Secure outside local mode (http://localhost has no TLS), Path=/ (the admin and the API
 *   share the origin), Max-Age = the absolute TTL (the server enforces the idle TTL itself).
 * - `reactor_csrf`: the session's CSRF token, readable by the admin's scripts so they can echo it in
 *   `x-csrf-token`. Same flags except HttpOnly.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Config } from '../config';

export const sessionCookie = 'reactor_session';
export const csrfCookie = 'reactor_csrf';

export function secureCookies(config: Pick<Config, 'env' | 'publicUrl'>): boolean {
  return config.env !== 'local' || config.publicUrl.startsWith('https:');
}

export function readSessionToken(c: Context): string | undefined {
  return getCookie(c, sessionCookie);
}

export function setSessionCookies(c: Context, config: Pick<Config, 'env' | 'publicUrl'>, input: { token: string; csrfToken: string; maxAgeSeconds: number }): void {
  const common = { path: '/', sameSite: 'Lax', secure: secureCookies(config), maxAge: input.maxAgeSeconds } as const;
  setCookie(c, sessionCookie, input.token, { ...common, httpOnly: true });
  setCookie(c, csrfCookie, input.csrfToken, { ...common, httpOnly: false });
}

export function setCsrfCookie(c: Context, config: Pick<Config, 'env' | 'publicUrl'>, csrfToken: string, maxAgeSeconds: number): void {
  setCookie(c, csrfCookie, csrfToken, { path: '/', sameSite: 'Lax', secure: secureCookies(config), maxAge: maxAgeSeconds, httpOnly: false });
}

export function clearSessionCookies(c: Context, config: Pick<Config, 'env' | 'publicUrl'>): void {
  const secure = secureCookies(config);
  deleteCookie(c, sessionCookie, { path: '/', secure, httpOnly: true, sameSite: 'Lax' });
  deleteCookie(c, csrfCookie, { path: '/', secure, sameSite: 'Lax' });
}
