import { describe, expect, it } from 'vitest';
import { idPrefixes, newId } from './ids';

const bytes = (fill: number) => new Uint8Array(10).fill(fill);

describe('newId', () => {
  it.each(Object.entries(idPrefixes))('prefixes %s ids with %s_', (kind, prefix) => {
    expect(newId(kind as keyof typeof idPrefixes, 1_700_000_000_000, bytes(7))).toMatch(new RegExp(`^${prefix}_[0-9a-z]{26}$`));
  });

  it('sorts by creation time whatever the random part', () => {
    const earlier = newId('contact', 1_700_000_000_000, bytes(255));
    const later = newId('contact', 1_700_000_000_001, bytes(0));
    expect(earlier < later).toBe(true);
  });

  it('differs when only the randomness differs', () => {
    expect(newId('campaign', 5, bytes(1))).not.toBe(newId('campaign', 5, bytes(2)));
  });

  it('spells the 48-bit time and the 80 random bits in Crockford base32, most significant first', () => {
    const random = Uint8Array.from([0, 1, 2, 3, 4, 250, 251, 252, 253, 254]);
    expect(newId('contact', 1_765_000_000_123, random)).toBe('ctc_01kbs35ckv000g40r4zbxzszfy');
    expect(newId('contact', 0, new Uint8Array(10))).toBe('ctc_00000000000000000000000000');
    expect(newId('contact', 2 ** 48 - 1, new Uint8Array(10).fill(255))).toBe('ctc_7zzzzzzzzzzzzzzzzzzzzzzzzz');
    // Back to the first millisecond: the remembered time part is only ever the last one asked for.
    expect(newId('contact', 1_765_000_000_123, random)).toBe('ctc_01kbs35ckv000g40r4zbxzszfy');
  });

  it('refuses too little randomness', () => {
    expect(() => newId('campaign', 5, new Uint8Array(4))).toThrow(RangeError);
  });
});
