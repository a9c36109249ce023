/**
 * `hydrate` function. Refinery: skip-traces one high-value prospect per queue delivery.
 * Only the function host (health) exists yet; its handlers arrive with the Refinery work.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../shared/app';
import type { Services } from '../shared/services';

export function hydrateRoutes(_services: Services): Hono<AppEnv> {
  return new Hono<AppEnv>();
}
