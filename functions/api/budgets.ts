/**
 * Budgets, caps and the kill switch (contract: shared/API.md "Budgets, caps, kill switch"). `:id` is
 * the caller's own tenant; any other id is a 404, exactly like an id that does not exist.
 *
 * - `GET /tenants/:id/budget` (anyone in the tenant: staff see what is left before they queue) →
 *   `{configured, dailyMicros, monthlyMicros, perMinute, perNumberPerMinute, alertAtPercent, spent:{…},
 *   paused:{paused, since, reason}}`; the amounts are null while no budget is set (no cap).
 * - `POST /tenants/:id/budget {dailyMicros, monthlyMicros, perMinute?, perNumberPerMinute?, alertAtPercent?,
 *   alertWebhookUrl?, alertEmail?}` (admin) → the same. Omitted optional fields keep their current
 *   value; null clears a rate cap or removes an alert destination. The view shows the tenant's alert
 *   webhook by its origin only (`alertWebhookOrigin`).
 * - `POST /tenants/:id/pause {reason?}` / `resume` (admin) → `{paused, since, reason}`. Pause sets
 *   `tenants.paused_at`: no provider call is made for the tenant from the sender's next gate check
 *   (every claim reads it). Resume clears it and wakes the sender. Repeating either changes nothing.
 *   A pause raises a `tenant_paused` alert (once per pause) after it commits.
 *   `GET /tenants/:id/pause` → the same shape, for the indicator on every page.
 */
import { eq, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { tenantPausedAlert } from '../../core/alerts/alert';
import { DomainError } from '../../core/errors';
import { newId } from '../../core/ids';
import { microsSchema } from '../../core/money/micros';
import { budgets, tenants } from '../../db/schema/index';
import type { BroadcasterDeps } from '../enqueue/broadcaster-deps';
import { wakeSender } from '../enqueue/enqueue-campaign';
import { tenantSpend } from '../enqueue/tenant-spend';
import { raiseSafely } from '../shared/alerts/raise-safely';
import { publicTargetProblem } from '../../core/net/public-address';
import { requirePermission, type StaffEnv } from '../shared/auth/staff-access';
import { withOutbox } from '../shared/queue/outbox';
import type { AreaServices } from './area-services';
import { jsonBody } from './json-body';

const rate = z.number().int().min(1).max(1_000_000).nullable();
const budgetSchema = z.strictObject({
  dailyMicros: microsSchema,
  monthlyMicros: microsSchema,
  perMinute: rate.optional(),
  perNumberPerMinute: rate.optional(),
  alertAtPercent: z.number().int().min(1).max(100).optional(),
  // The tenant's own alert destinations, besides the operator's. The URL is a secret (like a chat
  // webhook): written here, never read back whole; omitted keeps it, null removes it.
  alertWebhookUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000).nullable().optional(),
  alertEmail: z.email({ error: 'must be an email address' }).max(254).transform((e) => e.toLowerCase()).nullable().optional(),
});
const pauseSchema = z.strictObject({ reason: z.string().trim().min(1).max(200).optional() });

type TenantRow = typeof tenants.$inferSelect;
type BudgetRow = typeof budgets.$inferSelect;

/** Only a webhook's origin is ever shown (the full URL is its credential). */
function webhookOrigin(url: string | null): string | null {
  return url === null ? null : new URL(url).origin;
}

function pauseView(t: Pick<TenantRow, 'pausedAt' | 'pausedReason'>) {
  return { paused: t.pausedAt !== null, since: t.pausedAt?.toISOString() ?? null, reason: t.pausedReason };
}

