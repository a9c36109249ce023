/**
 * A request's JSON body for the zod schema that validates it. Malformed JSON is the caller's mistake
 * (400 `bad_request`), never a 500; `optional` routes (pause, queue) take an empty body as `{}`.
 */
import type { Context } from 'hono';
import { DomainError } from '../../core/errors';

export async function jsonBody(c: Context, options: { optional?: boolean } = {}): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') {
    if (options.optional) return {};
    throw new DomainError('bad_request', 'This request needs a JSON body.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DomainError('bad_request', 'The request body is not valid JSON.');
  }
}
