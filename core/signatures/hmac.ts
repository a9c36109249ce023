/**
 * The crypto the signature checks share, on Web Crypto only (`crypto.subtle`), so the same code runs in
 * functions (Node), the edge Worker (workerd) and tests.
 */
const encoder = new TextEncoder();

export type HmacHash = 'SHA-1' | 'SHA-256';

export async function hmac(hash: HmacHash, key: string, message: string): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(message)));
}

export async function sha256(message: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(message)));
}

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * Compares a presented signature with the expected one in time that depends only on the expected
 * length, so an attacker cannot find the right signature byte by byte from response times.
 */
export function timingSafeEqual(expected: string, presented: string): boolean {
  let diff = expected.length ^ presented.length;
  for (let i = 0; i < expected.length; i++) {
    // Past the end of `presented` this compares with 0, so the loop length never depends on it.
    diff |= expected.charCodeAt(i) ^ (i < presented.length ? presented.charCodeAt(i) : 0);
  }
  return diff === 0 && expected.length > 0;
}

/** Why a signed request was refused: the webhook answers 401 for all of them, and logs the reason. */
export type SignatureFailure = 'missing' | 'malformed' | 'stale' | 'mismatch';

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure };
