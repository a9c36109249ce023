/**
 * What a chunk's decisions know of the tenant's contacts, built from the contacts a lookup found, and
 * brought up to date with the contacts a chunk wrote since. Pure: the lookup itself is in
 * functions/import-chunk/contact-sql.ts.
 *
 * A commit looks up chunk n+1's keys while chunk n is still writing (on another connection, so what it
 * finds is from before chunk n's writes, or after them). Chunk n knows exactly what it left behind:
 * every contact it created or updated, in every column a decision reads. Dropping those contacts from
 * what the lookup found and adding them as chunk n left them gives what a lookup made after chunk n
 * would have found, whichever of the two states the lookup saw.
 */
import type { ContactValues, ExistingContact } from './decide-contact-rows';

/** Phone → its contact; email → the oldest contact (smallest id) with it, as decisions match them. */
export function indexContacts(
  contacts: readonly ExistingContact[],
  phones: ReadonlySet<string>,
  emails: ReadonlySet<string>,
): { byPhone: Map<string, ExistingContact>; byEmail: Map<string, ExistingContact> } {
  const byPhone = new Map<string, ExistingContact>();
  const byEmail = new Map<string, ExistingContact>();
  const matching = contacts.filter((c) => phones.has(c.phoneE164) || (c.email !== null && emails.has(c.email)));
  // Ids are ASCII and made in time order, so the smallest is the oldest.
  const oldestFirst = matching.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const c of oldestFirst) {
    if (phones.has(c.phoneE164)) byPhone.set(c.phoneE164, c);
    if (c.email !== null && emails.has(c.email) && !byEmail.has(c.email)) byEmail.set(c.email, c);
  }
  return { byPhone, byEmail };
}

/** A contact as an import chunk leaves it: every value from its decision, stamped with the batch and row. */
export function contactAsWritten(id: string, values: ContactValues, batchId: string, row: number): ExistingContact {
  return {
    id,
    phoneE164: values.phoneE164,
    email: values.email,
    firstName: values.firstName,
    lastName: values.lastName,
    country: values.country,
    timezone: values.timezone,
    tags: values.tags,
    attributes: values.attributes,
    lastImportBatchId: batchId,
    lastImportRow: row,
  };
}

/** The contacts `found` by an earlier lookup, with those in `written` as they now are. */
export function withWritten(found: readonly ExistingContact[], written: readonly ExistingContact[]): ExistingContact[] {
  // `found` is a handful of contacts, `written` a chunk's worth: only the ids in both are looked up.
  const foundIds = new Set(found.map((c) => c.id));
  const rewritten = new Set<string>();
  for (const c of written) if (foundIds.has(c.id)) rewritten.add(c.id);
  return [...found.filter((c) => !rewritten.has(c.id)), ...written];
}
