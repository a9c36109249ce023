/**
 * `GET /api/audit?cursor=&limit=` (admin): the tenant's audit log, newest first, keyset-paged by id
 * (ids sort by creation time). Each entry names its actor by id and email (null: the system acted),
 * and its target by type and id, with a readable label where there is one (a user's email).
 */
import { desc, inArray, lt } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { DomainError } from '../../core/errors';
import { decodeCursor, encodeCursor, pageLimitSchema } from '../../core/page-cursor';
import { auditLog, users } from '../../db/schema/index';
import { requirePermission, type StaffEnv } from '../shared/auth/staff-access';

const querySchema = z.object({ cursor: z.string().max(200).optional(), limit: pageLimitSchema });

export function auditRoutes(): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  app.get('/audit', requirePermission('administer'), async (c) => {
    const query = querySchema.parse(c.req.query());
    const after = query.cursor === undefined || query.cursor === '' ? undefined : decodeCursor(query.cursor);
    if (query.cursor && after === undefined) throw new DomainError('bad_request', 'That page cursor is not valid; start from the first page.');
    const { scope } = c.var.staff;
    const rows = await scope.findMany(auditLog, {
      where: after === undefined ? undefined : lt(auditLog.id, after),
      orderBy: [desc(auditLog.id)],
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    // Names for the people in this page, actors and user targets alike (removed users included).
    const userIds = [...new Set(page.flatMap((r) => [r.actorUserId, r.targetType === 'user' ? r.targetId : null]).filter((id): id is string => id !== null))];
    const people = userIds.length === 0 ? [] : await scope.findMany(users, { where: inArray(users.id, userIds) });
    const emailOf = new Map(people.map((a) => [a.id, a.email]));
    const last = page.at(-1);
    return c.json({
      items: page.map((r) => ({
        id: r.id,
        at: r.createdAt.toISOString(),
        actor: r.actorUserId === null ? null : { id: r.actorUserId, email: emailOf.get(r.actorUserId) ?? null },
        action: r.action,
        target: r.targetType === null ? null : { type: r.targetType, id: r.targetId, label: r.targetType === 'user' && r.targetId ? (emailOf.get(r.targetId) ?? null) : null },
        requestId: r.requestId,
        details: r.details,
      })),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null,
    });
  });
  return app;
}
