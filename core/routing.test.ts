import { describe, expect, expectTypeOf, it } from 'vitest';
import { DomainError } from './errors';
import {
  bulkSender,
  conversationSender,
  isBulkSender,
  isConversationSender,
  routeJob,
  routeOfNumber,
  senderFor,
  type BulkSender,
  type ConversationSender,
} from './routing';

// Adapters as the send path sees them: each declares its provider as a literal type.
const signalHouse = { provider: 'signalhouse' as const, send: (to: string) => `sh:${to}` };
const twilio = { provider: 'twilio' as const, send: (to: string) => `tw:${to}` };
const sandbox = { provider: 'sandbox' as const, send: (to: string) => `sb:${to}` };

const campaignJob = { kind: 'campaign' as const, id: 'job_1', campaignId: 'cmp_1' };
const conversationJob = { kind: 'conversation' as const, id: 'job_2', campaignId: null };

describe('routing: what must not compile', () => {
  it('refuses the wrong pairings at compile time (and at run time for values that dodge the types)', () => {
    const bulk = bulkSender(signalHouse);
    const oneToOne = conversationSender(twilio);

    // @ts-expect-error Twilio is a 1:1 provider: it cannot be certified for bulk campaign sends.
    expect(() => bulkSender(twilio)).toThrow(DomainError);

    // @ts-expect-error SignalHouse is a bulk provider: it cannot be certified for 1:1 replies.
    expect(() => conversationSender(signalHouse)).toThrow(DomainError);

    // @ts-expect-error a campaign (bulk) job can never be paired with a conversation sender.
    expect(() => routeJob(campaignJob, oneToOne)).toThrow(/campaign job must go through a bulk sender/);

    // @ts-expect-error a 1:1 conversation job can never be paired with a bulk sender.
    expect(() => routeJob(conversationJob, bulk)).toThrow(/conversation job must go through a conversation sender/);

    const unknownKind = { kind: 'campaign', id: 'job_3' } as { kind: 'campaign' | 'conversation'; id: string };
    // @ts-expect-error a job whose kind is not narrowed yet cannot be routed: the caller must decide first.
    expect(() => routeJob(unknownKind, bulk)).not.toThrow();

    // @ts-expect-error a sender cannot be forged from a plain object: the brand is a private symbol.
    const forged: BulkSender = { route: 'bulk', provider: 'signalhouse', adapter: signalHouse };
    expect(isBulkSender(forged)).toBe(false);
    expect(() => routeJob(campaignJob, forged)).toThrow(DomainError);

    // @ts-expect-error a bulk sender is not a conversation sender, even when both wrap the sandbox.
    const crossed: ConversationSender = bulkSender(sandbox);
    expect(isConversationSender(crossed)).toBe(false);
  });
});

describe('routing: what is allowed', () => {
  it('pairs a campaign job with a bulk sender and a conversation job with a conversation sender', () => {
    const routedBulk = routeJob(campaignJob, bulkSender(signalHouse));
    expect(routedBulk.sender.adapter.send('+15550100')).toBe('sh:+15550100');
    expectTypeOf(routedBulk.sender).toEqualTypeOf<BulkSender<typeof signalHouse>>();

    const routedOneToOne = routeJob(conversationJob, conversationSender(twilio));
    expect(routedOneToOne.sender.adapter.send('+15550100')).toBe('tw:+15550100');
    expectTypeOf(routedOneToOne.sender).toEqualTypeOf<ConversationSender<typeof twilio>>();
  });

  it('lets the sandbox stand in for either route, each certified separately', () => {
    const bulk = bulkSender(sandbox);
    const oneToOne = conversationSender(sandbox);
    expect(routeJob(campaignJob, bulk).sender.route).toBe('bulk');
    expect(routeJob(conversationJob, oneToOne).sender.route).toBe('conversation');
    expect(isBulkSender(bulk) && !isConversationSender(bulk)).toBe(true);
    expect(isConversationSender(oneToOne) && !isBulkSender(oneToOne)).toBe(true);
  });

  it('picks the sender by job kind, with the type following the kind', () => {
    const senders = { bulk: bulkSender(signalHouse), conversation: conversationSender(twilio) };
    const forCampaign = senderFor('campaign', senders);
    const forConversation = senderFor('conversation', senders);
    expectTypeOf(forCampaign).toEqualTypeOf<BulkSender<typeof signalHouse>>();
    expectTypeOf(forConversation).toEqualTypeOf<ConversationSender<typeof twilio>>();
    expect(forCampaign.provider).toBe('signalhouse');
    expect(forConversation.provider).toBe('twilio');
  });

  it('freezes senders so a route cannot be changed after certification', () => {
    const bulk = bulkSender(signalHouse);
    expect(Object.isFrozen(bulk)).toBe(true);
    expect(() => {
      (bulk as { route: string }).route = 'conversation';
    }).toThrow(TypeError);
  });
});

describe('routeOfNumber', () => {
  it.each([
    ['signalhouse', 'bulk', 'bulk'],
    ['sandbox', 'bulk', 'bulk'],
    ['twilio', 'conversation', 'conversation'],
    ['sandbox', 'conversation', 'conversation'],
    ['twilio', 'bulk', null],
    ['signalhouse', 'conversation', null],
    ['other', 'bulk', null],
    ['twilio', 'broadcast', null],
  ])('%s number for %s → %s', (provider, use, route) => {
    expect(routeOfNumber({ provider, use })).toBe(route);
  });
});
