/**
 * What the template editor shows while someone types: the text rendered with a sample contact, its
 * encoding, characters and parts exactly as a carrier counts them, its cost, the smart-encoding
 * suggestion (look-alike punctuation that would turn the text into UCS-2), and what the first message
 * to a contact looks like with the opt-out line.
 *
 * It answers for a template that does not validate yet (the editor calls it on every keystroke): the
 * issues are listed and the text is rendered as far as it can be (an unknown field renders as nothing),
 * so the counters never freeze.
 */
import { partCost } from '../money/micros';
import { countSegments, smartEncode, type Encoding, type SmartEncodingChange } from './segments';
import { contactFields, parseTemplate, withOptOutLine, type ParsedTemplate, type TemplateIssue, type TemplateWarning } from './templates';

export type PreviewSample = Readonly<Record<string, string | null | undefined>>;

export type PreviewInput = {
  body: string;
  /** Merge values by field name: `first_name`, `last_name`, `email`, `link`, `attr:<name>`. */
  sample?: PreviewSample;
  /** Stands in for `{link}` when the sample has none: a link of the length the Broadcaster mints. */
  linkPlaceholder: string;
  /** Price of one part for the provider and destination; undefined → no cost is shown. */
  microsPerPart?: number;
};

export type TextFigures = {
  rendered: string;
  encoding: Encoding;
  characters: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  parts: number;
  unitsPerPart: number;
  remainingInPart: number;
  nonGsmCharacters: string[];
  costMicros?: number;
};

export type MessagePreview = TextFigures & {
  microsPerPart?: number;
  errors: TemplateIssue[];
  warnings: TemplateWarning[];
  /** Fields the sample had no value for, with no fallback either (they render as nothing). */
  missing: string[];
  /** Present when the body has look-alike characters: the body to save instead, and its figures. */
  smartEncoded?: TextFigures & { text: string; changes: SmartEncodingChange[] };
  /**
   * Present when the template has no opt-out instruction: a contact's first message from the tenant
   * carries the opt-out line, which can add a part (and its cost).
   */
  firstMessage?: TextFigures;
};

function lookup(field: string, sample: PreviewSample): string | undefined {
  const direct = sample[field];
  if (direct !== undefined && direct !== null) return direct;
  const lower = field.toLowerCase();
  const key = Object.keys(sample).find((k) => k.toLowerCase() === lower);
  const value = key === undefined ? undefined : sample[key];
  return value === null ? undefined : value;
}

/** Like `renderTemplate`, but never throws: unknown fields render as nothing, `{link}` as the placeholder. */
function renderLeniently(parsed: ParsedTemplate, sample: PreviewSample, linkPlaceholder: string): { text: string; missing: string[] } {
  let text = '';
  const missing: string[] = [];
  for (const token of parsed.tokens) {
    if (token.kind === 'text') {
      text += token.text;
      continue;
    }
    const value = lookup(token.field, sample)?.trim();
    if (token.field === 'link') text += value || linkPlaceholder;
    else if (value) text += value;
    else if (token.fallback !== null) text += token.fallback;
    else if (!missing.includes(token.field) && ((contactFields as readonly string[]).includes(token.field) || token.field.startsWith('attr:'))) missing.push(token.field);
  }
  return { text, missing };
}

function figures(text: string, microsPerPart: number | undefined): TextFigures {
  const count = countSegments(text);
  return {
    rendered: text,
    encoding: count.encoding,
    characters: count.characters,
    units: count.units,
    parts: count.parts,
    unitsPerPart: count.unitsPerPart,
    remainingInPart: count.remainingInPart,
    nonGsmCharacters: count.nonGsmCharacters,
    ...(microsPerPart === undefined ? {} : { costMicros: partCost(count.parts, microsPerPart) }),
  };
}

export function previewMessage(input: PreviewInput): MessagePreview {
  const sample = input.sample ?? {};
  const parsed = parseTemplate(input.body);
  const { text, missing } = renderLeniently(parsed, sample, input.linkPlaceholder);
  const preview: MessagePreview = {
    ...figures(text, input.microsPerPart),
    ...(input.microsPerPart === undefined ? {} : { microsPerPart: input.microsPerPart }),
    errors: parsed.errors,
    warnings: parsed.warnings,
    missing,
  };
  const smart = smartEncode(input.body);
  if (smart.changes.length > 0) {
    const rendered = renderLeniently(parseTemplate(smart.text), sample, input.linkPlaceholder).text;
    preview.smartEncoded = { text: smart.text, changes: smart.changes, ...figures(rendered, input.microsPerPart) };
  }
  const first = withOptOutLine(text, { firstMessage: true });
  if (first.appended) preview.firstMessage = figures(first.text, input.microsPerPart);
  return preview;
}
