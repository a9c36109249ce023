/**
 * The tenant's sending numbers (contract: shared/API.md "Sending numbers"). Anyone in the tenant may
 * list them (the campaign form picks from them); adding, changing and removing is for admins.
 *
 * - `POST /sending-numbers {e164, provider, use, label?, warmupStartedAt?, providerSendsStopConfirmation?}`
 *   → 201. The number is normalized to E.164 with the tenant's default country. The route is checked
 *   before the database's CHECK does it: a bulk number must be SignalHouse's (or the sandbox's), a
 *   conversation number Twilio's (or the sandbox's) → 400 `validation_failed` with
 *   `details.reason = "provider_use_mismatch"`. A number is unique across all tenants (an inbound
 *   message finds its tenant only through it): one already registered → 409.
 * - `PATCH /sending-numbers/:id {label?, provider?, use?, warmupStartedAt?, status?, providerSendsStopConfirmation?}`.
 * - `DELETE /sending-numbers/:id`: a number that never sent anything is deleted (204); one that did is
 *   disabled instead (200, the number with `status: "disabled"`), because its send jobs and reports
 *   point at it. Either way no campaign sends from it any more.
 */
import { asc, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { DomainError } from '../../core/errors';
import { newId } from '../../core/ids';
import { normalizePhone } from '../../core/phone/normalize-phone';
import { routeOfNumber } from '../../core/routing';
import { campaignSendingNumbers, numberUses, sendingNumberStatuses, sendingNumbers, sendJobs, smsProviders } from '../../db/schema/index';
import { requirePermission, type StaffEnv } from '../shared/auth/staff-access';
import type { AreaServices } from './area-services';
import { jsonBody } from './json-body';

type NumberRow = typeof sendingNumbers.$inferSelect;

export function sendingNumberView(n: NumberRow) {
  return {
    id: n.id,
    e164: n.e164,
    provider: n.provider,
    use: n.use,
    label: n.label,
    status: n.status,
    warmupStartedAt: n.warmupStartedAt?.toISOString() ?? null,
    providerSendsStopConfirmation: n.providerSendsStopConfirmation,
    createdAt: n.createdAt.toISOString(),
    updatedAt: n.updatedAt.toISOString(),
  };
}

const instantSchema = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const labelSchema = z.string().trim().max(100).nullable();

const createSchema = z.strictObject({
  e164: z.string().trim().min(1).max(40),
  provider: z.enum(smsProviders),
  use: z.enum(numberUses),
  label: labelSchema.optional(),
  warmupStartedAt: instantSchema.nullable().optional(),
  providerSendsStopConfirmation: z.boolean().optional(),
});

const patchSchema = z
  .strictObject({
    provider: z.enum(smsProviders).optional(),
    use: z.enum(numberUses).optional(),
    label: labelSchema.optional(),
    warmupStartedAt: instantSchema.nullable().optional(),
    status: z.enum(sendingNumberStatuses).optional(),
    providerSendsStopConfirmation: z.boolean().optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), { message: 'Send at least one field to change.' });

const idSchema = z.string().min(1).max(64);

/** The pairing the database's `sending_numbers_route_check` enforces, answered as a 400 first. */
function assertRoute(provider: string, use: string): void {
  if (routeOfNumber({ provider, use }) !== null) return;
  const allowed = use === 'bulk' ? 'SignalHouse (or the sandbox)' : 'Twilio (or the sandbox)';
  throw new DomainError('validation_failed', `A ${use} number must belong to ${allowed}, not ${provider}: campaigns go through SignalHouse and 1:1 replies through Twilio.`, {
    details: { reason: 'provider_use_mismatch', formErrors: [], fieldErrors: { provider: [`not allowed for use "${use}"`] } },
  });
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof e === 'object' && (e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

export function sendingNumbersRoutes(services: AreaServices): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  const admin = requirePermission('administer');

  app.get('/sending-numbers', async (c) => {
    const rows = await c.var.staff.scope.findMany(sendingNumbers, { orderBy: [asc(sendingNumbers.createdAt), asc(sendingNumbers.id)] });
    return c.json({ sendingNumbers: rows.map(sendingNumberView) });
  });

  app.post('/sending-numbers', admin, async (c) => {
    const input = createSchema.parse(await jsonBody(c));
    assertRoute(input.provider, input.use);
    const { scope } = c.var.staff;
    const tenant = await scope.tenant();
    const phone = normalizePhone(input.e164, tenant.defaultCountry);
    if (!phone.ok) {
      throw new DomainError('validation_failed', `${phone.reason}.`, { details: { reason: 'invalid_number', formErrors: [], fieldErrors: { e164: [phone.reason] } } });
    }
    const now = services.now();
    try {
      const row = await scope.mutate('sending_number.add', async (tx) => {
        const number = await tx.insert(sendingNumbers, {
          id: newId('sendingNumber', now.getTime(), services.random(10)),
          e164: phone.e164,
          provider: input.provider,
          use: input.use,
          label: input.label ?? null,
          warmupStartedAt: input.warmupStartedAt ?? null,
          providerSendsStopConfirmation: input.providerSendsStopConfirmation ?? false,
          createdAt: now,
          updatedAt: now,
        });
        return { result: number, target: { type: 'sending_number', id: number.id }, details: { e164: number.e164, provider: number.provider, use: number.use } };
      });
      return c.json(sendingNumberView(row), 201);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DomainError('conflict', `${phone.e164} is already registered as a sending number.`, { details: { reason: 'number_taken' } });
      throw error;
    }
  });

  app.patch('/sending-numbers/:id', admin, async (c) => {
    const id = idSchema.parse(c.req.param('id'));
    const input = patchSchema.parse(await jsonBody(c));
    const now = services.now();
    const row = await c.var.staff.scope.mutate('sending_number.update', async (tx) => {
      const before = await tx.get(sendingNumbers, eq(sendingNumbers.id, id), { what: 'sending number', forUpdate: true });
      assertRoute(input.provider ?? before.provider, input.use ?? before.use);
      const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<typeof input>;
      const number = await tx.updateOne(sendingNumbers, eq(sendingNumbers.id, id), { ...changes, updatedAt: now }, 'sending number');
      const details: Record<string, unknown> = {};
      for (const key of Object.keys(changes) as (keyof typeof changes)[]) {
        const from = before[key];
        const to = number[key];
        details[key] = { from: from instanceof Date ? from.toISOString() : from, to: to instanceof Date ? to.toISOString() : to };
      }
      return { result: number, target: { type: 'sending_number', id }, details };
    });
    return c.json(sendingNumberView(row));
  });

  app.delete('/sending-numbers/:id', admin, async (c) => {
    const id = idSchema.parse(c.req.param('id'));
    const now = services.now();
    const outcome = await c.var.staff.scope.mutate('sending_number.remove', async (tx) => {
      const number = await tx.get(sendingNumbers, eq(sendingNumbers.id, id), { what: 'sending number', forUpdate: true });
      const unlinked = await tx.delete(campaignSendingNumbers, eq(campaignSendingNumbers.sendingNumberId, id));
      const used = (await tx.count(sendJobs, eq(sendJobs.sendingNumberId, id))) > 0;
      const kept = used ? await tx.updateOne(sendingNumbers, eq(sendingNumbers.id, id), { status: 'disabled', updatedAt: now }, 'sending number') : undefined;
      if (!used) await tx.delete(sendingNumbers, eq(sendingNumbers.id, id));
      return {
        result: kept,
        target: { type: 'sending_number', id },
        details: { e164: number.e164, outcome: used ? 'disabled' : 'deleted', campaignsUnlinked: unlinked.length },
      };
    });
    return outcome === undefined ? c.body(null, 204) : c.json(sendingNumberView(outcome));
  });

  return app;
}
