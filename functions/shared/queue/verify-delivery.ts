/**
 * Middleware for queue-driven routes: nothing runs unless the delivery is signed for this exact public
 * URL and body. It reads the raw body once (the signature covers bytes, not parsed JSON), rebuilds the
 * called URL from PUBLIC_URL + path + query (never from the Host header, which a DO ingress or a proxy
 * rewrites), and answers `401 invalid_signature` when the signature is missing, forged, for another
 * URL or expired. Downstream handlers read `c.get('delivery')`.
 */
import { createMiddleware } from 'hono/factory';
import type { z } from 'zod';
import type { DeliveryVerifier } from '../../../core/ports/queue';
import type { AppVariables } from '../app';
import { errorBody } from '../errors';
import type { Logger } from '../log';

export type Delivery = {
  /** The raw body as delivered (and signed). */
  body: string;
  /** `Upstash-Message-Id`: the same on every retry of one message. */
  messageId: string | undefined;
  /** `Upstash-Retried`: 0 on the first attempt. */
  retried: number;
};

export type DeliveryVariables = AppVariables & { delivery: Delivery };
export type DeliveryEnv = { Variables: DeliveryVariables };

export function verifyDelivery(verifier: DeliveryVerifier, publicUrl: string) {
  const origin = publicUrl.replace(/\/+$/, '');
  return createMiddleware<DeliveryEnv>(async function verifyDeliveryMiddleware(c, next) {
    const body = await c.req.text();
    const requested = new URL(c.req.url);
    const url = `${origin}${requested.pathname}${requested.search}`;
    const ok = await verifier.verify({ signature: c.req.header('upstash-signature'), body, url });
    if (!ok) return c.json(errorBody('invalid_signature', 'The delivery signature is missing, invalid or expired.'), 401);
    const retried = Number.parseInt(c.req.header('upstash-retried') ?? '0', 10);
    c.set('delivery', { body, messageId: c.req.header('upstash-message-id'), retried: Number.isFinite(retried) && retried >= 0 ? retried : 0 });
    await next();
  });
}

/** The answer to a delivery no retry can fix: 2xx, so the queue stops redelivering it. */
export const droppedDelivery = { ok: false, outcome: 'dropped', reason: 'unreadable message' } as const;

type MessageParser<D> = { parse(body: unknown): { success: true; data: D } | { success: false; error: z.ZodError } };

/**
 * A verified delivery's body read as `message` (a `defineMessage` definition), or undefined when it is
 * not one: logged as dropped, for the caller to answer `droppedDelivery`.
 */
export function readDelivery<D>(delivery: Delivery, message: MessageParser<D>, log: Logger, receiver: string): D | undefined {
  let body: unknown;
  try {
    body = JSON.parse(delivery.body);
  } catch {
    body = undefined;
  }
  const parsed = message.parse(body);
  if (parsed.success) return parsed.data;
  log.error(`${receiver} received a message it cannot read; dropped (a retry cannot fix it)`, { issues: parsed.error.issues.slice(0, 5), body: delivery.body.slice(0, 500) });
  return undefined;
}
