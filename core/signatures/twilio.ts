/**
 * Twilio's request signature (`X-Twilio-Signature`), as Twilio documents it and as its own validator
 * (twilio-node `webhooks.validateRequest`) checks it:
 *
 *   base64( HMAC-SHA1( key = auth token, data = full URL + for each POST parameter, sorted by name:
 *           name + value ) )
 *
 * - The URL is the one Twilio called, query string included, exactly as configured: we build it from
 *   `PUBLIC_URL` (never from the Host header, which a forger controls).
 * - A parameter sent several times contributes name+value once per distinct value, values sorted.
 * - Twilio's back end is inconsistent about the standard port (it sometimes signs `https://host:443/…`),
 *   so a signature is accepted for the URL as given, with the standard port added, and without a port.
 * - JSON bodies (Twilio's newer products): the URL carries `bodySHA256` = hex SHA-256 of the raw body; the
 *   signature covers the URL only (no parameters), and the hash must match the raw body.
 */
import { hmac, sha256, timingSafeEqual, toBase64, toHex, type SignatureCheck } from './hmac';

export const twilioSignatureHeader = 'x-twilio-signature';

/** POST parameters by name; a name sent more than once carries all its values. */
export type TwilioParams = Readonly<Record<string, string | readonly string[]>>;

/** Reads a form-encoded body into parameters exactly as sent (a repeated name keeps every value). */
export function parseTwilioForm(rawBody: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(rawBody)) {
    const seen = params[name];
    if (seen === undefined) params[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else params[name] = [seen, value];
  }
  return params;
}

/** The string Twilio signs: the URL, then name+value of every parameter sorted by name. */
export function twilioSigningData(url: string, params: TwilioParams): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    if (value === undefined) continue;
    if (typeof value === 'string') data += name + value;
    else for (const each of [...new Set(value)].sort()) data += name + each;
  }
  return data;
}

export async function twilioSignature(authToken: string, url: string, params: TwilioParams): Promise<string> {
  return toBase64(await hmac('SHA-1', authToken, twilioSigningData(url, params)));
}

const standardPorts: Record<string, string> = { 'https:': '443', 'http:': '80' };

/**
 * The URL as given, with the standard port, and without any port (in that order, duplicates removed).
 * Built on the string, not through `URL#toString`, which would drop a standard port we want to keep and
 * could re-encode a path Twilio signed as it was.
 */
export function twilioUrlVariants(url: string): string[] {
  const match = /^([a-z][a-z0-9+.-]*:)\/\/([^/?#]*)(.*)$/is.exec(url);
  if (!match) return [url];
  const [, scheme = '', authority = '', rest = ''] = match;
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  // An IPv6 host is bracketed; its port, if any, follows the bracket.
  const portMatch = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostPort);
  if (!portMatch) return [url];
  const [, host = '', port] = portMatch;
  const standard = standardPorts[scheme.toLowerCase()];
  const variants = [url];
  if (port === undefined && standard !== undefined) variants.push(`${scheme}//${userinfo}${host}:${standard}${rest}`);
  if (port !== undefined) variants.push(`${scheme}//${userinfo}${host}${rest}`);
  return [...new Set(variants)];
}

export type TwilioRequest = {
  /** The auth token; during a rotation, the current one first, then the secondary. */
  authTokens: readonly string[];
  /** `X-Twilio-Signature` as received (undefined when absent). */
  signature: string | undefined | null;
  /** The full public URL Twilio called, with its query string. */
  url: string;
  /** Form parameters of an `application/x-www-form-urlencoded` request (ignored when the URL has `bodySHA256`). */
  params?: TwilioParams;
  /** The raw body of a JSON request (required when the URL has `bodySHA256`). */
  rawBody?: string;
};

function bodyHashOf(url: string): string | null {
  try {
    return new URL(url).searchParams.get('bodySHA256');
  } catch {
    return null;
  }
}

export async function verifyTwilioRequest(request: TwilioRequest): Promise<SignatureCheck> {
  const presented = request.signature?.trim();
  if (!presented) return { ok: false, reason: 'missing' };
  if (!/^[A-Za-z0-9+/]{27}=$/.test(presented)) return { ok: false, reason: 'malformed' };
  const bodyHash = bodyHashOf(request.url);
  const params: TwilioParams = bodyHash === null ? (request.params ?? {}) : {};
  let signed = false;
  for (const token of request.authTokens) {
    if (token.length === 0) continue;
    for (const variant of twilioUrlVariants(request.url)) {
      // No early exit: every candidate is computed, so timing does not tell which one matched.
      if (timingSafeEqual(await twilioSignature(token, variant, params), presented)) signed = true;
    }
  }
  if (!signed) return { ok: false, reason: 'mismatch' };
  if (bodyHash !== null) {
    if (request.rawBody === undefined) return { ok: false, reason: 'mismatch' };
    const expected = toHex(await sha256(request.rawBody));
    if (!timingSafeEqual(expected, bodyHash.toLowerCase())) return { ok: false, reason: 'mismatch' };
  }
  return { ok: true };
}
