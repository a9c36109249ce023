import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors';
import {
  defaultOptOutLine,
  hasOptOutInstruction,
  mergeValuesOf,
  parseTemplate,
  pickTemplate,
  renderTemplate,
  rotationSlot,
  rotationSlotSql,
  templateBodySchema,
  withOptOutLine,
} from './templates';

describe('parseTemplate: validation at save time', () => {
  it.each([
    ['Hi {first_name|there}, see {link}', ['first_name', 'link'], true],
    ['Hi {First_Name | there}!', ['first_name'], false],
    ['{first_name} {last_name} <{email}>', ['first_name', 'last_name', 'email'], false],
    ['Your {attr:company} deal', ['attr:company'], false],
    ['{ATTR:Company Name|your firm}', ['attr:Company Name'], false],
    ['No fields at all', [], false],
    ['Literal {{braces}} stay', [], false],
    ['{first_name|there} and {first_name|friend}', ['first_name'], false],
  ])('%j is valid and uses %j', (body, fields, usesLink) => {
    const parsed = parseTemplate(body);
    expect(parsed.errors).toEqual([]);
    expect(parsed.fields).toEqual(fields);
    expect(parsed.usesLink).toBe(usesLink);
  });

  it.each([
    ['Hi {firstname}', 'unknown_field', 'firstname'],
    ['Hi {name|there}', 'unknown_field', 'name'],
    ['Hi {phone}', 'unknown_field', 'phone'],
    ['Hi {first_name', 'unclosed_field', undefined],
    ['Hi {first_{name}', 'unclosed_field', undefined],
    ['Hi {} there', 'empty_field', undefined],
    ['Hi { |x} there', 'empty_field', undefined],
    ['Go {link|example.com}', 'link_fallback', 'link'],
    ['Your {attr:} deal', 'invalid_attribute', 'attr:'],
    ['Your {attr:a/b} deal', 'invalid_attribute', 'attr:a/b'],
    ['   ', 'empty_template', undefined],
  ])('%j → %s', (body, code, field) => {
    const [error] = parseTemplate(body).errors;
    expect(error?.code).toBe(code);
    expect(error?.field).toBe(field);
  });

  it('reports every error with its position', () => {
    const parsed = parseTemplate('{nope} and {also_nope|x}');
    expect(parsed.errors.map((e) => [e.code, e.field, e.index])).toEqual([
      ['unknown_field', 'nope', 0],
      ['unknown_field', 'also_nope', 11],
    ]);
  });

  it('warns once per field used without a fallback, never for {link}', () => {
    const parsed = parseTemplate('{first_name}, {first_name}! {last_name|} {link}');
    expect(parsed.warnings.map((w) => w.field)).toEqual(['first_name']);
  });

  it('backs the zod schema used by the template routes', () => {
    expect(templateBodySchema.safeParse('Hi {first_name|there}').success).toBe(true);
    const result = templateBodySchema.safeParse('Hi {firstname}');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('unknown merge field {firstname}');
    expect(templateBodySchema.safeParse('x'.repeat(1_531)).success).toBe(false);
  });
});

describe('renderTemplate', () => {
  const contact = { firstName: 'Ana', lastName: 'Silva', email: 'ana@example.com', attributes: { company: 'Acme', 'Company Name': 'Acme Pty' } };

  it.each([
    ['Hi {first_name|there}', { first_name: 'Ana' }, 'Hi Ana', []],
    ['Hi {first_name|there}', { first_name: null }, 'Hi there', []],
    ['Hi {first_name|there}', { first_name: '   ' }, 'Hi there', []],
    ['Hi {first_name|there}', {}, 'Hi there', []],
    ['Hi {first_name}!', {}, 'Hi !', ['first_name']],
    ['Hi {first_name|}!', {}, 'Hi !', []],
    ['Hi {first_name|there}', { first_name: '  Ana  ' }, 'Hi Ana', []],
    ['{{not a field}}', {}, '{not a field}', []],
    ['a } b', {}, 'a } b', []],
    ['See {link}', { link: 'https://rr.to/Ab12' }, 'See https://rr.to/Ab12', []],
  ])('%j with %j → %j', (body, values, text, missing) => {
    expect(renderTemplate(body, values)).toEqual({ text, missing });
  });

  it('renders a contact row, attributes by mapped name (case-insensitively as a fallback)', () => {
    const values = mergeValuesOf(contact, 'https://rr.to/x');
    expect(renderTemplate('{first_name} {last_name} at {attr:company} / {attr:COMPANY NAME} {link}', values).text).toBe('Ana Silva at Acme / Acme Pty https://rr.to/x');
    expect(renderTemplate('{attr:missing|n/a}', values).text).toBe('n/a');
  });

  it('refuses an invalid template and a {link} with no link', () => {
    expect(() => renderTemplate('Hi {nope}', {})).toThrow(DomainError);
    expect(() => renderTemplate('Go {link}', {})).toThrow(/no link/);
    expect(() => renderTemplate('Go {link}', { link: '' })).toThrow(/no link/);
  });
});

