/**
 * The set-based SQL of a contact import chunk: one query per kind of lookup and one statement per kind
 * of write for the whole chunk (never a round trip per row). Rows travel as parallel arrays, one
 * Postgres array literal per column read with `unnest` (cheaper for the server to parse than JSON),
 * which both drivers (postgres.js and PGlite) pass the same way. Every statement is scoped by
 * `tenant_id`.
 *
 * Idempotency: the chunk fence (bytes_processed, checked under the batch row's lock) makes a
 * redelivered chunk write nothing at all; creates fall back to `ON CONFLICT (tenant_id, phone_e164)`
 * when a phone appeared since the lookup, and lineage is written with `ON CONFLICT … DO NOTHING`.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { isRejected, type ContactLookups, type ContactValues, type Cooldown, type ExistingContact, type RowDecision } from '../../core/imports/decide-contact-rows';
import { contactAsWritten, indexContacts } from '../../core/imports/contact-lookups';
import { arrayLiteral, numberArrayLiteral, textArrayLiteral } from '../../db/array-literals';
import { queryRows, type Db, type Tx } from '../../db/client';
import { isUniqueViolation } from '../../db/errors';

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

const contactColumns = sql.raw('id, phone_e164, email, first_name, last_name, country, timezone, tags, attributes, last_import_batch_id, last_import_row');

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

/** From this many contacts (or DNC and cooldown entries) on, a tenant's rows are probed key by key. */
const defaultProbeFrom = 100_000;

export type LoadedLookups = ContactLookups & {
  /** Every contact found by phone or email (a contact found by both, twice): `indexContacts` built the maps from them. */
  contacts: ExistingContact[];
  /** How many contacts the tenant is known to have, up to the probing bound: pass it on as `knownContacts`. */
  contactsAtLeast: number;
};

/**
 * Everything the decisions need to know about these phones and emails, in three queries.
 * `knownContacts`: how many contacts the tenant is already known to have (an earlier call's
 * `contactsAtLeast`, or the contacts this import wrote so far). From `probeFrom` on, the tenant's
 * contacts are not counted again: that count reads `probeFrom` index entries, 40-60 ms a chunk on a big
 * tenant. Either way of looking up gives the same answer, so a stale figure (contacts deleted since)
 * only costs time.
 */
