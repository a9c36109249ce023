import { describe, expect, it } from 'vitest';
import { base64url, base64urlDecode, deliveryTokenTtlSeconds, sha256Base64url, signDeliveryToken, signJwtHs256 } from './sign-delivery-token';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function parts(token: string): { header: unknown; claims: Record<string, unknown>; signingInput: string; signature: Uint8Array<ArrayBuffer> } {
  const [h, p, s] = token.split('.');
  if (h === undefined || p === undefined || s === undefined) throw new Error('not a JWT');
  return {
    header: JSON.parse(decoder.decode(base64urlDecode(h))),
    claims: JSON.parse(decoder.decode(base64urlDecode(p))) as Record<string, unknown>,
    signingInput: `${h}.${p}`,
    signature: base64urlDecode(s),
  };
}

async function hmacValid(key: string, token: string): Promise<boolean> {
  const { signingInput, signature } = parts(token);
  const cryptoKey = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  return crypto.subtle.verify('HMAC', cryptoKey, signature, encoder.encode(signingInput));
}

describe('sha256Base64url', () => {
  it.each([
    // Known SHA-256 digests (FIPS 180-2 test vectors), re-encoded as unpadded base64url.
    ['', '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU'],
    ['abc', 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0'],
    ['{"hello":"world"}', 'k6I5cakU5erL8KjSUVTNownDwccvu5kU1Hxg88toFYg'],
  ])('hashes %j', async (body, hash) => {
    expect(await sha256Base64url(body)).toBe(hash);
  });

  it('hashes the UTF-8 bytes, so non-ASCII bodies match other implementations', async () => {
    expect(await sha256Base64url('é')).not.toBe(await sha256Base64url('e'));
    expect(await sha256Base64url('é')).toBe(base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode('é')))));
  });
});

describe('base64url', () => {
  it.each([
    [[], ''],
    [[0xfb], '-w'],
    [[0xff, 0xff], '__8'],
    [[1, 2, 3], 'AQID'],
  ])('encodes %j as %j and back', (bytes, text) => {
    expect(base64url(new Uint8Array(bytes))).toBe(text);
    expect([...base64urlDecode(text)]).toEqual(bytes);
  });
});

describe('signDeliveryToken', () => {
  const input = { key: 'sig_current', url: 'https://reactor.example/fn/cron', body: '{"a":1}', nowSeconds: 1_700_000_000.7, jti: 'jwt_1' };

  it('writes the claims QStash writes', async () => {
    const token = await signDeliveryToken(input);
    const { header, claims } = parts(token);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(claims).toEqual({
      iss: 'Upstash',
      sub: 'https://reactor.example/fn/cron',
      iat: 1_700_000_000,
      nbf: 1_700_000_000,
      exp: 1_700_000_000 + deliveryTokenTtlSeconds,
      jti: 'jwt_1',
      body: await sha256Base64url('{"a":1}'),
    });
  });

  it('signs with HMAC-SHA256 over the key bytes, and only that key verifies it', async () => {
    const token = await signDeliveryToken(input);
    expect(await hmacValid('sig_current', token)).toBe(true);
    expect(await hmacValid('sig_next', token)).toBe(false);
  });

  it.each([
    ['url', { url: 'https://reactor.example/fn/send' }],
    ['body', { body: '{"a":2}' }],
    ['time', { nowSeconds: 1_700_000_100 }],
    ['jti', { jti: 'jwt_2' }],
  ])('changes when the %s changes', async (_what, change) => {
    expect(await signDeliveryToken({ ...input, ...change })).not.toBe(await signDeliveryToken(input));
  });

  it('honours a custom lifetime', async () => {
    const { claims } = parts(await signDeliveryToken({ ...input, ttlSeconds: 30 }));
    expect(claims.exp).toBe(1_700_000_030);
  });
});

describe('signJwtHs256', () => {
  it('reproduces the well-known HS256 example token (jwt.io) byte for byte', async () => {
    const token = await signJwtHs256('your-256-bit-secret', { sub: '1234567890', name: 'John Doe', iat: 1_516_239_022 });
    expect(token).toBe(
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    );
  });
});
