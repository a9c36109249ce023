import { describe, expect, it } from 'vitest';
import { CsvReader, readCsv, type CsvDelimiter, type CsvRecord } from './csv-reader';
import type { CsvEncoding } from './csv-text';

const enc = new TextEncoder();

function bytesOf(text: string): Uint8Array {
  return enc.encode(text);
}

/** Feeds `bytes` cut at the given positions. */
function readInPieces(bytes: Uint8Array, cuts: number[], delimiter: CsvDelimiter = ',', encoding: CsvEncoding = 'utf-8', maxRecordBytes?: number): CsvRecord[] {
  const reader = new CsvReader({ delimiter, encoding, maxRecordBytes });
  const out: CsvRecord[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(...reader.push(bytes.subarray(at, cut)));
    at = cut;
  }
  out.push(...reader.end());
  return out;
}

const fieldsOf = (records: CsvRecord[]) => records.map((r) => r.fields);

describe('CsvReader', () => {
  const cases: { name: string; input: string; delimiter?: CsvDelimiter; fields: string[][] }[] = [
    { name: 'LF lines', input: 'a,b\n1,2\n', fields: [['a', 'b'], ['1', '2']] },
    { name: 'CRLF lines', input: 'a,b\r\n1,2\r\n', fields: [['a', 'b'], ['1', '2']] },
    { name: 'lone CR lines (classic Mac)', input: 'a,b\r1,2\r', fields: [['a', 'b'], ['1', '2']] },
    { name: 'no final line ending', input: 'a,b\n1,2', fields: [['a', 'b'], ['1', '2']] },
    { name: 'semicolons', input: 'a;b\n1,5;2\n', delimiter: ';', fields: [['a', 'b'], ['1,5', '2']] },
    { name: 'tabs', input: 'a\tb\n1\t2\n', delimiter: '\t', fields: [['a', 'b'], ['1', '2']] },
    { name: 'quoted delimiter', input: '"Smith, Jo",2\n', fields: [['Smith, Jo', '2']] },
    { name: 'escaped quotes', input: '"say ""hi""",x\n', fields: [['say "hi"', 'x']] },
    { name: 'newline inside quotes', input: '"line1\nline2",x\r\ny,z\r\n', fields: [['line1\nline2', 'x'], ['y', 'z']] },
    { name: 'CRLF inside quotes', input: '"a\r\nb",c\r\n', fields: [['a\r\nb', 'c']] },
    { name: 'blank lines skipped', input: 'a,b\n\n\r\n  \n1,2\n\n', fields: [['a', 'b'], ['1', '2']] },
    { name: "Excel's trailing empty rows", input: 'a,b,c\n1,2,3\n,,\n,,\n', fields: [['a', 'b', 'c'], ['1', '2', '3']] },
    { name: 'ragged rows kept as they are', input: 'a,b,c\n1\n1,2,3,4\n', fields: [['a', 'b', 'c'], ['1'], ['1', '2', '3', '4']] },
    { name: 'empty fields', input: ',,x,\n', fields: [['', '', 'x', '']] },
    { name: 'trailing delimiter at end of file', input: 'a,', fields: [['a', '']] },
    { name: 'quote inside unquoted field is data', input: 'O"Brien,2\n', fields: [['O"Brien', '2']] },
    { name: 'text after a closing quote is kept', input: '"abc"def,2\n', fields: [['abcdef', '2']] },
    { name: 'quoted empty field', input: '"",x\n', fields: [['', 'x']] },
    { name: 'quoted field at end of file', input: 'x,"y"', fields: [['x', 'y']] },
    { name: 'quoted field before CRLF', input: 'x,"y"\r\nz,w', fields: [['x', 'y'], ['z', 'w']] },
    { name: 'UTF-8 multi-byte', input: 'Zoë,Ünal,東京\n', fields: [['Zoë', 'Ünal', '東京']] },
  ];

  it.each(cases)('$name', ({ input, delimiter, fields }) => {
    expect(fieldsOf(readCsv(bytesOf(input), { delimiter: delimiter ?? ',', encoding: 'utf-8' }))).toEqual(fields);
  });

  it.each(cases)('$name: the same records whatever the chunk boundaries', ({ input, delimiter, fields }) => {
    const bytes = bytesOf(input);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(fieldsOf(readInPieces(bytes, [cut], delimiter))).toEqual(fields);
    }
    // One byte at a time: every boundary at once, including inside multi-byte characters and CRLF.
    expect(fieldsOf(readInPieces(bytes, Array.from({ length: bytes.length }, (_, i) => i), delimiter))).toEqual(fields);
  });

  it('reports exact byte ranges that round-trip the original bytes', () => {
    const input = bytesOf('\uFEFFname,phone\r\n"Zoë, ""Z""",0412 345 678\r\n\r\nAl,"+61\n2"\nlast,row');
    const records = readInPieces(input.subarray(3), [7, 20, 21, 33], ',', 'utf-8').map((r) => ({ ...r, start: r.start + 3, end: r.end + 3, next: r.next + 3 }));
    const text = (r: CsvRecord) => new TextDecoder().decode(input.subarray(r.start, r.end));
    expect(records.map(text)).toEqual(['name,phone', '"Zoë, ""Z""",0412 345 678', 'Al,"+61\n2"', 'last,row']);
    // next: past the line ending, so a resumed read starts exactly at the following record.
    expect(records.map((r) => r.next)).toEqual([records[1]?.start, (records[2]?.start ?? 0) - 2, records[3]?.start, input.length]);
  });

  it('resumes at an offset and keeps reporting file offsets', () => {
    const input = bytesOf('a,b\n1,2\n3,4\n');
    const [, second] = readCsv(input, { delimiter: ',', encoding: 'utf-8' });
    const resumed = readInPieces(input.subarray(second?.start ?? 0), [2]);
    const reader = new CsvReader({ delimiter: ',', encoding: 'utf-8', offset: second?.start ?? 0 });
    const records = [...reader.push(input.subarray(second?.start ?? 0)), ...reader.end()];
    expect(fieldsOf(resumed)).toEqual([['1', '2'], ['3', '4']]);
    expect(records.map((r) => [r.start, r.end])).toEqual([[4, 7], [8, 11]]);
  });

  it('decodes Windows-1252 fields, and a stray Windows-1252 field in a UTF-8 file', () => {
    const cp1252 = new Uint8Array([0x5a, 0x6f, 0xeb, 0x2c, 0x93, 0x71, 0x94, 0x2c, 0x80, 0x0a]); // Zoë,“q”,€
    expect(fieldsOf(readCsv(cp1252, { delimiter: ',', encoding: 'windows-1252' }))).toEqual([['Zoë', '“q”', '€']]);
    expect(fieldsOf(readCsv(cp1252, { delimiter: ',', encoding: 'utf-8' }))).toEqual([['Zoë', '“q”', '€']]);
  });

  it('a quote that never closes costs one line, not the rest of the file', () => {
    const input = bytesOf('a,b\n"broken,1\nc,d\ne,f\n');
    const records = readCsv(input, { delimiter: ',', encoding: 'utf-8' });
    expect(records.map((r) => r.problem ?? 'ok')).toEqual(['ok', 'unterminated_quote', 'ok', 'ok']);
    expect(fieldsOf(records)).toEqual([['a', 'b'], [], ['c', 'd'], ['e', 'f']]);
    expect(new TextDecoder().decode(input.subarray(records[1]?.start, records[1]?.end))).toBe('"broken,1');
  });

  it('gives up on a record longer than the limit while streaming, and reads on', () => {
    const input = bytesOf(`a,b\n"${'x'.repeat(300)}\n1,2\n`);
    const records = readInPieces(input, [50, 100, 200, 320], ',', 'utf-8', 128);
    expect(records.map((r) => r.problem ?? r.fields.join('|'))).toEqual(['a|b', 'unterminated_quote', '1|2']);
  });

  it('handles a large file in bounded pieces with a consistent running offset', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `${i},"name ${i}, x",+6141234${String(i).padStart(4, '0')}`);
    const input = bytesOf(`${lines.join('\r\n')}\r\n`);
    const cuts = Array.from({ length: 60 }, (_, i) => Math.floor(((i + 1) * input.length) / 61) + (i % 7));
    const records = readInPieces(input, cuts);
    expect(records).toHaveLength(5000);
    expect(records[4999]?.fields).toEqual(['4999', 'name 4999, x', '+61412344999']);
    for (let i = 1; i < records.length; i++) expect(records[i]?.start).toBe(records[i - 1]?.next);
  });
});
