/**
 * The caller's address, for rate limits and the session/magic-link rows (never for authorization).
 * Behind DigitalOcean's ingress the client address arrives in `X-Forwarded-For`; a client can put
 * anything in that header itself, but the proxy appends the address it saw, so the last entry is the
 * one no client controls. With no header (the local server), every caller shares one bucket.
 */
import type { Context } from 'hono';

export function clientIp(c: Context): string | null {
  const forwarded = c.req.header('x-forwarded-for');
  if (forwarded) {
    const last = forwarded.split(',').map((part) => part.trim()).filter(Boolean).at(-1);
    if (last) return last.slice(0, 64);
  }
  return c.req.header('x-real-ip')?.trim().slice(0, 64) || null;
}
