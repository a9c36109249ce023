import { describe, expect, it } from 'vitest';
import { contactMappingSchema, planMapping, type MappingPlan } from './contact-mapping';
import { readCsv } from './csv-reader';
import { ClaimedKeys } from './claimed-keys';
import { countDecisions, decideContactRows, emptyCounts, type ContactLookups, type ExistingContact } from './decide-contact-rows';
import { prepareContactRow } from './prepare-contact-row';

const headers = ['Phone', 'Email', 'First', 'Last', 'Country', 'Tags', 'Plan', 'TZ'];
const planned = planMapping(
  headers,
  contactMappingSchema.parse({ Phone: 'phone', Email: 'email', First: 'first_name', Last: 'last_name', Country: 'country', Tags: 'tags', Plan: 'attr:plan', TZ: 'timezone' }),
);
if (!planned.ok) throw new Error('plan');
const plan: MappingPlan = planned.plan;

function rows(csv: string) {
  return readCsv(new TextEncoder().encode(csv), { delimiter: ',', encoding: 'utf-8' }).map((r, i) => prepareContactRow(r, i + 1, plan, 'AU'));
}

function contact(overrides: Partial<ExistingContact>): ExistingContact {
  return {
    id: 'ctc_1', phoneE164: '+61400000001', email: null, firstName: null, lastName: null, country: null, timezone: null,
    tags: [], attributes: {}, lastImportBatchId: null, lastImportRow: null, ...overrides,
  };
}

function lookups(existing: ExistingContact[] = [], extra: Partial<ContactLookups> = {}): ContactLookups {
  return {
    byPhone: new Map(existing.map((c) => [c.phoneE164, c])),
    byEmail: new Map(existing.filter((c) => c.email !== null).map((c) => [c.email as string, c])),
    dnc: new Set(),
    cooldowns: new Map(),
    ...extra,
  };
}

const context = () => ({ batchId: 'imp_this', defaultCountry: 'AU', claimed: new ClaimedKeys() });

