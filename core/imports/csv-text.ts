/**
 * Text of CSV files as people make them: UTF-8 (with or without BOM), or Windows-1252 from older Excel
 * and CRM exports (Latin-1 files decode the same way: WHATWG maps the label `latin1` to Windows-1252).
 *
 * A file detected as UTF-8 may still hold a stray Windows-1252 field (two exports pasted together); such
 * a field decodes as Windows-1252 instead of turning into U+FFFD, so a name like "Zoë" survives either way.
 */

export type CsvEncoding = 'utf-8' | 'windows-1252';

const utf8 = new TextDecoder('utf-8');
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Windows-1252 bytes 0x80–0x9F (0xA0–0xFF equal their code points); undefined bytes map to themselves (as WHATWG does). */
const cp1252High = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];

const cp1252Encode = new Map<number, number>(cp1252High.map((cp, i) => [cp, 0x80 + i]));

export function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  // Builds in slices so a long field does not exceed the argument limit of fromCharCode.
  const codes: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    codes.push(b >= 0x80 && b <= 0x9f ? (cp1252High[b - 0x80] as number) : b);
    if (codes.length === 4096) {
      out += String.fromCharCode(...codes);
      codes.length = 0;
    }
  }
  return out + String.fromCharCode(...codes);
}

/** True when every byte is ASCII (both encodings then decode identically). */
export function isAscii(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  for (let i = start; i < end; i++) if ((bytes[i] as number) >= 0x80) return false;
  return true;
}

/** Decodes one field in the file's encoding; a UTF-8 file's invalid field falls back to Windows-1252. */
export function decodeField(bytes: Uint8Array, encoding: CsvEncoding): string {
  if (encoding === 'windows-1252') return isAscii(bytes) ? utf8.decode(bytes) : decodeWindows1252(bytes);
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return decodeWindows1252(bytes);
  }
}

/** Encodes text we add to a file we give back (rejected.csv) in that file's encoding; unmappable → `?`. */
export function encodeText(text: string, encoding: CsvEncoding): Uint8Array {
  if (encoding === 'utf-8') return new TextEncoder().encode(text);
  const out = new Uint8Array(text.length);
  let n = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    out[n++] = cp < 0x80 || (cp >= 0xa0 && cp <= 0xff) ? cp : (cp1252Encode.get(cp) ?? 0x3f);
  }
  return out.subarray(0, n);
}

/**
 * Whether a sample is valid UTF-8. When the sample is only the head of a file, a multi-byte character
 * cut at its end is not held against it.
 */
export function looksLikeUtf8(sample: Uint8Array, isWholeFile: boolean): boolean {
  let end = sample.length;
  if (!isWholeFile) {
    // Drop an incomplete trailing sequence: find the last lead byte within the last 3 bytes.
    for (let back = 1; back <= 3 && back <= sample.length; back++) {
      const b = sample[sample.length - back] as number;
      if (b < 0x80) break;
      if (b >= 0xc0) {
        const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
        if (back < need) end = sample.length - back;
        break;
      }
    }
  }
  try {
    utf8Strict.decode(sample.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

export { utf8 as utf8Decoder };
