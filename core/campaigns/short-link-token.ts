/**
 * The token of a per-contact short link (`{link}` → `<edge origin>/<token>`). Random, so it carries no
 * PII and cannot be guessed from a neighbour's; 10 characters of base62 (~59.5 bits) keep the whole
 * link short in a 160-character part while making a guessed token hit a live link about once in
 * 10^17 tries. The length is fixed, so a preview can stand in a link of exactly the length sent.
 */
export const shortLinkTokenLength = 10;

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A token from `random` (at least `shortLinkTokenLength` bytes). Bytes ≥ 248 are skipped (248 = 4 × 62),
 * so every character is equally likely; the caller passes extra bytes to cover the skips and gets a
 * RangeError in the (≈ 10^-9) case they were not enough.
 */
export function shortLinkToken(random: Uint8Array): string {
  let token = '';
  for (const byte of random) {
    if (byte >= 248) continue;
    token += alphabet[byte % 62];
    if (token.length === shortLinkTokenLength) return token;
  }
  throw new RangeError(`shortLinkToken needs more random bytes (got ${random.length})`);
}

/** What a preview renders `{link}` as: a link of the length the Broadcaster will send. */
export function shortLinkPlaceholder(edgeOrigin: string): string {
  return `${edgeOrigin.replace(/\/+$/, '')}/${'x'.repeat(shortLinkTokenLength)}`;
}
