/**
 * The Queue port: how functions chain. A message goes to one function, carries a deduplication id
 * (the same id published twice is delivered once) and may be delayed. Production: QStash. Embedded
 * default: the local relay, which delivers with the same signature scheme and retry rules.
 */
import type { FunctionName } from '../functions';

/** JSON as `JSON.stringify` writes it: an object property that is `undefined` is simply left out. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue | undefined };

export type OutgoingMessage = {
  destination: FunctionName;
  body: JsonValue;
  /** Scope: global across the queue. Build it from the work's own identity (e.g. `import:<id>:chunk:<n>`). */
  dedupeId: string;
  delaySeconds?: number;
  /** Follows the work through logs (import → report). */
  correlationId?: string;
  /**
   * How many times a failed delivery is retried (QStash's `Upstash-Retries`; the local relay makes
   * `retries + 1` attempts). Unset → the adapter's default (3 on QStash, 7 on the local relay).
   */
  retries?: number;
};

export type PublishResult = { messageId: string; deduplicated: boolean };

export interface Queue {
  publish(message: OutgoingMessage): Promise<PublishResult>;
}

/** Checks an incoming delivery: the signature header, the raw body and the public URL that was called. */
export interface DeliveryVerifier {
  verify(input: { signature: string | undefined; body: string; url: string }): Promise<boolean>;
}
