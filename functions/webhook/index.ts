/**
 * `webhook` function. Provider and edge callbacks (Twilio, SignalHouse, clicks); each verifies its own signature.
 * Only the function host (health) exists yet; its handlers arrive with the webhooks issue.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../shared/app';
import type { Services } from '../shared/services';

export function webhookRoutes(_services: Services): Hono<AppEnv> {
  return new Hono<AppEnv>();
}
