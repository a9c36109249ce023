/**
 * The database itself refuses what the product promises never happens: duplicates where a retry or a
 * second click could create one, states no code path should write, and cross-tenant number sharing.
 * One test per named unique rule, each also showing what the rule still allows.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type Database, type Db } from './client';
import { databaseErrorOf, sqlState } from './errors';
import {
  campaigns,
  contacts,
  contactsTenantReference,
  doNotContact,
  events,
  importBatches,
  outbox,
  rawProspects,
  sendingNumbers,
  sendJobs,
  sessions,
  shortLinks,
  suppressionRules,
  tenants,
  users,
  webhookEvents,
} from './schema/index';
import { createTestTenant, openTestDatabase, testId, type TestTenant } from './testing';

let database: Database;
let db: Db;

beforeAll(async () => {
  database = await openTestDatabase();
  db = database.db;
});
afterAll(async () => {
  await database?.close();
});

async function violation(write: Promise<unknown>): Promise<{ code: string; constraint: string | undefined }> {
  try {
    await write;
  } catch (error) {
    const info = databaseErrorOf(error);
    if (info === undefined) throw error;
    return { code: info.code, constraint: info.constraint };
  }
  throw new Error('expected the database to refuse the write');
}

const unique = (constraint: string) => ({ code: sqlState.uniqueViolation, constraint });
const checkFails = (constraint: string) => ({ code: sqlState.checkViolation, constraint });

let phoneSeq = 0;
/** A distinct, valid AU mobile number per call. */
function phone(): string {
  phoneSeq += 1;
  return `+614${String(10_000_000 + phoneSeq * 7919).padStart(8, '0')}`;
}

async function contact(t: TestTenant, phoneE164 = phone()): Promise<string> {
  const id = testId('contact');
  await db.insert(contacts).values({ id, tenantId: t.tenant.id, phoneE164 });
  return id;
}

async function campaign(t: TestTenant): Promise<string> {
  const id = testId('campaign');
  await db.insert(campaigns).values({ id, tenantId: t.tenant.id, name: 'Spring offer' });
  return id;
}

function campaignJob(t: TestTenant, campaignId: string, contactId: string) {
  return { id: testId('sendJob'), tenantId: t.tenant.id, kind: 'campaign' as const, campaignId, contactId, toE164: '+61400000001' };
}

