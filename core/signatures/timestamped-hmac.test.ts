import { describe, expect, it } from 'vitest';
import { edgeCallbackHeaders, signEdgeCallback, verifyEdgeCallback } from './edge-callback';
import { hmac, timingSafeEqual, toHex } from './hmac';
import { signalHouseSignature, verifySignalHouseRequest } from './signalhouse';

// An independent vector: printf '%s' '1700000000000.<body>' | openssl dgst -sha256 -hmac whsec_test
const secret = 'whsec_test';
const timestamp = '1700000000000';
const body = '{"event":"MESSAGE_DELIVERED","identifier":"msg_1"}';
const expected = '8a7722d99e9d53daca7a06c1f45841ae2b2a5e7476df80d719ff2cdbeced7131';
const now = 1_700_000_000_000;

describe('hmac', () => {
  it('matches RFC 4231 test case 2', async () => {
    expect(toHex(await hmac('SHA-256', 'Jefe', 'what do ya want for nothing?'))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'ab', false],
    ['abc', 'abcd', false],
    ['', '', false],
  ])('timingSafeEqual(%j, %j) → %s', (a, b, equal) => {
    expect(timingSafeEqual(a, b)).toBe(equal);
  });
});

describe('SignalHouse signatures', () => {
  const good = { secrets: [secret], signature: expected, timestamp, rawBody: body, nowMs: now };

  it('computes the documented scheme', async () => {
    expect(await signalHouseSignature(secret, timestamp, body)).toBe(expected);
  });

  it('accepts a valid request, at the edges of the five-minute tolerance too', async () => {
    expect(await verifySignalHouseRequest(good)).toEqual({ ok: true });
    expect(await verifySignalHouseRequest({ ...good, nowMs: now + 300_000 })).toEqual({ ok: true });
    expect(await verifySignalHouseRequest({ ...good, nowMs: now - 300_000 })).toEqual({ ok: true });
    expect(await verifySignalHouseRequest({ ...good, signature: expected.toUpperCase() })).toEqual({ ok: true });
  });

  it.each([
    ['stale (more than 5 minutes old)', { nowMs: now + 300_001 }, 'stale'],
    ['from the future (more than 5 minutes ahead)', { nowMs: now - 300_001 }, 'stale'],
    ['a wrong secret', { secrets: ['whsec_tesT'] }, 'mismatch'],
    ['a changed body', { rawBody: body.replace('msg_1', 'msg_2') }, 'mismatch'],
    ['a body with a trailing newline', { rawBody: `${body}\n` }, 'mismatch'],
    ['a changed timestamp (still fresh)', { timestamp: '1700000000001' }, 'mismatch'],
    ['a timestamp in seconds', { timestamp: '1700000000', nowMs: 1_700_000_000_000 }, 'stale'],
    ['no signature', { signature: undefined }, 'missing'],
    ['no timestamp', { timestamp: null }, 'missing'],
    ['a signature that is not hex', { signature: 'z'.repeat(64) }, 'malformed'],
    ['a short signature', { signature: expected.slice(0, 63) }, 'malformed'],
    ['a timestamp that is not a number', { timestamp: '17e11' }, 'malformed'],
    ['no secret configured', { secrets: [] }, 'mismatch'],
    ['an empty secret', { secrets: [''] }, 'mismatch'],
  ])('refuses %s', async (_name, change, reason) => {
    expect(await verifySignalHouseRequest({ ...good, ...change })).toEqual({ ok: false, reason });
  });

  it('accepts the next secret during a rotation', async () => {
    expect(await verifySignalHouseRequest({ ...good, secrets: ['whsec_new', secret] })).toEqual({ ok: true });
  });
});

describe('edge click callback', () => {
  it('round-trips: what the Worker signs, the webhook accepts', async () => {
    const rawBody = '{"token":"abc","clickedAt":"2026-03-01T09:00:00.000Z"}';
    const headers = await signEdgeCallback({ secret: 'edge-secret', rawBody, nowMs: now + 0.9 });
    expect(headers[edgeCallbackHeaders.timestamp]).toBe(String(now));
    const check = (change: Partial<Parameters<typeof verifyEdgeCallback>[0]>) =>
      verifyEdgeCallback({
        secrets: ['edge-secret'],
        signature: headers[edgeCallbackHeaders.signature],
        timestamp: headers[edgeCallbackHeaders.timestamp],
        rawBody,
        nowMs: now + 1_000,
        ...change,
      });
    expect(await check({})).toEqual({ ok: true });
    expect(await check({ nowMs: now + 10 * 60_000 })).toEqual({ ok: false, reason: 'stale' });
    expect(await check({ rawBody: rawBody.replace('abc', 'abd') })).toEqual({ ok: false, reason: 'mismatch' });
    expect(await check({ secrets: ['other'] })).toEqual({ ok: false, reason: 'mismatch' });
  });
});
