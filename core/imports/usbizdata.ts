/**
 * USBizData business lists → raw prospects (the lead supply chain, phase 1).
 *
 * - Columns: USBizData files name their columns in a few ways across products and years ("Company
 *   Name" / "Company", "Sales Volume" / "Annual Sales" / "Revenue"…); `suggestUsbizdataMapping` maps
 *   them by synonym, and a caller may pass its own mapping instead.
 * - Ranges: sales volume and employee counts often come as ranges ("$1 to 2.5 Million", "20 to 49",
 *   "Over $500 Million", "Less Than $500,000"): we store the lower bound as a number (for filtering
 *   and the high-value rule) and the text as given.
 * - High value: revenue lower bound strictly above the tenant's threshold (default $1M), or a title on
 *   the tenant's list (whole words, case-insensitive: "CEO" matches "CEO & Founder").
 * - Source key: the file's record id when it has one; otherwise company, contact, street address and
 *   ZIP, normalized (case, punctuation, spacing). Re-ingesting the same or an overlapping file updates
 *   the same rows.
 */
import { z } from 'zod';
import { normalizeEmail } from '../auth/normalize-email';
import { normalizePhone } from '../phone/normalize-phone';
import { headerKey } from './contact-mapping';
import type { CsvRecord } from './csv-reader';

export const usbizdataFields = [
  'record_id', 'company', 'contact_name', 'first_name', 'last_name', 'title', 'address', 'city', 'state', 'zip',
  'phone', 'email', 'website', 'sic_code', 'sic_description', 'revenue', 'employees',
] as const;
export type UsbizdataField = (typeof usbizdataFields)[number];

export const usbizdataMappingSchema = z.record(z.string().min(1).max(200), z.enum(usbizdataFields));
export type UsbizdataMapping = z.infer<typeof usbizdataMappingSchema>;

const synonyms: Record<UsbizdataField, readonly string[]> = {
  record_id: ['recordid', 'id', 'usbizid', 'listingid', 'businessid', 'abiid', 'abinumber'],
  company: ['company', 'companyname', 'business', 'businessname', 'organization', 'organisation', 'firm', 'name'],
  contact_name: ['contact', 'contactname', 'fullname', 'contactfullname', 'executivename', 'keycontact', 'owner', 'ownername'],
  first_name: ['firstname', 'contactfirstname', 'executivefirstname', 'first'],
  last_name: ['lastname', 'contactlastname', 'executivelastname', 'last', 'surname'],
  title: ['title', 'contacttitle', 'jobtitle', 'executivetitle', 'position', 'role'],
  address: ['address', 'streetaddress', 'address1', 'mailingaddress', 'street', 'physicaladdress'],
  city: ['city', 'mailingcity', 'town'],
  state: ['state', 'st', 'mailingstate', 'province'],
  zip: ['zip', 'zipcode', 'postalcode', 'zip5', 'mailingzip', 'postcode'],
  phone: ['phone', 'phonenumber', 'telephone', 'tel', 'businessphone', 'mainphone', 'phone1'],
  email: ['email', 'emailaddress', 'contactemail', 'e-mail'],
  website: ['website', 'web', 'webaddress', 'url', 'websiteurl', 'homepage', 'domain'],
  sic_code: ['sic', 'siccode', 'primarysic', 'primarysiccode', 'sic4', 'sic6'],
  sic_description: ['sicdescription', 'sicdesc', 'industry', 'primarysicdescription', 'siccodedescription', 'category', 'businesstype'],
  revenue: ['salesvolume', 'annualsales', 'revenue', 'annualrevenue', 'sales', 'salesvolumerange', 'locationsalesvolume'],
  employees: ['employees', 'employeecount', 'numberofemployees', 'employeesize', 'employeerange', 'noofemployees', 'locationemployeesize', 'staff'],
};

const byKey = new Map<string, UsbizdataField>();
for (const field of usbizdataFields) for (const word of synonyms[field]) byKey.set(headerKey(word), field);

export function suggestUsbizdataMapping(headers: readonly string[]): UsbizdataMapping {
  const out: UsbizdataMapping = {};
  const taken = new Set<UsbizdataField>();
  for (const header of headers) {
    const field = byKey.get(headerKey(header));
    if (field !== undefined && !taken.has(field)) {
      out[header] = field;
      taken.add(field);
    }
  }
  return out;
}

const units: Record<string, number> = {
  k: 1e3, thousand: 1e3, m: 1e6, mm: 1e6, mil: 1e6, million: 1e6, millions: 1e6, b: 1e9, bn: 1e9, billion: 1e9, billions: 1e9,
};

const numberWithUnit = /(\d[\d,]*(?:\.\d+)?)\s*(thousand|millions?|billions?|mil|mm|bn|k|m|b)?\b/gi;

/**
 * The lower bound of a range or amount as written by list vendors, as a whole number; undefined when
 * the text holds no number. "$1 to 2.5 Million" → 1000000 (a unit written once at the end applies to
 * a small bare first number); "$500,000 to $1 Million" → 500000; "Over $500 Million" → 500000000;
 * "Less Than $500,000" / "Under 5" → 0; "20 to 49" → 20; "10,000+" → 10000.
 */
