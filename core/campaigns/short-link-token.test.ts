import { describe, expect, it } from 'vitest';
import { shortLinkPlaceholder, shortLinkToken, shortLinkTokenLength } from './short-link-token';

describe('shortLinkToken', () => {
  it('makes a fixed-length token the edge accepts', () => {
    const token = shortLinkToken(new Uint8Array([0, 61, 62, 123, 200, 247, 1, 2, 3, 4, 5, 6]));
    expect(token).toHaveLength(shortLinkTokenLength);
    expect(token).toMatch(/^[A-Za-z0-9]+$/);
    expect(token.slice(0, 4)).toBe('A9A9');
  });

  it('skips bytes that would bias the alphabet, and says when it ran out', () => {
    expect(shortLinkToken(new Uint8Array([248, 255, ...Array.from({ length: 10 }, () => 0)]))).toBe('A'.repeat(10));
    expect(() => shortLinkToken(new Uint8Array(9))).toThrow(RangeError);
  });

  it('previews a link exactly as long as a real one', () => {
    expect(shortLinkPlaceholder('http://localhost:8788/')).toBe(`http://localhost:8788/${'x'.repeat(10)}`);
  });
});
