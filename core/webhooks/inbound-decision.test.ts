import { describe, expect, it } from 'vitest';
import { decideInbound, helpReply, optInConfirmation, optOutConfirmation } from './inbound-decision';

const tenant = { name: 'Acme', helpText: null, optOutKeywords: null, optInKeywords: null, helpKeywords: null };

describe('decideInbound', () => {
  it.each([
    'STOP',
    'stop',
    'Stop.',
    '  stop!!  ',
    'ＳＴＯＰ',
    'ｓｔｏｐ',
    'STOP ALL',
    'stop   all',
    'StopAll',
    'unsubscribe',
    'Cancel',
    'END',
    'quit',
    'revoke',
    'optout',
    'opt out',
    'opt-out',
    'Opt–Out',
    'OPT OUT 🙏',
    '"stop"',
  ])('%j opts out and is confirmed', (text) => {
    expect(decideInbound({ text, tenant, providerConfirmsStop: false })).toEqual({ intent: 'opt_out', reply: { kind: 'opt_out_confirmation', body: optOutConfirmation('Acme') } });
  });

  it.each(['stop sending me deals', 'please stop', 'stop it now', 'stopp', "don't stop", 'cancel my order please'])('%j is an ordinary reply', (text) => {
    expect(decideInbound({ text, tenant, providerConfirmsStop: false })).toEqual({ intent: null, reply: null });
  });

  it('sends no confirmation of its own when the provider confirms STOP (and START) on the number', () => {
    expect(decideInbound({ text: 'STOP', tenant, providerConfirmsStop: true })).toEqual({ intent: 'opt_out', reply: null });
    expect(decideInbound({ text: 'START', tenant, providerConfirmsStop: true })).toEqual({ intent: 'opt_in', reply: null });
    // HELP is the tenant's own text: answered either way.
    expect(decideInbound({ text: 'HELP', tenant, providerConfirmsStop: true }).reply?.kind).toBe('help');
  });

  it.each(['START', 'yes', 'Unstop', 'ｓｔａｒｔ'])('%j opts back in and is confirmed', (text) => {
    expect(decideInbound({ text, tenant, providerConfirmsStop: false })).toEqual({ intent: 'opt_in', reply: { kind: 'opt_in_confirmation', body: optInConfirmation('Acme') } });
  });

  it('does not confirm START while a staff DNC entry still blocks the number', () => {
    expect(decideInbound({ text: 'START', tenant, providerConfirmsStop: false, subscribedAfterOptIn: false })).toEqual({ intent: 'opt_in', reply: null });
  });

  it('answers HELP and INFO with the tenant help text, or a default naming the tenant', () => {
    expect(decideInbound({ text: 'help', tenant, providerConfirmsStop: false }).reply).toEqual({ kind: 'help', body: helpReply(tenant) });
    expect(helpReply(tenant)).toContain('Acme');
    expect(decideInbound({ text: 'Info?', tenant: { ...tenant, helpText: 'Acme Realty, call 1300 000 000.' }, providerConfirmsStop: false }).reply).toEqual({
      kind: 'help',
      body: 'Acme Realty, call 1300 000 000.',
    });
  });

  it("adds the tenant's own keywords, in any form", () => {
    const own = { ...tenant, optOutKeywords: ['Remove Me'], optInKeywords: ['Resume'], helpKeywords: ['Hilfe'] };
    expect(decideInbound({ text: 'remove me!', tenant: own, providerConfirmsStop: false }).intent).toBe('opt_out');
    expect(decideInbound({ text: 'RESUME', tenant: own, providerConfirmsStop: false }).intent).toBe('opt_in');
    expect(decideInbound({ text: 'hilfe', tenant: own, providerConfirmsStop: false }).intent).toBe('help');
    expect(decideInbound({ text: 'remove me', tenant, providerConfirmsStop: false }).intent).toBeNull();
    // The standard words stay in force.
    expect(decideInbound({ text: 'stop', tenant: own, providerConfirmsStop: false }).intent).toBe('opt_out');
  });
});
