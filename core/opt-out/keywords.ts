/**
 * STOP / START / HELP keywords of inbound texts.
 *
 * A keyword counts only when it is the whole message (after normalization): "STOP", "stop.", " Stop! ",
 * "ＳＴＯＰ" (full-width, from some Asian keyboards) and "opt–out" all opt out; "stop sending me deals"
 * does not (it is a reply, and staff see it in the inbox). This is the rule carriers and CTIA apply to
 * standard keywords, and the one Twilio and SignalHouse apply before they act on their own.
 *
 * Normalization: Unicode NFKC (full-width and compatibility forms → plain letters), lower case,
 * diacritics folded (so Spanish "sí" and "si", French "arrêt" and "arret" match), every dash variant
 * → "-", leading and trailing punctuation, symbols (emoji included) and whitespace trimmed, inner
 * whitespace collapsed to one space.
 *
 * When one normalized text is in two lists (a tenant adding "stop" as an opt-in word), opting out wins:
 * honouring an opt-out that was not meant costs a contact; missing one that was meant breaks the law.
 */
export type KeywordIntent = 'opt_out' | 'opt_in' | 'help';

/** Precedence when a text is in more than one list. */
const intentPrecedence: readonly KeywordIntent[] = ['opt_out', 'opt_in', 'help'];

export type KeywordLists = { optOut: readonly string[]; optIn: readonly string[]; help: readonly string[] };

/** The standard English set (CTIA and the FCC's 2024 revocation rule name revoke and opt out as well). */
export const standardKeywords: KeywordLists = {
  optOut: ['stop', 'stopall', 'stop all', 'unsubscribe', 'cancel', 'end', 'quit', 'revoke', 'optout', 'opt out', 'opt-out'],
  optIn: ['start', 'yes', 'unstop'],
  help: ['help', 'info'],
};

/**
 * Extra languages a tenant can switch on: the words carriers and aggregators commonly honour in each
 * language (stored without accents: matching folds them). Selectable rather than always on, because
 * some are ordinary replies for a tenant that does not text in that language ("si", "para", "oui").
 */
export const languageKeywords = {
  es: {
    optOut: ['alto', 'parar', 'para', 'detener', 'cancelar', 'baja', 'darse de baja', 'terminar', 'no mas', 'basta'],
    optIn: ['comenzar', 'iniciar', 'reanudar', 'si', 'alta'],
    help: ['ayuda', 'informacion'],
  },
  fr: {
    optOut: ['arret', 'arreter', 'desabonner', 'desinscrire', 'annuler'],
    optIn: ['commencer', 'reprendre', 'oui'],
    help: ['aide'],
  },
  pt: {
    optOut: ['parar', 'pare', 'sair', 'cancelar', 'descadastrar'],
    optIn: ['comecar', 'iniciar', 'sim'],
    help: ['ajuda'],
  },
} as const satisfies Record<string, KeywordLists>;

export type KeywordLanguage = keyof typeof languageKeywords;
export const keywordLanguages = Object.keys(languageKeywords) as KeywordLanguage[];

const dashes = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D\u058A\u05BE\u1806\u2E3A\u2E3B]/gu;
// Ends to trim: punctuation, symbols (emoji, ™), separators, controls, format characters (joiners,
// variation selectors are marks and go with the diacritics) and plain whitespace.
const edges = /^[\p{P}\p{S}\p{Z}\p{Cc}\p{Cf}\s]+|[\p{P}\p{S}\p{Z}\p{Cc}\p{Cf}\s]+$/gu;

/** The normalized form keywords are compared in (and stored in, for tenants' extra keywords). */
export function normalizeKeyword(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(dashes, '-')
    .replace(edges, '')
    .replace(/[\p{Z}\s]+/gu, ' ')
    .normalize('NFC');
}

export type KeywordMatcher = {
  /** The intent of a whole inbound text, or null when it is an ordinary reply. */
  classify(text: string): KeywordIntent | null;
  /** Normalized words per intent, after merging (for showing a tenant what is in force). */
  lists: { optOut: string[]; optIn: string[]; help: string[] };
};

export type KeywordOptions = {
  /** Languages switched on for the tenant, in addition to English (always on). */
  languages?: readonly KeywordLanguage[];
  /** The tenant's own words (`tenants.opt_out_keywords`, …), any case or form: normalized here. */
  extra?: Partial<KeywordLists>;
};

export function buildKeywordMatcher(options: KeywordOptions = {}): KeywordMatcher {
  const sources: KeywordLists[] = [standardKeywords, ...(options.languages ?? []).map((l) => languageKeywords[l])];
  if (options.extra) sources.push({ optOut: options.extra.optOut ?? [], optIn: options.extra.optIn ?? [], help: options.extra.help ?? [] });
  const byIntent: Record<KeywordIntent, Set<string>> = { opt_out: new Set(), opt_in: new Set(), help: new Set() };
  for (const source of sources) {
    for (const word of source.optOut) byIntent.opt_out.add(normalizeKeyword(word));
    for (const word of source.optIn) byIntent.opt_in.add(normalizeKeyword(word));
    for (const word of source.help) byIntent.help.add(normalizeKeyword(word));
  }
  for (const set of Object.values(byIntent)) set.delete('');
  const index = new Map<string, KeywordIntent>();
  for (const intent of [...intentPrecedence].reverse()) for (const word of byIntent[intent]) index.set(word, intent);
  return {
    classify(text: string): KeywordIntent | null {
      return index.get(normalizeKeyword(text)) ?? null;
    },
    lists: {
      optOut: [...byIntent.opt_out].filter((w) => index.get(w) === 'opt_out'),
      optIn: [...byIntent.opt_in].filter((w) => index.get(w) === 'opt_in'),
      help: [...byIntent.help].filter((w) => index.get(w) === 'help'),
    },
  };
}

const standardMatcher = buildKeywordMatcher();

/** The intent of an inbound text under the standard English keywords only. */
export function classifyKeyword(text: string): KeywordIntent | null {
  return standardMatcher.classify(text);
}
