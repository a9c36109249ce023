import { describe, expect, it } from 'vitest';
import { buildKeywordMatcher, classifyKeyword, keywordLanguages, languageKeywords, normalizeKeyword, standardKeywords } from './keywords';

/** Every way a person (or a phone keyboard) writes a keyword. */
function variantsOf(word: string): string[] {
  const upper = word.toUpperCase();
  const title = word.charAt(0).toUpperCase() + word.slice(1);
  const fullWidth = Array.from(upper, (ch) => (ch >= '!' && ch <= '~' ? String.fromCodePoint(ch.codePointAt(0)! + 0xfee0) : ch === ' ' ? '\u3000' : ch)).join('');
  return [
    word,
    upper,
    title,
    ` ${word} `,
    `\t${upper}\n`,
    `${word}.`,
    `${upper}!!!`,
    `"${word}"`,
    `'${title}'`,
    `(${word})`,
    `${word}?`,
    `¡${word}!`,
    `${word} 🛑`,
    `👋 ${upper}`,
    `${word}\u00A0`,
    `\u200B${word}`,
    fullWidth,
    word.replace(/ /g, '   '),
    word.replace(/ /g, '\u00A0'),
    word.replace(/-/g, '–'),
    word.replace(/-/g, '—'),
  ];
}

describe('normalizeKeyword', () => {
  it.each([
    ['  STOP  ', 'stop'],
    ['Stop.', 'stop'],
    ['ＳＴＯＰ', 'stop'],
    ['ｓｔｏｐ　ａｌｌ', 'stop all'],
    ['Opt–Out', 'opt-out'],
    ['opt \t\n out', 'opt out'],
    ['¡Alto!', 'alto'],
    ['Sí', 'si'],
    ['ARRÊT', 'arret'],
    ['stop 🛑🛑', 'stop'],
    ['"unsubscribe"', 'unsubscribe'],
    ['!!!', ''],
    ['', ''],
  ])('%j → %j', (input, output) => {
    expect(normalizeKeyword(input)).toBe(output);
  });
});

describe('classifyKeyword (standard English)', () => {
  describe.each(standardKeywords.optOut)('opt-out %j', (word) => {
    it.each(variantsOf(word))('%j opts out', (text) => {
      expect(classifyKeyword(text)).toBe('opt_out');
    });
  });

  describe.each(standardKeywords.optIn)('opt-in %j', (word) => {
    it.each(variantsOf(word))('%j opts in', (text) => {
      expect(classifyKeyword(text)).toBe('opt_in');
    });
  });

  describe.each(standardKeywords.help)('help %j', (word) => {
    it.each(variantsOf(word))('%j asks for help', (text) => {
      expect(classifyKeyword(text)).toBe('help');
    });
  });

  it.each([
    'stop sending me deals',
    'please stop',
    'Stop it',
    'STOP STOP',
    'can you cancel my order',
    'the end',
    'yes please',
    'yes!! see you at 5',
    'help me find the address',
    'stopp',
    'st op',
    'unstoppable',
    'I quit smoking',
    'starting monday',
    '',
    '   ',
    '🛑',
  ])('%j is a reply, not a keyword', (text) => {
    expect(classifyKeyword(text)).toBeNull();
  });
});

describe('buildKeywordMatcher', () => {
  it('switches on a language as a set', () => {
    const spanish = buildKeywordMatcher({ languages: ['es'] });
    expect(spanish.classify('ALTO')).toBe('opt_out');
    expect(spanish.classify('Parar.')).toBe('opt_out');
    expect(spanish.classify('darse de baja')).toBe('opt_out');
    expect(spanish.classify('Sí')).toBe('opt_in');
    expect(spanish.classify('AYUDA')).toBe('help');
    expect(spanish.classify('stop')).toBe('opt_out');
    // Not on unless chosen.
    expect(classifyKeyword('alto')).toBeNull();
  });

  it.each(keywordLanguages)('every %s word matches in its written forms', (language) => {
    const matcher = buildKeywordMatcher({ languages: [language] });
    const lists = languageKeywords[language];
    for (const word of lists.optOut) for (const text of variantsOf(word)) expect(matcher.classify(text), text).toBe('opt_out');
    for (const word of lists.help) expect(matcher.classify(word.toUpperCase())).toBe('help');
  });

  it("adds a tenant's own words, in any form they were typed", () => {
    const matcher = buildKeywordMatcher({ extra: { optOut: ['  REMOVE ME '], optIn: ['Subscribe'], help: ['¿Qué?'] } });
    expect(matcher.classify('remove me')).toBe('opt_out');
    expect(matcher.classify('Remove  me!')).toBe('opt_out');
    expect(matcher.classify('SUBSCRIBE')).toBe('opt_in');
    expect(matcher.classify('que')).toBe('help');
    expect(matcher.classify('remove me please')).toBeNull();
  });

  it('lets an opt-out win when a word is in two lists', () => {
    const matcher = buildKeywordMatcher({ extra: { optIn: ['stop', 'go'], help: ['go'] } });
    expect(matcher.classify('stop')).toBe('opt_out');
    expect(matcher.classify('go')).toBe('opt_in');
    expect(matcher.lists.optIn).not.toContain('stop');
    expect(matcher.lists.help).not.toContain('go');
  });

  it('ignores empty extra words instead of matching empty texts', () => {
    const matcher = buildKeywordMatcher({ extra: { optOut: ['', '!!'] } });
    expect(matcher.classify('')).toBeNull();
    expect(matcher.classify('!!')).toBeNull();
  });
});
