/**
 * One CSV record → the contact it describes, normalized: phone to E.164 (the row's country, else the
 * import's default), email trimmed, lower-cased and validated, names trimmed, country as ISO alpha-2,
 * time zone as an IANA name, tags split, `attr:` columns as strings. What cannot be used is said in
 * `notes` (a bad email is left out, the contact is still imported) or makes the row a rejection
 * (`invalid_row`, `invalid_phone`), each with a sentence a person understands.
 */
import { normalizeEmail } from '../auth/normalize-email';
import { isCountryCode, normalizePhone } from '../phone/normalize-phone';
import type { MappingPlan } from './contact-mapping';
import type { CsvRecord } from './csv-reader';

export type ContactDraft = {
  phoneE164: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  /** Null → the import's default country is written (only where the contact has none). */
  country: string | null;
  timezone: string | null;
  tags: string[];
  attributes: Record<string, string>;
};

export type PreparedRow =
  | { row: number; ok: true; draft: ContactDraft; notes: string[] }
  | { row: number; ok: false; decision: 'invalid_row' | 'invalid_phone'; reason: string; phoneE164?: undefined };

const maxName = 100;
const maxTags = 50;

const countryNames: Record<string, string> = {
  australia: 'AU', 'united states': 'US', 'united states of america': 'US', usa: 'US', 'u.s.a.': 'US', 'u.s.': 'US',
  america: 'US', 'united kingdom': 'GB', uk: 'GB', 'u.k.': 'GB', england: 'GB', scotland: 'GB', wales: 'GB',
  'great britain': 'GB', britain: 'GB', 'new zealand': 'NZ', canada: 'CA', ireland: 'IE', 'south africa': 'ZA',
  india: 'IN', germany: 'DE', france: 'FR', singapore: 'SG',
};

/** "au", "Australia", "AUS"? → "AU"; undefined when we cannot tell. */
export function normalizeCountry(raw: string): string | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  const upper = text.toUpperCase();
  if (isCountryCode(upper)) return upper;
  return countryNames[text.toLowerCase()];
}

const zoneCache = new Map<string, string | undefined>();

/** An IANA zone name as Intl spells it, or undefined. */
export function normalizeTimezone(raw: string): string | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  if (zoneCache.has(text)) return zoneCache.get(text);
  let zone: string | undefined;
  try {
    zone = new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    zone = undefined;
  }
  if (zoneCache.size < 1000) zoneCache.set(text, zone);
  return zone;
}

export function normalizeName(raw: string): string | null {
  const text = raw.replace(/\s+/g, ' ').trim();
  return text === '' ? null : text.slice(0, maxName);
}

function splitTags(raw: string): string[] {
  const tags = new Set<string>();
  for (const part of raw.split(/[,;|]/)) {
    const tag = part.trim().slice(0, 64);
    if (tag !== '' && tags.size < maxTags) tags.add(tag);
  }
  return [...tags];
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * `record` is a data record of the file (`row` its 1-based number, header not counted). A row with
 * more fields than the header is refused unless the extra fields are empty (a trailing delimiter):
 * it usually means an unquoted delimiter inside a value, which shifts every column after it.
 */
export function prepareContactRow(record: CsvRecord, row: number, plan: MappingPlan, defaultCountry: string): PreparedRow {
  if (record.problem === 'unterminated_quote') {
    return { row, ok: false, decision: 'invalid_row', reason: 'a quoted value is never closed (unbalanced ")' };
  }
  if (record.problem === 'too_long') return { row, ok: false, decision: 'invalid_row', reason: 'the row is longer than 1 MiB' };
  const fields = record.fields;
  if (fields.length > plan.headerCount && fields.slice(plan.headerCount).some((f) => f.trim() !== '')) {
    return {
      row,
      ok: false,
      decision: 'invalid_row',
      reason: `the row has ${fields.length} values but the header has ${plan.headerCount} columns (an unquoted delimiter inside a value?)`,
    };
  }
  const value = (column: number | undefined): string => (column === undefined ? '' : (fields[column] ?? ''));
  const notes: string[] = [];

  const countryText = value(plan.columns.country);
  const rowCountry = normalizeCountry(countryText);
  if (countryText.trim() !== '' && rowCountry === undefined) notes.push(`country "${shorten(countryText.trim())}" is not known, ${defaultCountry} used`);

  const phone = normalizePhone(value(plan.columns.phone), rowCountry ?? defaultCountry);
  if (!phone.ok) return { row, ok: false, decision: 'invalid_phone', reason: phone.reason };

  const emailText = value(plan.columns.email).trim();
  let email: string | null = null;
  if (emailText !== '') {
    email = normalizeEmail(emailText) ?? null;
    if (email === null) notes.push(`email "${shorten(emailText)}" is not valid and was left out`);
  }

  const zoneText = value(plan.columns.timezone);
  const timezone = normalizeTimezone(zoneText) ?? null;
  if (zoneText.trim() !== '' && timezone === null) notes.push(`time zone "${shorten(zoneText.trim())}" is not known and was left out`);

  const attributes: Record<string, string> = {};
  for (const { name, column } of plan.attributes) {
    const text = value(column).trim();
    if (text !== '') attributes[name] = text.slice(0, 1000);
  }

  return {
    row,
    ok: true,
    draft: {
      phoneE164: phone.e164,
      email,
      firstName: normalizeName(value(plan.columns.first_name)),
      lastName: normalizeName(value(plan.columns.last_name)),
      country: rowCountry ?? null,
      timezone,
      tags: splitTags(value(plan.columns.tags)),
      attributes,
    },
    notes,
  };
}
