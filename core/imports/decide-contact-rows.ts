/**
 * Per-row decisions of a contact import. Pure: the rows come prepared (prepare-contact-row.ts) and
 * everything known about the tenant comes in as lookups, so the dry-run and the commit decide with the
 * same function and the tests need no database.
 *
 * Order of the checks, first match wins (docs/imports.md):
 * 1. `invalid_row` / `invalid_phone` — decided while preparing the row;
 * 2. `dnc` — the number is on the tenant's do-not-contact list;
 * 3. `suppressed_by_cooldown` — an active suppression rule holds the number;
 * 4. `duplicate` — an earlier row of the same file already wrote this phone or email, or the contact
 *    it would match was already written by an earlier row of this import;
 * 5. `update` — an existing contact has this phone, else (second key) this email;
 * 6. `create`.
 * Compliance comes first so a number on the DNC list is reported as such however often it repeats.
 *
 * An update merges: a value in the row replaces the contact's, an empty cell keeps it; tags and
 * attributes are added to; the contact's country stays, and the default country fills it only when it
 * has none. Matching by email moves the contact to the row's phone (the person has a new number).
 */
import type { ClaimedKeys } from './claimed-keys';
import type { ContactDraft, PreparedRow } from './prepare-contact-row';

export type ExistingContact = {
  id: string;
  phoneE164: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  country: string | null;
  timezone: string | null;
  tags: string[];
  attributes: Record<string, string>;
  lastImportBatchId: string | null;
  lastImportRow: number | null;
};

export type Cooldown = { expiresAt: Date | null; reason: string };

export type ContactLookups = {
  byPhone: ReadonlyMap<string, ExistingContact>;
  /** Lower-cased email → the contact it matches (the oldest, when several share it). */
  byEmail: ReadonlyMap<string, ExistingContact>;
  dnc: ReadonlySet<string>;
  cooldowns: ReadonlyMap<string, Cooldown>;
};

/** What a contact row becomes: every column's final value. */
export type ContactValues = Omit<ContactDraft, 'country'> & { country: string };

export type RejectedDecision = 'duplicate' | 'dnc' | 'suppressed_by_cooldown' | 'invalid_phone' | 'invalid_row';
export type ContactDecision = 'create' | 'update' | RejectedDecision;

export type RowDecision =
  | { row: number; decision: 'create'; reason: string; phoneE164: string; values: ContactValues }
  | { row: number; decision: 'update'; reason: string; phoneE164: string; contactId: string; values: ContactValues }
  | { row: number; decision: RejectedDecision; reason: string; phoneE164?: string };

export type DecideContext = {
  batchId: string;
  defaultCountry: string;
  claimed: ClaimedKeys;
};

function withNotes(reason: string, notes: readonly string[]): string {
  return notes.length === 0 ? reason : `${reason}; ${notes.join('; ')}`;
}

function cooldownReason(cooldown: Cooldown): string {
  const until = cooldown.expiresAt === null ? 'until lifted' : `until ${cooldown.expiresAt.toISOString().slice(0, 10)}`;
  return `in a cooldown ${until} (${cooldown.reason})`;
}

function merge(existing: ExistingContact, draft: ContactDraft, defaultCountry: string): { values: ContactValues; changes: string[] } {
  const values: ContactValues = {
    phoneE164: draft.phoneE164,
    email: draft.email ?? existing.email,
    firstName: draft.firstName ?? existing.firstName,
    lastName: draft.lastName ?? existing.lastName,
    country: existing.country ?? draft.country ?? defaultCountry,
    timezone: draft.timezone ?? existing.timezone,
    tags: [...new Set([...existing.tags, ...draft.tags])],
    attributes: { ...existing.attributes, ...draft.attributes },
  };
  const changes: string[] = [];
  if (values.phoneE164 !== existing.phoneE164) changes.push(`phone ${existing.phoneE164} → ${values.phoneE164}`);
  if (values.email !== existing.email) changes.push('email');
  if (values.firstName !== existing.firstName) changes.push('first name');
  if (values.lastName !== existing.lastName) changes.push('last name');
  if (values.country !== existing.country) changes.push('country');
  if (values.timezone !== existing.timezone) changes.push('time zone');
  if (values.tags.length !== existing.tags.length) changes.push('tags');
  if (Object.entries(draft.attributes).some(([k, v]) => existing.attributes[k] !== v)) changes.push('attributes');
  return { values, changes };
}

