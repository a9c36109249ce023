/**
 * A streaming, byte-level CSV reader. It is fed the file in chunks of any size (a chunk may end inside
 * a quoted field, a line ending or a multi-byte character) and hands back whole records, each with the
 * exact byte range it occupies in the file, so the Ingestor can resume at a record boundary after a
 * crash and give rejected rows back byte for byte.
 *
 * Dialect (RFC 4180, read leniently, because files come as people make them):
 * - delimiter `,` `;` or tab (see `sniffCsvFormat`); line endings CRLF, LF or a lone CR;
 * - a field that starts with `"` is quoted: delimiters, quotes (`""`) and line breaks inside it are data;
 *   text after a closing quote (`"a"b`) is kept as data rather than failing the row;
 * - a `"` inside an unquoted field is data;
 * - blank lines (nothing, or only spaces and delimiters, e.g. Excel's trailing `,,,,`) are skipped;
 * - ragged rows are returned as they are: the caller decides what a short or long row means.
 *
 * A quote that never closes would swallow the rest of the file into one field. So when a record grows
 * past `maxRecordBytes`, or the file ends inside quotes, the reader gives up on that record at its first
 * line break: it returns that line as a record with a `problem`, and reads on from the next line. One
 * broken row costs one row, never the rest of the file.
 *
 * Only ASCII bytes (delimiter, quote, CR, LF) drive the parser, and in UTF-8 and Windows-1252 those
 * bytes never occur inside a multi-byte character, so scanning bytes is safe for both encodings.
 */
import { decodeField, utf8Decoder, type CsvEncoding } from './csv-text';

export type CsvDelimiter = ',' | ';' | '\t';

export type CsvRecord = {
  fields: string[];
  /** Byte offset of the record's first byte in the file. */
  start: number;
  /** Byte offset just past the record's last byte, line ending excluded. */
  end: number;
  /** Byte offset where the next record starts (past the line ending). */
  next: number;
  /** Set when the record could not be read as CSV; `fields` is then empty. */
  problem?: 'unterminated_quote' | 'too_long';
};

export type CsvReaderOptions = {
  delimiter: CsvDelimiter;
  encoding: CsvEncoding;
  /** File offset of the first byte pushed (a resumed read starts at a record boundary). Default 0. */
  offset?: number;
  /** Longest record accepted before giving up on it (see above). Default 1 MiB. */
  maxRecordBytes?: number;
};

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted field: the end of the field, or the first half of `""`. */
  QuoteInQuoted,
  /** Text after a closing quote, up to the delimiter. */
  AfterQuoted,
  /** A record ended at a CR; a following LF belongs to its line ending. */
  AfterCr,
  /** Discarding a record given up on, up to its line break (its bytes are not kept). */
  SkipLine,
}

const FLAG_QUOTED = 1;
const FLAG_ESCAPED = 2;
const FLAG_TRAILING = 4;

export class CsvReader {
  private readonly delimiter: number;
  private readonly encoding: CsvEncoding;
  private readonly maxRecordBytes: number;
  private buf: Uint8Array = new Uint8Array(0);
  /** File offset of buf[0]. */
  private base: number;
  private pos = 0;
  private recStart = 0;
  private state: State = State.FieldStart;
  private fieldStart = 0;
  private fieldFlags = 0;
  private starts: number[] = [];
  private ends: number[] = [];
  private flags: number[] = [];
  private high = false;
  /** Where the record that ended at a CR ends, and whether it holds non-ASCII bytes (AfterCr). */
  private pendingEnd = 0;
  private pendingHigh = false;
  private skipFrom = 0;
  private skipProblem: NonNullable<CsvRecord['problem']> = 'too_long';
  private finished = false;

  constructor(options: CsvReaderOptions) {
    this.delimiter = options.delimiter.charCodeAt(0);
    this.encoding = options.encoding;
    this.base = options.offset ?? 0;
    this.maxRecordBytes = options.maxRecordBytes ?? 1024 * 1024;
  }

  /** Feeds the next bytes; returns the records completed by them. */
  push(chunk: Uint8Array): CsvRecord[] {
    if (this.finished) throw new Error('CsvReader: push after end');
    this.append(chunk);
    const out: CsvRecord[] = [];
    this.scan(false, out);
    return out;
  }

  /** Ends the input; returns the last records (a final line without a line ending included). */
  end(): CsvRecord[] {
    if (this.finished) return [];
    this.finished = true;
    const out: CsvRecord[] = [];
    this.scan(true, out);
    return out;
  }

  /** File offset just past the last byte pushed. */
  get offset(): number {
    return this.base + this.buf.length;
  }

