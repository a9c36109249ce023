/**
 * Column and constraint helpers shared by every table, so the conventions hold everywhere: text ids
 * with a kind prefix (core/ids.ts), `timestamp with time zone` for every instant, integer micros for
 * money, and a CHECK for every enum or state column (the TypeScript enum alone protects only the
 * writers that go through Drizzle; the CHECK protects the data from every writer).
 */
import { sql, type SQL } from 'drizzle-orm';
import { bigint, check, type AnyPgColumn, char, type PgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** An instant. Drizzle hands it back as a `Date`. */
export const instant = (name: string) => timestamp(name, { withTimezone: true });

export const createdAt = () => instant('created_at').notNull().defaultNow();

/** Set by the database on insert and by Drizzle on every update it writes. */
export const updatedAt = () =>
  instant('updated_at')
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());

/** Money in integer micro-dollars (1 USD = 1,000,000). A bigint read as a JS number: exact to 9e9 USD. */
export const micros = (name: `${string}micros${string}`) => bigint(name, { mode: 'number' });

/** ISO 3166-1 alpha-2, upper case. */
export const countryCode = (name: string) => char(name, { length: 2 });

export const textArray = (name: string) =>
  text(name)
    .array()
    .notNull()
    .default(sql`'{}'::text[]`);

const literal = /^[A-Za-z0-9_]+$/;

/** `column in ('a', 'b', …)`: values are code constants, inlined because DDL takes no parameters. */
export function oneOf(name: string, column: AnyPgColumn, values: readonly string[]) {
  for (const v of values) if (!literal.test(v)) throw new Error(`oneOf(${name}): unsafe literal ${v}`);
  return check(name, sql`${column} in (${sql.raw(values.map((v) => `'${v}'`).join(', '))})`);
}

/** E.164: a plus, a non-zero digit, up to 15 digits in all. Normalization happens before the insert. */
export function e164(column: AnyPgColumn): SQL {
  return sql`${column} ~ '^[+][1-9][0-9]{6,14}$'`;
}

export function country(column: AnyPgColumn): SQL {
  return sql`${column} ~ '^[A-Z]{2}$'`;
}

/** A lower-case hex SHA-256: the only form in which secrets (session ids, magic-link tokens) are stored. */
export function sha256Hex(column: AnyPgColumn): SQL {
  return sql`${column} ~ '^[0-9a-f]{64}$'`;
}

/**
 * A reference the database keeps with triggers instead of a foreign key, where a per-row check costs
 * too much on a bulk path (the rule is the same: the parent row exists and stays while it has children;
 * the violation is SQLSTATE 23503 under `name`). Declared beside its table so db/erd.ts can draw it.
 */
export type TriggerReference = {
  kind: 'trigger_reference';
  name: string;
  table: PgTable;
  columns: AnyPgColumn[];
  foreignTable: PgTable;
  triggers: string[];
};
