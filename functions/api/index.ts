/**
 * `api` function: the admin's HTTP API under `/api` (contract: shared/API.md). Every request passes the
 * staff-access middleware first (session, CSRF, role; see functions/shared/auth/staff-access.ts), so a
 * route mounted here is protected by default. Area routers receive `AreaServices` (no raw database)
 * and reach tenant data only through `c.var.staff.scope`. Keep this file a list of mounts.
 */
import { Hono } from 'hono';
import { sessionPolicy } from '../../core/auth/session-lifetime';
import type { AppEnv } from '../shared/app';
import { changesNothing, requirePermission, staffAccess } from '../shared/auth/staff-access';
import type { Services } from '../shared/services';
import { ingestorDeps } from '../import-chunk/index';
import { broadcasterDeps } from '../enqueue/broadcaster-deps';
import { areaServices } from './area-services';
import { auditRoutes } from './audit';
import { campaignsRoutes } from './campaigns';
import { conversationsRoutes } from './conversations';
import { conversationSenderDeps } from '../send/send-conversation';
import { authRoutes } from './auth';
import { budgetsRoutes } from './budgets';
import { devMailboxRoutes } from './dev-mailbox';
import { importsRoutes } from './imports';
import { opsRoutes } from './ops';
import { sendingNumbersRoutes } from './sending-numbers';
import { templatesRoutes } from './templates';
import { usersRoutes } from './users';

export function apiRoutes(services: Services): Hono<AppEnv> {
  const policy = sessionPolicy(services.config.sessions);
  const area = areaServices(services);
  const api = new Hono<AppEnv>();
  api.use('*', staffAccess({ db: services.db, config: services.config, policy, now: services.now, random: services.random }));
  api.route('/', authRoutes(services, policy));
  if (services.devMailbox) api.route('/', devMailboxRoutes(services.devMailbox));
  api.route('/', usersRoutes(area));
  api.route('/', auditRoutes());
  api.route('/', importsRoutes(area, ingestorDeps(services)));
  const broadcaster = broadcasterDeps(services);
  api.route('/', templatesRoutes(area, broadcaster));
  api.route('/', sendingNumbersRoutes(area));
  api.route('/', campaignsRoutes(area, broadcaster));
  api.route('/', budgetsRoutes(area, broadcaster));
  api.route('/', conversationsRoutes(area, conversationSenderDeps(services)));
  // Ops (queue probe): admins only. Probe rows are queue plumbing, not tenant data, so no audit row.
  api.use('/ops/*', requirePermission('administer'), changesNothing());
  api.route('/', opsRoutes(services));
  return api;
}
