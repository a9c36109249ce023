import { describe, expect, it } from 'vitest';
import { contactMappingSchema, headerNames, planMapping, suggestContactMapping } from './contact-mapping';

describe('headerNames', () => {
  it('trims, names empty headers by position and numbers repeats', () => {
    expect(headerNames([' Phone ', '', 'phone', 'Email'])).toEqual(['Phone', 'Column 2', 'phone (2)', 'Email']);
  });
});

describe('suggestContactMapping', () => {
  it.each([
    { headers: ['Mobile', 'E-mail', 'Given name', 'Surname'], mapping: { Mobile: 'phone', 'E-mail': 'email', 'Given name': 'first_name', Surname: 'last_name' } },
    { headers: ['Cell Phone', 'Email Address', 'First Name', 'Last Name', 'Country'], mapping: { 'Cell Phone': 'phone', 'Email Address': 'email', 'First Name': 'first_name', 'Last Name': 'last_name', Country: 'country' } },
    { headers: ['MSISDN', 'Tags', 'Time Zone', 'Company'], mapping: { MSISDN: 'phone', Tags: 'tags', 'Time Zone': 'timezone' } },
    { headers: ['Phone Number', 'Mobile'], mapping: { 'Phone Number': 'phone' } },
    { headers: ['Prénom', 'Nom', 'Téléphone'], mapping: { Prénom: 'first_name', Nom: 'last_name', Téléphone: 'phone' } },
  ])('$headers', ({ headers, mapping }) => {
    expect(suggestContactMapping(headers)).toEqual(mapping);
  });

  it("prefers what this tenant mapped last time, then synonyms for what is left", () => {
    const previous = { 'Work Mobile': 'phone', 'Home Phone': 'attr:home', Company: 'attr:company' };
    expect(suggestContactMapping(['Home Phone', 'Work Mobile', 'Company', 'Email'], previous)).toEqual({
      'Home Phone': 'attr:home',
      'Work Mobile': 'phone',
      Company: 'attr:company',
      Email: 'email',
    });
  });
});

describe('contactMappingSchema and planMapping', () => {
  it('needs a phone column and one column per field', () => {
    expect(contactMappingSchema.safeParse({ Email: 'email' }).success).toBe(false);
    expect(contactMappingSchema.safeParse({ A: 'phone', B: 'phone' }).success).toBe(false);
    expect(contactMappingSchema.safeParse({ A: 'phone', B: 'attr:bad/name' }).success).toBe(false);
    expect(contactMappingSchema.safeParse({ A: 'phone', B: 'attr:plan', C: 'attr:tier' }).success).toBe(true);
  });

  it('turns headers into column indexes and names headers the file lacks', () => {
    const mapping = contactMappingSchema.parse({ Mobile: 'phone', Plan: 'attr:plan' });
    expect(planMapping(['Name', 'Mobile', 'Plan'], mapping)).toEqual({ ok: true, plan: { columns: { phone: 1 }, attributes: [{ name: 'plan', column: 2 }], headerCount: 3 } });
    expect(planMapping(['Name'], mapping)).toEqual({ ok: false, unknownHeaders: ['Mobile', 'Plan'] });
  });
});