describe('rotation', () => {
  // Computed by PostgreSQL 15 from rotationSlotSql: the TypeScript and SQL rotations agree.
  it.each([
    ['cmp_1', 'ctc_1', 7, 6],
    ['cmp_01hx', 'ctc_zz9', 7, 1],
    ['cmp_é', 'ctc_ü😀', 7, 1],
    ['a', 'b', 7, 4],
    ['cmp_x', 'ctc_y', 7, 5],
    ['cmp_1', 'ctc_1', 2_147_483_647, 1_693_302_441],
    ['cmp_é', 'ctc_ü😀', 2_147_483_647, 162_021_405],
  ])('slot(%s, %s) of %i = %i', async (campaignId, contactId, count, slot) => {
    expect(await rotationSlot(campaignId, contactId, count)).toBe(slot);
  });

  it('writes the same formula as SQL', () => {
    expect(rotationSlotSql('c.id', 'ct.id', '$1')).toBe(
      "(('x' || substr(encode(sha256(convert_to(c.id || ':' || ct.id, 'UTF8')), 'hex'), 1, 8))::bit(32)::bigint % ($1))::int",
    );
  });

  it('is stable for a contact across retries', async () => {
    const templates = ['tpl_a', 'tpl_b', 'tpl_c'];
    const first = await pickTemplate('cmp_1', 'ctc_42', templates);
    for (let retry = 0; retry < 5; retry++) expect(await pickTemplate('cmp_1', 'ctc_42', templates)).toBe(first);
  });

  it('depends on the campaign, so one contact does not always get the first template', async () => {
    const slots = new Set<number>();
    for (let c = 0; c < 40; c++) slots.add(await rotationSlot(`cmp_${c}`, 'ctc_same', 3));
    expect(slots.size).toBe(3);
  });

  it.each([2, 3, 5])('splits 3,000 contacts evenly over %i templates (each within 6 percent of its share)', async (count) => {
    const counts = new Array<number>(count).fill(0);
    for (let i = 0; i < 3_000; i++) counts[await rotationSlot('cmp_even', `ctc_${i.toString(36)}`, count)]! += 1;
    const share = 3_000 / count;
    for (const n of counts) expect(Math.abs(n - share) / share).toBeLessThan(0.06);
  });

  it('needs at least one template', async () => {
    await expect(rotationSlot('c', 'x', 0)).rejects.toThrow(RangeError);
    await expect(pickTemplate('c', 'x', [])).rejects.toThrow(RangeError);
  });
});

describe('opt-out line', () => {
  it.each([
    'Reply STOP to opt out',
    'Reply STOP to unsubscribe',
    'reply stop to end',
    'Txt STOP to quit',
    'Text "STOP" to cancel',
    'Text ‘STOP’ to cancel',
    "Reply 'stop' to opt-out",
    'Reply with STOP to stop receiving these',
    'Respond END to stop',
    'Msg&data rates may apply. Reply STOP 2 end.',
    'STOP to end',
    'STOP2END',
    'stop 2 quit',
    'STOP=stop',
    'STOP to opt-out',
    'To opt out, reply STOP.',
    'Opt out: STOP',
    'Opt-out anytime by replying stop',
    'Reply UNSUBSCRIBE to stop',
    'Reply STOPALL',
    'Reply OPTOUT',
    'Reply REVOKE',
    'Reply OPT OUT',
    'Responda ALTO para cancelar',
    'Envía BAJA para no recibir más',
    'REPLY STOP TO OPT OUT',
    'ｒｅｐｌｙ ＳＴＯＰ',
  ])('%j is an opt-out instruction', (text) => {
    expect(hasOptOutInstruction(`Big sale this weekend! ${text}`)).toBe(true);
  });

  it.each([
    "Don't stop believing, Ana!",
    'We will stop by at 5',
    'End of season sale: 50% off',
    'Reply YES to confirm your booking',
    'Text us back anytime',
    'Cancel anytime online',
    'Unsubscribe at rr.to/u',
    'Stop in and see us',
    'Reply to this message for more info',
  ])('%j is not one', (text) => {
    expect(hasOptOutInstruction(text)).toBe(false);
  });

  it.each([
    ['Hi Ana, sale today', true, 'Hi Ana, sale today\nReply STOP to opt out', true],
    ['Hi Ana, sale today\n\n', true, 'Hi Ana, sale today\nReply STOP to opt out', true],
    ['Hi Ana, sale today', false, 'Hi Ana, sale today', false],
    ['Sale today. Reply STOP to end', true, 'Sale today. Reply STOP to end', false],
    ['', true, defaultOptOutLine, true],
  ])('%j (first message: %s) → %j', (text, firstMessage, output, appended) => {
    expect(withOptOutLine(text, { firstMessage })).toEqual({ text: output, appended });
  });

  it("uses the tenant's own line when it has one", () => {
    expect(withOptOutLine('Hola', { firstMessage: true, line: 'Responda ALTO para cancelar' }).text).toBe('Hola\nResponda ALTO para cancelar');
  });
});
