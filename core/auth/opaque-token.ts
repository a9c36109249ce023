/**
 * Opaque secrets handed to a browser or an inbox: session tokens, CSRF tokens and magic-link tokens.
 *
 * A token is 32 random bytes (256 bits, well past the 128 the threat model needs) in base64url, so it
 * fits a cookie and a URL unescaped. The server keeps only `hashToken(token)`, the lower-case hex
 * SHA-256: a leaked database yields nothing a browser could present. A plain hash (no salt, no
 * stretching) is enough because the input is uniformly random, not a password.
 */
export const tokenBytes = 32;

const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export function encodeBase64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** `random` must be `tokenBytes` fresh bytes from a CSPRNG (the composition root's `random`). */
export function newOpaqueToken(random: Uint8Array): string {
  if (random.length !== tokenBytes) throw new RangeError(`an opaque token needs exactly ${tokenBytes} random bytes`);
  return encodeBase64url(random);
}

/** Cheap shape check, so garbage from a cookie or a URL never reaches the database. */
export function isOpaqueToken(value: unknown): value is string {
  return typeof value === 'string' && tokenPattern.test(value);
}

export async function hashToken(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/**
 * Compares two secrets in time that depends only on their lengths, so a timing side channel cannot
 * guess a CSRF token byte by byte.
 */
export function secretsEqual(expected: string, presented: string | undefined | null): boolean {
  if (typeof presented !== 'string' || presented.length !== expected.length || expected.length === 0) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ presented.charCodeAt(i);
  return diff === 0;
}
