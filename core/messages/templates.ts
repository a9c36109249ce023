/**
 * Message templates: merge fields, validation at save time, rendering per contact, rotation across a
 * campaign's templates, and the opt-out line of a contact's first message.
 *
 * Syntax: `{first_name}`, `{first_name|there}` (text after `|` replaces a missing or blank value),
 * `{link}` (the contact's own short link, minted by the Broadcaster), `{attr:company}` (an `attr:<name>`
 * column mapped at import). `{{` and `}}` write literal braces. A field the product does not know is an
 * error when the template is saved, not a blank in ten thousand messages later.
 */
import { z } from 'zod';
import { DomainError } from '../errors';

/** Contact fields every template may use. */
export const contactFields = ['first_name', 'last_name', 'email'] as const;
export type ContactField = (typeof contactFields)[number];

const attributePrefix = 'attr:';
const attributeName = /^[A-Za-z0-9_][A-Za-z0-9_. -]{0,63}$/;

export type TemplateToken =
  | { kind: 'text'; text: string }
  | { kind: 'field'; field: string; fallback: string | null; start: number; end: number };

export type TemplateIssueCode = 'unknown_field' | 'unclosed_field' | 'empty_field' | 'link_fallback' | 'invalid_attribute' | 'empty_template';

export type TemplateIssue = { code: TemplateIssueCode; message: string; index: number; field?: string };

export type TemplateWarning = { code: 'no_fallback'; field: string; message: string };

export type ParsedTemplate = {
  tokens: TemplateToken[];
  errors: TemplateIssue[];
  warnings: TemplateWarning[];
  /** Distinct fields used, in order of first use (`attr:` ones with their prefix). */
  fields: string[];
  /** Whether the Broadcaster must mint a short link for each contact. */
  usesLink: boolean;
};

function classifyField(name: string): 'contact' | 'link' | 'attribute' | 'invalid_attribute' | 'unknown' {
  if ((contactFields as readonly string[]).includes(name)) return 'contact';
  if (name === 'link') return 'link';
  if (name.startsWith(attributePrefix)) return attributeName.test(name.slice(attributePrefix.length)) ? 'attribute' : 'invalid_attribute';
  return 'unknown';
}

/** Field names are matched case-insensitively, except an attribute's own name, which is kept as mapped. */
function canonicalFieldName(raw: string): string {
  const name = raw.trim();
  const lower = name.toLowerCase();
  if (lower.startsWith(attributePrefix)) return attributePrefix + name.slice(attributePrefix.length).trim();
  return lower;
}

export function parseTemplate(body: string): ParsedTemplate {
  const tokens: TemplateToken[] = [];
  const errors: TemplateIssue[] = [];
  const warnings: TemplateWarning[] = [];
  const fields: string[] = [];
  let text = '';
  const flush = () => {
    if (text !== '') tokens.push({ kind: 'text', text });
    text = '';
  };

  let i = 0;
  while (i < body.length) {
    const ch = body[i];
    if (ch === '{' && body[i + 1] === '{') {
      text += '{';
      i += 2;
      continue;
    }
    if (ch === '}' && body[i + 1] === '}') {
      text += '}';
      i += 2;
      continue;
    }
    if (ch !== '{') {
      // A lone `}` is kept as text: it can only be a typo for `}}`, and it renders as typed.
      text += ch;
      i += 1;
      continue;
    }
    const close = body.indexOf('}', i + 1);
    const reopen = body.indexOf('{', i + 1);
    if (close === -1 || (reopen !== -1 && reopen < close)) {
      errors.push({ code: 'unclosed_field', message: `"{" at position ${i + 1} is not closed by "}" (write "{{" for a literal brace)`, index: i });
      text += ch;
      i += 1;
      continue;
    }
    const inner = body.slice(i + 1, close);
    const bar = inner.indexOf('|');
    const rawName = bar === -1 ? inner : inner.slice(0, bar);
    const fallback = bar === -1 ? null : inner.slice(bar + 1).trim();
    const field = canonicalFieldName(rawName);
    const start = i;
    i = close + 1;
    if (field === '') {
      errors.push({ code: 'empty_field', message: `empty merge field at position ${start + 1}`, index: start });
      continue;
    }
    const kind = classifyField(field);
    if (kind === 'unknown') {
      errors.push({ code: 'unknown_field', message: `unknown merge field {${field}}; known: ${[...contactFields, 'link'].join(', ')}, attr:<name>`, index: start, field });
    } else if (kind === 'invalid_attribute') {
      errors.push({ code: 'invalid_attribute', message: `{${field}} is not a valid attribute name`, index: start, field });
    } else if (kind === 'link' && fallback !== null) {
      errors.push({ code: 'link_fallback', message: '{link} takes no fallback: every contact gets a link', index: start, field });
    }
    if (kind !== 'link' && fallback === null && !warnings.some((w) => w.field === field)) {
      warnings.push({ code: 'no_fallback', field, message: `{${field}} has no fallback: contacts without it get nothing there (write {${field}|…})` });
    }
    if (!fields.includes(field)) fields.push(field);
    flush();
    tokens.push({ kind: 'field', field, fallback, start, end: i });
  }
  flush();
  if (body.trim() === '') errors.push({ code: 'empty_template', message: 'a template needs some text', index: 0 });
  return { tokens, errors, warnings, fields, usesLink: fields.includes('link') };
}

