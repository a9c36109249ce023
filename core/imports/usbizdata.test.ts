import { describe, expect, it } from 'vitest';
import { readCsv } from './csv-reader';
import { isHighValue, parseRangeLowerBound, prepareProspect, prospectSourceKey, suggestUsbizdataMapping } from './usbizdata';

describe('parseRangeLowerBound', () => {
  it.each([
    ['$1 to 2.5 Million', 1_000_000],
    ['$2.5 to 5 Million', 2_500_000],
    ['$500,000 to $1 Million', 500_000],
    ['$500 Million to $1 Billion', 500_000_000],
    ['Over $500 Million', 500_000_000],
    ['Over $1 Billion', 1_000_000_000],
    ['Less Than $500,000', 0],
    ['Under 5', 0],
    ['20 to 49', 20],
    ['1 to 4', 1],
    ['5-9', 5],
    ['10,000+', 10_000],
    ['1500000', 1_500_000],
    ['$1,250,000', 1_250_000],
    ['$2.5M', 2_500_000],
    ['1.2 billion', 1_200_000_000],
    ['750K', 750_000],
  ])('%s → %d', (text, value) => {
    expect(parseRangeLowerBound(text)).toBe(value);
  });

  it.each(['', 'Unknown', 'N/A', 'Less than'])('%j → undefined', (text) => {
    expect(parseRangeLowerBound(text)).toBeUndefined();
  });
});

describe('isHighValue', () => {
  const rule = { revenueUsd: 1_000_000, titles: ['CEO', 'Owner', 'Managing Director'] };
  it.each([
    { revenueUsd: 1_000_001, title: null, high: true },
    { revenueUsd: 1_000_000, title: null, high: false },
    { revenueUsd: null, title: 'CEO & Founder', high: true },
    { revenueUsd: null, title: 'owner', high: true },
    { revenueUsd: 10, title: 'Managing  Director, APAC', high: true },
    { revenueUsd: null, title: 'Director', high: false },
    { revenueUsd: null, title: 'Coowner', high: false },
    { revenueUsd: null, title: null, high: false },
  ])('$revenueUsd / $title → $high', ({ revenueUsd, title, high }) => {
    expect(isHighValue({ revenueUsd, title }, rule)).toBe(high);
  });
});

describe('prospectSourceKey', () => {
  it('is stable across formatting and prefers the record id', () => {
    const a = prospectSourceKey({ recordId: null, company: 'ACME, Inc.', contactName: 'Jo  Doe', address: '1 Main St.', zip: '90210-1234' });
    const b = prospectSourceKey({ recordId: null, company: 'acme inc', contactName: 'jo doe', address: '1 main st', zip: '90210' });
    expect(a).toBe(b);
    expect(a).toBe('k:acme inc|jo doe|1 main st|90210');
    expect(prospectSourceKey({ recordId: ' 123 ', company: 'x', contactName: null, address: null, zip: null })).toBe('id:123');
  });
});

describe('prepareProspect', () => {
  const headers = ['Company Name', 'Contact Name', 'Title', 'Address', 'City', 'State', 'Zip Code', 'Phone', 'Email', 'Web Address', 'SIC Code', 'SIC Description', 'Sales Volume', 'Employees'];
  const mapping = suggestUsbizdataMapping(headers);
  const columns = Object.fromEntries(Object.entries(mapping).map(([h, f]) => [f, headers.indexOf(h)]));
  const rule = { revenueUsd: 1_000_000, titles: ['CEO'] };

  it('maps the usual USBizData columns', () => {
    expect(Object.values(mapping)).toEqual(['company', 'contact_name', 'title', 'address', 'city', 'state', 'zip', 'phone', 'email', 'website', 'sic_code', 'sic_description', 'revenue', 'employees']);
  });

  it('turns a record into a prospect with lower bounds, range text and the high-value flag', () => {
    const [record] = readCsv(new TextEncoder().encode('"Acme, Inc",Jo Doe,President,1 Main St,Austin,TX,78701,(512) 555-0100,JO@ACME.COM,acme.com,5999,"Retail, misc","$1 to 2.5 Million",20 to 49\n'), { delimiter: ',', encoding: 'utf-8' });
    if (!record) throw new Error('no record');
    expect(prepareProspect(record, 1, columns, rule)).toEqual({
      row: 1,
      ok: true,
      draft: {
        sourceKey: 'k:acme inc|jo doe|1 main st|78701', company: 'Acme, Inc', contactName: 'Jo Doe', title: 'President', address: '1 Main St',
        city: 'Austin', state: 'TX', zip: '78701', phone: '(512) 555-0100', phoneE164: '+15125550100', email: 'jo@acme.com', website: 'acme.com',
        sicCode: '5999', sicDescription: 'Retail, misc', revenueUsd: 1_000_000, revenueText: '$1 to 2.5 Million', employees: 20, employeesText: '20 to 49',
        highValue: false,
      },
    });
  });

  it('refuses a record with neither company nor contact', () => {
    const [record] = readCsv(new TextEncoder().encode(',,,,,,,555\n'), { delimiter: ',', encoding: 'utf-8' });
    if (!record) throw new Error('no record');
    expect(prepareProspect(record, 7, columns, rule)).toEqual({ row: 7, ok: false, reason: 'no company and no contact name' });
  });
});
