/**
 * `enqueue` function. Broadcaster, first half: builds a campaign's send jobs through the gates that do
 * not depend on the moment of sending (enqueue-campaign.ts).
 *
 * Enqueueing is one set-based statement (100,000 contacts in under 5 s on PostgreSQL), so it runs
 * inside `POST /api/campaigns/:id/queue`, which answers with the counts; no queue message is needed
 * and this function only answers its health check. Its modules are the Broadcaster's shared SQL:
 * enqueue, campaign progress, prices, tenant spend.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../shared/app';
import type { Services } from '../shared/services';

export function enqueueRoutes(_services: Services): Hono<AppEnv> {
  return new Hono<AppEnv>();
}
