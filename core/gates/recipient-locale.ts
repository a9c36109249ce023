/**
 * Where a recipient is, for quiet hours: the country and region whose rules apply, and the time zone(s)
 * their local time is read in.
 *
 * Time zone, in order: the contact's own `timezone` (when it is a zone the runtime knows); else one
 * derived from the number; else the tenant's. Derivation, and its approximations:
 * - US and Canada: the area code (nanp-area-codes.ts), possibly several zones when the code straddles a
 *   zone line (the window must then hold in all of them).
 * - Australia: landlines by their area code (02 → Sydney, 03 → Melbourne, 07 → Brisbane, 08 → Perth
 *   for 086/089 and Adelaide + Darwin for 087/088). Mobiles (04, 05) and national numbers (13, 1300,
 *   1800) carry no place: the tenant's zone when it is Australian (an Australian business texting its
 *   own market), else Australia/Sydney, where most Australians live.
 * - Countries with one time zone (or several with the same rules) from a small table; any other country
 *   → the tenant's zone.
 * Country: from the number (libphonenumber's full metadata, the set core/phone uses, which tells the
 * NANP countries apart by area code), else the contact's `country`, else the tenant's default country.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { lookupAreaCode } from './nanp-area-codes';
import { isValidTimeZone } from './zoned-time';

export type RecipientLocale = {
  /** ISO 3166-1 alpha-2, or null when nothing says. */
  country: string | null;
  /** US state or Canadian province code, when the number tells. */
  region: string | null;
  /** One zone, or every zone a straddling area code touches. */
  timeZones: string[];
  /** Where the time zone came from. */
  timeZoneSource: 'contact' | 'number' | 'tenant';
};

/**
 * Countries whose population lives in one zone, or in zones with identical rules. Multi-zone countries
 * (MX, BR, RU, ID, …) are absent on purpose: a guess there would be wrong for millions.
 */
const countryZones: Readonly<Record<string, readonly string[]>> = {
  GB: ['Europe/London'],
  IE: ['Europe/Dublin'],
  GG: ['Europe/Guernsey'],
  JE: ['Europe/Jersey'],
  IM: ['Europe/Isle_of_Man'],
  NZ: ['Pacific/Auckland'],
  SG: ['Asia/Singapore'],
  HK: ['Asia/Hong_Kong'],
  JP: ['Asia/Tokyo'],
  KR: ['Asia/Seoul'],
  CN: ['Asia/Shanghai'],
  TW: ['Asia/Taipei'],
  IN: ['Asia/Kolkata'],
  PH: ['Asia/Manila'],
  MY: ['Asia/Kuala_Lumpur'],
  TH: ['Asia/Bangkok'],
  VN: ['Asia/Ho_Chi_Minh'],
  AE: ['Asia/Dubai'],
  IL: ['Asia/Jerusalem'],
  ZA: ['Africa/Johannesburg'],
  NG: ['Africa/Lagos'],
  KE: ['Africa/Nairobi'],
  DE: ['Europe/Berlin'],
  FR: ['Europe/Paris'],
  IT: ['Europe/Rome'],
  NL: ['Europe/Amsterdam'],
  BE: ['Europe/Brussels'],
  CH: ['Europe/Zurich'],
  AT: ['Europe/Vienna'],
  SE: ['Europe/Stockholm'],
  NO: ['Europe/Oslo'],
  DK: ['Europe/Copenhagen'],
  FI: ['Europe/Helsinki'],
  PL: ['Europe/Warsaw'],
  GR: ['Europe/Athens'],
  PT: ['Europe/Lisbon', 'Atlantic/Azores'],
  ES: ['Europe/Madrid', 'Atlantic/Canary'],
  PR: ['America/Puerto_Rico'],
  VI: ['America/St_Thomas'],
  GU: ['Pacific/Guam'],
  JM: ['America/Jamaica'],
  BS: ['America/Nassau'],
  DO: ['America/Santo_Domingo'],
  TT: ['America/Port_of_Spain'],
  BB: ['America/Barbados'],
};

const defaultAustralianZone = 'Australia/Sydney';

function australianZones(nationalNumber: string, tenantTimezone: string): string[] {
  if (nationalNumber.startsWith('2')) return ['Australia/Sydney'];
  if (nationalNumber.startsWith('3')) return ['Australia/Melbourne'];
  if (nationalNumber.startsWith('7')) return ['Australia/Brisbane'];
  if (nationalNumber.startsWith('86') || nationalNumber.startsWith('89')) return ['Australia/Perth'];
  if (nationalNumber.startsWith('87') || nationalNumber.startsWith('88')) return ['Australia/Adelaide', 'Australia/Darwin'];
  // Mobiles, satellite and national numbers: no place in the number.
  return [tenantTimezone.startsWith('Australia/') && isValidTimeZone(tenantTimezone) ? tenantTimezone : defaultAustralianZone];
}

export function resolveRecipientLocale(input: {
  phoneE164: string;
  contactTimezone?: string | null;
  contactCountry?: string | null;
  tenantTimezone: string;
  tenantDefaultCountry: string;
}): RecipientLocale {
  const parsed = parsePhoneNumberFromString(input.phoneE164);
  const numberCountry = parsed?.country ?? null;
  const country = numberCountry ?? input.contactCountry?.toUpperCase() ?? input.tenantDefaultCountry.toUpperCase();

  let region: string | null = null;
  let derived: string[] | null = null;
  if (input.phoneE164.startsWith('+1') && (country === 'US' || country === 'CA')) {
    const place = lookupAreaCode(input.phoneE164);
    if (place && place.country === country) {
      region = place.region;
      derived = place.timeZones;
    }
  } else if (numberCountry === 'AU' && parsed) {
    derived = australianZones(parsed.nationalNumber, input.tenantTimezone);
  } else if (numberCountry !== null) {
    const zones = countryZones[numberCountry];
    if (zones) derived = [...zones];
  }

  const contactZone = input.contactTimezone?.trim();
  if (contactZone && isValidTimeZone(contactZone)) return { country, region, timeZones: [contactZone], timeZoneSource: 'contact' };
  if (derived) return { country, region, timeZones: derived, timeZoneSource: 'number' };
  return { country, region, timeZones: [input.tenantTimezone], timeZoneSource: 'tenant' };
}
