/**
 * What an inbound text asks for, and what we answer.
 *
 * The whole message is matched after normalization (core/opt-out/keywords.ts): "STOP", "ｓｔｏｐ!",
 * "Opt–Out" opt out; "stop sending me deals" is an ordinary reply, recorded and shown to staff. A
 * tenant's own words (`tenants.opt_out_keywords`, `opt_in_keywords`, `help_keywords`) are added to the
 * standard English lists.
 *
 * Answers (sent from the number that received the text, through that number's route):
 * - opt-out → a confirmation, unless the number's provider confirms STOP itself
 *   (`sending_numbers.provider_sends_stop_confirmation`: Twilio Advanced Opt-Out, a SignalHouse campaign
 *   with its own STOP handling); such a provider handles START the same way, so we then confirm neither.
 * - opt-in → a confirmation, on the same condition, and only when the number really is subscribed again
 *   (a staff or import DNC entry is not lifted by START; see `optInLifts`).
 * - help → the tenant's help text (or the product's default naming the tenant), whatever the provider
 *   does: the text is the tenant's, not the provider's.
 */
import { buildKeywordMatcher, type KeywordIntent } from '../opt-out/keywords';

export type TenantKeywordSettings = {
  name: string;
  helpText: string | null;
  optOutKeywords: readonly string[] | null;
  optInKeywords: readonly string[] | null;
  helpKeywords: readonly string[] | null;
};

export type ReplyKind = 'opt_out_confirmation' | 'opt_in_confirmation' | 'help';

export type InboundDecision = {
  intent: KeywordIntent | null;
  /** The answer to send when the number's route may send it; null → none. */
  reply: { kind: ReplyKind; body: string } | null;
};

/** Classifies a whole inbound text with the tenant's lists. */
export function classifyInbound(text: string, tenant: Pick<TenantKeywordSettings, 'optOutKeywords' | 'optInKeywords' | 'helpKeywords'>): KeywordIntent | null {
  const matcher = buildKeywordMatcher({
    extra: { optOut: tenant.optOutKeywords ?? [], optIn: tenant.optInKeywords ?? [], help: tenant.helpKeywords ?? [] },
  });
  return matcher.classify(text);
}

export function optOutConfirmation(tenantName: string): string {
  return `${tenantName}: you are unsubscribed and will get no more messages from us. Reply START to resubscribe.`;
}

export function optInConfirmation(tenantName: string): string {
  return `${tenantName}: you are subscribed again. Reply HELP for help, STOP to unsubscribe.`;
}

export function helpReply(tenant: Pick<TenantKeywordSettings, 'name' | 'helpText'>): string {
  const own = tenant.helpText?.trim();
  if (own) return own;
  return `${tenant.name}: reply to this message to reach our team. Msg & data rates may apply. Reply STOP to unsubscribe.`;
}

/** DNC sources START lifts: the number's own opt-outs. Staff and import entries are staff decisions and stay. */
export const optInLifts = ['stop_keyword', 'provider_opt_out'] as const;

export function decideInbound(input: {
  text: string;
  tenant: TenantKeywordSettings;
  /** `sending_numbers.provider_sends_stop_confirmation` of the receiving number. */
  providerConfirmsStop: boolean;
  /** For opt-in: whether the number is subscribed after START (no DNC entry left that START cannot lift). */
  subscribedAfterOptIn?: boolean;
}): InboundDecision {
  const intent = classifyInbound(input.text, input.tenant);
  switch (intent) {
    case 'opt_out':
      return { intent, reply: input.providerConfirmsStop ? null : { kind: 'opt_out_confirmation', body: optOutConfirmation(input.tenant.name) } };
    case 'opt_in':
      return {
        intent,
        reply: input.providerConfirmsStop || input.subscribedAfterOptIn === false ? null : { kind: 'opt_in_confirmation', body: optInConfirmation(input.tenant.name) },
      };
    case 'help':
      return { intent, reply: { kind: 'help', body: helpReply(input.tenant) } };
    case null:
      return { intent: null, reply: null };
  }
}
