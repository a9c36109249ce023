/**
 * The single place where domain errors become HTTP answers:
 * `{ "error": { "code", "message", "details"? } }` with the status from this table.
 * Unknown errors become a generic 500 that leaks nothing; the real cause goes to the log.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { DomainError, type ErrorCode } from '../../core/errors';
import type { Logger } from './log';

export const statusByCode: Record<ErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  validation_failed: 400,
  unauthenticated: 401,
  invalid_signature: 401,
  stale_signature: 401,
  forbidden_role: 403,
  csrf_failed: 403,
  not_found: 404,
  conflict: 409,
  idempotency_conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  provider_error: 502,
  unavailable: 503,
};

export type ErrorBody = { error: { code: ErrorCode; message: string; details?: unknown } };

export function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Hono `onError` handler: maps everything thrown by a handler to the JSON error shape. */
export function handleError(error: Error, c: Context, log: Logger): Response {
  if (error instanceof DomainError) {
    const status = statusByCode[error.code];
    if (status >= 500) log.error('request failed', { code: error.code, err: error, cause: error.cause });
    return c.json(errorBody(error.code, error.message, error.details), status);
  }
  if (error instanceof z.ZodError) {
    return c.json(errorBody('validation_failed', 'The request is not valid.', z.flattenError(error)), 400);
  }
  if (error instanceof HTTPException) {
    const status = error.status;
    const code: ErrorCode = status === 401 ? 'unauthenticated' : status === 404 ? 'not_found' : status === 413 ? 'payload_too_large' : status >= 500 ? 'internal_error' : 'bad_request';
    return c.json(errorBody(code, error.message || 'The request could not be handled.'), status as ContentfulStatusCode);
  }
  log.error('unhandled error', { err: error });
  return c.json(errorBody('internal_error', 'Something went wrong on our side. It has been logged.'), 500);
}
