/**
 * Phone numbers to E.164 with libphonenumber-js (full "max" metadata, so validity is checked against
 * each country's number ranges, not only lengths). A number written nationally ("0412 345 678") is
 * read with the row's country, else the tenant's default country.
 *
 * Speed: the library's parser costs ~15 µs a number (it builds its regular expressions on every
 * call), which alone would take 15 s on a million-row file. Most numbers in real files are either
 * already international (`+61 412 345 678`) or national with the plain trunk prefix of their country.
 * For those, a fast path strips the punctuation, splits calling code and national number itself and
 * tests the national number against the same metadata patterns the library's `isValid` uses (general
 * pattern, then the per-type patterns and lengths), compiled once per country (~1 µs). A number the
 * fast path does not call valid goes through the full parser, so the fast path can only agree with
 * the full parser, never overrule it (the unit tests compare both on many samples).
 */
import metadata from 'libphonenumber-js/metadata.max.json';
import { Metadata, getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export type PhoneResult =
  | { ok: true; e164: string }
  | { ok: false; reason: string };

/**
 * Countries whose national numbers are written with a single-digit trunk prefix that the full parser
 * strips unconditionally when what remains is valid. Anything else takes the full parser.
 */
const trunkPrefixes: Partial<Record<string, string>> = {
  AU: '0', NZ: '0', GB: '0', IE: '0', ZA: '0', DE: '0', FR: '0', NL: '0', BE: '0', AT: '0', CH: '0', SE: '0', IN: '0',
  US: '1', CA: '1',
};

const punctuation = /[\s().\-/\u00a0\u2010-\u2015]/g;
const plusDigits = /^\+[1-9]\d{5,14}$/;
const digitsOnly = /^\d{4,17}$/;

export function isCountryCode(value: string): value is CountryCode {
  return /^[A-Z]{2}$/.test(value) && isSupportedCountry(value);
}

/** The parts of libphonenumber's numbering plan that `isValid` reads (present on `Metadata` at run time, untyped). */
type PlanType = { pattern(): string; possibleLengths(): number[] | undefined };
type PlanApi = { nationalNumberPattern(): string; hasTypes(): boolean; type(name: string): PlanType | undefined };

function isPlanApi(value: unknown): value is PlanApi {
  const v = value as Partial<Record<keyof PlanApi, unknown>>;
  return typeof v.nationalNumberPattern === 'function' && typeof v.hasTypes === 'function' && typeof v.type === 'function';
}

/** The library's type order in `getNumberType`; a number is valid when it is of any of them. */
const numberTypes = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];

type Validator = (nationalNumber: string) => boolean;
const validators = new Map<string, Validator | null>();

/** `isValid` for one country's plan, its patterns compiled once; null when the metadata is not as expected. */
function validatorFor(country: CountryCode): Validator | null {
  const cached = validators.get(country);
  if (cached !== undefined) return cached;
  let validator: Validator | null = null;
  try {
    const plan = new Metadata();
    plan.selectNumberingPlan(country);
    if (isPlanApi(plan)) {
      const general = new RegExp(`^(?:${plan.nationalNumberPattern()})$`);
      const types = plan.hasTypes()
        ? numberTypes.flatMap((name) => {
            const t = plan.type(name);
            const pattern = t?.pattern();
            return t === undefined || !pattern ? [] : [{ pattern: new RegExp(`^(?:${pattern})$`), lengths: t.possibleLengths() }];
          })
        : undefined;
      validator = (nn) =>
        general.test(nn) && (types === undefined || types.some((t) => (t.lengths === undefined || t.lengths.includes(nn.length)) && t.pattern.test(nn)));
    }
  } catch {
    validator = null;
  }
  validators.set(country, validator);
  return validator;
}

function mainCountryOf(callingCode: string): CountryCode | undefined {
  return metadata.country_calling_codes[callingCode]?.[0];
}

function fastPath(compact: string, country: CountryCode | undefined): string | undefined {
  if (plusDigits.test(compact)) {
    // Calling codes are prefix-free: the first 1–3 digit prefix that is one is the one.
    for (let length = 1; length <= 3; length++) {
      const cc = compact.slice(1, 1 + length);
      const main = mainCountryOf(cc);
      if (main === undefined) continue;
      const nn = compact.slice(1 + length);
      return validatorFor(main)?.(nn) ? `+${cc}${nn}` : undefined;
    }
    return undefined;
  }
  if (country === undefined || !digitsOnly.test(compact)) return undefined;
  const prefix = trunkPrefixes[country];
  if (prefix === undefined) return undefined;
  const national = compact.startsWith(prefix) ? compact.slice(prefix.length) : compact;
  if (national.length < 4) return undefined;
  return validatorFor(country)?.(national) ? `+${getCountryCallingCode(country)}${national}` : undefined;
}

/**
 * `raw` as E.164, or why not (a sentence naming what was given). `defaultCountry` is ISO 3166-1 alpha-2;
 * an unknown one is treated as none (then only international numbers are accepted).
 */
export function normalizePhone(raw: string, defaultCountry: string | undefined): PhoneResult {
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'no phone number' };
  const country = defaultCountry !== undefined && isCountryCode(defaultCountry) ? defaultCountry : undefined;
  const compact = text.replace(punctuation, '');
  const fast = fastPath(compact, country);
  if (fast !== undefined) return { ok: true, e164: fast };

  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  if (!/\d/.test(text)) return { ok: false, reason: `"${shown}" is not a phone number` };
  const parsed = parsePhoneNumberFromString(text, country === undefined ? undefined : { defaultCountry: country });
  if (parsed === undefined) {
    return { ok: false, reason: country === undefined ? `"${shown}" is not a phone number (no country to read it with)` : `"${shown}" is not a phone number` };
  }
  if (!parsed.isValid()) {
    const where = parsed.country ?? (text.startsWith('+') ? `+${parsed.countryCallingCode}` : country);
    return { ok: false, reason: `"${shown}" is not a valid ${where ?? 'international'} number` };
  }
  return { ok: true, e164: parsed.number };
}

/** The full parser alone (tests compare the fast path against it). */
export function normalizePhoneSlow(raw: string, defaultCountry: string | undefined): string | undefined {
  const country = defaultCountry !== undefined && isCountryCode(defaultCountry) ? defaultCountry : undefined;
  const parsed = parsePhoneNumberFromString(raw.trim(), country === undefined ? undefined : { defaultCountry: country });
  return parsed?.isValid() ? parsed.number : undefined;
}
