/**
 * The literals read back as the values that went in, on the test database's driver (PGlite, or
 * PostgreSQL with DATABASE_URL): quotes, backslashes, commas, braces, NULL as a value and as a string.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayLiteral, numberArrayLiteral, textArrayLiteral } from './array-literals';
import { queryRows, type Database } from './client';
import { openTestDatabase } from './testing';

let database: Database;

beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('array literals', () => {
  it.each([
    { name: 'plain', values: ['a', 'b c'] },
    { name: 'quotes and backslashes', values: ['say "hi"', 'C:\\path\\', '\\"'] },
    { name: 'separators and braces', values: ['a,b', '{x}', ' lead and trail '] },
    { name: 'nulls and the word NULL', values: [null, 'NULL', ''] },
    { name: 'the word null in any case, nearly null', values: ['null', 'nUlL', 'nulls', 'nul'] },
    { name: 'white space of every kind', values: ['tab\there', 'line\nbreak', '\r\n', ' ', '\u00a0nbsp\u00a0', '\fform\v'] },
    { name: 'runs of one value, broken by nulls', values: ['new contact', 'new contact', null, 'new contact', 'x', 'x', 'a "q"', 'a "q"'] },
    { name: 'unquoted as they are', values: ['contact_01JEXAMPLE', '+61412345678', 'ana.o+tag@example.com', 'Ünïcödé', '12.5', '-', '(x)'] },
    { name: 'JSON', values: [JSON.stringify({ to: '+1', text: 'a "b" \\ c' })] },
    { name: 'empty', values: [] },
  ])('text: $name', async ({ values }) => {
    // Read back as JSON: postgres.js's own text[] parser reads a NULL element and a "NULL" string alike.
    const [row] = await queryRows<{ v: (string | null)[] }>(database.db, sql`select to_json(${arrayLiteral(values)}::text[]) as v`);
    expect(row?.v).toEqual(values);
  });

  it('text from an iterable', async () => {
    const [row] = await queryRows<{ v: string[] }>(database.db, sql`select ${textArrayLiteral(new Set(['x', 'y']))}::text[] as v`);
    expect(row?.v).toEqual(['x', 'y']);
  });

  it('numbers, with nulls, unnested beside text', async () => {
    const rows = await queryRows<{ id: string; n: number | null }>(
      database.db,
      sql`select * from unnest(${arrayLiteral(['a', 'b', 'c'])}::text[], ${numberArrayLiteral([1, null, 9_007_199_254_740_991])}::bigint[]) as r(id, n)`,
    );
    expect(rows).toEqual([
      { id: 'a', n: 1 },
      { id: 'b', n: null },
      { id: 'c', n: 9_007_199_254_740_991 },
    ]);
  });

  it('refuses a number that is not finite', () => {
    expect(() => numberArrayLiteral([1, Number.NaN])).toThrow(/not a finite number at 1/);
    expect(() => numberArrayLiteral([Number.POSITIVE_INFINITY])).toThrow();
  });
});