  private append(chunk: Uint8Array): void {
    // Keep only the record in progress; everything before it has been handed out.
    const keep = this.buf.length - this.recStart;
    const next = new Uint8Array(keep + chunk.length);
    next.set(this.buf.subarray(this.recStart), 0);
    next.set(chunk, keep);
    const shift = this.recStart;
    this.buf = next;
    this.base += shift;
    this.pos -= shift;
    this.fieldStart -= shift;
    this.pendingEnd -= shift;
    for (let k = 0; k < this.starts.length; k++) {
      this.starts[k] = (this.starts[k] as number) - shift;
      this.ends[k] = (this.ends[k] as number) - shift;
    }
    this.recStart = 0;
  }

  private scan(final: boolean, out: CsvRecord[]): void {
    for (;;) {
      this.run(out);
      if (final) {
        if (this.state === State.Quoted) {
          if (this.resync('unterminated_quote', out, true)) continue;
        } else if (this.state === State.SkipLine) {
          out.push({ fields: [], start: this.skipFrom, end: this.offset, next: this.offset, problem: this.skipProblem });
          this.resetRecord(this.buf.length);
        } else if (this.state === State.AfterCr) {
          this.high = this.pendingHigh;
          this.emit(this.pendingEnd, this.buf.length, out);
        } else if (this.recStart < this.buf.length) {
          const len = this.buf.length;
          if (this.state === State.FieldStart) this.fieldStart = len;
          this.closeField(this.state === State.QuoteInQuoted ? len - 1 : len);
          this.emit(len, len, out);
        }
        return;
      }
      if (this.state !== State.AfterCr && this.state !== State.SkipLine && this.buf.length - this.recStart > this.maxRecordBytes) {
        if (this.resync(this.state === State.Quoted ? 'unterminated_quote' : 'too_long', out)) continue;
      }
      return;
    }
  }

  private run(out: CsvRecord[]): void {
    const buf = this.buf;
    const len = buf.length;
    const delim = this.delimiter;
    let i = this.pos;
    let high = this.high;
    while (i < len) {
      const b = buf[i] as number;
      if (b >= 0x80) high = true;
      switch (this.state) {
        case State.FieldStart:
          if (b === QUOTE) {
            this.state = State.Quoted;
            this.fieldStart = i + 1;
            this.fieldFlags = FLAG_QUOTED;
          } else if (b === delim) {
            this.fieldStart = i;
            this.fieldFlags = 0;
            this.closeField(i);
          } else if (b === LF || b === CR) {
            this.fieldStart = i;
            this.fieldFlags = 0;
            this.high = high;
            i = this.endLine(i, out);
            high = false;
            continue;
          } else {
            this.state = State.Unquoted;
            this.fieldStart = i;
            this.fieldFlags = 0;
          }
          break;
        case State.Unquoted:
          if (b === delim) {
            this.closeField(i);
            this.state = State.FieldStart;
          } else if (b === LF || b === CR) {
            this.high = high;
            i = this.endLine(i, out);
            high = false;
            continue;
          }
          break;
        case State.Quoted:
          if (b === QUOTE) this.state = State.QuoteInQuoted;
          break;
        case State.QuoteInQuoted:
          if (b === QUOTE) {
            this.fieldFlags |= FLAG_ESCAPED;
            this.state = State.Quoted;
          } else if (b === delim) {
            this.closeField(i - 1);
            this.state = State.FieldStart;
          } else if (b === LF || b === CR) {
            this.fieldEndOverride = i - 1;
            this.high = high;
            i = this.endLine(i, out);
            high = false;
            continue;
          } else {
            // `"a"b`: keep the text after the closing quote; the field is re-read from its opening quote.
            this.fieldFlags |= FLAG_TRAILING;
            this.fieldStart -= 1;
            this.state = State.AfterQuoted;
          }
          break;
        case State.AfterQuoted:
          if (b === delim) {
            this.closeField(i);
            this.state = State.FieldStart;
          } else if (b === LF || b === CR) {
            this.high = high;
            i = this.endLine(i, out);
            high = false;
            continue;
          }
          break;
        case State.SkipLine:
          if (b === LF || b === CR) {
            const next = b === CR && buf[i + 1] === LF ? i + 2 : i + 1;
            out.push({ fields: [], start: this.skipFrom, end: this.base + i, next: this.base + next, problem: this.skipProblem });
            this.resetRecord(next);
            high = false;
            i = next;
            continue;
          }
          this.recStart = i + 1;
          break;
        case State.AfterCr:
          this.high = this.pendingHigh;
          this.emit(this.pendingEnd, b === LF ? i + 1 : i, out);
          high = false;
          if (b === LF) i += 1;
          continue;
      }
      i += 1;
    }
    this.pos = i;
    this.high = high;
  }

  /** Set when a quoted field's end is its closing quote, not the line break that follows it. */
  private fieldEndOverride = -1;

  private closeField(end: number): void {
    this.starts.push(this.fieldStart);
    this.ends.push(end);
    this.flags.push(this.fieldFlags);
    this.fieldFlags = 0;
  }