/** Longest template body accepted: 10 GSM-7 parts. Longer texts are costly and filtered by carriers. */
export const maxTemplateLength = 1_530;

/** A template body as saved: non-empty, bounded, and every merge field known. */
export const templateBodySchema = z
  .string()
  .max(maxTemplateLength)
  .superRefine((body, ctx) => {
    for (const issue of parseTemplate(body).errors) {
      ctx.addIssue({ code: 'custom', message: issue.message, params: { code: issue.code, index: issue.index, field: issue.field } });
    }
  });

export type MergeValues = {
  first_name?: string | null;
  last_name?: string | null;
  email?: string | null;
  /** The contact's short link; required when the template uses `{link}`. */
  link?: string | null;
  /** `attr:<name>` values, by name as mapped. */
  attributes?: Readonly<Record<string, string | null | undefined>>;
};

/** The merge values of a contact row (`contacts`), plus its short link. */
export function mergeValuesOf(contact: {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  attributes: Readonly<Record<string, string>>;
}, link?: string | null): MergeValues {
  return { first_name: contact.firstName, last_name: contact.lastName, email: contact.email, attributes: contact.attributes, link: link ?? null };
}

export type RenderedTemplate = {
  text: string;
  /** Fields that had no value and no fallback (rendered as nothing). */
  missing: string[];
};

function valueOf(field: string, values: MergeValues): string | null | undefined {
  if (field.startsWith(attributePrefix)) {
    const name = field.slice(attributePrefix.length);
    const attributes = values.attributes ?? {};
    if (name in attributes) return attributes[name];
    const lower = name.toLowerCase();
    const key = Object.keys(attributes).find((k) => k.toLowerCase() === lower);
    return key === undefined ? undefined : attributes[key];
  }
  return values[field as ContactField | 'link'];
}

/**
 * Renders a saved template for one contact. A template that fails validation throws (it was validated
 * when saved, so this is a bug, not user input); so does a `{link}` with no link to put there.
 */
export function renderTemplate(body: string, values: MergeValues): RenderedTemplate {
  const parsed = parseTemplate(body);
  if (parsed.errors.length > 0) {
    throw new DomainError('validation_failed', `template is invalid: ${parsed.errors[0]?.message}`, { details: parsed.errors });
  }
  let text = '';
  const missing: string[] = [];
  for (const token of parsed.tokens) {
    if (token.kind === 'text') {
      text += token.text;
      continue;
    }
    const value = valueOf(token.field, values)?.trim();
    if (token.field === 'link' && !value) {
      throw new DomainError('internal_error', 'template uses {link} but no link was minted for this contact');
    }
    if (value) text += value;
    else if (token.fallback !== null) text += token.fallback;
    else if (!missing.includes(token.field)) missing.push(token.field);
  }
  return { text, missing };
}

// ---------------------------------------------------------------------------------------------------
// Rotation

const encoder = new TextEncoder();

