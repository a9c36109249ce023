/**
 * The demo data `npm start` and `npm run db:seed` put in an empty database: one tenant ("Reactor
 * Demo", AU), its first admin, three compliant templates, a sandbox bulk number, a budget, and a small
 * global price list. Idempotent: every row has a fixed id (or natural key) and is inserted with
 * ON CONFLICT DO NOTHING, so a second run inserts nothing and never overwrites what a person changed.
 */
import { newId, type IdKind } from '../core/ids';
import type { Db } from './client';
import { budgets, messageTemplates, prices, sendingNumbers, tenants, users } from './schema/index';

/** Fixed inputs to newId: seeded ids look like any other id and are the same on every machine. */
const seedEpochMs = Date.UTC(2025, 0, 1);
export function seedId(kind: IdKind, n: number): string {
  return newId(kind, seedEpochMs, new Uint8Array(10).fill(n));
}

export const seedTenantId = seedId('tenant', 1);
export const seedAdminUserId = seedId('user', 1);
export const seedSendingNumberId = seedId('sendingNumber', 1);
/** An ACMA number reserved for fiction (0491 570 006): it can never reach a real phone. */
export const seedSendingNumberE164 = '+61491570006';

const templates = [
  {
    n: 1,
    name: 'Intro offer',
    body: "Hi {first_name|there}, it's Reactor Demo. We've opened 10 spots for a free 15-min growth review this month. Grab one: {link} Reply STOP to opt out",
  },
  {
    n: 2,
    name: 'Pricing guide follow-up',
    body: '{first_name|Hi there}, quick follow-up from Reactor Demo: our pricing guide is ready, no sign-up needed: {link} Reply STOP to opt out',
  },
  {
    n: 3,
    name: 'Check-in',
    body: 'Hi {first_name|there}, Reactor Demo here. Still keen to talk about growing your pipeline? Reply with a good time to call. Reply STOP to opt out',
  },
] as const;

/**
 * Micro-dollars per SMS part, in the range the providers list publicly (US/CA long code, AU/GB
 * international). The sandbox charges like SignalHouse so local cost previews look like production.
 */
const priceList: { provider: 'signalhouse' | 'twilio' | 'sandbox'; country: string; microsPerPart: number }[] = [
  { provider: 'signalhouse', country: 'US', microsPerPart: 4_000 },
  { provider: 'signalhouse', country: 'CA', microsPerPart: 6_500 },
  { provider: 'signalhouse', country: 'AU', microsPerPart: 45_000 },
  { provider: 'signalhouse', country: 'GB', microsPerPart: 40_000 },
  { provider: 'twilio', country: 'US', microsPerPart: 8_300 },
  { provider: 'twilio', country: 'CA', microsPerPart: 8_300 },
  { provider: 'twilio', country: 'AU', microsPerPart: 51_500 },
  { provider: 'twilio', country: 'GB', microsPerPart: 52_400 },
  { provider: 'sandbox', country: 'US', microsPerPart: 4_000 },
  { provider: 'sandbox', country: 'CA', microsPerPart: 6_500 },
  { provider: 'sandbox', country: 'AU', microsPerPart: 45_000 },
  { provider: 'sandbox', country: 'GB', microsPerPart: 40_000 },
];

export type SeedOptions = { adminEmail: string; now: Date };

export async function seedDatabase(db: Db, options: SeedOptions): Promise<{ tenantId: string; created: boolean }> {
  const { adminEmail, now } = options;
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(tenants)
      .values({
        id: seedTenantId,
        name: 'Reactor Demo',
        defaultCountry: 'AU',
        timezone: 'Australia/Sydney',
        highValueTitles: ['owner', 'founder', 'ceo', 'president', 'managing director'],
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: tenants.id });

    await tx
      .insert(users)
      .values({ id: seedAdminUserId, tenantId: seedTenantId, email: adminEmail.trim().toLowerCase(), role: 'admin', createdAt: now })
      .onConflictDoNothing();

    await tx
      .insert(messageTemplates)
      .values(
        templates.map((t) => ({
          id: seedId('template', t.n),
          tenantId: seedTenantId,
          name: t.name,
          body: t.body,
          createdBy: seedAdminUserId,
          createdAt: now,
          updatedAt: now,
        })),
      )
      .onConflictDoNothing();

    await tx
      .insert(sendingNumbers)
      .values({
        id: seedSendingNumberId,
        tenantId: seedTenantId,
        e164: seedSendingNumberE164,
        provider: 'sandbox',
        use: 'bulk',
        label: 'Sandbox bulk',
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing();

    await tx
      .insert(budgets)
      .values({
        tenantId: seedTenantId,
        dailyMicros: 50_000_000,
        monthlyMicros: 1_000_000_000,
        perMinute: 120,
        perNumberPerMinute: 60,
        alertAtPercent: 80,
        updatedAt: now,
      })
      .onConflictDoNothing();

    await tx
      .insert(prices)
      .values(priceList.map((p) => ({ ...p, createdAt: now, updatedAt: now })))
      .onConflictDoNothing();

    return { tenantId: seedTenantId, created: inserted.length > 0 };
  });
}