describe('unique rules', () => {
  it('contacts_tenant_phone_key: one contact per number per tenant; another tenant may hold the same number', async () => {
    const [a, b] = [await createTestTenant(db), await createTestTenant(db)];
    const number = phone();
    await contact(a, number);
    expect(await violation(contact(a, number))).toEqual(unique('contacts_tenant_phone_key'));
    await expect(contact(b, number)).resolves.toBeTypeOf('string');
  });

  it('send_jobs_tenant_campaign_contact_key: queueing a campaign twice adds no second job for a contact', async () => {
    const t = await createTestTenant(db);
    const [cmp, ctc] = [await campaign(t), await contact(t)];
    await db.insert(sendJobs).values(campaignJob(t, cmp, ctc));
    expect(await violation(db.insert(sendJobs).values(campaignJob(t, cmp, ctc)))).toEqual(unique('send_jobs_tenant_campaign_contact_key'));
    // Conversation messages have no campaign: many per contact are fine.
    const reply = (body: string) => ({ id: testId('sendJob'), tenantId: t.tenant.id, kind: 'conversation' as const, contactId: ctc, toE164: '+61400000001', body });
    await db.insert(sendJobs).values([reply('Thanks!'), reply('See you then')]);
  });

  it('send_jobs_tenant_client_message_key: the same clientMessageId twice is one message', async () => {
    const t = await createTestTenant(db);
    const ctc = await contact(t);
    const reply = () => ({ id: testId('sendJob'), tenantId: t.tenant.id, kind: 'conversation' as const, contactId: ctc, toE164: '+61400000001', body: 'Hi', clientMessageId: 'cm-1' });
    await db.insert(sendJobs).values(reply());
    expect(await violation(db.insert(sendJobs).values(reply()))).toEqual(unique('send_jobs_tenant_client_message_key'));
  });

  it('send_jobs_provider_message_key: a provider message id belongs to one job', async () => {
    const t = await createTestTenant(db);
    const cmp = await campaign(t);
    const sent = async () => ({ ...campaignJob(t, cmp, await contact(t)), status: 'sent' as const, provider: 'signalhouse' as const, providerMessageId: 'sh_123' });
    await db.insert(sendJobs).values(await sent());
    expect(await violation(db.insert(sendJobs).values(await sent()))).toEqual(unique('send_jobs_provider_message_key'));
    // The same id from another provider is another message.
    await db.insert(sendJobs).values({ ...(await sent()), provider: 'twilio' });
  });

  it('short_links_token_key: a token resolves to one link, whichever tenant made it', async () => {
    const [a, b] = [await createTestTenant(db), await createTestTenant(db)];
    const link = (t: TestTenant) => ({ id: testId('shortLink'), token: 'aB3dE6gH', tenantId: t.tenant.id, targetUrl: 'https://example.com/offer', expiresAt: new Date('2030-01-01T00:00:00Z') });
    await db.insert(shortLinks).values(link(a));
    expect(await violation(db.insert(shortLinks).values(link(b)))).toEqual(unique('short_links_token_key'));
  });

  it('do_not_contact_pkey: one entry per number per tenant', async () => {
    const [a, b] = [await createTestTenant(db), await createTestTenant(db)];
    const number = phone();
    await db.insert(doNotContact).values({ tenantId: a.tenant.id, phoneE164: number, source: 'stop_keyword' });
    expect(await violation(db.insert(doNotContact).values({ tenantId: a.tenant.id, phoneE164: number, source: 'manual' }))).toEqual(
      unique('do_not_contact_pkey'),
    );
    await db.insert(doNotContact).values({ tenantId: b.tenant.id, phoneE164: number, source: 'manual' });
  });

  it('webhook_events_pkey: the same event id from two providers is two events; from one provider twice, a replay', async () => {
    const event = (provider: 'twilio' | 'signalhouse') => ({ provider, providerEventId: 'evt-0001', kind: 'status', payload: { n: 1 } });
    await db.insert(webhookEvents).values(event('twilio'));
    await db.insert(webhookEvents).values(event('signalhouse'));
    expect(await violation(db.insert(webhookEvents).values(event('twilio')))).toEqual(unique('webhook_events_pkey'));
    const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from webhook_events where provider_event_id = 'evt-0001'`);
    expect(row?.n).toBe(2);
  });

  it('users_email_key: an email identifies one user across all tenants, whatever its case', async () => {
    const [a, b] = [await createTestTenant(db), await createTestTenant(db)];
    const email = `Sam.${testId('user')}@Example.com`;
    await db.insert(users).values({ id: testId('user'), tenantId: a.tenant.id, email, role: 'staff' });
    const again = db.insert(users).values({ id: testId('user'), tenantId: b.tenant.id, email: email.toLowerCase(), role: 'viewer' });
    expect(await violation(again)).toEqual(unique('users_email_key'));
  });

  it('sending_numbers_e164_key: a number belongs to one tenant only', async () => {
    const [a, b] = [await createTestTenant(db), await createTestTenant(db)];
    const e164 = phone();
    const number = (t: TestTenant) => ({ id: testId('sendingNumber'), tenantId: t.tenant.id, e164, provider: 'signalhouse' as const, use: 'bulk' as const });
    await db.insert(sendingNumbers).values(number(a));
    expect(await violation(db.insert(sendingNumbers).values(number(b)))).toEqual(unique('sending_numbers_e164_key'));
  });

  it('import_batches_tenant_idempotency_key: one commit per Idempotency-Key per tenant; dry-runs carry none', async () => {
    const [a, b] = [await createTestTenant(db), await createTestTenant(db)];
    const batch = (t: TestTenant, idempotencyKey: string | null) => ({ id: testId('importBatch'), tenantId: t.tenant.id, kind: 'contacts' as const, status: 'queued' as const, idempotencyKey });
    await db.insert(importBatches).values(batch(a, 'key-1'));
    expect(await violation(db.insert(importBatches).values(batch(a, 'key-1')))).toEqual(unique('import_batches_tenant_idempotency_key'));
    await db.insert(importBatches).values([batch(b, 'key-1'), batch(a, null), batch(a, null)]);
  });

  it('raw_prospects_tenant_source_key: re-ingesting a record updates it instead of adding it', async () => {
    const t = await createTestTenant(db);
    const prospect = () => ({ id: testId('prospect'), tenantId: t.tenant.id, sourceKey: 'usbiz:acme-plumbing:5125550100', company: 'Acme Plumbing', highValue: false });
    await db.insert(rawProspects).values(prospect());
    expect(await violation(db.insert(rawProspects).values(prospect()))).toEqual(unique('raw_prospects_tenant_source_key'));
  });

  it('outbox_dedupe_id_key: a handler that runs twice queues its follow-up once', async () => {
    const message = () => ({ id: testId('outbox'), destination: 'send', body: { jobId: 'job_1' }, dedupeId: `send:${'job_1'}:v1` });
    await db.insert(outbox).values(message());
    expect(await violation(db.insert(outbox).values(message()))).toEqual(unique('outbox_dedupe_id_key'));
  });

  it('events_tenant_dedupe_key: a redelivered handler records its event once', async () => {
    const t = await createTestTenant(db);
    const event = () => ({ id: testId('event'), tenantId: t.tenant.id, type: 'SENT' as const, occurredAt: new Date('2025-03-01T00:00:00Z'), dedupeKey: 'SENT:job_1' });
    await db.insert(events).values(event());
    expect(await violation(db.insert(events).values(event()))).toEqual(unique('events_tenant_dedupe_key'));
    // Events without a key never collide.
    await db.insert(events).values([{ ...event(), dedupeKey: null }, { ...event(), dedupeKey: null }]);
  });
});

describe('checks', () => {
  it('refuse a state no code path should write', async () => {
    const t = await createTestTenant(db);
    const refused = [
      [sql`insert into campaigns (id, tenant_id, name, status) values (${testId('campaign')}, ${t.tenant.id}, 'Spring', 'running')`, 'campaigns_status_check'],
      [sql`insert into webhook_events (provider, provider_event_id, kind, payload) values ('plivo', 'x1', 'status', '{}')`, 'webhook_events_provider_check'],
      [sql`insert into events (id, tenant_id, type, occurred_at) values (${testId('event')}, ${t.tenant.id}, 'OPENED', now())`, 'events_type_check'],
      [sql`insert into users (id, tenant_id, email, role) values (${testId('user')}, ${t.tenant.id}, ${`o.${testId('user')}@example.com`}, 'owner')`, 'users_role_check'],
    ] as const;
    for (const [statement, constraint] of refused) {
      expect(await violation(db.execute(statement))).toEqual(checkFails(constraint));
    }
  });

  it('a campaign job has a campaign, a conversation job has none and carries its text', async () => {
    const t = await createTestTenant(db);
    const ctc = await contact(t);
    const base = { tenantId: t.tenant.id, contactId: ctc, toE164: '+61400000001' };
    expect(await violation(db.insert(sendJobs).values({ ...base, id: testId('sendJob'), kind: 'campaign' }))).toEqual(checkFails('send_jobs_kind_campaign_check'));
    const cmp = await campaign(t);
    expect(await violation(db.insert(sendJobs).values({ ...base, id: testId('sendJob'), kind: 'conversation', campaignId: cmp, body: 'Hi' }))).toEqual(
      checkFails('send_jobs_kind_campaign_check'),
    );
    expect(await violation(db.insert(sendJobs).values({ ...base, id: testId('sendJob'), kind: 'conversation' }))).toEqual(checkFails('send_jobs_kind_campaign_check'));
  });

  it('a skipped job says why, a deferred job says until when', async () => {
    const t = await createTestTenant(db);
    const cmp = await campaign(t);
    expect(await violation(db.insert(sendJobs).values({ ...campaignJob(t, cmp, await contact(t)), status: 'skipped' }))).toEqual(checkFails('send_jobs_skip_reason_check'));
    expect(await violation(db.insert(sendJobs).values({ ...campaignJob(t, cmp, await contact(t)), status: 'deferred' }))).toEqual(checkFails('send_jobs_defer_check'));
  });

  it('bulk numbers are SignalHouse (or sandbox), conversation numbers Twilio (or sandbox)', async () => {
    const t = await createTestTenant(db);
    const number = (provider: 'signalhouse' | 'twilio' | 'sandbox', use: 'bulk' | 'conversation') => ({ id: testId('sendingNumber'), tenantId: t.tenant.id, e164: phone(), provider, use });
    expect(await violation(db.insert(sendingNumbers).values(number('twilio', 'bulk')))).toEqual(checkFails('sending_numbers_route_check'));
    expect(await violation(db.insert(sendingNumbers).values(number('signalhouse', 'conversation')))).toEqual(checkFails('sending_numbers_route_check'));
    await db.insert(sendingNumbers).values([number('sandbox', 'bulk'), number('sandbox', 'conversation'), number('twilio', 'conversation')]);
  });

  it('phones are E.164 and secrets are stored only as SHA-256 hex', async () => {
    const t = await createTestTenant(db);
    expect(await violation(contact(t, '0412 345 678'))).toEqual(checkFails('contacts_phone_check'));
    const session = {
      id: 'plain-session-token',
      userId: t.admin.id,
      tenantId: t.tenant.id,
      csrfToken: 'csrf',
      idleExpiresAt: new Date('2030-01-01T00:00:00Z'),
      absoluteExpiresAt: new Date('2030-01-02T00:00:00Z'),
    };
    expect(await violation(db.insert(sessions).values(session))).toEqual(checkFails('sessions_id_check'));
    await db.insert(sessions).values({ ...session, id: 'a'.repeat(64) });
  });
});

describe('contacts.tenant_id (checked per statement by triggers, migration 0005)', () => {
  const refused = { code: sqlState.foreignKeyViolation, constraint: 'contacts_tenant_id_tenants_id_fk' };

  /** A tenant nothing else points at, so only its contacts can hold it. */
  async function bareTenant(): Promise<string> {
    const id = testId('tenant');
    await db.insert(tenants).values({ id, name: 'Bare', defaultCountry: 'AU', timezone: 'Australia/Sydney' });
    return id;
  }

  it('has the triggers the schema declares (db/schema/contacts.ts, contactsTenantReference)', async () => {
    const found = await queryRows<{ tgname: string }>(db, sql`select tgname from pg_trigger where not tgisinternal order by tgname`);
    expect(found.map((t) => t.tgname)).toEqual(expect.arrayContaining(contactsTenantReference.triggers));
  });

  it('refuses a contact of a tenant that does not exist, alone or among valid rows, and writes none of them', async () => {
    const t = await createTestTenant(db);
    const missing = testId('tenant');
    expect(await violation(db.insert(contacts).values({ id: testId('contact'), tenantId: missing, phoneE164: phone() }))).toEqual(refused);
    const mixed = [
      { id: testId('contact'), tenantId: t.tenant.id, phoneE164: phone() },
      { id: testId('contact'), tenantId: missing, phoneE164: phone() },
    ];
    expect(await violation(db.insert(contacts).values(mixed))).toEqual(refused);
    const written = await db.select().from(contacts).where(sql`${contacts.tenantId} in (${t.tenant.id}, ${missing})`);
    expect(written).toEqual([]);
    // Contacts of two existing tenants in one statement are fine.
    const other = await createTestTenant(db);
    await db.insert(contacts).values([
      { id: testId('contact'), tenantId: t.tenant.id, phoneE164: phone() },
      { id: testId('contact'), tenantId: other.tenant.id, phoneE164: phone() },
    ]);
  });

  it('keeps a contact in its tenant, while its other columns stay editable', async () => {
    const [a, b] = [await createTestTenant(db), await createTestTenant(db)];
    const id = await contact(a);
    expect(await violation(db.update(contacts).set({ tenantId: b.tenant.id }).where(sql`${contacts.id} = ${id}`))).toEqual(refused);
    await db.update(contacts).set({ firstName: 'Ana', tenantId: a.tenant.id }).where(sql`${contacts.id} = ${id}`);
    const [row] = await db.select().from(contacts).where(sql`${contacts.id} = ${id}`);
    expect(row).toMatchObject({ tenantId: a.tenant.id, firstName: 'Ana' });
  });

  it('refuses deleting or renaming a tenant that has contacts; one without may go', async () => {
    const kept = await bareTenant();
    await db.insert(contacts).values({ id: testId('contact'), tenantId: kept, phoneE164: phone() });
    expect(await violation(db.delete(tenants).where(sql`${tenants.id} = ${kept}`))).toEqual(refused);
    expect(await violation(db.update(tenants).set({ id: testId('tenant') }).where(sql`${tenants.id} = ${kept}`))).toEqual(refused);
    await db.update(tenants).set({ name: 'Renamed' }).where(sql`${tenants.id} = ${kept}`);
    const empty = await bareTenant();
    await db.delete(tenants).where(sql`${tenants.id} = ${empty}`);
    expect(await db.select().from(tenants).where(sql`${tenants.id} in (${kept}, ${empty})`)).toMatchObject([{ id: kept, name: 'Renamed' }]);
  });
});

describe('suppression rules (cooldowns)', () => {
  it('have a partial index whose predicate is immutable and which holds expires_at as a column', async () => {
    const [index] = await queryRows<{ indexdef: string }>(db, sql`select indexdef from pg_indexes where indexname = 'suppression_rules_active_idx'`);
    expect(index?.indexdef).toMatch(/\(tenant_id, phone_e164, expires_at\) WHERE \(lifted_at IS NULL\)/);
  });

  it('the active-rule query returns rules that are neither lifted nor expired', async () => {
    const t = await createTestTenant(db);
    const number = phone();
    const rule = (reason: string, expiresAt: unknown, liftedAt: unknown) =>
      db.execute(sql`insert into suppression_rules (id, tenant_id, phone_e164, reason, expires_at, lifted_at)
        values (${testId('suppression')}, ${t.tenant.id}, ${number}, ${reason}, ${expiresAt}, ${liftedAt})`);
    await rule('forever', null, null);
    await rule('until next week', sql`now() + interval '7 days'`, null);
    await rule('expired yesterday', sql`now() - interval '1 day'`, null);
    await rule('lifted', sql`now() + interval '7 days'`, sql`now() - interval '1 hour'`);
    await rule('lifted forever', null, sql`now() - interval '1 hour'`);

    const active = await queryRows<{ reason: string }>(
      db,
      sql`select reason from ${suppressionRules}
          where tenant_id = ${t.tenant.id} and phone_e164 = ${number}
            and lifted_at is null and (expires_at is null or expires_at > now())
          order by reason`,
    );
    expect(active.map((r) => r.reason)).toEqual(['forever', 'until next week']);
  });
});
