import { describe, expect, it } from 'vitest';
import { countSegments, detectEncoding, isGsmBasic, isGsmExtension, smartEncode, splitIntoParts } from './segments';

const a = (n: number) => 'a'.repeat(n);
const u = (n: number) => 'ж'.repeat(n); // Cyrillic: one UTF-16 unit, not in GSM-7
const emoji = '😀'; // U+1F600: a surrogate pair, two UTF-16 units

describe('countSegments: the carrier edge cases', () => {
  it.each([
    // name, text, encoding, units, parts
    ['empty', '', 'GSM-7', 0, 0],
    ['one GSM character', 'a', 'GSM-7', 1, 1],
    ['exactly 160 GSM', a(160), 'GSM-7', 160, 1],
    ['161 GSM', a(161), 'GSM-7', 161, 2],
    ['306 GSM (two full parts)', a(306), 'GSM-7', 306, 2],
    ['307 GSM', a(307), 'GSM-7', 307, 3],
    ['159 + one escape char = 161 septets', a(159) + '€', 'GSM-7', 161, 2],
    ['158 + one escape char = 160 septets', a(158) + '€', 'GSM-7', 160, 1],
    ['80 escape chars = 160 septets', '{'.repeat(80), 'GSM-7', 160, 1],
    // 152 septets, then an escape pair that would straddle the 153 boundary: it moves whole to part 2,
    // which then holds 2 + 151 = 153, and the last 'a' needs a third part (ceil(306/153) would say 2).
    ['escape at the 152/153 boundary', a(152) + '{' + a(152), 'GSM-7', 306, 3],
    ['escape right after a full part', a(153) + '{' + a(151), 'GSM-7', 306, 2],
    ['exactly 70 UCS-2', u(70), 'UCS-2', 70, 1],
    ['71 UCS-2', u(71), 'UCS-2', 71, 2],
    ['134 UCS-2 (two full parts)', u(134), 'UCS-2', 134, 2],
    ['135 UCS-2', u(135), 'UCS-2', 135, 3],
    ['one emoji counts two units', emoji, 'UCS-2', 2, 1],
    ['35 emoji = 70 units', emoji.repeat(35), 'UCS-2', 70, 1],
    ['68 units + emoji', u(69) + emoji, 'UCS-2', 71, 2],
    // 66 units, then an emoji that would straddle the 67 boundary: it moves whole to part 2.
    ['emoji at the 66/67 boundary', u(66) + emoji + u(66), 'UCS-2', 134, 3],
    ['emoji right after a full part', u(67) + emoji + u(65), 'UCS-2', 134, 2],
    ['mixed GSM text with one emoji', 'Hi Ana, your table is ready ' + emoji, 'UCS-2', 30, 1],
    ['one accented letter outside the table (á) makes it UCS-2', 'Olá, café', 'UCS-2', 9, 1],
    ['GSM accented letters inside the table', 'è é ù ì ò Ç Ø ø Å å', 'GSM-7', 19, 1],
    ['newline and carriage return are GSM', 'line1\r\nline2', 'GSM-7', 12, 1],
  ])('%s', (_name, text, encoding, units, parts) => {
    const count = countSegments(text);
    expect(count.encoding).toBe(encoding);
    expect(count.units).toBe(units);
    expect(count.parts).toBe(parts);
    expect(splitIntoParts(text)).toHaveLength(parts);
    expect(splitIntoParts(text).join('')).toBe(text);
  });

  it('reports code points as characters, so an emoji is one character but two units', () => {
    expect(countSegments(`ok ${emoji}`)).toMatchObject({ characters: 4, units: 5 });
  });

  it.each([
    ['', 160, 160],
    [a(150), 160, 10],
    [a(161), 153, 145],
    [u(10), 70, 60],
    [u(71), 67, 63],
    [u(66) + emoji + u(66), 67, 66],
  ])('capacity and room left for %#', (text, unitsPerPart, remainingInPart) => {
    expect(countSegments(text)).toMatchObject({ unitsPerPart, remainingInPart });
  });

  it('lists the characters that forced UCS-2, once each, in order', () => {
    expect(countSegments('Don’t miss it’s “sale” 😀').nonGsmCharacters).toEqual(['’', '“', '”', emoji]);
    expect(countSegments('plain').nonGsmCharacters).toEqual([]);
  });

  it('never puts half an escape pair or half a surrogate pair in a part', () => {
    for (const text of [a(152) + '{' + a(152), a(151) + '€€€' + a(200), u(66) + emoji + u(66), u(65) + emoji.repeat(40)]) {
      const parts = splitIntoParts(text);
      const encoding = detectEncoding(text);
      for (const part of parts) {
        const units = Array.from(part).reduce((sum, ch) => sum + (encoding === 'GSM-7' ? (isGsmExtension(ch) ? 2 : 1) : ch.length), 0);
        expect(units).toBeLessThanOrEqual(encoding === 'GSM-7' ? 153 : 67);
        // A part that ends in a high surrogate would have split a pair.
        expect(/[\uD800-\uDBFF]$/.test(part)).toBe(false);
      }
    }
  });
});

