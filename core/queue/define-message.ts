/**
 * Queue message envelopes. Every body a function publishes is `{ type, v, data }`: `type` names the
 * work (`probe.step`, `import.chunk`…), `v` its schema version, `data` the payload. A receiver parses
 * with the schema of the version it knows; a body of an unknown type or version is a permanent failure
 * (answer 2xx and record it: a retry cannot make old code understand a new message).
 *
 * Versioning rule: a change that old receivers cannot read gets a new `v`; during a deploy both
 * versions are accepted by the receiver before any sender emits the new one.
 */
import { z } from 'zod';
import type { JsonValue } from '../ports/queue';

export const messageTypePattern = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

/** What every message body has in common; `data` is checked by the message's own schema. */
export const envelopeSchema = z.object({
  type: z.string().regex(messageTypePattern),
  v: z.number().int().positive(),
  data: z.unknown(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

type JsonObject = { [key: string]: JsonValue | undefined };

export type MessageDefinition<T extends string, V extends number, S extends z.ZodType<JsonObject>> = {
  type: T;
  v: V;
  schema: z.ZodObject<{ type: z.ZodLiteral<T>; v: z.ZodLiteral<V>; data: S }>;
  /** Builds a body to publish (validates `data`, so a sender cannot emit what receivers would reject). */
  envelope(data: z.input<S>): { type: T; v: V; data: z.output<S> };
  /** True when `body` claims this type and version (whatever its data). */
  matches(body: unknown): boolean;
  /** Parses a received body: its data, or the zod error saying what is wrong. */
  parse(body: unknown): { success: true; data: z.output<S>; error?: undefined } | { success: false; data?: undefined; error: z.ZodError };
};

export function defineMessage<T extends string, V extends number, S extends z.ZodType<JsonObject>>(type: T, v: V, data: S): MessageDefinition<T, V, S> {
  if (!messageTypePattern.test(type)) throw new RangeError(`message type must look like "area.verb", got ${type}`);
  const schema = z.object({ type: z.literal(type), v: z.literal(v), data });
  return {
    type,
    v,
    schema,
    envelope: (payload) => ({ type, v, data: data.parse(payload) }),
    matches: (body) => {
      const head = envelopeSchema.safeParse(body);
      return head.success && head.data.type === type && head.data.v === v;
    },
    parse: (body) => {
      const head = envelopeSchema.safeParse(body);
      if (!head.success) return { success: false, error: head.error };
      if (head.data.type !== type || head.data.v !== v) {
        return {
          success: false,
          error: new z.ZodError([
            { code: 'custom', path: ['type'], message: `expected ${type} v${v}, got ${head.data.type} v${head.data.v}`, input: body },
          ]),
        };
      }
      const payload = data.safeParse(head.data.data);
      if (!payload.success) {
        return { success: false, error: new z.ZodError(payload.error.issues.map((issue) => ({ ...issue, path: ['data', ...issue.path] }))) };
      }
      return { success: true, data: payload.data };
    },
  };
}
