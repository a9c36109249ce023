import { describe, expect, it } from 'vitest';
import { ClaimedKeys } from './claimed-keys';

describe('ClaimedKeys', () => {
  it('gives the first row that claimed each phone and email, like a Map would, through many growths', () => {
    const claimed = new ClaimedKeys();
    const phones = new Map<string, number>();
    const emails = new Map<string, number>();
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const mismatches: string[] = [];
    for (let row = 1; row <= 60_000; row++) {
      // Repeats on purpose (a small key space), long and non-ASCII emails, 15-digit phones.
      const phone = `+${random() < 0.5 ? 61400000000 + Math.floor(random() * 40_000) : 999999999900000 + Math.floor(random() * 20_000)}`;
      const email = random() < 0.1 ? null : `${random() < 0.2 ? 'zoë' : 'a'}.${Math.floor(random() * 30_000)}@${'x'.repeat(Math.floor(random() * 40))}.example`;
      if (claimed.phone(phone) !== phones.get(phone)) mismatches.push(`row ${row} phone ${phone}`);
      if (claimed.email(email) !== (email === null ? undefined : emails.get(email))) mismatches.push(`row ${row} email ${email}`);
      claimed.claim(row, [phone], [email]);
      if (!phones.has(phone)) phones.set(phone, row);
      if (email !== null && !emails.has(email)) emails.set(email, row);
    }
    for (const [phone, row] of phones) if (claimed.phone(phone) !== row) mismatches.push(`phone ${phone}`);
    for (const [email, row] of emails) if (claimed.email(email) !== row) mismatches.push(`email ${email}`);
    expect(mismatches).toEqual([]);
    expect(claimed.size).toBe(phones.size + emails.size);
    expect(claimed.email('nobody@example.com')).toBeUndefined();
    expect(claimed.phone('+61499999999')).toBeUndefined();
  });

  it('tells apart emails that differ in one byte, or only in length', () => {
    const claimed = new ClaimedKeys();
    claimed.claim(1, ['+61400000001'], ['ana@example.com']);
    claimed.claim(2, ['+61400000002'], ['ana@example.co']);
    expect(claimed.email('ana@example.com')).toBe(1);
    expect(claimed.email('ana@example.co')).toBe(2);
    expect(claimed.email('ana@example.cm')).toBeUndefined();
    expect(claimed.email('')).toBeUndefined();
  });
});
