/**
 * `api` function: the admin's HTTP API under `/api` (contract: shared/API.md). Routers only validate,
 * call the domain and map errors; each area lives in its own file.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../shared/app';
import type { Services } from '../shared/services';
import { opsRoutes } from './ops';

export function apiRoutes(services: Services): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.route('/', opsRoutes(services));
  return api;
}
