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

  it('refuses too little randomness', () => {
    expect(() => newId('campaign', 5, new Uint8Array(4))).toThrow(RangeError);
  });
});
