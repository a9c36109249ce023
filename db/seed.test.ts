import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type Database } from './client';
import { messageTemplates, sendingNumbers, tenants, users } from './schema/index';
import { seedDatabase } from './seed';
import { openTestDatabase } from './testing';

const seededTables = ['tenants', 'users', 'message_templates', 'sending_numbers', 'budgets', 'prices'] as const;

async function counts(database: Database): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of seededTables) {
    const [row] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from ${sql.identifier(table)}`);
    out[table] = row?.n ?? -1;
  }
  return out;
}

describe('seedDatabase', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('creates the demo tenant once; a second run inserts nothing', async () => {
    const now = new Date('2025-06-01T00:00:00Z');
    const first = await seedDatabase(database.db, { adminEmail: 'Admin@Reactor.local', now });
    const after = await counts(database);
    const second = await seedDatabase(database.db, { adminEmail: 'Admin@Reactor.local', now: new Date('2025-06-02T00:00:00Z') });

    expect(first.created).toBe(true);
    expect(second).toEqual({ tenantId: first.tenantId, created: false });
    expect(await counts(database)).toEqual(after);
    expect(after).toMatchObject({ tenants: 1, users: 1, message_templates: 3, sending_numbers: 1, budgets: 1 });
    expect(after.prices).toBeGreaterThanOrEqual(9);
  });

  it('gives the tenant what the walkthrough needs: AU defaults, an admin, compliant templates, a sandbox bulk number', async () => {
    const { tenantId } = await seedDatabase(database.db, { adminEmail: 'admin@reactor.local', now: new Date('2025-06-01T00:00:00Z') });
    const [tenant] = await database.db.select().from(tenants).where(eq(tenants.id, tenantId));
    expect(tenant).toMatchObject({ name: 'Reactor Demo', defaultCountry: 'AU', timezone: 'Australia/Sydney', pausedAt: null });

    const admins = await database.db.select().from(users).where(eq(users.tenantId, tenantId));
    expect(admins.map((u) => [u.email, u.role])).toEqual([['admin@reactor.local', 'admin']]);

    const templates = await database.db.select().from(messageTemplates).where(eq(messageTemplates.tenantId, tenantId));
    expect(templates).toHaveLength(3);
    for (const t of templates) expect(t.body).toMatch(/Reply STOP to opt out/);
    expect(templates.some((t) => t.body.includes('{first_name|there}') && t.body.includes('{link}'))).toBe(true);

    const numbers = await database.db.select().from(sendingNumbers).where(eq(sendingNumbers.tenantId, tenantId));
    expect(numbers.map((n) => [n.provider, n.use, n.status])).toEqual([['sandbox', 'bulk', 'active']]);
  });
});