export function parseRangeLowerBound(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (/^(less than|under|below|up to|<)/i.test(t)) return /\d/.test(t) ? 0 : undefined;
  const matches = [...t.matchAll(numberWithUnit)];
  const first = matches[0];
  if (first === undefined) return undefined;
  const value = Number((first[1] as string).replace(/,/g, ''));
  if (!Number.isFinite(value)) return undefined;
  let unit = first[2]?.toLowerCase();
  if (unit === undefined) {
    const lastUnit = matches.map((m) => m[2]).filter((u): u is string => u !== undefined).at(-1);
    // "$1 to 2.5 Million": the unit at the end belongs to both numbers. "$500,000 to $1 Million": it does not.
    if (lastUnit !== undefined && !(first[1] as string).includes(',') && value < 1000) unit = lastUnit.toLowerCase();
  }
  const factor = unit === undefined ? 1 : (units[unit] ?? 1);
  return Math.round(value * factor);
}

export type HighValueRule = { revenueUsd: number; titles: readonly string[] };

function words(text: string): string {
  return ` ${text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim()} `;
}

export function isHighValue(prospect: { revenueUsd: number | null; title: string | null }, rule: HighValueRule): boolean {
  if (prospect.revenueUsd !== null && prospect.revenueUsd > rule.revenueUsd) return true;
  if (prospect.title === null || prospect.title.trim() === '') return false;
  const title = words(prospect.title);
  return rule.titles.some((t) => {
    const w = words(t);
    return w.trim() !== '' && title.includes(w);
  });
}

function keyPart(text: string | null): string {
  return (text ?? '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

export function prospectSourceKey(p: { recordId: string | null; company: string | null; contactName: string | null; address: string | null; zip: string | null }): string {
  if (p.recordId !== null && p.recordId.trim() !== '') return `id:${p.recordId.trim().slice(0, 200)}`;
  const zip5 = (p.zip ?? '').replace(/[^0-9]/g, '').slice(0, 5);
  return `k:${keyPart(p.company)}|${keyPart(p.contactName)}|${keyPart(p.address)}|${zip5}`.slice(0, 500);
}

export type ProspectDraft = {
  sourceKey: string;
  company: string | null;
  contactName: string | null;
  title: string | null;
  address: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  phone: string | null;
  phoneE164: string | null;
  email: string | null;
  website: string | null;
  sicCode: string | null;
  sicDescription: string | null;
  revenueUsd: number | null;
  revenueText: string | null;
  employees: number | null;
  employeesText: string | null;
  highValue: boolean;
};

export type PreparedProspect = { row: number; ok: true; draft: ProspectDraft } | { row: number; ok: false; reason: string };

function cell(text: string | undefined, max = 300): string | null {
  const t = (text ?? '').replace(/\s+/g, ' ').trim();
  return t === '' ? null : t.slice(0, max);
}

/** One USBizData record (`columns`: field → column index) → a prospect, or why it cannot be one. */
export function prepareProspect(record: CsvRecord, row: number, columns: Partial<Record<UsbizdataField, number>>, rule: HighValueRule): PreparedProspect {
  if (record.problem !== undefined) return { row, ok: false, reason: record.problem === 'too_long' ? 'the row is longer than 1 MiB' : 'a quoted value is never closed (unbalanced ")' };
  const get = (field: UsbizdataField, max?: number) => {
    const column = columns[field];
    return column === undefined ? null : cell(record.fields[column], max);
  };
  const company = get('company');
  const first = get('first_name');
  const last = get('last_name');
  const contactName = get('contact_name') ?? ([first, last].filter((x) => x !== null).join(' ') || null);
  if (company === null && contactName === null) return { row, ok: false, reason: 'no company and no contact name' };
  const phone = get('phone', 40);
  const normalized = phone === null ? undefined : normalizePhone(phone, 'US');
  const revenueText = get('revenue', 100);
  const employeesText = get('employees', 100);
  const revenueUsd = revenueText === null ? null : (parseRangeLowerBound(revenueText) ?? null);
  const employeesBound = employeesText === null ? null : (parseRangeLowerBound(employeesText) ?? null);
  const employees = employeesBound !== null && employeesBound <= 2_147_483_647 ? employeesBound : null;
  const title = get('title', 200);
  const emailText = get('email', 254);
  const address = get('address');
  const zip = get('zip', 20);
  return {
    row,
    ok: true,
    draft: {
      sourceKey: prospectSourceKey({ recordId: get('record_id', 200), company, contactName, address, zip }),
      company,
      contactName,
      title,
      address,
      city: get('city', 100),
      state: get('state', 50),
      zip,
      phone,
      phoneE164: normalized?.ok ? normalized.e164 : null,
      email: emailText === null ? null : (normalizeEmail(emailText) ?? null),
      website: get('website', 300),
      sicCode: get('sic_code', 20),
      sicDescription: get('sic_description', 200),
      revenueUsd: revenueUsd !== null && revenueUsd <= Number.MAX_SAFE_INTEGER ? revenueUsd : null,
      revenueText,
      employees,
      employeesText,
      highValue: isHighValue({ revenueUsd, title }, rule),
    },
  };
}
