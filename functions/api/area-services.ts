/**
 * What an API area router (users, campaigns, imports, …) receives: the services without the raw
 * database. Tenant data is reached only through `c.var.staff.scope` (tenant-scoped, audited), so an
 * area cannot forget the tenant predicate: it has nothing to forget it with.
 */
import type { Services } from '../shared/services';

export type AreaServices = Omit<Services, 'db' | 'database'>;

export function areaServices(services: Services): AreaServices {
  const { db: _db, database: _database, ...rest } = services;
  return rest;
}
