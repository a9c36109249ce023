import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, queryRows, type Database } from './client';
import { openTestDatabase } from './testing';

/** Everything a migration can create, as sorted text: tables, columns, indexes, constraints. */
async function catalog(database: Database): Promise<string[]> {
  const rows = await queryRows<{ item: string }>(
    database.db,
    sql`
      select 'table ' || table_name as item from information_schema.tables where table_schema = 'public'
      union all
      select 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
        from information_schema.columns where table_schema = 'public'
      union all
      select 'index ' || indexname || ' ' || indexdef from pg_indexes where schemaname = 'public'
      union all
      select 'constraint ' || conname || ' ' || pg_get_constraintdef(oid)
        from pg_constraint where connamespace = 'public'::regnamespace
      order by 1`,
  );
  return rows.map((r) => r.item);
}

async function appliedMigrations(database: Database): Promise<number> {
  const [row] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  return row?.n ?? -1;
}

describe('migrations', () => {
  let database: Database;
  beforeAll(async () => {
    // From an empty database, not from the migrated copy other tests start from.
    database = await openTestDatabase({ fresh: true });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('create every table of the data model on an empty database', async () => {
    const tables = (await catalog(database)).filter((i) => i.startsWith('table ')).map((i) => i.slice(6));
    for (const table of [
      'tenants',
      'users',
      'sessions',
      'magic_link_tokens',
      'audit_log',
      'contacts',
      'do_not_contact',
      'suppression_rules',
      'message_templates',
      'campaigns',
      'campaign_templates',
      'campaign_sending_numbers',
      'sending_numbers',
      'send_jobs',
      'short_links',
      'events',
      'webhook_events',
      'conversations',
      'budgets',
      'costs',
      'prices',
      'import_batches',
      'import_rows',
      'raw_prospects',
      'persona_phones',
      'persona_emails',
      'social_profiles',
      'skip_trace_requests',
      'counters',
      'flags',
      'outbox',
    ]) {
      expect(tables).toContain(table);
    }
  });

  it('a second run changes nothing', async () => {
    const before = await catalog(database);
    const migrationsBefore = await appliedMigrations(database);
    await migrateDatabase(database);
    expect(await catalog(database)).toEqual(before);
    expect(await appliedMigrations(database)).toBe(migrationsBefore);
    expect(migrationsBefore).toBeGreaterThan(0);
  });

  it('names every unique rule the product relies on', async () => {
    const items = await catalog(database);
    const named = (name: string) => items.some((i) => i.startsWith(`index ${name} `) || i.startsWith(`constraint ${name} `));
    for (const name of [
      'contacts_tenant_phone_key',
      'send_jobs_tenant_campaign_contact_key',
      'send_jobs_tenant_client_message_key',
      'send_jobs_provider_message_key',
      'short_links_token_key',
      'do_not_contact_pkey',
      'webhook_events_pkey',
      'users_email_key',
      'sending_numbers_e164_key',
      'import_batches_tenant_idempotency_key',
      'raw_prospects_tenant_source_key',
      'outbox_dedupe_id_key',
      'events_tenant_dedupe_key',
      'costs_send_job_key',
      'skip_trace_requests_request_key',
    ]) {
      expect(named(name), name).toBe(true);
    }
  });
});

describe('the client', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('returns raw rows in one shape, with int8 as numbers and UTC instants, on either driver', async () => {
    const rows = await queryRows<{ n: number; big: number; at: string; tags: string[]; data: { a: number } }>(
      database.db,
      sql`select count(*) as n, 9000000000::int8 as big, timestamptz '2025-03-01 10:00:00+11' as at,
            array['a','b']::text[] as tags, '{"a":1}'::jsonb as data from (values (1), (2)) v(x)`,
    );
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row?.n).toBe(2);
    expect(row?.big).toBe(9_000_000_000);
    expect(row?.at).toBe('2025-02-28 23:00:00+00');
    expect(row?.tags).toEqual(['a', 'b']);
    expect(row?.data).toEqual({ a: 1 });
  });

  it('rolls a failed transaction back', async () => {
    await expect(
      database.db.transaction(async (tx) => {
        await tx.execute(sql`insert into flags (key, value) values ('rollback-probe', 'x')`);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const rows = await queryRows(database.db, sql`select 1 from flags where key = 'rollback-probe'`);
    expect(rows).toEqual([]);
  });
});