export function budgetsRoutes(services: AreaServices, broadcaster: BroadcasterDeps): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  const admin = requirePermission('administer');

  /** Another tenant's id (or one that does not exist) is a 404: ids never leak across tenants. */
  app.use('/tenants/:id/*', async (c, next) => {
    if (c.req.param('id') !== c.var.staff.tenant.id) throw new DomainError('not_found', 'No such tenant.');
    await next();
  });

  const budgetView = async (tenant: TenantRow, row: BudgetRow | undefined) => {
    const spend = await tenantSpend(broadcaster.db, tenant.id, tenant.timezone, broadcaster.now());
    return {
      tenantId: tenant.id,
      configured: row !== undefined,
      dailyMicros: row?.dailyMicros ?? null,
      monthlyMicros: row?.monthlyMicros ?? null,
      perMinute: row?.perMinute ?? null,
      perNumberPerMinute: row?.perNumberPerMinute ?? null,
      alertAtPercent: row?.alertAtPercent ?? 80,
      alertWebhookOrigin: webhookOrigin(tenant.alertWebhookUrl),
      alertEmail: tenant.alertEmail,
      timezone: tenant.timezone,
      spent: { todayMicros: spend.todayMicros, thisMonthMicros: spend.thisMonthMicros, dayEndsAt: spend.dayEndsAt.toISOString(), monthEndsAt: spend.monthEndsAt.toISOString() },
      paused: pauseView(tenant),
      updatedAt: row?.updatedAt.toISOString() ?? null,
      updatedBy: row?.updatedBy ?? null,
    };
  };

  app.get('/tenants/:id/budget', async (c) => {
    const { scope } = c.var.staff;
    const [tenant, row] = await Promise.all([scope.tenant(), scope.findFirst(budgets, eq(budgets.tenantId, scope.tenantId))]);
    return c.json(await budgetView(tenant, row));
  });

  app.post('/tenants/:id/budget', admin, async (c) => {
    const input = budgetSchema.parse(await jsonBody(c));
    // In production a tenant's webhook must be an https URL on a public host; its addresses are judged
    // again at each delivery (functions/shared/alerts/webhook-alert-channel.ts).
    const hookProblem =
      typeof input.alertWebhookUrl === 'string' && services.config.alerts.tenantWebhookTargets === 'public_only' ? publicTargetProblem(input.alertWebhookUrl) : undefined;
    if (hookProblem !== undefined) {
      throw new DomainError('validation_failed', `The alert webhook ${hookProblem}.`, { details: { formErrors: [], fieldErrors: { alertWebhookUrl: [hookProblem] } } });
    }
    const { scope, user } = c.var.staff;
    const now = broadcaster.now();
    const row = await broadcaster.db.transaction((outer) =>
      scope.mutate(
        'budget.set',
        async (tx) => {
          const before = await tx.findFirst(budgets, eq(budgets.tenantId, scope.tenantId), { forUpdate: true });
          const values = {
            dailyMicros: input.dailyMicros,
            monthlyMicros: input.monthlyMicros,
            perMinute: input.perMinute === undefined ? (before?.perMinute ?? null) : input.perMinute,
            perNumberPerMinute: input.perNumberPerMinute === undefined ? (before?.perNumberPerMinute ?? null) : input.perNumberPerMinute,
            alertAtPercent: input.alertAtPercent ?? before?.alertAtPercent ?? 80,
            updatedAt: now,
            updatedBy: user.id,
          };
          // An upsert, so two admins saving a first budget at once cannot collide on the primary key.
          const [saved] = await outer
            .insert(budgets)
            .values({ tenantId: scope.tenantId, ...values })
            .onConflictDoUpdate({ target: budgets.tenantId, set: values })
            .returning();
          if (saved === undefined) throw new Error('budget upsert returned nothing');
          const { updatedAt: _u, updatedBy: _b, ...changed } = values;
          const destinations = {
            ...(input.alertWebhookUrl === undefined ? {} : { alertWebhookUrl: input.alertWebhookUrl }),
            ...(input.alertEmail === undefined ? {} : { alertEmail: input.alertEmail }),
          };
          // Read through the transaction: on PGlite a read beside it would wait for its commit.
          const [tenantBefore] = await outer.select().from(tenants).where(eq(tenants.id, scope.tenantId)).for('update');
          if (tenantBefore === undefined) throw new DomainError('not_found', 'No such tenant.');
          if (Object.keys(destinations).length > 0) await outer.update(tenants).set({ ...destinations, updatedAt: now }).where(eq(tenants.id, scope.tenantId));
          const alertsAfter = {
            alertWebhookOrigin: webhookOrigin(input.alertWebhookUrl === undefined ? tenantBefore.alertWebhookUrl : input.alertWebhookUrl),
            alertEmail: input.alertEmail === undefined ? tenantBefore.alertEmail : input.alertEmail,
          };
          return {
            result: saved,
            target: { type: 'tenant', id: scope.tenantId },
            details: {
              before: before ? { dailyMicros: before.dailyMicros, monthlyMicros: before.monthlyMicros, perMinute: before.perMinute, perNumberPerMinute: before.perNumberPerMinute, alertAtPercent: before.alertAtPercent } : null,
              after: changed,
              alerts: { before: { alertWebhookOrigin: webhookOrigin(tenantBefore.alertWebhookUrl), alertEmail: tenantBefore.alertEmail }, after: alertsAfter },
            },
          };
        },
        { within: outer },
      ),
    );
    return c.json(await budgetView(await scope.tenant(), row));
  });

  app.get('/tenants/:id/pause', async (c) => c.json(pauseView(await c.var.staff.scope.tenant())));

  app.post('/tenants/:id/pause', admin, async (c) => {
    const input = pauseSchema.parse(await jsonBody(c, { optional: true }));
    const { scope, user } = c.var.staff;
    const current = await scope.tenant();
    if (current.pausedAt !== null) {
      c.set('changesNothing', true);
      return c.json(pauseView(current));
    }
    const now = broadcaster.now();
    const updated = await broadcaster.db.transaction((outer) =>
      scope.mutate(
        'tenant.pause',
        async () => {
          // `paused_at is null`: a pause that raced another keeps the first one's time and reason.
          const rows = await outer
            .update(tenants)
            .set({ pausedAt: sql`coalesce(${tenants.pausedAt}, ${now.toISOString()}::timestamptz)`, pausedReason: sql`coalesce(${tenants.pausedReason}, ${input.reason ?? 'paused by an admin'})`, updatedAt: now })
            .where(eq(tenants.id, scope.tenantId))
            .returning();
          const row = rows[0];
          if (row === undefined) throw new DomainError('not_found', 'No such tenant.');
          return { result: row, target: { type: 'tenant', id: scope.tenantId }, details: { reason: row.pausedReason } };
        },
        { within: outer },
      ),
    );
    // After the commit: an alert for a pause that did not happen would be worse than none.
    const pausedAt = updated.pausedAt ?? now;
    const alert = tenantPausedAlert({ id: newId('alert', now.getTime(), broadcaster.random(10)), tenant: { id: updated.id, name: updated.name }, now, pausedBy: 'person', userId: user.id, reason: updated.pausedReason ?? 'paused by an admin', pausedAt });
    await raiseSafely(services.alerts, alert, broadcaster.log);
    return c.json(pauseView(updated));
  });

  app.post('/tenants/:id/resume', admin, async (c) => {
    const { scope } = c.var.staff;
    const current = await scope.tenant();
    if (current.pausedAt === null) {
      c.set('changesNothing', true);
      return c.json(pauseView(current));
    }
    const now = broadcaster.now();
    const updated = await withOutbox(
      broadcaster.db,
      broadcaster.queue,
      (outer, stage) =>
        scope.mutate(
          'tenant.resume',
          async () => {
            const [before] = await outer.select().from(tenants).where(eq(tenants.id, scope.tenantId)).for('update');
            const rows = await outer.update(tenants).set({ pausedAt: null, pausedReason: null, updatedAt: now }).where(eq(tenants.id, scope.tenantId)).returning();
            const row = rows[0];
            if (row === undefined || before === undefined) throw new DomainError('not_found', 'No such tenant.');
            if (before.pausedAt !== null) await wakeSender(stage, { tenantId: scope.tenantId, campaignId: null, reason: 'tenant_resumed', now, random: broadcaster.random, correlationId: c.get('requestId') ?? null });
            return { result: row, target: { type: 'tenant', id: scope.tenantId }, details: { pausedSince: before.pausedAt?.toISOString() ?? null, reason: before.pausedReason } };
          },
          { within: outer },
        ),
      { now: broadcaster.now, log: broadcaster.log },
    );
    return c.json(pauseView(updated));
  });

  return app;
}
