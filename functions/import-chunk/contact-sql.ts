/**
 * The set-based SQL of a contact import chunk: one query per kind of lookup and one statement per kind
 * of write for the whole chunk (never a round trip per row). Rows travel as one JSON parameter read
 * with `json_to_recordset`, and key lists as one `text[]` parameter, which both drivers (postgres.js
 * and PGlite) pass the same way. Every statement is scoped by `tenant_id`.
 *
 * Idempotency: contacts are written with `ON CONFLICT (tenant_id, phone_e164)`, lineage rows with
 * `ON CONFLICT (batch_id, row_number) DO NOTHING`; the chunk fence (bytes_processed, checked under the
 * batch row's lock) makes a redelivered chunk write nothing at all.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Cooldown, ContactLookups, ExistingContact, RowDecision } from '../../core/imports/decide-contact-rows';
import { queryRows, type Db, type Tx } from '../../db/client';

/** `{"a","b"}`: a Postgres text[] literal, passed as one parameter and cast with `::text[]`. */
export function textArrayLiteral(values: Iterable<string>): string {
  const parts: string[] = [];
  for (const v of values) parts.push(`"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  return `{${parts.join(',')}}`;
}

const contactRow = z.object({
  id: z.string(),
  phone_e164: z.string(),
  email: z.string().nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  country: z.string().nullable(),
  timezone: z.string().nullable(),
  tags: z.array(z.string()).nullable(),
  attributes: z.record(z.string(), z.string()).nullable(),
  last_import_batch_id: z.string().nullable(),
  last_import_row: z.number().int().nullable(),
});

function toExisting(row: z.infer<typeof contactRow>): ExistingContact {
  return {
    id: row.id,
    phoneE164: row.phone_e164,
    email: row.email === null ? null : row.email.toLowerCase(),
    firstName: row.first_name,
    lastName: row.last_name,
    country: row.country,
    timezone: row.timezone,
    tags: row.tags ?? [],
    attributes: row.attributes ?? {},
    lastImportBatchId: row.last_import_batch_id,
    lastImportRow: row.last_import_row,
  };
}

/** Everything the decisions need to know about these phones and emails, in three queries. */
export async function loadContactLookups(db: Db | Tx, tenantId: string, phones: Set<string>, emails: Set<string>, now: Date): Promise<ContactLookups> {
  const byPhone = new Map<string, ExistingContact>();
  const byEmail = new Map<string, ExistingContact>();
  const dnc = new Set<string>();
  const cooldowns = new Map<string, Cooldown>();
  if (phones.size === 0) return { byPhone, byEmail, dnc, cooldowns };
  const phoneList = textArrayLiteral(phones);
  const emailList = textArrayLiteral(emails);

  const contacts = await queryRows(
    db,
    sql`select id, phone_e164, email, first_name, last_name, country, timezone, tags, attributes, last_import_batch_id, last_import_row
          from contacts
         where tenant_id = ${tenantId}
           and (phone_e164 = any(${phoneList}::text[]) or (email is not null and lower(email) = any(${emailList}::text[])))
         order by id`,
  );
  for (const raw of contacts) {
    const c = toExisting(contactRow.parse(raw));
    if (phones.has(c.phoneE164)) byPhone.set(c.phoneE164, c);
    // Ordered by id: the first contact seen for an email is the oldest, which is the one it matches.
    if (c.email !== null && emails.has(c.email) && !byEmail.has(c.email)) byEmail.set(c.email, c);
  }

  const listed = await queryRows<{ phone_e164: string }>(
    db,
    sql`select phone_e164 from do_not_contact where tenant_id = ${tenantId} and phone_e164 = any(${phoneList}::text[])`,
  );
  for (const r of listed) dnc.add(r.phone_e164);

  const rules = await queryRows<{ phone_e164: string; expires_ms: number | null; reason: string }>(
    db,
    sql`select phone_e164, (extract(epoch from expires_at) * 1000)::float8 as expires_ms, reason
          from suppression_rules
         where tenant_id = ${tenantId} and phone_e164 = any(${phoneList}::text[]) and lifted_at is null
           and (expires_at is null or expires_at > ${now.toISOString()}::timestamptz)
         order by expires_at desc nulls first`,
  );
  for (const r of rules) {
    // The longest-lasting rule speaks for the number (null = until lifted, sorted first).
    if (!cooldowns.has(r.phone_e164)) cooldowns.set(r.phone_e164, { expiresAt: r.expires_ms === null ? null : new Date(r.expires_ms), reason: r.reason });
  }
  return { byPhone, byEmail, dnc, cooldowns };
}

export type PlacedDecision = RowDecision & { byteStart: number; byteEnd: number };

/**
 * Writes one chunk's decisions: updates, creates (with the ids given), then the lineage rows. Returns
 * the contact id each created row ended up with (a phone created meanwhile by another writer is
 * updated instead of failing, and its existing id is used).
 */
export async function writeContactChunk(
  tx: Tx,
  input: { tenantId: string; batchId: string; now: Date; decisions: readonly PlacedDecision[]; newContactId: () => string },
): Promise<void> {
  const { tenantId, batchId, now } = input;
  const at = now.toISOString();
  const updates: Record<string, unknown>[] = [];
  const creates: Record<string, unknown>[] = [];
  const contactOf = new Map<number, string>();
  for (const d of input.decisions) {
    if (d.decision === 'update') {
      const v = d.values;
      updates.push({ id: d.contactId, phone: v.phoneE164, email: v.email, first_name: v.firstName, last_name: v.lastName, country: v.country, timezone: v.timezone, tags: textArrayLiteral(v.tags), attributes: v.attributes, row: d.row });
      contactOf.set(d.row, d.contactId);
    } else if (d.decision === 'create') {
      const v = d.values;
      const id = input.newContactId();
      creates.push({ id, phone: v.phoneE164, email: v.email, first_name: v.firstName, last_name: v.lastName, country: v.country, timezone: v.timezone, tags: textArrayLiteral(v.tags), attributes: v.attributes, row: d.row });
      contactOf.set(d.row, id);
    }
  }

  if (updates.length > 0) {
    await queryRows(
      tx,
      sql`update contacts c
             set phone_e164 = r.phone, email = r.email, first_name = r.first_name, last_name = r.last_name, country = r.country,
                 timezone = r.timezone, tags = r.tags::text[], attributes = r.attributes, last_import_batch_id = ${batchId},
                 last_import_row = r.row, updated_at = ${at}::timestamptz
            from json_to_recordset(${JSON.stringify(updates)}::json)
                 as r(id text, phone text, email text, first_name text, last_name text, country text, timezone text, tags text, attributes jsonb, row int)
           where c.id = r.id and c.tenant_id = ${tenantId}`,
    );
  }
  if (creates.length > 0) {
    const rows = await queryRows<{ id: string; last_import_row: number }>(
      tx,
      sql`insert into contacts (id, tenant_id, phone_e164, email, first_name, last_name, country, timezone, tags, attributes,
                                last_import_batch_id, last_import_row, created_at, updated_at)
          select r.id, ${tenantId}, r.phone, r.email, r.first_name, r.last_name, r.country, r.timezone, r.tags::text[], r.attributes,
                 ${batchId}, r.row, ${at}::timestamptz, ${at}::timestamptz
            from json_to_recordset(${JSON.stringify(creates)}::json)
                 as r(id text, phone text, email text, first_name text, last_name text, country text, timezone text, tags text, attributes jsonb, row int)
          on conflict (tenant_id, phone_e164) do update
             set email = coalesce(excluded.email, contacts.email), first_name = coalesce(excluded.first_name, contacts.first_name),
                 last_name = coalesce(excluded.last_name, contacts.last_name), country = coalesce(contacts.country, excluded.country),
                 timezone = coalesce(excluded.timezone, contacts.timezone), tags = array(select distinct unnest(contacts.tags || excluded.tags)),
                 attributes = contacts.attributes || excluded.attributes, last_import_batch_id = excluded.last_import_batch_id,
                 last_import_row = excluded.last_import_row, updated_at = excluded.updated_at
          returning id, last_import_row`,
    );
    // A phone another writer created after our lookup: the upsert kept its id; the lineage must point at it.
    for (const r of rows) contactOf.set(r.last_import_row, r.id);
  }
  await writeLineage(tx, { tenantId, batchId, decisions: input.decisions, contactOf });
}

/** Lineage rows (batch, row number, decision, reason, byte range); idempotent per (batch, row). */
export async function writeLineage(
  tx: Db | Tx,
  input: { tenantId: string; batchId: string; decisions: readonly PlacedDecision[]; contactOf?: ReadonlyMap<number, string>; prospectOf?: ReadonlyMap<number, string> },
): Promise<void> {
  if (input.decisions.length === 0) return;
  const rows = input.decisions.map((d) => ({
    row: d.row,
    decision: d.decision,
    reason: d.reason,
    phone: d.phoneE164 ?? null,
    contact_id: input.contactOf?.get(d.row) ?? null,
    prospect_id: input.prospectOf?.get(d.row) ?? null,
    bs: d.byteStart,
    be: d.byteEnd,
  }));
  await queryRows(
    tx,
    sql`insert into import_rows (batch_id, row_number, tenant_id, decision, reason, phone_e164, contact_id, prospect_id, byte_start, byte_end)
        select ${input.batchId}, r.row, ${input.tenantId}, r.decision, r.reason, r.phone, r.contact_id, r.prospect_id, r.bs, r.be
          from json_to_recordset(${JSON.stringify(rows)}::json)
               as r(row int, decision text, reason text, phone text, contact_id text, prospect_id text, bs bigint, be bigint)
        on conflict (batch_id, row_number) do nothing`,
  );
}
