/**
 * `send` function. Broadcaster, second half: claims send jobs, re-checks the gates and calls the provider.
 * Only the function host (health) exists yet; its handlers arrive with the Broadcaster issue.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../shared/app';
import type { Services } from '../shared/services';

export function sendRoutes(_services: Services): Hono<AppEnv> {
  return new Hono<AppEnv>();
}