export async function loadContactLookups(
  db: Db | Tx,
  tenantId: string,
  phones: Set<string>,
  emails: Set<string>,
  now: Date,
  options: { probeFrom?: number; knownContacts?: number } = {},
): Promise<LoadedLookups> {
  const probeFrom = options.probeFrom ?? defaultProbeFrom;
  const known = options.knownContacts ?? 0;
  const dnc = new Set<string>();
  const cooldowns = new Map<string, Cooldown>();
  if (phones.size === 0) return { byPhone: new Map(), byEmail: new Map(), dnc, cooldowns, contacts: [], contactsAtLeast: known };
  const phoneList = textArrayLiteral(phones);
  const emailList = textArrayLiteral(emails);

  // How much the tenant has, counted up to a bound (an index-only scan of at most `probeFrom` entries).
  const countContacts = known < probeFrom;
  const [sizes] = await queryRows<{ contacts: number | null; compliance: number }>(
    db,
    sql`select ${countContacts ? sql`(select count(*)::int from (select 1 from contacts where tenant_id = ${tenantId} limit ${probeFrom}) a)` : sql`null::int`} as contacts,
               (select count(*)::int from (select 1 from do_not_contact where tenant_id = ${tenantId} limit ${probeFrom}) b)
             + (select count(*)::int from (select 1 from suppression_rules where tenant_id = ${tenantId} and lifted_at is null limit ${probeFrom}) c) as compliance`,
  );
  const contactsAtLeast = Math.max(known, sizes?.contacts ?? probeFrom);
  const probeContacts = contactsAtLeast >= probeFrom;
  const probeCompliance = (sizes?.compliance ?? probeFrom) >= probeFrom;

  // A big tenant: each key is looked up on its own through its index (a lateral subquery with `offset 0`
  // is never flattened into a join). With a plain `= any(…)` over 10,000 keys, or a join, the planner
  // preferred scanning all of the tenant's contacts, so every chunk of a big import was slower than the
  // one before. (No `order by … limit` inside: that invites a walk of another index in that order.)
  // A small tenant: its rows are read through the `tenant_id` index and filtered by the keys, which
  // costs next to nothing when it has few (20,000 probes cost ~90 ms even into an empty index).
  const contacts = await queryRows(
    db,
    probeContacts
      ? sql`select c.* from unnest(${phoneList}::text[]) as k(phone)
              cross join lateral (select ${contactColumns} from contacts
                                   where tenant_id = ${tenantId} and phone_e164 = k.phone offset 0) c
            union all
            select c.* from unnest(${emailList}::text[]) as k(email)
              cross join lateral (select ${contactColumns} from contacts
                                   where tenant_id = ${tenantId} and email is not null and lower(email) = k.email offset 0) c`
      : sql`select ${contactColumns} from contacts
             where tenant_id = ${tenantId}
               and (phone_e164 = any(${phoneList}::text[]) or (email is not null and lower(email) = any(${emailList}::text[])))`,
  );
  const found = contacts.map((raw) => toExisting(contactRow.parse(raw)));
  const { byPhone, byEmail } = indexContacts(found, phones, emails);

  // DNC and cooldowns in one pass over the phones. The longest-lasting active rule speaks for a number
  // (null = until lifted, sorted first).
  const active = sql`lifted_at is null and (expires_at is null or expires_at > ${now.toISOString()}::timestamptz)`;
  const compliance = await queryRows<{ phone: string; listed: boolean | null; expires_ms: number | null; reason: string | null }>(
    db,
    probeCompliance
      ? sql`select k.phone, d.listed, (extract(epoch from r.expires_at) * 1000)::float8 as expires_ms, r.reason
              from unnest(${phoneList}::text[]) as k(phone)
              left join lateral (select true as listed from do_not_contact where tenant_id = ${tenantId} and phone_e164 = k.phone offset 0) d on true
              left join lateral (select expires_at, reason from suppression_rules
                                  where tenant_id = ${tenantId} and phone_e164 = k.phone and ${active} offset 0) r on true
             where d.listed or r.reason is not null
             order by r.expires_at desc nulls first`
      : sql`select phone_e164 as phone, true as listed, null::float8 as expires_ms, null::text as reason
              from do_not_contact where tenant_id = ${tenantId} and phone_e164 = any(${phoneList}::text[])
            union all
            select phone_e164, null, (extract(epoch from expires_at) * 1000)::float8, reason
              from suppression_rules where tenant_id = ${tenantId} and ${active} and phone_e164 = any(${phoneList}::text[])
            order by expires_ms desc nulls first`,
  );
  for (const r of compliance) {
    if (r.listed === true) dnc.add(r.phone);
    if (r.reason !== null && !cooldowns.has(r.phone)) cooldowns.set(r.phone, { expiresAt: r.expires_ms === null ? null : new Date(r.expires_ms), reason: r.reason });
  }
  return { byPhone, byEmail, dnc, cooldowns, contacts: found, contactsAtLeast };
}

/** Where a row sits in the uploaded file (rejected.csv copies these bytes back out). */
export type ByteSpan = { start: number; end: number };

/** What lineage keeps of a decision. */
export type LineageDecision = Pick<RowDecision, 'row' | 'decision' | 'reason' | 'phoneE164'>;

/**
 * Writes one chunk's decisions: updates (by id), creates (with fresh ids), then the lineage. Each write
 * is one statement whose rows travel as parallel arrays read with `unnest` (cheaper to parse than JSON
 * and one parameter per column whatever the chunk's size). `spans[i]` is where `decisions[i]`'s row is
 * in the file: passed alongside rather than copied into each decision (a copy per row was ~1 µs a row,
 * and garbage to collect).
 *
 * Returns the contacts written, as they now are (what a lookup would find of them), or null when an
 * upsert had to merge into contacts written meanwhile by someone else, whose state only the database knows.
 */
