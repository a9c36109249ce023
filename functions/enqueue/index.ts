/**
 * `enqueue` function. Broadcaster, first half: builds a campaign's send jobs through the gates.
 * Only the function host (health) exists yet; its handlers arrive with the Broadcaster issue.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../shared/app';
import type { Services } from '../shared/services';

export function enqueueRoutes(_services: Services): Hono<AppEnv> {
  return new Hono<AppEnv>();
}
