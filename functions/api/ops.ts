/**
 * Ops routes of the `api` function (under `/api/ops`). The queue probe starts a chain of N messages
 * through the real queue (QStash or the local relay) and reports how it went; it changes no tenant
 * data. (Issue 3 puts these routes behind admin auth.)
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { DomainError } from '../../core/errors';
import { maxProbeSteps } from '../../core/queue/probe-step-message';
import type { AppEnv } from '../shared/app';
import { readQueueProbe, startQueueProbe } from '../shared/queue/queue-probe';
import type { QueueServices } from '../shared/queue/queue-services';

const startProbe = z.object({ steps: z.number().int().min(1).max(maxProbeSteps) });

export function opsRoutes(services: QueueServices): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.post('/ops/queue-probe', async (c) => {
    const body: unknown = await c.req.json().catch(() => {
      throw new DomainError('bad_request', 'The body must be JSON: {"steps": 1..10000}.');
    });
    const { steps } = startProbe.parse(body);
    const probe = await startQueueProbe({ ...services, log: c.get('log') }, steps);
    return c.json({ ...probe, statusUrl: `/api/ops/queue-probe/${probe.probeId}` }, 202);
  });

  routes.get('/ops/queue-probe/:id', async (c) => {
    const status = await readQueueProbe(services.db, c.req.param('id'));
    if (!status) throw new DomainError('not_found', 'No queue probe with this id.');
    return c.json(status);
  });

  return routes;
}
