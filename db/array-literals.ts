/**
 * Postgres array literals for set-based writes: a statement's rows travel as parallel arrays, one
 * literal per column, passed as one parameter each and read with `unnest(${a}::text[], ${b}::int[], …)`.
 * One parameter per column whatever the number of rows: cheaper for the server to parse than JSON or a
 * `VALUES` list, and cheaper for us to build than a Drizzle multi-row insert (which maps and types every
 * value on its own). Both drivers (postgres.js and PGlite) pass such a string the same way.
 *
 * These functions only quote; the types are the statement's: `${at}::timestamptz[]` inside the
 * `unnest`, or `r.data::jsonb` on a column unnested from a text[].
 */

const needsEscape = /[\\"]/;
/** What Postgres reads specially in an unquoted element (it also trims white space around one). */
const needsQuotes = /[{},"\\\s]/;
const nullWord = /^null$/i;

/**
 * `{a,"b c",NULL}`: a Postgres array literal of text that may hold nulls. A value is passed as it is
 * when Postgres would read it back unchanged unquoted (ids, phones, emails: most of an import's values),
 * which spares a new string per value; others are quoted and escaped.
 */
export function arrayLiteral(values: readonly (string | null)[]): string {
  const parts = new Array<string>(values.length);
  // A run of one value (an import's "new contact" reasons) is quoted once.
  let last: string | undefined;
  let lastPart = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) parts[i] = 'NULL';
    else if (v === last) parts[i] = lastPart;
    else {
      last = v;
      lastPart =
        v.length > 0 && !needsQuotes.test(v) && !(v.length === 4 && nullWord.test(v))
          ? v
          : needsEscape.test(v)
            ? `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
            : `"${v}"`;
      parts[i] = lastPart;
    }
  }
  return `{${parts.join(',')}}`;
}

/** `{"a","b"}`: a Postgres text[] literal, passed as one parameter and cast with `::text[]`. */
export function textArrayLiteral(values: Iterable<string>): string {
  return arrayLiteral([...values]);
}

/**
 * `{1,NULL,3}`: a literal for `::int[]`, `::bigint[]` or `::float8[]`. Only finite numbers: a NaN or an
 * Infinity would otherwise reach the server as a literal it refuses (or, for float8, accepts).
 */
export function numberArrayLiteral(values: readonly (number | null)[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) parts[i] = 'NULL';
    else if (Number.isFinite(v)) parts[i] = String(v);
    else throw new Error(`numberArrayLiteral: not a finite number at ${i}: ${v}`);
  }
  return `{${parts.join(',')}}`;
}