/**
 * Which of a campaign's `count` templates (ordered by `campaign_templates.position`) a contact gets:
 * the first four bytes of SHA-256(`<campaign id>:<contact id>`), big-endian, modulo `count`.
 * Deterministic (a retry, a redelivery or a re-queue renders the same text) and, because SHA-256 is
 * uniform, an even split in expectation (within a few percent from a few thousand contacts). The same
 * formula in SQL is `rotationSlotSql`, so the enqueue can assign templates set-based.
 */
export async function rotationSlot(campaignId: string, contactId: string, count: number): Promise<number> {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`a campaign needs at least one template, got ${count}`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(`${campaignId}:${contactId}`)));
  const head = ((digest[0] ?? 0) * 2 ** 24 + (digest[1] ?? 0) * 2 ** 16 + (digest[2] ?? 0) * 2 ** 8 + (digest[3] ?? 0)) >>> 0;
  return head % count;
}

/** The template a contact gets from a campaign's templates in rotation order. */
export async function pickTemplate<T>(campaignId: string, contactId: string, templates: readonly T[]): Promise<T> {
  const template = templates[await rotationSlot(campaignId, contactId, templates.length)];
  if (template === undefined) throw new RangeError('no template to pick');
  return template;
}

/**
 * `rotationSlot` as a PostgreSQL expression over three SQL expressions (column names or parameters
 * placeholders written by the caller; never user input). Equal to the TypeScript result for the same
 * ids: `sha256` of the UTF-8 text, first 8 hex digits as an unsigned 32-bit number, modulo the count.
 */
export function rotationSlotSql(campaignIdSql: string, contactIdSql: string, countSql: string): string {
  return `(('x' || substr(encode(sha256(convert_to(${campaignIdSql} || ':' || ${contactIdSql}, 'UTF8')), 'hex'), 1, 8))::bit(32)::bigint % (${countSql}))::int`;
}

// ---------------------------------------------------------------------------------------------------
// Opt-out line

/** Appended to the first message a contact ever gets from a tenant (CTIA: the first message must say how to opt out). */
export const defaultOptOutLine = 'Reply STOP to opt out';

const stopWords = String.raw`(?:stop|stopall|end|cancel|quit|unsubscribe|revoke|opt ?-?out|alto|baja|parar|arret)`;
const optOutInstructions: readonly RegExp[] = [
  // "Reply STOP", "txt 'STOP'", "text STOP to…", "reply with STOP", "Respond END", "Responda ALTO", "Envía BAJA"
  new RegExp(String.raw`\b(?:reply|replying|text|txt|send|respond|msg|message|responda|responde|envia|envie|repondez)\b[\s:,-]*(?:with\s+|back\s+)?["'(\[]?\s*${stopWords}\b`, 'u'),
  // "STOP to end", "STOP2END", "stop 2 quit", "STOP to opt-out", "STOP=stop"
  new RegExp(String.raw`\b${stopWords}\s*(?:2|to|=)\s*(?:opt ?-?out|unsubscribe|end|stop|cancel|quit|optout)\b`, 'u'),
  // "To opt out: STOP", "Opt-out: reply STOP", "opt out anytime by replying stop"
  new RegExp(String.raw`\bopt ?-?out\b[^\n]{0,40}?\b(?:stop|reply|replying|text|txt)\b`, 'u'),
];

/** Whether a text already tells the reader how to opt out by keyword (any usual wording, case, quotes). */
export function hasOptOutInstruction(text: string): boolean {
  const normalized = text
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/[\u2018\u2019\u201C\u201D]/g, '"');
  return optOutInstructions.some((pattern) => pattern.test(normalized));
}

/**
 * The text to send: with the opt-out line on a contact's first message from the tenant, unless the
 * template already carries an opt-out instruction. The line goes on its own line so it reads as a footer.
 */
export function withOptOutLine(text: string, options: { firstMessage: boolean; line?: string }): { text: string; appended: boolean } {
  if (!options.firstMessage || hasOptOutInstruction(text)) return { text, appended: false };
  const line = options.line ?? defaultOptOutLine;
  const body = text.trimEnd();
  return { text: body === '' ? line : `${body}\n${line}`, appended: true };
}