export async function writeContactChunk(
  tx: Tx,
  input: { tenantId: string; batchId: string; now: Date; decisions: readonly RowDecision[]; spans: readonly ByteSpan[]; newContactId: () => string },
): Promise<ExistingContact[] | null> {
  const { tenantId, batchId, now, decisions } = input;
  const at = now.toISOString();
  const updates = new ContactColumns();
  const creates = new ContactColumns();
  // recordIds[i]: the contact decisions[i] created or updated.
  const recordIds = new Array<string | null>(decisions.length).fill(null);
  let written: ExistingContact[] | null = [];
  for (let i = 0; i < decisions.length; i++) {
    const d = decisions[i] as RowDecision;
    if (d.decision === 'update') {
      updates.push(d.contactId, d.row, d.values);
      recordIds[i] = d.contactId;
      written.push(contactAsWritten(d.contactId, d.values, batchId, d.row));
    } else if (d.decision === 'create') {
      const id = input.newContactId();
      creates.push(id, d.row, d.values);
      recordIds[i] = id;
      written.push(contactAsWritten(id, d.values, batchId, d.row));
    }
  }

  if (updates.size > 0) {
    const u = updates.literals();
    await queryRows(
      tx,
      sql`update contacts c
             set phone_e164 = r.phone, email = r.email, first_name = r.first_name, last_name = r.last_name, country = r.country,
                 timezone = r.timezone, tags = r.tags::text[], attributes = r.attributes::jsonb, last_import_batch_id = ${batchId},
                 last_import_row = r.row, updated_at = ${at}::timestamptz
            from unnest(${u.ids}::text[], ${u.phones}::text[], ${u.emails}::text[], ${u.firstNames}::text[], ${u.lastNames}::text[],
                        ${u.countries}::text[], ${u.timezones}::text[], ${u.tags}::text[], ${u.attributes}::text[], ${u.rows}::int[])
                 as r(id, phone, email, first_name, last_name, country, timezone, tags, attributes, row)
           where c.id = r.id and c.tenant_id = ${tenantId}`,
    );
  }
  if (creates.size > 0) {
    const c = creates.literals();
    const insert = sql`insert into contacts (id, tenant_id, phone_e164, email, first_name, last_name, country, timezone, tags, attributes,
                                last_import_batch_id, last_import_row, created_at, updated_at)
          select r.id, ${tenantId}, r.phone, r.email, r.first_name, r.last_name, r.country, r.timezone, r.tags::text[], r.attributes::jsonb,
                 ${batchId}, r.row, ${at}::timestamptz, ${at}::timestamptz
            from unnest(${c.ids}::text[], ${c.phones}::text[], ${c.emails}::text[], ${c.firstNames}::text[], ${c.lastNames}::text[],
                        ${c.countries}::text[], ${c.timezones}::text[], ${c.tags}::text[], ${c.attributes}::text[], ${c.rows}::int[])
                 as r(id, phone, email, first_name, last_name, country, timezone, tags, attributes, row)`;
    // The lookup found none of these phones under the tenant's import lock, so a plain insert is the
    // rule: ~20 % cheaper than `ON CONFLICT`, whose speculative insertion probes the unique index twice.
    // Only a writer outside imports (a contact added by hand meanwhile) can make it fail; then the
    // savepoint undoes it and the upsert updates those contacts instead, and only they come back.
    try {
      await tx.transaction((savepoint) => queryRows(savepoint, insert));
    } catch (error) {
      if (!isUniqueViolation(error, 'contacts_tenant_phone_key')) throw error;
      const taken = await queryRows<{ id: string; last_import_row: number }>(
        tx,
        sql`with written as (
            ${insert}
            on conflict (tenant_id, phone_e164) do update
               set email = coalesce(excluded.email, contacts.email), first_name = coalesce(excluded.first_name, contacts.first_name),
                   last_name = coalesce(excluded.last_name, contacts.last_name), country = coalesce(contacts.country, excluded.country),
                   timezone = coalesce(excluded.timezone, contacts.timezone), tags = array(select distinct unnest(contacts.tags || excluded.tags)),
                   attributes = contacts.attributes || excluded.attributes, last_import_batch_id = excluded.last_import_batch_id,
                   last_import_row = excluded.last_import_row, updated_at = excluded.updated_at
            returning id, last_import_row, xmax::text <> '0' as existed)
            select id, last_import_row from written where existed`,
      );
      written = null;
      // The upsert kept the existing contact's id there; the lineage must point at it.
      const indexOf = new Map(decisions.map((d, i) => [d.row, i]));
      for (const r of taken) {
        const i = indexOf.get(r.last_import_row);
        if (i !== undefined) recordIds[i] = r.id;
      }
    }
  }
  await writeLineage(tx, { tenantId, batchId, decisions, spans: input.spans, recordIds });
  return written;
}

