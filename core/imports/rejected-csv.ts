/**
 * rejected.csv: the rejected rows exactly as uploaded, plus `decision` and `reason` columns.
 *
 * Each line starts with the original bytes of its record (same encoding, same quoting, embedded line
 * breaks and all), so a person can fix the rows and upload the file again. What we add is written in
 * the file's own encoding, delimiter and line ending: a short row is first padded with empty fields so
 * `decision` lands under its header; a row whose quote never closed gets the missing `"` first, or
 * everything after it would read as part of that one value.
 */
import { readCsv } from './csv-reader';
import { encodeText } from './csv-text';
import { utf8Bom, type CsvFormat } from './sniff-csv-format';

function quote(value: string, delimiter: string): string {
  return /["\r\n]/.test(value) || value.includes(delimiter) ? `"${value.replace(/"/g, '""')}"` : value;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The first line: the original header record, then the two new column names. */
export function rejectedCsvHeader(format: CsvFormat, headerBytes: Uint8Array): Uint8Array {
  const d = format.delimiter;
  return concat([
    format.bom ? utf8Bom : new Uint8Array(0),
    headerBytes,
    encodeText(`${d}decision${d}reason${format.lineEnding}`, format.encoding),
  ]);
}

/** One rejected row: `rowBytes` is the record's byte range in the file (line ending excluded). */
export function rejectedCsvLine(format: CsvFormat, rowBytes: Uint8Array, headerCount: number, decision: string, reason: string): Uint8Array {
  const d = format.delimiter;
  let [record] = readCsv(rowBytes, { delimiter: d, encoding: format.encoding });
  const unclosed = record?.problem === 'unterminated_quote';
  // Its fields as they read once the missing quote is added.
  if (unclosed) [record] = readCsv(concat([rowBytes, new Uint8Array([0x22])]), { delimiter: d, encoding: format.encoding });
  const fieldCount = record === undefined || record.problem !== undefined ? headerCount : record.fields.length;
  const padding = d.repeat(Math.max(0, headerCount - fieldCount));
  const suffix = `${unclosed ? '"' : ''}${padding}${d}${quote(decision, d)}${d}${quote(reason, d)}${format.lineEnding}`;
  return concat([rowBytes, encodeText(suffix, format.encoding)]);
}
