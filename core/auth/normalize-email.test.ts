import { describe, expect, it } from 'vitest';
import { normalizeEmail } from './normalize-email';

describe('normalizeEmail', () => {
  it.each([
    ['ana@example.com', 'ana@example.com'],
    ['  Ana@Example.COM ', 'ana@example.com'],
    ['first.last+tag@sub.example.com.au', 'first.last+tag@sub.example.com.au'],
    ['admin@reactor.local', 'admin@reactor.local'],
    ['', undefined],
    ['ana', undefined],
    ['ana@', undefined],
    ['@example.com', undefined],
    ['ana @example.com', undefined],
    ['ana@example.com\nBcc: x@y.z', undefined],
    [`${'a'.repeat(250)}@example.com`, undefined],
  ])('%j → %j', (raw, expected) => {
    expect(normalizeEmail(raw)).toBe(expected);
  });
});
