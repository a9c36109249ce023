import { describe, expect, it } from 'vitest';
import { readCsv } from './csv-reader';
import { rejectedCsvHeader, rejectedCsvLine } from './rejected-csv';
import type { CsvFormat } from './sniff-csv-format';

const enc = new TextEncoder();

describe('rejected.csv lines', () => {
  const format: CsvFormat = { encoding: 'utf-8', delimiter: ';', bom: true, lineEnding: '\r\n' };

  it('keep the original bytes and add decision and reason in the file\'s own dialect', () => {
    const header = rejectedCsvHeader(format, enc.encode('Phone;Name;Note'));
    const line = rejectedCsvLine(format, enc.encode('12345;"Zoë; ""Z"""'), 3, 'invalid_phone', 'the number "12345"; too short');
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array([...header, ...line]));
    expect(text).toBe('\uFEFFPhone;Name;Note;decision;reason\r\n12345;"Zoë; ""Z""";;invalid_phone;"the number ""12345""; too short"\r\n');
    const records = readCsv(new Uint8Array([...header.subarray(3), ...line]), { delimiter: ';', encoding: 'utf-8' });
    expect(records.map((r) => r.fields)).toEqual([
      ['Phone', 'Name', 'Note', 'decision', 'reason'],
      ['12345', 'Zoë; "Z"', '', 'invalid_phone', 'the number "12345"; too short'],
    ]);
  });

  it('writes what it adds in Windows-1252 for a Windows-1252 file', () => {
    const cp: CsvFormat = { encoding: 'windows-1252', delimiter: ',', bom: false, lineEnding: '\n' };
    const original = new Uint8Array([0x52, 0xe9, 0x2c, 0x31]); // Ré,1
    const line = rejectedCsvLine(cp, original, 2, 'dnc', 'café €');
    expect([...line]).toEqual([0x52, 0xe9, 0x2c, 0x31, 0x2c, 0x64, 0x6e, 0x63, 0x2c, 0x63, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x0a]);
  });

  it('closes a quote the row never closed, so the next line stays a line', () => {
    const cp: CsvFormat = { encoding: 'utf-8', delimiter: ',', bom: false, lineEnding: '\n' };
    const line = rejectedCsvLine(cp, enc.encode('"broken,1'), 2, 'invalid_row', 'unbalanced');
    expect(new TextDecoder().decode(line)).toBe('"broken,1",,invalid_row,unbalanced\n');
  });
});

describe('rejected.csv padding of an unclosed row', () => {
  it('counts the fields the row has once closed', () => {
    const cp: CsvFormat = { encoding: 'utf-8', delimiter: ';', bom: false, lineEnding: '\r\n' };
    expect(new TextDecoder().decode(rejectedCsvLine(cp, enc.encode('1;"x'), 4, 'invalid_row', 'r'))).toBe('1;"x";;;invalid_row;r\r\n');
  });
});
