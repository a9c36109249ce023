/**
 * What the Worker is given by Cloudflare (wrangler.toml `[vars]` and secrets) or, locally, by Miniflare
 * (functions/shared/local-edge.ts). Nothing else reaches the edge: it has no database of its own.
 */
export type EdgeBindings = {
  /** Public origin of the API (PUBLIC_URL); the signed click callback goes to `${API_ORIGIN}/api/webhooks/clicks`. */
  API_ORIGIN: string;
  /** HMAC key shared with the webhook function (`EDGE_CALLBACK_SECRET`); a Wrangler secret, never in wrangler.toml. */
  EDGE_CALLBACK_SECRET?: string;
};