describe('GSM-7 tables', () => {
  it.each(Array.from('^{}\\[~]|€\f'))('%j is an extension character (two septets)', (ch) => {
    expect(isGsmExtension(ch)).toBe(true);
    expect(isGsmBasic(ch)).toBe(false);
    expect(countSegments(ch).units).toBe(2);
  });

  it.each(Array.from('@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!"#¤%&\'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà'))('%j is in the basic table', (ch) => {
    expect(isGsmBasic(ch)).toBe(true);
    expect(detectEncoding(ch)).toBe('GSM-7');
  });

  it.each(Array.from('`çáíóúâêôãõ’“”–—…\u00A0\tЖ中😀'))('%j forces UCS-2', (ch) => {
    expect(detectEncoding(`hello ${ch}`)).toBe('UCS-2');
  });
});

describe('smartEncode', () => {
  it.each([
    ['Don’t', "Don't", "'"],
    ['‘quoted’', "'quoted'", "'"],
    ['“Sale” today', '"Sale" today', '"'],
    ['«bonjour»', '"bonjour"', '"'],
    ['9–5 — open', '9-5 - open', '-'],
    ['wait…', 'wait...', '...'],
    ['10\u00A0am', '10 am', ' '],
    ['narrow\u202Fspace', 'narrow space', ' '],
    ['zero\u200Bwidth', 'zerowidth', ''],
    ['tab\there', 'tab here', ' '],
  ])('%j → %j', (input, output, to) => {
    const result = smartEncode(input);
    expect(result.text).toBe(output);
    expect(result.changes.map((c) => c.to)).toContain(to);
    expect(result.before).toBe('UCS-2');
    expect(result.after).toBe('GSM-7');
  });

  it('counts repeated replacements per character and leaves GSM text untouched', () => {
    const result = smartEncode('It’s Ana’s “big” day');
    expect(result.changes).toEqual([
      { from: '’', to: "'", label: 'curly single quote', count: 2 },
      { from: '“', to: '"', label: 'curly double quote', count: 1 },
      { from: '”', to: '"', label: 'curly double quote', count: 1 },
    ]);
    expect(smartEncode('Plain GSM text {ok}')).toEqual({ text: 'Plain GSM text {ok}', changes: [], before: 'GSM-7', after: 'GSM-7' });
  });

  it('cannot make an emoji GSM: the text stays UCS-2 and the emoji (with its joiners) is kept', () => {
    const family = '👩\u200D👩\u200D👧';
    const result = smartEncode(`Hi… ${family}`);
    expect(result.text).toBe(`Hi... ${family}`);
    expect(result.after).toBe('UCS-2');
  });

  it('can halve the parts of a pasted text', () => {
    const pasted = 'We’re open “late” tonight — see you soon… '.repeat(3);
    expect(countSegments(pasted).parts).toBe(2);
    expect(countSegments(smartEncode(pasted).text).parts).toBe(1);
  });
});
