/**
 * The lookups behind every import decision come out the same whichever way they are made: by joining a
 * small tenant's rows with the chunk's keys, or by probing a big tenant's indexes key by key. A chunk's
 * creates still land when someone added one of their phones after the lookup.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactValues, RowDecision } from '../../core/imports/decide-contact-rows';
import type { Database, Db } from '../../db/client';
import { contacts, doNotContact, importBatches, suppressionRules } from '../../db/schema/index';
import { createTestTenant, openTestDatabase, testId } from '../../db/testing';
import { loadContactLookups, writeContactChunk } from './contact-sql';
import { readLineage } from './lineage';

let database: Database;
let db: Db;

beforeAll(async () => {
  database = await openTestDatabase();
  db = database.db;
});
afterAll(async () => {
  await database?.close();
});

describe('loadContactLookups', () => {
  it('finds the same contacts, DNC numbers and cooldowns by join and by probe', async () => {
    const { tenant } = await createTestTenant(db);
    const other = await createTestTenant(db);
    const now = new Date('2026-06-01T00:00:00Z');
    const day = 86_400_000;
    // Ids sort by age: "…a" is the older of the two contacts sharing an email.
    const base = testId('contact');
    await db.insert(contacts).values([
      { id: `${base}a`, tenantId: tenant.id, phoneE164: '+61400000001', email: 'Shared@Example.com', firstName: 'Old' },
      { id: `${base}b`, tenantId: tenant.id, phoneE164: '+61400000002', email: 'shared@example.com', firstName: 'New', tags: ['vip'], attributes: { plan: 'gold' } },
      { id: testId('contact'), tenantId: tenant.id, phoneE164: '+61400000003', email: null },
      // Another tenant's contact with the same phone and email is never seen.
      { id: testId('contact'), tenantId: other.tenant.id, phoneE164: '+61400000004', email: 'mine@example.com' },
    ]);
    await db.insert(doNotContact).values([
      { tenantId: tenant.id, phoneE164: '+61400000005', source: 'manual' },
      { tenantId: other.tenant.id, phoneE164: '+61400000006', source: 'manual' },
    ]);
    const rule = (phoneE164: string, expiresAt: Date | null, reason: string, liftedAt: Date | null = null) => ({
      id: testId('suppression'),
      tenantId: tenant.id,
      phoneE164,
      expiresAt,
      reason,
      liftedAt,
    });
    await db.insert(suppressionRules).values([
      rule('+61400000007', new Date(now.getTime() + day), 'short'),
      rule('+61400000007', new Date(now.getTime() + 30 * day), 'long'),
      rule('+61400000008', null, 'until lifted'),
      rule('+61400000008', new Date(now.getTime() + 30 * day), 'shorter than forever'),
      rule('+61400000009', new Date(now.getTime() - day), 'expired'),
      rule('+61400000010', null, 'lifted', new Date(now.getTime() - day)),
    ]);

    const phones = new Set(['+61400000001', '+61400000003', '+61400000004', '+61400000005', '+61400000006', '+61400000007', '+61400000008', '+61400000009', '+61400000010', '+61499999999']);
    const emails = new Set(['shared@example.com', 'mine@example.com', 'nobody@example.com']);
    const byJoin = await loadContactLookups(db, tenant.id, phones, emails, now, { probeFrom: Number.MAX_SAFE_INTEGER });
    const byProbe = await loadContactLookups(db, tenant.id, phones, emails, now, { probeFrom: 0 });
    // Told the tenant is big (this import already wrote that many contacts): probes without counting.
    const byKnownSize = await loadContactLookups(db, tenant.id, phones, emails, now, { probeFrom: 1000, knownContacts: 1500 });

    for (const lookups of [byJoin, byProbe, byKnownSize]) {
      expect([...lookups.byPhone.keys()].sort()).toEqual(['+61400000001', '+61400000003']);
      expect(lookups.byEmail.get('shared@example.com')).toMatchObject({ phoneE164: '+61400000001', firstName: 'Old', email: 'shared@example.com' });
      expect([...lookups.byEmail.keys()]).toEqual(['shared@example.com']);
      expect([...lookups.dnc]).toEqual(['+61400000005']);
      expect(Object.fromEntries([...lookups.cooldowns].map(([phone, c]) => [phone, c.reason]))).toEqual({ '+61400000007': 'long', '+61400000008': 'until lifted' });
      expect(lookups.cooldowns.get('+61400000007')?.expiresAt?.toISOString()).toBe(new Date(now.getTime() + 30 * day).toISOString());
    }
    const { contactsAtLeast: counted, contacts: found, ...joined } = byJoin;
    expect(counted).toBe(3);
    expect(byKnownSize.contactsAtLeast).toBe(1500);
    const idsOf = (contacts: readonly { id: string }[]) => [...new Set(contacts.map((c) => c.id))].sort();
    for (const { contactsAtLeast: _, contacts, ...lookups } of [byProbe, byKnownSize]) {
      expect(lookups).toEqual(joined);
      // A probe finds a contact once per key it has (phone and email): the same contacts either way.
      expect(idsOf(contacts)).toEqual(idsOf(found));
    }
  });
});

describe('writeContactChunk', () => {
  it('updates a contact another writer added after the lookup, instead of failing the chunk', async () => {
    const { tenant } = await createTestTenant(db);
    const batchId = testId('importBatch');
    await db.insert(importBatches).values({ id: batchId, tenantId: tenant.id, kind: 'contacts', status: 'running' });
    // Added by hand between the chunk's lookup (which found neither phone) and its write.
    const addedId = testId('contact');
    await db.insert(contacts).values({ id: addedId, tenantId: tenant.id, phoneE164: '+61400000021', email: 'kept@example.com', firstName: 'Hand', tags: ['manual'] });
    const values = (phoneE164: string, firstName: string): ContactValues => ({
      phoneE164, email: null, firstName, lastName: 'Lee', country: 'AU', timezone: null, tags: ['imported'], attributes: {},
    });
    const decisions: RowDecision[] = [
      { row: 1, decision: 'create', reason: 'new contact', phoneE164: '+61400000021', values: values('+61400000021', 'Ana') },
      { row: 2, decision: 'create', reason: 'new contact', phoneE164: '+61400000022', values: values('+61400000022', 'Bo') },
    ];
    const spans = [
      { start: 10, end: 20 },
      { start: 20, end: 30 },
    ];
    const newIds = [testId('contact'), testId('contact')];
    let next = 0;
    await db.transaction((tx) =>
      writeContactChunk(tx, { tenantId: tenant.id, batchId, now: new Date('2026-06-01T00:00:00Z'), decisions, spans, newContactId: () => newIds[next++] ?? 'none' }),
    );

    const rows = await db.select().from(contacts).where(eq(contacts.tenantId, tenant.id));
    const byPhone = new Map(rows.map((c) => [c.phoneE164, c]));
    expect(rows).toHaveLength(2);
    expect(byPhone.get('+61400000021')).toMatchObject({
      id: addedId, email: 'kept@example.com', firstName: 'Ana', lastName: 'Lee', country: 'AU', lastImportBatchId: batchId, lastImportRow: 1,
    });
    expect(byPhone.get('+61400000021')?.tags?.slice().sort()).toEqual(['imported', 'manual']);
    expect(byPhone.get('+61400000022')).toMatchObject({ id: newIds[1], firstName: 'Bo', lastImportBatchId: batchId, lastImportRow: 2 });
    const lineage = await readLineage(db, batchId);
    expect(lineage.map((l) => [l.rowNumber, l.decision, l.recordId])).toEqual([
      [1, 'create', addedId],
      [2, 'create', newIds[1]],
    ]);
  });
});
