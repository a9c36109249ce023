/**
 * Reading an uploaded CSV from the blob store: its format (sniffed from the head), its header, and its
 * records from any byte offset, window by window (ranged reads of `windowBytes`), so memory stays
 * bounded whatever the file's size and a chunk can start exactly where the previous one stopped.
 */
import { DomainError } from '../../core/errors';
import { headerNames } from '../../core/imports/contact-mapping';
import { CsvReader, type CsvRecord } from '../../core/imports/csv-reader';
import { sniffCsvFormat, type CsvFormat } from '../../core/imports/sniff-csv-format';
import { readBytes, type BlobStore } from '../../core/ports/blob-store';

/** What the dry-run (or the ingestion start) learned about the file; every chunk reuses it. */
export type ImportFileFacts = CsvFormat & {
  headers: string[];
  /** The header record's bytes [headerStart, headerEnd), and where the data records start. */
  headerStart: number;
  headerEnd: number;
  dataStart: number;
  size: number;
  /** How long the dry-run took (contact imports). */
  dryRunMs?: number;
};

const sniffBytes = 64 * 1024;
export const defaultWindowBytes = 4 * 1024 * 1024;

/** Streams the records of `key` from `offset` (a record boundary) to the end, a batch per window piece. */
export async function* readRecords(
  blobs: BlobStore,
  key: string,
  options: Pick<CsvFormat, 'delimiter' | 'encoding'> & { offset: number; size: number; windowBytes?: number },
): AsyncGenerator<CsvRecord[]> {
  const reader = new CsvReader({ delimiter: options.delimiter, encoding: options.encoding, offset: options.offset });
  const window = options.windowBytes ?? defaultWindowBytes;
  for (let pos = options.offset; pos < options.size; pos += window) {
    for await (const piece of await blobs.read(key, { start: pos, end: Math.min(options.size, pos + window) })) {
      const records = reader.push(piece);
      if (records.length > 0) yield records;
    }
  }
  const last = reader.end();
  if (last.length > 0) yield last;
}

/** Sniffs the format and reads the header (and a few sample rows for the mapping screen). */
export async function inspectFile(blobs: BlobStore, key: string, sampleRows = 5): Promise<{ facts: ImportFileFacts; sample: string[][] }> {
  const head = await blobs.head(key);
  if (head === undefined) throw new DomainError('not_found', 'No uploaded file under that object key. Upload it first (POST /api/uploads).');
  const size = head.size;
  if (size === 0) throw new DomainError('validation_failed', 'The file is empty.');
  const sniffed = sniffCsvFormat(await readBytes(blobs, key, { start: 0, end: Math.min(size, sniffBytes) }), size <= sniffBytes);
  if (!sniffed.ok) throw new DomainError('unsupported_media_type', sniffed.reason);
  const format = sniffed.format;
  let header: CsvRecord | undefined;
  const sample: string[][] = [];
  for await (const records of readRecords(blobs, key, { ...format, offset: format.bom ? 3 : 0, size, windowBytes: 256 * 1024 })) {
    for (const record of records) {
      if (header === undefined) {
        if (record.problem !== undefined) throw new DomainError('validation_failed', 'The header line of the file cannot be read (an unbalanced " or a very long line).');
        header = record;
      } else if (sample.length < sampleRows) {
        sample.push(record.fields);
      }
    }
    if (header !== undefined && sample.length >= sampleRows) break;
  }
  if (header === undefined) throw new DomainError('validation_failed', 'The file has no header line.');
  return {
    facts: { ...format, headers: headerNames(header.fields), headerStart: header.start, headerEnd: header.end, dataStart: header.next, size },
    sample,
  };
}