  /** A line break at `i` ends the record; returns where scanning goes on. */
  private endLine(i: number, out: CsvRecord[]): number {
    const end = this.fieldEndOverride >= 0 ? this.fieldEndOverride : i;
    this.fieldEndOverride = -1;
    this.closeField(end);
    const b = this.buf[i];
    if (b === LF) {
      this.emit(i, i + 1, out);
      return i + 1;
    }
    // CR: a following LF is part of this line ending, but it may not have arrived yet.
    if (i + 1 < this.buf.length) {
      const lf = this.buf[i + 1] === LF;
      this.emit(i, lf ? i + 2 : i + 1, out);
      return lf ? i + 2 : i + 1;
    }
    this.pendingEnd = i;
    this.pendingHigh = this.high;
    this.state = State.AfterCr;
    this.pos = i + 1;
    return i + 1;
  }

  private emit(end: number, next: number, out: CsvRecord[]): void {
    const buf = this.buf;
    const start = this.recStart;
    if (!this.isBlank()) {
      const fields: string[] = new Array(this.starts.length);
      if (!this.high) {
        // ASCII record: one decode, then string offsets equal byte offsets.
        const text = utf8Decoder.decode(buf.subarray(start, end));
        for (let k = 0; k < fields.length; k++) fields[k] = this.fieldText(text.slice((this.starts[k] as number) - start, (this.ends[k] as number) - start), this.flags[k] as number);
      } else {
        for (let k = 0; k < fields.length; k++) {
          const raw = decodeField(buf.subarray(this.starts[k] as number, this.ends[k] as number), this.encoding);
          fields[k] = this.fieldText(raw, this.flags[k] as number);
        }
      }
      out.push({ fields, start: this.base + start, end: this.base + end, next: this.base + next });
    }
    this.resetRecord(next);
  }

  private fieldText(raw: string, flags: number): string {
    if (flags & FLAG_TRAILING) return lenientUnquote(raw);
    if (flags & FLAG_ESCAPED) return raw.replace(/""/g, '"');
    return raw;
  }

  /** No field holds anything but spaces (unquoted): an empty line, or Excel's `,,,,`. */
  private isBlank(): boolean {
    for (let k = 0; k < this.starts.length; k++) {
      if ((this.flags[k] as number) & FLAG_QUOTED) {
        if ((this.ends[k] as number) > (this.starts[k] as number)) return false;
        continue;
      }
      for (let i = this.starts[k] as number; i < (this.ends[k] as number); i++) {
        const b = this.buf[i];
        if (b !== SPACE && b !== TAB) return false;
      }
    }
    return true;
  }

  private resetRecord(next: number): void {
    this.recStart = next;
    this.pos = next;
    this.state = State.FieldStart;
    this.starts = [];
    this.ends = [];
    this.flags = [];
    this.fieldFlags = 0;
    this.fieldEndOverride = -1;
    this.high = false;
  }

  /**
   * Gives up on the record in progress: its first line becomes a record with a problem, and reading
   * restarts after that line. Returns false when there is nothing to cut.
   */
  private resync(problem: NonNullable<CsvRecord['problem']>, out: CsvRecord[], final = false): boolean {
    const buf = this.buf;
    const start = this.recStart;
    if (start >= buf.length) return false;
    let cut = -1;
    for (let i = start; i < buf.length; i++) {
      const b = buf[i];
      if (b === LF || b === CR) {
        cut = i;
        break;
      }
    }
    let end: number;
    let next: number;
    if (cut < 0 && !final) {
      // The line goes on beyond what has arrived: skip to its end without keeping its bytes.
      this.skipFrom = this.base + start;
      this.skipProblem = problem;
      this.resetRecord(buf.length);
      this.state = State.SkipLine;
      return false;
    }
    if (cut < 0) {
      end = buf.length;
      next = buf.length;
    } else {
      end = cut;
      next = buf[cut] === CR && buf[cut + 1] === LF ? cut + 2 : cut + 1;
    }
    out.push({ fields: [], start: this.base + start, end: this.base + end, next: this.base + next, problem });
    this.resetRecord(next);
    return true;
  }
}

/** `"a""b"c` → `a"bc`: the opening quote, doubled quotes and the closing quote resolved; the rest kept. */
function lenientUnquote(raw: string): string {
  let out = '';
  let inQuotes = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '"') {
      if (inQuotes && raw[i + 1] === '"') {
        out += '"';
        i += 1;
      } else {
        inQuotes = !inQuotes;
      }
    } else {
      out += ch;
    }
  }
  return out;
}

/** Reads a whole in-memory CSV (tests, small files, one rejected row). */
export function readCsv(bytes: Uint8Array, options: CsvReaderOptions): CsvRecord[] {
  const reader = new CsvReader(options);
  return [...reader.push(bytes), ...reader.end()];
}
