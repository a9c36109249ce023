import { describe, expect, it } from 'vitest';
import { hashToken, isOpaqueToken, newOpaqueToken, secretsEqual, tokenBytes } from './opaque-token';

const bytes = (fill: number, length = tokenBytes) => new Uint8Array(length).fill(fill);

describe('newOpaqueToken', () => {
  it('encodes 256 bits as 43 URL- and cookie-safe characters', () => {
    for (const fill of [0, 62, 63, 255]) {
      const token = newOpaqueToken(bytes(fill));
      expect(token).toHaveLength(43);
      expect(isOpaqueToken(token)).toBe(true);
    }
  });

  it('differs when the randomness differs', () => {
    expect(newOpaqueToken(bytes(1))).not.toBe(newOpaqueToken(bytes(2)));
  });

  it.each([0, 16, 31, 33])('refuses %i random bytes', (length) => {
    expect(() => newOpaqueToken(bytes(1, length))).toThrow(RangeError);
  });
});

describe('isOpaqueToken', () => {
  it.each([
    ['', false],
    ['short', false],
    ['a'.repeat(42), false],
    ['a'.repeat(44), false],
    [`${'a'.repeat(42)}=`, false],
    [`${'a'.repeat(42)}/`, false],
    ["' or 1=1 --".padEnd(43, 'x'), false],
    [undefined, false],
    ['A-_z09'.padEnd(43, 'q'), true],
  ])('%s → %s', (value, expected) => {
    expect(isOpaqueToken(value)).toBe(expected);
  });
});

describe('hashToken', () => {
  it('is the lower-case hex SHA-256 the schema CHECK expects', async () => {
    // SHA-256("abc") from FIPS 180-2, appendix B.1.
    expect(await hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('maps different tokens to different hashes', async () => {
    expect(await hashToken(newOpaqueToken(bytes(1)))).not.toBe(await hashToken(newOpaqueToken(bytes(2))));
  });
});

describe('secretsEqual', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'ab', false],
    ['abc', 'abcd', false],
    ['abc', undefined, false],
    ['abc', null, false],
    ['', '', false],
  ])('%s vs %s → %s', (expected, presented, result) => {
    expect(secretsEqual(expected, presented)).toBe(result);
  });
});