describe('prepareContactRow + decideContactRows', () => {
  it('decides each kind of row with a reason a person understands', () => {
    const decided = decideContactRows(
      rows(
        [
          '0412 345 678,Ana@Example.COM ,  Ana ,Lee,,vip;new,gold,Australia/Sydney', // 1 create
          '+61 412 345 678,,,,,,,', // 2 duplicate by phone
          '0498 765 432,ana@example.com,,,,,,', // 3 duplicate by email
          'not a phone,x@y.z,,,,,,', // 4 invalid_phone
          '0411 111 111,,,,,,,', // 5 dnc
          '0422 222 222,,,,,,,', // 6 cooldown
          '0433 333 333,bo@example.com,Bo,,,,,', // 7 update by phone
          '0444 444 444,cy@example.com,,,,,,', // 8 update by email (moves the phone)
          '(212) 555-0199,,,,US,,,', // 9 create, US number via the row's country
          '0455 555 555,not-an-email,,,,,,Mars/Base', // 10 create, notes
          '0466 666 666,,,,,,,,extra', // 11 invalid_row: too many values
          '0466 666 666,,,,,,,,', // 12 create: a trailing empty value is fine
          '0477 777 777,,,,,,,', // 13 duplicate: its contact was written by an earlier chunk of this import
        ].join('\n'),
      ),
      lookups(
        [
          contact({ id: 'ctc_bo', phoneE164: '+61433333333', firstName: 'Robert', tags: ['old'], country: 'NZ' }),
          contact({ id: 'ctc_cy', phoneE164: '+61499999999', email: 'cy@example.com' }),
          contact({ id: 'ctc_earlier', phoneE164: '+61477777777', lastImportBatchId: 'imp_this', lastImportRow: 3 }),
        ],
        {
          dnc: new Set(['+61411111111']),
          cooldowns: new Map([['+61422222222', { expiresAt: new Date('2031-03-01T00:00:00Z'), reason: 'asked to pause' }]]),
        },
      ),
      context(),
    );
    expect(decided.map((d) => [d.row, d.decision, d.reason, d.phoneE164])).toEqual([
      [1, 'create', 'new contact', '+61412345678'],
      [2, 'duplicate', 'same phone as row 1', '+61412345678'],
      [3, 'duplicate', 'same email as row 1', '+61498765432'],
      [4, 'invalid_phone', '"not a phone" is not a phone number', undefined],
      [5, 'dnc', '+61411111111 is on the do-not-contact list', '+61411111111'],
      [6, 'suppressed_by_cooldown', '+61422222222 is in a cooldown until 2031-03-01 (asked to pause)', '+61422222222'],
      [7, 'update', 'existing contact with this phone: changes email, first name', '+61433333333'],
      [8, 'update', 'existing contact with this email: changes phone +61499999999 → +61444444444, country', '+61444444444'],
      [9, 'create', 'new contact', '+12125550199'],
      [10, 'create', 'new contact; email "not-an-email" is not valid and was left out; time zone "Mars/Base" is not known and was left out', '+61455555555'],
      [11, 'invalid_row', 'the row has 9 values but the header has 8 columns (an unquoted delimiter inside a value?)', undefined],
      [12, 'create', 'new contact', '+61466666666'],
      [13, 'duplicate', 'same phone as row 3', '+61477777777'],
    ]);
    const first = decided[0];
    expect(first?.decision === 'create' && first.values).toEqual({
      phoneE164: '+61412345678', email: 'ana@example.com', firstName: 'Ana', lastName: 'Lee', country: 'AU', timezone: 'Australia/Sydney',
      tags: ['vip', 'new'], attributes: { plan: 'gold' },
    });
    const bo = decided[6];
    // Merge: the row's values win, empty cells keep the contact's, tags add up, the contact's country stays.
    expect(bo?.decision === 'update' && { id: bo.contactId, ...bo.values }).toEqual({
      id: 'ctc_bo', phoneE164: '+61433333333', email: 'bo@example.com', firstName: 'Bo', lastName: null, country: 'NZ', timezone: null, tags: ['old'], attributes: {},
    });
    expect(decided[8]?.decision === 'create' && decided[8].values.country).toBe('US');
    expect(countDecisions(emptyCounts(), decided)).toEqual({ rows: 13, create: 4, update: 2, duplicate: 3, invalid_phone: 1, invalid_row: 1, dnc: 1, suppressed_by_cooldown: 1 });
  });

  it('a DNC number is reported as dnc however often it repeats', () => {
    const decided = decideContactRows(rows('0411 111 111,,,,,,,\n0411111111,,,,,,,'), lookups([], { dnc: new Set(['+61411111111']) }), context());
    expect(decided.map((d) => d.decision)).toEqual(['dnc', 'dnc']);
  });

  it('a phone an earlier row moved away from a contact stays with that contact for the rest of the run', () => {
    const decided = decideContactRows(
      rows('0444 444 444,cy@example.com,,,,,,\n0499 999 999,,,,,,,'),
      lookups([contact({ id: 'ctc_cy', phoneE164: '+61499999999', email: 'cy@example.com' })]),
      context(),
    );
    expect(decided.map((d) => [d.decision, d.reason])).toEqual([
      ['update', 'existing contact with this email: changes phone +61499999999 → +61444444444, country'],
      ['duplicate', 'same phone as row 1'],
    ]);
  });

  it('re-importing the same rows updates and changes nothing', () => {
    const existing = contact({ id: 'ctc_a', phoneE164: '+61412345678', email: 'a@example.com', firstName: 'A', country: 'AU', tags: ['x'] });
    const decided = decideContactRows(rows('0412345678,a@example.com,A,,,x,,'), lookups([existing]), context());
    expect(decided.map((d) => [d.decision, d.reason])).toEqual([['update', 'existing contact with this phone: nothing changes']]);
  });

  it('claims are shared across calls of one run, so later chunks see earlier ones', () => {
    const ctx = context();
    decideContactRows(rows('0412345678,,,,,,,'), lookups(), ctx);
    const later = decideContactRows(rows('0412 345 678,,,,,,,').map((r) => ({ ...r, row: 5001 })), lookups(), ctx);
    expect(later.map((d) => d.reason)).toEqual(['same phone as row 1']);
  });
});
