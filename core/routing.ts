/**
 * Provider routing, made impossible to get wrong in code that type-checks: campaign (bulk) jobs go only
 * through a bulk provider (SignalHouse, or the sandbox standing in for it), 1:1 conversation jobs only
 * through a conversation provider (Twilio, or the sandbox). The database holds the same rule for
 * numbers (`sending_numbers_route_check`); this holds it for code.
 *
 * How: a provider adapter declares its name as a literal type (`provider: 'signalhouse'`). Only
 * `bulkSender` can make a `BulkSender`, and it accepts only adapters whose name is a bulk provider; the
 * same for `conversationSender`. The two carry different brands, so one cannot stand for the other.
 * `routeJob` pairs a job with a sender and has one signature per kind, so a campaign job with a
 * conversation sender (or a job whose kind is not known yet) does not compile. Values that come from
 * outside the type system (rows, config) are checked again at run time.
 */
import { DomainError } from './errors';

export const bulkProviders = ['signalhouse', 'sandbox'] as const;
export const conversationProviders = ['twilio', 'sandbox'] as const;
export type BulkProviderName = (typeof bulkProviders)[number];
export type ConversationProviderName = (typeof conversationProviders)[number];
export type ProviderName = BulkProviderName | ConversationProviderName;

export type Route = 'bulk' | 'conversation';
export type JobKind = 'campaign' | 'conversation';

/** The route each kind of job must take. */
export const routeOfJobKind = { campaign: 'bulk', conversation: 'conversation' } as const satisfies Record<JobKind, Route>;

// A real symbol, not exported: nothing outside this module can write the brand, so a sender exists
// only if one of the two constructors below made it.
const routeBrand: unique symbol = Symbol('route');

/** What the routing needs of a provider adapter: its name, as a literal type. */
export type NamedProvider = { readonly provider: ProviderName };

export type BulkSender<P extends NamedProvider = NamedProvider> = {
  readonly [routeBrand]: 'bulk';
  readonly route: 'bulk';
  readonly provider: BulkProviderName;
  readonly adapter: P;
};

export type ConversationSender<P extends NamedProvider = NamedProvider> = {
  readonly [routeBrand]: 'conversation';
  readonly route: 'conversation';
  readonly provider: ConversationProviderName;
  readonly adapter: P;
};

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

/** Certifies a bulk adapter. Only SignalHouse and the sandbox type-check; anything else also throws. */
export function bulkSender<P extends { readonly provider: BulkProviderName }>(adapter: P): BulkSender<P> {
  if (!isOneOf(bulkProviders, adapter.provider)) {
    throw new DomainError('internal_error', `provider ${String(adapter.provider)} cannot send bulk (campaign) messages`);
  }
  return Object.freeze({ [routeBrand]: 'bulk' as const, route: 'bulk' as const, provider: adapter.provider, adapter });
}

/** Certifies a 1:1 adapter. Only Twilio and the sandbox type-check; anything else also throws. */
export function conversationSender<P extends { readonly provider: ConversationProviderName }>(adapter: P): ConversationSender<P> {
  if (!isOneOf(conversationProviders, adapter.provider)) {
    throw new DomainError('internal_error', `provider ${String(adapter.provider)} cannot send 1:1 (conversation) messages`);
  }
  return Object.freeze({ [routeBrand]: 'conversation' as const, route: 'conversation' as const, provider: adapter.provider, adapter });
}

export function isBulkSender(value: unknown): value is BulkSender {
  return typeof value === 'object' && value !== null && (value as { [routeBrand]?: unknown })[routeBrand] === 'bulk';
}

export function isConversationSender(value: unknown): value is ConversationSender {
  return typeof value === 'object' && value !== null && (value as { [routeBrand]?: unknown })[routeBrand] === 'conversation';
}

/** A job paired with the only kind of sender allowed to send it. */
export type RoutedJob<J extends { kind: JobKind }, P extends NamedProvider> = J extends { kind: 'campaign' }
  ? { readonly job: J; readonly sender: BulkSender<P> }
  : { readonly job: J; readonly sender: ConversationSender<P> };

/**
 * Pairs a job with its sender. A campaign job takes a `BulkSender`, a conversation job a
 * `ConversationSender`; any other pairing is a type error, and (for values that dodged the types) a
 * run-time error too.
 */
export function routeJob<J extends { kind: 'campaign' }, P extends NamedProvider>(job: J, sender: BulkSender<P>): RoutedJob<J, P>;
export function routeJob<J extends { kind: 'conversation' }, P extends NamedProvider>(job: J, sender: ConversationSender<P>): RoutedJob<J, P>;
export function routeJob(job: { kind: JobKind }, sender: BulkSender | ConversationSender): { job: { kind: JobKind }; sender: BulkSender | ConversationSender } {
  const expected = routeOfJobKind[job.kind];
  const actual = isBulkSender(sender) ? 'bulk' : isConversationSender(sender) ? 'conversation' : undefined;
  if (actual !== expected) {
    throw new DomainError('internal_error', `a ${String(job.kind)} job must go through a ${String(expected)} sender, not ${String(actual ?? 'an uncertified adapter')}`);
  }
  return { job, sender };
}

/** Picks the sender a job's kind requires from the two the composition root built. */
export function senderFor<PB extends NamedProvider, PC extends NamedProvider>(
  kind: 'campaign',
  senders: { bulk: BulkSender<PB>; conversation: ConversationSender<PC> },
): BulkSender<PB>;
export function senderFor<PB extends NamedProvider, PC extends NamedProvider>(
  kind: 'conversation',
  senders: { bulk: BulkSender<PB>; conversation: ConversationSender<PC> },
): ConversationSender<PC>;
export function senderFor(kind: JobKind, senders: { bulk: BulkSender; conversation: ConversationSender }): BulkSender | ConversationSender {
  return kind === 'campaign' ? senders.bulk : senders.conversation;
}

/**
 * The route of a sending number row, checked the way the database checks it
 * (`sending_numbers_route_check`): a bulk number must belong to a bulk provider, a conversation number to
 * a conversation provider. Returns null for a pairing that must not exist.
 */
export function routeOfNumber(row: { provider: string; use: string }): Route | null {
  if (row.use === 'bulk' && isOneOf(bulkProviders, row.provider)) return 'bulk';
  if (row.use === 'conversation' && isOneOf(conversationProviders, row.provider)) return 'conversation';
  return null;
}
