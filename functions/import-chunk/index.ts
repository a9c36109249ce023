/**
 * `import-chunk` function. Ingestor: processes one chunk of an import (contacts CSV or USBizData) per queue delivery.
 * Only the function host (health) exists yet; its handlers arrive with the Ingestor issue.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../shared/app';
import type { Services } from '../shared/services';

export function importChunkRoutes(_services: Services): Hono<AppEnv> {
  return new Hono<AppEnv>();
}
