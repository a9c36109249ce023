/**
 * The function host: every deployable function is one Hono app built by `createFunctionApp`. The same
 * app answers the local server (`npm start`), the DigitalOcean Functions wrapper and the tests
 * (`app.request`). Requests keep their public path: a function is mounted at `/fn/<name>`, and the API
 * and the webhook receiver also at their public prefixes (`/api`, `/api/webhooks`), so signature checks
 * can rebuild the exact public URL from PUBLIC_URL and the path.
 */
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { handleError, errorBody } from './errors';
import type { Logger } from './log';

import { functionNames, type FunctionName } from '../../core/functions';

export { functionNames, type FunctionName };

/** Public path prefixes of each function, most specific first. The first is its primary mount. */
export const mountsOf: Record<FunctionName, readonly string[]> = {
  api: ['/api', '/fn/api'],
  'import-chunk': ['/fn/import-chunk'],
  hydrate: ['/fn/hydrate'],
  enqueue: ['/fn/enqueue'],
  send: ['/fn/send'],
  webhook: ['/api/webhooks', '/fn/webhook'],
  report: ['/fn/report'],
  cron: ['/fn/cron'],
};

export type AppVariables = { requestId: string; log: Logger };
export type AppEnv = { Variables: AppVariables };
export type FunctionApp = Hono<AppEnv>;

export type HostOptions = {
  name: FunctionName;
  log: Logger;
  /** Routes relative to the function's mount (`/health` is added here). */
  routes: Hono<AppEnv>;
  now?: () => Date;
};

export function healthBody(now: Date): { ok: true; ts: string } {
  return { ok: true, ts: now.toISOString() };
}

export function createFunctionApp(options: HostOptions): FunctionApp {
  const now = options.now ?? (() => new Date());
  const app = new Hono<AppEnv>();
  // Echo a caller's x-request-id (within limits) or mint one; it becomes the correlation id in logs.
  app.use(requestId({ headerName: 'x-request-id', limitLength: 128 }));
  app.use(async function attachLogger(c, next) {
    c.set('log', options.log.child({ fn: options.name, requestId: c.get('requestId') }));
    await next();
  });
  app.onError((error, c) => handleError(error, c, c.get('log') ?? options.log));
  app.notFound((c) => c.json(errorBody('not_found', `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`), 404));

  const inner = new Hono<AppEnv>();
  inner.get('/health', (c) => c.json(healthBody(now())));
  inner.route('/', options.routes);
  for (const mount of mountsOf[options.name]) app.route(mount, inner);
  return app;
}

/** Which function serves a public path (the local server's router and the DO ingress agree on this). */
export function functionForPath(pathname: string): FunctionName | undefined {
  let best: { name: FunctionName; length: number } | undefined;
  for (const name of functionNames) {
    for (const mount of mountsOf[name]) {
      if ((pathname === mount || pathname.startsWith(`${mount}/`)) && (!best || mount.length > best.length)) {
        best = { name, length: mount.length };
      }
    }
  }
  return best?.name;
}
