/**
 * Users of a tenant (admin only): list, invite (creates the user and mails a magic link), change role,
 * remove. Removal disables the user (the audit log keeps pointing at them) and ends their sessions.
 * A tenant always keeps one active admin: demoting or removing the last one is refused (409).
 */
import { asc, eq, isNull, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { magicLinkMessage } from '../../core/auth/magic-link';
import { emailSchema } from '../../core/auth/normalize-email';
import { leavesNoAdmin, roles } from '../../core/auth/roles';
import { DomainError } from '../../core/errors';
import { newId } from '../../core/ids';
import { sessions, users } from '../../db/schema/index';
import { issueMagicLink } from '../shared/auth/magic-links';
import { requirePermission, type StaffEnv } from '../shared/auth/staff-access';
import { allOf, type TenantScope } from '../shared/auth/tenant-scope';
import { clientIp } from '../shared/auth/client-ip';
import type { AreaServices } from './area-services';

type UserRow = typeof users.$inferSelect;

export function userView(u: UserRow) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    invitedBy: u.invitedBy,
    createdAt: u.createdAt.toISOString(),
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
  };
}

const inviteSchema = z.object({ email: emailSchema, role: z.enum(roles) });
const patchSchema = z.object({ role: z.enum(roles) });
const idSchema = z.string().min(1).max(64);

const active = isNull(users.disabledAt);

/** The tenant's active admins, locked until the transaction ends so two demotions cannot race. */
async function lockActiveAdmins(tx: TenantScope): Promise<string[]> {
  const admins = await tx.findMany(users, { where: allOf(eq(users.role, 'admin'), active), forUpdate: true });
  return admins.map((a) => a.id);
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof e === 'object' && (e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

export function usersRoutes(services: AreaServices): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  app.use('/users', requirePermission('administer'));
  app.use('/users/*', requirePermission('administer'));

  app.get('/users', async (c) => {
    const rows = await c.var.staff.scope.findMany(users, { where: active, orderBy: [asc(users.createdAt), asc(users.id)] });
    return c.json({ users: rows.map(userView) });
  });

  app.post('/users', async (c) => {
    const { email, role } = inviteSchema.parse(await c.req.json());
    const { scope, user: inviter, tenant } = c.var.staff;
    const now = services.now();
    let invited: { user: UserRow; link: string };
    try {
      invited = await scope.mutate('user.invite', async (tx) => {
        const existing = await tx.findFirst(users, sql`lower(${users.email}) = ${email}`);
        if (existing && existing.disabledAt === null) throw new DomainError('conflict', `${email} is already a user here.`);
        const user = existing
          ? // A removed user invited again comes back with the new role (their history stays theirs).
            await tx.updateOne(users, eq(users.id, existing.id), { role, disabledAt: null, invitedBy: inviter.id })
          : await tx.insert(users, { id: newId('user', now.getTime(), services.random(10)), email, role, invitedBy: inviter.id, createdAt: now });
        const link = await issueMagicLink(tx, { userId: user.id, now, random: services.random, publicUrl: services.config.publicUrl, ip: clientIp(c) });
        return { result: { user, link }, target: { type: 'user', id: user.id }, details: { email, role, reinvited: existing !== undefined } };
      });
    } catch (error) {
      // Emails are unique across tenants: the address belongs to someone elsewhere.
      if (isUniqueViolation(error)) throw new DomainError('conflict', `${email} already has an account with another organisation.`);
      throw error;
    }
    // Mailed after commit: a rolled-back invite must not leave a working link in someone's inbox.
    try {
      const result = await services.mailer.send(magicLinkMessage({ to: email, link: invited.link, tenantName: tenant.name, invitedBy: inviter.email }));
      if (result.status === 'rejected') c.get('log').warn('invite refused by the mail provider', { userId: invited.user.id, reason: result.reason });
    } catch (error) {
      c.get('log').error('invite could not be mailed', { userId: invited.user.id, err: error });
    }
    return c.json({ user: userView(invited.user) }, 201);
  });

  app.patch('/users/:id', async (c) => {
    const id = idSchema.parse(c.req.param('id'));
    const { role } = patchSchema.parse(await c.req.json());
    const { scope } = c.var.staff;
    const current = await scope.get(users, allOf(eq(users.id, id), active), { what: 'user' });
    if (current.role === role) {
      c.set('changesNothing', true);
      return c.json({ user: userView(current) });
    }
    const updated = await scope.mutate('user.role_change', async (tx) => {
      const admins = await lockActiveAdmins(tx);
      const target = await tx.get(users, allOf(eq(users.id, id), active), { what: 'user' });
      if (leavesNoAdmin({ activeAdminIds: admins, targetUserId: id, change: { role } })) {
        throw new DomainError('conflict', 'This is the last admin. Make someone else an admin first.');
      }
      const user = await tx.updateOne(users, eq(users.id, id), { role });
      return { result: user, target: { type: 'user', id }, details: { from: target.role, to: role } };
    });
    return c.json({ user: userView(updated) });
  });

  app.delete('/users/:id', async (c) => {
    const id = idSchema.parse(c.req.param('id'));
    const now = services.now();
    await c.var.staff.scope.mutate('user.remove', async (tx) => {
      const admins = await lockActiveAdmins(tx);
      const target = await tx.get(users, allOf(eq(users.id, id), active), { what: 'user' });
      if (leavesNoAdmin({ activeAdminIds: admins, targetUserId: id, change: 'remove' })) {
        throw new DomainError('conflict', 'This is the last admin. Make someone else an admin first.');
      }
      await tx.updateOne(users, eq(users.id, id), { disabledAt: now });
      const ended = await tx.update(sessions, allOf(eq(sessions.userId, id), isNull(sessions.revokedAt)), { revokedAt: now });
      return { result: undefined, target: { type: 'user', id }, details: { email: target.email, role: target.role, sessionsEnded: ended.length } };
    });
    return c.body(null, 204);
  });

  return app;
}
