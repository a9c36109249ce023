import { describe, expect, it } from 'vitest';
import { normalizePhone, normalizePhoneSlow } from './normalize-phone';

describe('normalizePhone', () => {
  it.each([
    { raw: '0412 345 678', country: 'AU', e164: '+61412345678' },
    { raw: '0412-345-678', country: 'AU', e164: '+61412345678' },
    { raw: '(02) 9374 4000', country: 'AU', e164: '+61293744000' },
    { raw: '+61 412 345 678', country: 'US', e164: '+61412345678' },
    { raw: '61412345678', country: 'AU', e164: '+61412345678' },
    { raw: '0011 61 412 345 678', country: 'AU', e164: '+61412345678' },
    { raw: '+61 (0) 412 345 678', country: 'AU', e164: '+61412345678' },
    { raw: '(212) 555-0199', country: 'US', e164: '+12125550199' },
    { raw: '1-212-555-0199', country: 'US', e164: '+12125550199' },
    { raw: '+1 212.555.0199', country: 'AU', e164: '+12125550199' },
    { raw: '07400 123456', country: 'GB', e164: '+447400123456' },
    { raw: '+44 7400 123456', country: 'AU', e164: '+447400123456' },
    { raw: '020 7946 0018', country: 'GB', e164: '+442079460018' },
    { raw: ' 021 123 4567 ', country: 'NZ', e164: '+64211234567' },
  ])('$raw ($country) → $e164', ({ raw, country, e164 }) => {
    expect(normalizePhone(raw, country)).toEqual({ ok: true, e164 });
  });

  it.each([
    { raw: '', country: 'AU', reason: 'no phone number' },
    { raw: '   ', country: 'AU', reason: 'no phone number' },
    { raw: 'n/a', country: 'AU', reason: '"n/a" is not a phone number' },
    { raw: '12345', country: 'AU', reason: '"12345" is not a valid AU number' },
    { raw: '0412 345', country: 'AU', reason: '"0412 345" is not a valid AU number' },
    { raw: '+61 1234', country: 'US', reason: '"+61 1234" is not a valid +61 number' },
    { raw: '0412345678', country: 'ZZ', reason: '"0412345678" is not a phone number (no country to read it with)' },
  ])('$raw ($country) is refused: $reason', ({ raw, country, reason }) => {
    expect(normalizePhone(raw, country)).toEqual({ ok: false, reason });
  });

  it('the fast path always agrees with the full parser', () => {
    // A deterministic spread of shapes: national with and without trunk prefix, international, junk.
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    const shapes = [
      (d: string) => `0${d}`,
      (d: string) => d,
      (d: string) => `+61${d}`,
      (d: string) => `+1${d}`,
      (d: string) => `+44${d}`,
      (d: string) => `1${d}`,
      (d: string) => `+64 ${d.slice(0, 2)} ${d.slice(2)}`,
      (d: string) => `(0${d.slice(0, 1)}) ${d.slice(1)}`,
    ];
    for (let i = 0; i < 20_000; i++) {
      const digits = String(next()).padStart(10, '0').slice(0, 7 + (next() % 5));
      const shape = shapes[next() % shapes.length] as (d: string) => string;
      const country = (['AU', 'US', 'GB', 'NZ', 'CA', 'DE', 'IT', 'BR'] as const)[next() % 8] as string;
      const raw = shape(digits);
      const fast = normalizePhone(raw, country);
      expect({ raw, country, e164: fast.ok ? fast.e164 : undefined }).toEqual({ raw, country, e164: normalizePhoneSlow(raw, country) });
    }
  });
});
