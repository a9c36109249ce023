/**
 * `webhook` function: provider callbacks, at their public paths `/api/webhooks/*` (also `/fn/webhook/*`).
 * No session and no staff-access middleware (that belongs to the `api` function, which never sees these
 * paths: the host routes `/api/webhooks` here by the longest mount). Each route verifies its own
 * signature over the raw body before anything is read or stored:
 *
 * - `POST /twilio`: `X-Twilio-Signature` over `PUBLIC_URL` + the path and query Twilio called, and the
 *   form parameters (or `bodySHA256` for a JSON body); status callbacks and inbound messages. Answered
 *   with empty TwiML (we never reply through TwiML: answers go through the number's route).
 * - `POST /signalhouse`: `X-SignalHouse-Signature` over `<timestamp>.<body>`, timestamp within 5 minutes;
 *   `X-SignalHouse-Delivery-Id` is the dedupe key. Answered `{ ok: true, outcome }`.
 *
 * Keys: the provider's real secret when its keys are configured, else the sandbox's own secrets (the
 * sandbox posts its callbacks here, signed like the real thing). Forged, unsigned or stale → 401 with
 * nothing stored; a replay → 200 with nothing changed; 503 only when a retry can still do something.
 * docs/webhooks.md has each provider's retry behaviour and every answer.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { SignatureCheck } from '../../core/signatures/hmac';
import { signalHouseHeaders, verifySignalHouseRequest } from '../../core/signatures/signalhouse';
import { parseTwilioForm, twilioSignatureHeader, verifyTwilioRequest, type TwilioParams } from '../../core/signatures/twilio';
import { readSignalHouseCallback, readTwilioCallback } from '../../core/webhooks/provider-callback';
import type { AppEnv } from '../shared/app';
import { errorBody } from '../shared/errors';
import { processCallback, type CallbackSource, type ProcessResult, type WebhookServices } from './process-callback';

/** Twilio's answer to every accepted callback: an empty response, so it sends nothing of its own. */
export const emptyTwiml = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

const jsonFields = z.record(z.string(), z.unknown());

/** A JSON body's top-level scalar fields, as the form parameters Twilio would have sent. */
function twilioJsonParams(rawBody: string): TwilioParams {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    return {};
  }
  const fields = jsonFields.safeParse(parsed);
  if (!fields.success) return {};
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields.data)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') params[name] = String(value);
  }
  return params;
}

function refuse(c: Context<AppEnv>, provider: string, check: Exclude<SignatureCheck, { ok: true }>): Response {
  c.get('log').warn('webhook refused: signature check failed; nothing stored', { provider, reason: check.reason });
  if (check.reason === 'stale') return c.json(errorBody('stale_signature', 'The callback timestamp is too far from our clock.'), 401);
  return c.json(errorBody('invalid_signature', 'The callback signature is missing or does not match.'), 401);
}

function retryLater(c: Context<AppEnv>): Response {
  return c.json(errorBody('unavailable', 'Recorded; an answer to the sender could not be sent yet. Retry this callback.'), 503);
}

export function webhookRoutes(services: WebhookServices): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const origin = services.config.publicUrl.replace(/\/+$/, '');
  const sandboxSecrets = services.sms.sandbox?.webhookSecrets;
  const twilio = services.config.twilio;
  const signalHouse = services.config.signalhouse;
  const twilioSource: CallbackSource = { provider: 'twilio', jobProvider: twilio.kind === 'twilio' ? 'twilio' : 'sandbox' };
  const signalHouseSource: CallbackSource = { provider: 'signalhouse', jobProvider: signalHouse.kind === 'signalhouse' ? 'signalhouse' : 'sandbox' };
  const twilioTokens = twilio.kind === 'twilio' ? [twilio.authToken] : sandboxSecrets ? [sandboxSecrets.twilioAuthToken] : [];
  const signalHouseSecrets = signalHouse.kind === 'signalhouse' ? [signalHouse.webhookSecret] : sandboxSecrets ? [sandboxSecrets.signalHouseSecret] : [];

  routes.post('/twilio', async (c) => {
    const rawBody = await c.req.text();
    const requested = new URL(c.req.url);
    // The URL Twilio called, as configured: PUBLIC_URL, never the Host header a forger controls.
    const url = `${origin}${requested.pathname}${requested.search}`;
    const json = requested.searchParams.has('bodySHA256');
    const form = json ? {} : parseTwilioForm(rawBody);
    const check = await verifyTwilioRequest({ authTokens: twilioTokens, signature: c.req.header(twilioSignatureHeader), url, params: form, rawBody });
    if (!check.ok) return refuse(c, 'twilio', check);
    const params = json ? twilioJsonParams(rawBody) : form;
    const result: ProcessResult = await processCallback(services, twilioSource, readTwilioCallback(params), params, c.get('log'), c.get('requestId'));
    if (result.retry) return retryLater(c);
    return c.body(emptyTwiml, 200, { 'content-type': 'text/xml; charset=utf-8' });
  });

  routes.post('/signalhouse', async (c) => {
    const rawBody = await c.req.text();
    const check = await verifySignalHouseRequest({
      secrets: signalHouseSecrets,
      signature: c.req.header(signalHouseHeaders.signature),
      timestamp: c.req.header(signalHouseHeaders.timestamp),
      rawBody,
      nowMs: services.now().getTime(),
    });
    if (!check.ok) return refuse(c, 'signalhouse', check);
    const callback = readSignalHouseCallback(rawBody, c.req.header(signalHouseHeaders.deliveryId));
    let payload: unknown;
    try {
      payload = JSON.parse(rawBody);
    } catch {
      payload = { unreadableBody: rawBody.slice(0, 10_000) };
    }
    const result = await processCallback(services, signalHouseSource, callback, payload, c.get('log'), c.get('requestId'));
    if (result.retry) return retryLater(c);
    return c.json({ ok: true, outcome: result.outcome });
  });

  return routes;
}
