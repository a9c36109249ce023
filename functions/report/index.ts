/**
 * `report` function. Campaign reports, contact timelines and CSV exports.
 * Only the function host (health) exists yet; its handlers arrive with the reporting work.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../shared/app';
import type { Services } from '../shared/services';

export function reportRoutes(_services: Services): Hono<AppEnv> {
  return new Hono<AppEnv>();
}
