/**
 * The short-domain Worker as a Hono app: `GET /health` and `GET /:token`.
 *
 * The token route is where the redirect goes (a later issue): look the token up without ever waiting on
 * the primary database (in-isolate cache, then a store with a short timeout), let `core/` decide
 * (expired, bot score, redirect or not), answer 302 with `linkResponseHeaders`, and send the signed
 * click callback to `${API_ORIGIN}/api/webhooks/clicks` after the response with `waitUntil`. Until
 * then every token is unknown, which is the same answer a person gets for an expired link.
 */
import { Hono, type Context } from 'hono';
import type { EdgeBindings } from './bindings';
import { expiredLinkPage, expiredLinkPageCsp } from './expired-link-page';
import { linkResponseHeaders } from './link-headers';

export type EdgeEnv = { Bindings: EdgeBindings };
export type EdgeApp = Hono<EdgeEnv>;

export type EdgeAppOptions = {
  now?: () => Date;
};

export function createEdgeApp(options: EdgeAppOptions = {}): EdgeApp {
  const now = options.now ?? (() => new Date());
  const app = new Hono<EdgeEnv>();

  // Every answer of the short domain, health included, carries the link headers: a cached or
  // sniffed response here is never what anyone wants.
  app.use(async function linkHeaders(c, next) {
    await next();
    for (const [name, value] of Object.entries(linkResponseHeaders)) c.res.headers.set(name, value);
  });

  app.get('/health', (c) => c.json({ ok: true, ts: now().toISOString() }));

  const unknownLink = (c: Context<EdgeEnv>) => c.html(expiredLinkPage(), 404, { 'Content-Security-Policy': expiredLinkPageCsp });

  app.get('/:token', (c) => unknownLink(c));
  // Anything else on the short domain (nested paths, other methods) is no link either: same page,
  // so nobody learns more from probing than from guessing tokens.
  app.notFound((c) => unknownLink(c));
  return app;
}
