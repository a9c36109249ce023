import { describe, expect, it } from 'vitest';
import { newId } from './ids';
import { decodeCursor, encodeCursor, pageLimitSchema } from './page-cursor';

describe('page cursors', () => {
  it('round-trip the last id', () => {
    const id = newId('audit', 1_770_000_000_000, new Uint8Array(10).fill(9));
    const cursor = encodeCursor(id);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(id);
    expect(decodeCursor(cursor)).toBe(id);
  });

  it.each(['', 'not base64!', btoa('aud_01'), btoa('v1:'), btoa("v1:aud_' or 1=1 --xxxxxxxxxxxxxxx"), btoa('v2:aud_0000000000000000000000000a')])('reject %j', (cursor) => {
    expect(decodeCursor(cursor)).toBeUndefined();
  });

  it.each([
    [undefined, 50],
    ['10', 10],
    ['200', 200],
  ])('page size %j → %i', (raw, expected) => {
    expect(pageLimitSchema.parse(raw)).toBe(expected);
  });

  it.each(['0', '201', 'ten', '1.5'])('refuse page size %j', (raw) => {
    expect(pageLimitSchema.safeParse(raw).success).toBe(false);
  });
});
