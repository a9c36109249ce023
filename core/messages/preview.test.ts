import { describe, expect, it } from 'vitest';
import { previewMessage } from './preview';

const link = 'http://localhost:8788/AbCd1234';

describe('previewMessage', () => {
  it('renders with the sample and counts like a carrier', () => {
    const p = previewMessage({ body: 'Hi {first_name|there}, see {link} Reply STOP to opt out', sample: { first_name: 'Ana' }, linkPlaceholder: link, microsPerPart: 4_000 });
    expect(p.rendered).toBe(`Hi Ana, see ${link} Reply STOP to opt out`);
    expect(p).toMatchObject({ encoding: 'GSM-7', parts: 1, costMicros: 4_000, microsPerPart: 4_000, errors: [], missing: [] });
    // The template already says how to opt out: the first message looks the same.
    expect(p.firstMessage).toBeUndefined();
  });

  it('uses fallbacks, reports fields left empty, and takes attributes by name', () => {
    const p = previewMessage({ body: 'Hi {first_name|there} {last_name} at {attr:Company}', sample: { 'attr:company': 'Acme' }, linkPlaceholder: link });
    expect(p.rendered).toBe('Hi there  at Acme');
    expect(p.missing).toEqual(['last_name']);
    expect(p.costMicros).toBeUndefined();
  });

  it('keeps answering while the template is invalid, listing the issues', () => {
    const p = previewMessage({ body: 'Hi {nickname} {first_name', linkPlaceholder: link });
    expect(p.errors.map((e) => e.code)).toEqual(['unknown_field', 'unclosed_field']);
    expect(p.rendered).toBe('Hi  {first_name');
    expect(p.parts).toBe(1);
  });

  it('shows what the first message costs with the opt-out line', () => {
    const body = 'x'.repeat(150);
    const p = previewMessage({ body, linkPlaceholder: link, microsPerPart: 10 });
    expect(p).toMatchObject({ parts: 1, costMicros: 10 });
    expect(p.firstMessage).toMatchObject({ rendered: `${body}\nReply STOP to opt out`, parts: 2, costMicros: 20 });
  });

  it('suggests smart encoding when look-alike punctuation would force UCS-2', () => {
    const p = previewMessage({ body: 'It’s “great” — really', linkPlaceholder: link, microsPerPart: 100 });
    expect(p.encoding).toBe('UCS-2');
    expect(p.smartEncoded).toMatchObject({ text: 'It\'s "great" - really', encoding: 'GSM-7', parts: 1, costMicros: 100 });
    expect(p.smartEncoded?.changes.map((c) => c.label).sort()).toEqual(['curly double quote', 'curly double quote', 'curly single quote', 'long dash']);
    expect(previewMessage({ body: 'plain', linkPlaceholder: link }).smartEncoded).toBeUndefined();
  });

  it('counts an emoji in the sample as the carrier does', () => {
    const p = previewMessage({ body: '{first_name|x}', sample: { first_name: '😀'.repeat(35) }, linkPlaceholder: link });
    expect(p).toMatchObject({ encoding: 'UCS-2', units: 70, parts: 1 });
    const q = previewMessage({ body: '{first_name|x}!', sample: { first_name: '😀'.repeat(35) }, linkPlaceholder: link });
    expect(q).toMatchObject({ units: 71, parts: 2 });
  });
});
