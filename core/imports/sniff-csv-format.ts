/**
 * Guesses how a CSV file is written from its first bytes: encoding, delimiter, BOM and line ending.
 *
 * - Encoding: a UTF-8 BOM says UTF-8; otherwise the head is UTF-8 if it decodes as strict UTF-8, else
 *   Windows-1252 (Excel's "CSV" on Windows, most CRMs' Latin-1 exports). UTF-16 (Excel's "Unicode
 *   text") is refused with a clear reason: its bytes are not ASCII-compatible and our byte-level reader
 *   would misread every row.
 * - Delimiter: for each of `,` `;` tab, count it outside quotes on each of the first lines; the one
 *   whose count is the same non-zero number on the most lines wins (ties: the larger count, then the
 *   order `,` `;` tab). A file with a single column has none: comma.
 */
import type { CsvDelimiter } from './csv-reader';
import { looksLikeUtf8, type CsvEncoding } from './csv-text';

export type CsvLineEnding = '\r\n' | '\n' | '\r';

export type CsvFormat = {
  encoding: CsvEncoding;
  delimiter: CsvDelimiter;
  /** The file starts with a UTF-8 BOM (records start after it). */
  bom: boolean;
  /** The first line ending met (used for the lines we add to rejected.csv). */
  lineEnding: CsvLineEnding;
};

export type SniffResult = { ok: true; format: CsvFormat } | { ok: false; reason: string };

const candidates: readonly CsvDelimiter[] = [',', ';', '\t'];
const sampleLines = 50;

export const utf8Bom = new Uint8Array([0xef, 0xbb, 0xbf]);

export function sniffCsvFormat(head: Uint8Array, isWholeFile: boolean): SniffResult {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    return { ok: false, reason: 'This file is UTF-16 ("Unicode text"). Save it as "CSV UTF-8" and upload it again.' };
  }
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  const body = bom ? head.subarray(3) : head;
  if (!bom && body.length > 0 && body.subarray(0, Math.min(body.length, 4096)).filter((b) => b === 0).length > 0) {
    return { ok: false, reason: 'This file holds binary data (NUL bytes): it is not a CSV file.' };
  }
  const encoding: CsvEncoding = bom || looksLikeUtf8(body, isWholeFile) ? 'utf-8' : 'windows-1252';

  let best: { delimiter: CsvDelimiter; consistent: number; header: number } = { delimiter: ',', consistent: 0, header: 0 };
  for (const delimiter of candidates) {
    const counts = countPerLine(body, delimiter.charCodeAt(0), isWholeFile);
    const header = counts[0] ?? 0;
    if (header === 0) continue;
    const consistent = counts.filter((n) => n === header).length;
    if (consistent > best.consistent || (consistent === best.consistent && header > best.header)) {
      best = { delimiter, consistent, header };
    }
  }
  return { ok: true, format: { encoding, delimiter: best.delimiter, bom, lineEnding: firstLineEnding(body) } };
}

/** Delimiters outside quotes per non-blank line, for the first lines (a cut-off last line is left out). */
function countPerLine(bytes: Uint8Array, delimiter: number, isWholeFile: boolean): number[] {
  const counts: number[] = [];
  let inQuotes = false;
  let count = 0;
  let content = false;
  for (let i = 0; i < bytes.length && counts.length < sampleLines; i++) {
    const b = bytes[i];
    if (b === 0x22) {
      inQuotes = !inQuotes;
      content = true;
    } else if (inQuotes) {
      continue;
    } else if (b === 0x0a || b === 0x0d) {
      if (content) counts.push(count);
      count = 0;
      content = false;
    } else if (b === delimiter) {
      count += 1;
    } else if (b !== 0x20) {
      content = true;
    }
  }
  if (isWholeFile && content && counts.length < sampleLines) counts.push(count);
  return counts;
}

function firstLineEnding(bytes: Uint8Array): CsvLineEnding {
  let inQuotes = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x22) inQuotes = !inQuotes;
    else if (!inQuotes && b === 0x0a) return '\n';
    else if (!inQuotes && b === 0x0d) return bytes[i + 1] === 0x0a ? '\r\n' : '\r';
  }
  return '\r\n';
}
