/**
 * The Queue port: how functions chain. A message goes to one function, carries a deduplication id
 * (the same id published twice is delivered once) and may be delayed. Production: QStash. Embedded
 * default: the local relay, which delivers with the same signature scheme and retry rules.
 */
import type { FunctionName } from '../functions';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type OutgoingMessage = {
  destination: FunctionName;
  body: JsonValue;
  /** Scope: global across the queue. Build it from the work's own identity (e.g. `import:<id>:chunk:<n>`). */
  dedupeId: string;
  delaySeconds?: number;
  /** Follows the work through logs (import → report). */
  correlationId?: string;
};

export type PublishResult = { messageId: string; deduplicated: boolean };

export interface Queue {
  publish(message: OutgoingMessage): Promise<PublishResult>;
}

/** Checks an incoming delivery: the signature header, the raw body and the public URL that was called. */
export interface DeliveryVerifier {
  verify(input: { signature: string | undefined; body: string; url: string }): Promise<boolean>;
}
