/**
 * QStash's delivery signature (the `Upstash-Signature` header), computed with Web Crypto so the local
 * relay signs exactly like QStash and one verifier (`@upstash/qstash`'s Receiver) checks both.
 *
 * The token is a JWT, HS256, keyed with the UTF-8 bytes of the signing key. Claims: `iss` "Upstash",
 * `sub` the exact URL that was called, `iat`/`nbf` the signing time, `exp` a few minutes later, `jti` a
 * unique id, and `body` the base64url SHA-256 of the raw body. Binding the URL and the body hash means a
 * captured token cannot be replayed against another function or with another payload.
 */
export type DeliveryClaims = {
  iss: 'Upstash';
  sub: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  body: string;
};

/** QStash's tokens live five minutes; a verifier rejects them after that (a delayed replay). */
export const deliveryTokenTtlSeconds = 300;

const encoder = new TextEncoder();

export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function base64urlDecode(text: string): Uint8Array<ArrayBuffer> {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/** The `body` claim: SHA-256 of the raw body's UTF-8 bytes, base64url without padding. */
export async function sha256Base64url(body: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(body))));
}

export function deliveryClaims(input: { url: string; bodyHash: string; nowSeconds: number; jti: string; ttlSeconds?: number }): DeliveryClaims {
  const now = Math.floor(input.nowSeconds);
  return {
    iss: 'Upstash',
    sub: input.url,
    exp: now + (input.ttlSeconds ?? deliveryTokenTtlSeconds),
    nbf: now,
    iat: now,
    jti: input.jti,
    body: input.bodyHash,
  };
}

/** Signs any claims set with HS256 (exposed so tests can forge wrong `sub`, `iss` or times). */
export async function signJwtHs256(key: string, claims: Record<string, unknown>): Promise<string> {
  const header = base64url(encoder.encode(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));
  const payload = base64url(encoder.encode(JSON.stringify(claims)));
  const cryptoKey = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const signature = await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(`${header}.${payload}`));
  return `${header}.${payload}.${base64url(new Uint8Array(signature))}`;
}

/**
 * The `Upstash-Signature` value for delivering `body` to `url` at `nowSeconds`. `jti` must be unique
 * per delivery attempt (it comes in from the caller: core/ has no randomness of its own).
 */
export async function signDeliveryToken(input: { key: string; url: string; body: string; nowSeconds: number; jti: string; ttlSeconds?: number }): Promise<string> {
  const claims = deliveryClaims({ ...input, bodyHash: await sha256Base64url(input.body) });
  return signJwtHs256(input.key, claims);
}
