/**
 * Keyset paging cursors. Our ids sort by creation time (core/ids.ts: a millisecond timestamp, then
 * randomness), so "newest first" is "id descending" and the cursor is simply the last id served,
 * wrapped so clients treat it as opaque. Keyset paging stays exact while rows are added (a new row
 * never shifts the next page, unlike OFFSET), and comparing ids sidesteps timestamp precision (the
 * database keeps microseconds, JavaScript milliseconds).
 */
import { z } from 'zod';

const idPattern = /^[a-z]{3}_[0-9a-z]{26}$/;

export function encodeCursor(lastId: string): string {
  return btoa(`v1:${lastId}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The last id served, or undefined for anything that is not a cursor this module wrote (→ 400). */
export function decodeCursor(cursor: string): string | undefined {
  try {
    const text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    if (!text.startsWith('v1:')) return undefined;
    const id = text.slice(3);
    return idPattern.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

export const pageLimitSchema = z.coerce.number<string | undefined>().int().min(1).max(200).default(50);
