import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { knownAreaCodes, lookupAreaCode } from './nanp-area-codes';
import { resolveRecipientLocale } from './recipient-locale';
import { isValidTimeZone } from './zoned-time';

const tenant = { tenantTimezone: 'Australia/Sydney', tenantDefaultCountry: 'AU' };

describe('resolveRecipientLocale', () => {
  it.each([
    // name, input, country, region, zones, source
    ['a New York number', { phoneE164: '+12125550100' }, 'US', 'NY', ['America/New_York'], 'number'],
    ['a Miami number', { phoneE164: '+13055550100' }, 'US', 'FL', ['America/New_York'], 'number'],
    ['a Florida panhandle number (two zones)', { phoneE164: '+18505550100' }, 'US', 'FL', ['America/New_York', 'America/Chicago'], 'number'],
    ['an El Paso number (Mountain, in Texas)', { phoneE164: '+19155550100' }, 'US', 'TX', ['America/Denver'], 'number'],
    ['an Arizona number (no DST)', { phoneE164: '+16025550100' }, 'US', 'AZ', ['America/Phoenix'], 'number'],
    ['a Honolulu number', { phoneE164: '+18085550100' }, 'US', 'HI', ['Pacific/Honolulu'], 'number'],
    ['a Toronto number', { phoneE164: '+14165550100' }, 'CA', 'ON', ['America/Toronto'], 'number'],
    ['a Regina number', { phoneE164: '+13065550100' }, 'CA', 'SK', ['America/Regina'], 'number'],
    ['a Vancouver number', { phoneE164: '+16045550100' }, 'CA', 'BC', ['America/Vancouver'], 'number'],
    ['a Jamaican number (NANP, not US)', { phoneE164: '+18765550100' }, 'JM', null, ['America/Jamaica'], 'number'],
    ['a US toll-free number', { phoneE164: '+18005551212' }, 'US', null, ['Australia/Sydney'], 'tenant'],
    ['an AU mobile, Sydney tenant', { phoneE164: '+61412345678' }, 'AU', null, ['Australia/Sydney'], 'number'],
    ['an AU mobile, Perth tenant', { phoneE164: '+61412345678', tenantTimezone: 'Australia/Perth' }, 'AU', null, ['Australia/Perth'], 'number'],
    ['an AU mobile, US tenant', { phoneE164: '+61412345678', tenantTimezone: 'America/New_York' }, 'AU', null, ['Australia/Sydney'], 'number'],
    ['a Melbourne landline', { phoneE164: '+61390001234' }, 'AU', null, ['Australia/Melbourne'], 'number'],
    ['a Brisbane landline (no DST)', { phoneE164: '+61730001234' }, 'AU', null, ['Australia/Brisbane'], 'number'],
    ['a Perth landline', { phoneE164: '+61892001234' }, 'AU', null, ['Australia/Perth'], 'number'],
    ['an Adelaide / Darwin landline', { phoneE164: '+61882001234' }, 'AU', null, ['Australia/Adelaide', 'Australia/Darwin'], 'number'],
    ['a UK mobile', { phoneE164: '+447400123456' }, 'GB', null, ['Europe/London'], 'number'],
    ['a Mexican number (several zones: not guessed)', { phoneE164: '+525512345678' }, 'MX', null, ['Australia/Sydney'], 'tenant'],
    ['the contact’s own zone wins', { phoneE164: '+12125550100', contactTimezone: 'America/Los_Angeles' }, 'US', 'NY', ['America/Los_Angeles'], 'contact'],
    ['a contact zone the runtime does not know is ignored', { phoneE164: '+12125550100', contactTimezone: 'Eastern' }, 'US', 'NY', ['America/New_York'], 'number'],
    ['a number that does not parse: contact country, tenant zone', { phoneE164: '+999', contactCountry: 'nz' }, 'NZ', null, ['Australia/Sydney'], 'tenant'],
    ['nothing known: tenant country and zone', { phoneE164: '+999' }, 'AU', null, ['Australia/Sydney'], 'tenant'],
  ])('%s', (_name, input, country, region, timeZones, timeZoneSource) => {
    expect(resolveRecipientLocale({ ...tenant, ...input })).toEqual({ country, region, timeZones, timeZoneSource });
  });
});

describe('the US/CA area-code table', () => {
  it('names only zones the runtime knows', () => {
    for (const code of knownAreaCodes) for (const zone of lookupAreaCode(code)!.timeZones) expect(isValidTimeZone(zone), `${code}: ${zone}`).toBe(true);
  });

  it("agrees with libphonenumber's metadata on the country of every code it knows", () => {
    for (const code of knownAreaCodes) {
      const country = parsePhoneNumberFromString(`+1${code}2345678`)?.country;
      // Announced overlays not yet in the metadata parse to no country; the rest must agree.
      if (country !== undefined) expect(country, code).toBe(lookupAreaCode(code)!.country);
    }
  });

  it('covers the codes in use in every state and province', () => {
    const regions = new Set(knownAreaCodes.map((code) => lookupAreaCode(code)!.region));
    expect(regions.size).toBe(51 + 10);
    expect(knownAreaCodes.length).toBeGreaterThan(400);
  });

  it.each([
    ['+12125550100', 'NY'],
    ['212', 'NY'],
    ['+13125550100', 'IL'],
    ['+15145550100', 'QC'],
    ['+18005550100', null],
    ['+10005550100', null],
  ])('lookupAreaCode(%s) → %s', (input, region) => {
    expect(lookupAreaCode(input)?.region ?? null).toBe(region);
  });
});