export function decideContactRow(prepared: PreparedRow, lookups: ContactLookups, context: DecideContext): RowDecision {
  const { row } = prepared;
  if (!prepared.ok) return { row, decision: prepared.decision, reason: prepared.reason };
  const { draft, notes } = prepared;
  const phone = draft.phoneE164;

  if (lookups.dnc.has(phone)) return { row, decision: 'dnc', reason: withNotes(`${phone} is on the do-not-contact list`, notes), phoneE164: phone };
  const cooldown = lookups.cooldowns.get(phone);
  if (cooldown !== undefined) return { row, decision: 'suppressed_by_cooldown', reason: withNotes(`${phone} is ${cooldownReason(cooldown)}`, notes), phoneE164: phone };

  const samePhone = context.claimed.phone(phone);
  if (samePhone !== undefined) return { row, decision: 'duplicate', reason: `same phone as row ${samePhone}`, phoneE164: phone };
  const sameEmail = context.claimed.email(draft.email);
  if (sameEmail !== undefined) return { row, decision: 'duplicate', reason: `same email as row ${sameEmail}`, phoneE164: phone };

  const byPhone = lookups.byPhone.get(phone);
  const match = byPhone ?? (draft.email === null ? undefined : lookups.byEmail.get(draft.email));
  if (match !== undefined && match.lastImportBatchId === context.batchId) {
    // Written by an earlier chunk of this import: that row had this phone (or this email), as a claim would say.
    const earlier = match.lastImportRow === null ? 'an earlier row' : `row ${match.lastImportRow}`;
    return { row, decision: 'duplicate', reason: `same ${byPhone !== undefined ? 'phone' : 'email'} as ${earlier}`, phoneE164: phone };
  }

  if (match !== undefined) {
    const { values, changes } = merge(match, draft, context.defaultCountry);
    context.claimed.claim(row, [phone, match.phoneE164], [draft.email, match.email]);
    const how = byPhone !== undefined ? 'existing contact with this phone' : 'existing contact with this email';
    const what = changes.length === 0 ? 'nothing changes' : `changes ${changes.join(', ')}`;
    return { row, decision: 'update', reason: withNotes(`${how}: ${what}`, notes), phoneE164: phone, contactId: match.id, values };
  }

  context.claimed.claim(row, [phone], [draft.email]);
  const values: ContactValues = { ...draft, country: draft.country ?? context.defaultCountry };
  return { row, decision: 'create', reason: withNotes('new contact', notes), phoneE164: phone, values };
}

export function decideContactRows(rows: readonly PreparedRow[], lookups: ContactLookups, context: DecideContext): RowDecision[] {
  return rows.map((r) => decideContactRow(r, lookups, context));
}

export const rejectedDecisions: readonly RejectedDecision[] = ['duplicate', 'invalid_phone', 'invalid_row', 'dnc', 'suppressed_by_cooldown'];

export function isRejected(decision: ContactDecision): decision is RejectedDecision {
  return decision !== 'create' && decision !== 'update';
}

export type ImportCounts = { rows: number } & Record<ContactDecision, number>;

export function emptyCounts(): ImportCounts {
  return { rows: 0, create: 0, update: 0, duplicate: 0, invalid_phone: 0, invalid_row: 0, dnc: 0, suppressed_by_cooldown: 0 };
}

export function countDecisions(counts: ImportCounts, decisions: readonly { decision: ContactDecision }[]): ImportCounts {
  const next = { ...counts };
  for (const d of decisions) {
    next.rows += 1;
    next[d.decision] += 1;
  }
  return next;
}
