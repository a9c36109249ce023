/**
 * Cloudflare Worker entry (module syntax) for the short domain. Wrangler deploys it (wrangler.toml
 * `main`); `npm start` runs the same file in Miniflare (functions/shared/local-edge.ts).
 */
import type { EdgeBindings } from './bindings';
import { createEdgeApp } from './edge-app';

const app = createEdgeApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<EdgeBindings>;
