/**
 * Header mapping for contact imports: which CSV column feeds which contact field.
 *
 * The mapping is `{ "<csv header>": field }` (API.md), field one of `phone email first_name last_name
 * country timezone tags` or `attr:<name>` (a merge field for templates). A header not in the mapping is
 * ignored. The admin suggests a mapping (`suggestContactMapping`): first what this tenant mapped last
 * time for the same header, then common synonyms (Mobile, Cell, MSISDN, E-mail, Given name, Surname…).
 */
import { z } from 'zod';

export const contactFields = ['phone', 'email', 'first_name', 'last_name', 'country', 'timezone', 'tags'] as const;
export type ContactField = (typeof contactFields)[number];
export type MappingTarget = ContactField | `attr:${string}`;

const attrPattern = /^attr:[A-Za-z0-9_][A-Za-z0-9_ .-]{0,62}$/;

export const mappingTargetSchema = z.union([
  z.enum(contactFields),
  z
    .string()
    .regex(attrPattern, 'attr:<name> with letters, digits, space, "_", "." or "-" (at most 63)')
    .transform((v) => v as `attr:${string}`),
]);

export const contactMappingSchema = z
  .record(z.string().min(1).max(200), mappingTargetSchema)
  .superRefine((mapping, ctx) => {
    const seen = new Map<string, string>();
    for (const [header, target] of Object.entries(mapping)) {
      const other = seen.get(target);
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: [header], message: `"${other}" and "${header}" both map to ${target}` });
      seen.set(target, header);
    }
    if (!Object.values(mapping).includes('phone')) ctx.addIssue({ code: 'custom', path: [], message: 'map one column to phone' });
  });
export type ContactMapping = z.infer<typeof contactMappingSchema>;

/**
 * Header names as shown and as mapping keys: trimmed; an empty header becomes "Column N"; a repeated
 * one gets " (2)", " (3)"… so every key names exactly one column.
 */
export function headerNames(fields: readonly string[]): string[] {
  const used = new Set<string>();
  return fields.map((raw, index) => {
    const base = raw.trim() === '' ? `Column ${index + 1}` : raw.trim().slice(0, 200);
    let name = base;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base} (${n})`;
    used.add(name.toLowerCase());
    return name;
  });
}

const synonyms: Record<ContactField, readonly string[]> = {
  phone: [
    'phone', 'phonenumber', 'phoneno', 'mobile', 'mobilephone', 'mobilenumber', 'mobileno', 'mob', 'cell', 'cellphone',
    'cellnumber', 'cellular', 'msisdn', 'tel', 'telephone', 'telephonenumber', 'contactnumber', 'number', 'smsnumber',
    'handy', 'telefono', 'telefon', 'portable', 'whatsapp',
  ],
  email: ['email', 'emailaddress', 'mail', 'emailid', 'eaddress', 'courriel', 'correo'],
  first_name: ['firstname', 'first', 'givenname', 'given', 'forename', 'fname', 'prenom', 'nombre', 'vorname', 'christianname'],
  last_name: ['lastname', 'last', 'surname', 'familyname', 'lname', 'nom', 'apellido', 'nachname'],
  country: ['country', 'countrycode', 'countryiso', 'nation', 'pays', 'land'],
  timezone: ['timezone', 'tz', 'zone', 'timezoneiana'],
  tags: ['tags', 'tag', 'labels', 'label', 'groups', 'group', 'segment', 'segments', 'lists', 'list'],
};

const byKey = new Map<string, ContactField>();
for (const field of contactFields) for (const word of synonyms[field]) byKey.set(word, field);

/** "E-mail Address " → "emailaddress": what synonyms are compared on. */
export function headerKey(header: string): string {
  return header
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/**
 * A suggested mapping for these headers. `previous` is the tenant's last confirmed mapping: a header
 * mapped then is mapped the same way now (attr: columns included). Each contact field is suggested
 * for at most one column.
 */
export function suggestContactMapping(headers: readonly string[], previous: Record<string, string> = {}): ContactMapping {
  const out: Record<string, MappingTarget> = {};
  const taken = new Set<string>();
  const before = new Map<string, string>();
  for (const [header, target] of Object.entries(previous)) before.set(header.trim().toLowerCase(), target);
  for (const header of headers) {
    const target = before.get(header.trim().toLowerCase());
    const parsed = target === undefined ? undefined : mappingTargetSchema.safeParse(target);
    if (parsed?.success && !taken.has(parsed.data)) {
      out[header] = parsed.data;
      taken.add(parsed.data);
    }
  }
  for (const header of headers) {
    if (out[header] !== undefined) continue;
    const field = byKey.get(headerKey(header));
    if (field !== undefined && !taken.has(field)) {
      out[header] = field;
      taken.add(field);
    }
  }
  return out as ContactMapping;
}

/** Column indexes per field, from the confirmed mapping. */
export type MappingPlan = {
  columns: Partial<Record<ContactField, number>>;
  attributes: { name: string; column: number }[];
  headerCount: number;
};

export type PlanResult = { ok: true; plan: MappingPlan } | { ok: false; unknownHeaders: string[] };

export function planMapping(headers: readonly string[], mapping: ContactMapping): PlanResult {
  const index = new Map(headers.map((h, i) => [h, i]));
  const unknownHeaders = Object.keys(mapping).filter((h) => !index.has(h));
  if (unknownHeaders.length > 0) return { ok: false, unknownHeaders };
  const columns: MappingPlan['columns'] = {};
  const attributes: MappingPlan['attributes'] = [];
  for (const [header, target] of Object.entries(mapping)) {
    const column = index.get(header) as number;
    if (target.startsWith('attr:')) attributes.push({ name: target.slice(5), column });
    else columns[target as ContactField] = column;
  }
  return { ok: true, plan: { columns, attributes, headerCount: headers.length } };
}
