/**
 * PostgreSQL errors in one shape on both drivers. Drizzle wraps the driver's error (postgres.js
 * `PostgresError` with `constraint_name`, PGlite's `DatabaseError` with `constraint`); callers that map
 * a unique violation to a 409, or treat it as "already done" for idempotency, need the SQLSTATE and the
 * constraint name whichever driver raised it.
 */
export type DatabaseErrorInfo = {
  /** SQLSTATE, e.g. 23505 unique_violation, 23514 check_violation, 23503 foreign_key_violation. */
  code: string;
  constraint: string | undefined;
  message: string;
};

export const sqlState = {
  uniqueViolation: '23505',
  checkViolation: '23514',
  foreignKeyViolation: '23503',
  notNullViolation: '23502',
} as const;

export function databaseErrorOf(error: unknown): DatabaseErrorInfo | undefined {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const record = e as Record<string, unknown>;
    if (typeof record.code === 'string' && /^[0-9A-Z]{5}$/.test(record.code)) {
      const constraint = record.constraint_name ?? record.constraint;
      return {
        code: record.code,
        constraint: typeof constraint === 'string' ? constraint : undefined,
        message: typeof record.message === 'string' ? record.message : String(e),
      };
    }
    e = record.cause;
  }
  return undefined;
}

/** True when `error` is a unique violation (of `constraint`, when given). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const info = databaseErrorOf(error);
  return info?.code === sqlState.uniqueViolation && (constraint === undefined || info.constraint === constraint);
}
