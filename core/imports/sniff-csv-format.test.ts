import { describe, expect, it } from 'vitest';
import { sniffCsvFormat } from './sniff-csv-format';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('sniffCsvFormat', () => {
  it.each([
    { name: 'plain comma, LF', input: utf8('a,b,c\n1,2,3\n'), format: { encoding: 'utf-8', delimiter: ',', bom: false, lineEnding: '\n' } },
    { name: 'BOM, semicolons, CRLF', input: utf8('\uFEFFa;b;c\r\n1,5;2;3\r\n'), format: { encoding: 'utf-8', delimiter: ';', bom: true, lineEnding: '\r\n' } },
    { name: 'tabs', input: utf8('a\tb\n1\t2\n'), format: { encoding: 'utf-8', delimiter: '\t', bom: false, lineEnding: '\n' } },
    { name: 'semicolons with commas in values', input: utf8('name;note\n"A, B";x,y,z\nC;d,e\n'), format: { encoding: 'utf-8', delimiter: ';', bom: false, lineEnding: '\n' } },
    { name: 'commas inside quotes do not count', input: utf8('a;b\n"1,2,3";4\n'), format: { encoding: 'utf-8', delimiter: ';', bom: false, lineEnding: '\n' } },
    { name: 'single column', input: utf8('phone\n0412345678\n'), format: { encoding: 'utf-8', delimiter: ',', bom: false, lineEnding: '\n' } },
    { name: 'Windows-1252 (é as 0xE9)', input: new Uint8Array([0x6e, 0x2c, 0x70, 0x0d, 0x0a, 0x52, 0xe9, 0x2c, 0x31, 0x0d, 0x0a]), format: { encoding: 'windows-1252', delimiter: ',', bom: false, lineEnding: '\r\n' } },
    { name: 'lone CR', input: utf8('a,b\r1,2\r'), format: { encoding: 'utf-8', delimiter: ',', bom: false, lineEnding: '\r' } },
  ])('$name', ({ input, format }) => {
    expect(sniffCsvFormat(input, true)).toEqual({ ok: true, format });
  });

  it('a UTF-8 character cut off at the end of the sample is still UTF-8', () => {
    const bytes = utf8('name\nZoë');
    expect(sniffCsvFormat(bytes.subarray(0, bytes.length - 1), false)).toMatchObject({ ok: true, format: { encoding: 'utf-8' } });
  });

  it('refuses UTF-16 and binary files with a reason', () => {
    expect(sniffCsvFormat(new Uint8Array([0xff, 0xfe, 0x61, 0x00]), true)).toMatchObject({ ok: false, reason: expect.stringContaining('UTF-16') });
    expect(sniffCsvFormat(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]), true)).toMatchObject({ ok: false, reason: expect.stringContaining('binary') });
  });
});