function isEmpty(record: Record<string, string>): boolean {
  for (const _ in record) return false;
  return true;
}

/** The contacts of a chunk as one array per column (element i of each is row i). */
class ContactColumns {
  private readonly ids: string[] = [];
  private readonly rows: number[] = [];
  private readonly values: ContactValues[] = [];
  get size(): number {
    return this.ids.length;
  }
  push(id: string, row: number, values: ContactValues): void {
    this.ids.push(id);
    this.rows.push(row);
    this.values.push(values);
  }
  literals() {
    const column = (pick: (v: ContactValues) => string | null) => arrayLiteral(this.values.map(pick));
    return {
      ids: arrayLiteral(this.ids),
      rows: numberArrayLiteral(this.rows),
      phones: column((v) => v.phoneE164),
      emails: column((v) => v.email),
      firstNames: column((v) => v.firstName),
      lastNames: column((v) => v.lastName),
      countries: column((v) => v.country),
      timezones: column((v) => v.timezone),
      tags: column((v) => (v.tags.length === 0 ? '{}' : textArrayLiteral(v.tags))),
      attributes: column((v) => (isEmpty(v.attributes) ? '{}' : JSON.stringify(v.attributes))),
    };
  }
}

/**
 * Lineage of one chunk (batch, row number, decision, reason, byte range). Rejected rows get one
 * `import_rows` row each (rejected.csv pages through them); accepted rows go into one
 * `import_row_blocks` row as parallel arrays (functions/import-chunk/lineage.ts reads both back).
 * Idempotent: per (batch, row) and per (batch, block's first row). `spans[i]` and `recordIds[i]` (the
 * contact or prospect written, if any) belong to `decisions[i]`.
 */
export async function writeLineage(
  tx: Db | Tx,
  input: { tenantId: string; batchId: string; decisions: readonly LineageDecision[]; spans: readonly ByteSpan[]; recordIds?: readonly (string | null)[] },
): Promise<void> {
  const { decisions, spans } = input;
  if (spans.length !== decisions.length) throw new Error(`writeLineage: ${decisions.length} decisions but ${spans.length} byte spans`);
  const rejected: Record<string, unknown>[] = [];
  const rows: number[] = [];
  const kinds: string[] = [];
  const reasons: string[] = [];
  const phones: (string | null)[] = [];
  const records: (string | null)[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < decisions.length; i++) {
    const d = decisions[i] as LineageDecision;
    const span = spans[i] as ByteSpan;
    if (isRejected(d.decision)) {
      rejected.push({ row: d.row, decision: d.decision, reason: d.reason, phone: d.phoneE164 ?? null, bs: span.start, be: span.end });
      continue;
    }
    rows.push(d.row);
    kinds.push(d.decision);
    reasons.push(d.reason);
    phones.push(d.phoneE164 ?? null);
    records.push(input.recordIds?.[i] ?? null);
    starts.push(span.start);
    ends.push(span.end);
  }
  if (rejected.length > 0) {
    await queryRows(
      tx,
      sql`insert into import_rows (batch_id, row_number, tenant_id, decision, reason, phone_e164, byte_start, byte_end)
          select ${input.batchId}, r.row, ${input.tenantId}, r.decision, r.reason, r.phone, r.bs, r.be
            from json_to_recordset(${JSON.stringify(rejected)}::json)
                 as r(row int, decision text, reason text, phone text, bs bigint, be bigint)
          on conflict (batch_id, row_number) do nothing`,
    );
  }
  if (rows.length > 0) {
    await queryRows(
      tx,
      sql`insert into import_row_blocks (batch_id, first_row, tenant_id, row_numbers, decisions, reasons, phones, record_ids, byte_starts, byte_ends)
          values (${input.batchId}, ${rows[0] as number}, ${input.tenantId}, ${numberArrayLiteral(rows)}::int[], ${arrayLiteral(kinds)}::text[],
                  ${arrayLiteral(reasons)}::text[], ${arrayLiteral(phones)}::text[], ${arrayLiteral(records)}::text[],
                  ${numberArrayLiteral(starts)}::bigint[], ${numberArrayLiteral(ends)}::bigint[])
          on conflict (batch_id, first_row) do nothing`,
    );
  }
}
