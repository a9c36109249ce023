/**
 * How a carrier sees a text: its encoding, its length in the encoding's units, and how many parts
 * (segments, each billed) it travels in.
 *
 * - GSM-7 (3GPP TS 23.038 default alphabet): each character of the basic table is one septet; each
 *   character of the extension table (`^ { } \ [ ~ ] | €` and form feed) is an escape septet plus its
 *   own, so two. One part holds 160 septets; once a text needs more, every part carries a 7-octet UDH
 *   (concatenation header) and holds 153.
 * - UCS-2 (in practice UTF-16): used as soon as one character is outside both GSM tables. Length is
 *   counted in UTF-16 code units, so a character outside the BMP (most emoji) counts two. One part holds
 *   70 units, a concatenated part 67.
 *
 * Parts are counted by packing, not by dividing: a handset cannot reassemble an escape pair or a
 * surrogate pair split across two parts, so senders (and carriers' billing) move the whole pair to the
 * next part. A text can therefore need one part more than ceil(length / 153) or ceil(length / 67).
 */
export type Encoding = 'GSM-7' | 'UCS-2';

/** Per-part capacities, in the encoding's units (septets, UTF-16 code units). */
export const partLimits = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
} as const satisfies Record<Encoding, { single: number; multi: number }>;

// The basic table, in code-point order of the 3GPP table (0x00–0x7F, ESC excluded). `\n` and `\r` are
// in it; Ç is the capital at 0x09 (several implementations show ç; the standard says Ç).
const gsmBasic = new Set(
  Array.from(
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
      '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ),
);

// The extension table: each of these costs ESC + the character.
const gsmExtension = new Set(Array.from('\f^{}\\[~]|€'));

export function isGsmBasic(character: string): boolean {
  return gsmBasic.has(character);
}

export function isGsmExtension(character: string): boolean {
  return gsmExtension.has(character);
}

/** GSM-7 when every character is in one of the two GSM tables (an empty text is GSM-7). */
export function detectEncoding(text: string): Encoding {
  for (const character of text) {
    if (!gsmBasic.has(character) && !gsmExtension.has(character)) return 'UCS-2';
  }
  return 'GSM-7';
}

/** Units one character (one code point, as the string iterator yields it) takes in an encoding. */
function unitsOf(character: string, encoding: Encoding): number {
  if (encoding === 'GSM-7') return gsmExtension.has(character) ? 2 : 1;
  // A code point above U+FFFF is a surrogate pair (length 2); a lone surrogate is one unit.
  return character.length;
}

export type SegmentCount = {
  encoding: Encoding;
  /** Code points, which is what a person counts (an emoji is one; a flag is two). */
  characters: number;
  /** Length in the encoding's units: septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number;
  /** Parts the text travels in; 0 for an empty text (there is nothing to send). */
  parts: number;
  /** Capacity of each part for this text: 160/70 when it fits in one, 153/67 otherwise. */
  unitsPerPart: number;
  /** Units still free in the last part before another part is needed. */
  remainingInPart: number;
  /** Distinct characters that forced UCS-2, in order of appearance (empty for GSM-7). */
  nonGsmCharacters: string[];
};

/** Splits a text into its parts exactly as it would be sent, never splitting an escape or surrogate pair. */
export function splitIntoParts(text: string): string[] {
  if (text.length === 0) return [];
  const encoding = detectEncoding(text);
  const limits = partLimits[encoding];
  const characters = Array.from(text);
  const total = characters.reduce((sum, ch) => sum + unitsOf(ch, encoding), 0);
  if (total <= limits.single) return [text];
  const parts: string[] = [];
  let current = '';
  let used = 0;
  for (const character of characters) {
    const width = unitsOf(character, encoding);
    if (used + width > limits.multi) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += character;
    used += width;
  }
  parts.push(current);
  return parts;
}

export function countSegments(text: string): SegmentCount {
  const encoding = detectEncoding(text);
  const limits = partLimits[encoding];
  const characters = Array.from(text);
  const units = characters.reduce((sum, ch) => sum + unitsOf(ch, encoding), 0);
  const nonGsm: string[] = [];
  if (encoding === 'UCS-2') {
    for (const character of characters) {
      if (!gsmBasic.has(character) && !gsmExtension.has(character) && !nonGsm.includes(character)) nonGsm.push(character);
    }
  }
  if (units === 0) {
    return { encoding, characters: 0, units: 0, parts: 0, unitsPerPart: limits.single, remainingInPart: limits.single, nonGsmCharacters: nonGsm };
  }
  if (units <= limits.single) {
    return { encoding, characters: characters.length, units, parts: 1, unitsPerPart: limits.single, remainingInPart: limits.single - units, nonGsmCharacters: nonGsm };
  }
  const parts = splitIntoParts(text);
  const last = parts[parts.length - 1] ?? '';
  const lastUnits = Array.from(last).reduce((sum, ch) => sum + unitsOf(ch, encoding), 0);
  return {
    encoding,
    characters: characters.length,
    units,
    parts: parts.length,
    unitsPerPart: limits.multi,
    remainingInPart: limits.multi - lastUnits,
    nonGsmCharacters: nonGsm,
  };
}

/**
 * Look-alikes that silently turn a text into UCS-2 (less than half the room per part), mostly pasted in
 * from word processors and phones' "smart punctuation", and the GSM-7 text that replaces each. The
 * same idea as carriers' and Twilio's "smart encoding", shown to the user before they save.
 * Zero-width joiner (U+200D) is deliberately absent: it glues emoji sequences, and a text with emoji
 * is UCS-2 anyway.
 */
const smartReplacements: ReadonlyArray<readonly [string, string, string]> = [
  // [characters, replacement, label]
  ['\u2018\u2019\u201A\u201B\u2032\u2035\u02BC\u02BB\u2039\u203A\uFF07', "'", 'curly single quote'],
  ['\u201C\u201D\u201E\u201F\u2033\u2036\u00AB\u00BB\uFF02', '"', 'curly double quote'],
  ['\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uFE58\uFE63\uFF0D', '-', 'long dash'],
  ['\u2026', '...', 'ellipsis'],
  ['\u00A0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u202F\u205F\u3000\t', ' ', 'special space'],
  ['\u2028\u2029', '\n', 'line separator'],
  ['\u200B\u2060\uFEFF\u00AD', '', 'invisible character'],
  ['\u2022\u2023\u2043\u00B7', '-', 'bullet'],
  ['\u02C6', '^', 'modifier circumflex'],
  ['\u02DC', '~', 'small tilde'],
  ['\uFF0C', ',', 'full-width comma'],
  ['\uFF0E', '.', 'full-width full stop'],
];

const smartTable = new Map<string, { to: string; label: string }>();
for (const [from, to, label] of smartReplacements) for (const ch of from) smartTable.set(ch, { to, label });

export type SmartEncodingChange = { from: string; to: string; label: string; count: number };

export type SmartEncodingResult = {
  text: string;
  changes: SmartEncodingChange[];
  before: Encoding;
  after: Encoding;
};

/** Replaces look-alike punctuation and spaces with GSM-7 text and reports each replacement made. */
export function smartEncode(text: string): SmartEncodingResult {
  const changes = new Map<string, SmartEncodingChange>();
  let out = '';
  for (const character of text) {
    const replacement = smartTable.get(character);
    if (replacement === undefined) {
      out += character;
      continue;
    }
    out += replacement.to;
    const seen = changes.get(character);
    if (seen) seen.count += 1;
    else changes.set(character, { from: character, to: replacement.to, label: replacement.label, count: 1 });
  }
  return { text: out, changes: [...changes.values()], before: detectEncoding(text), after: detectEncoding(out) };
}
