import { describe, expect, it } from 'vitest';
import { isDomainError } from '../errors';
import { campaignStatuses, isSendable, transitionCampaign, type CampaignAction, type CampaignStatus } from './state';

const queue = (addedJobs: number): CampaignAction => ({ kind: 'queue', addedJobs });

describe('transitionCampaign', () => {
  // [from, action, to, changed]
  const allowed: [CampaignStatus, CampaignAction, CampaignStatus, boolean][] = [
    ['draft', queue(10), 'queued', true],
    ['draft', queue(0), 'queued', true],
    ['queued', queue(5), 'queued', false],
    ['sending', queue(5), 'sending', false],
    ['paused', queue(5), 'paused', false],
    ['done', queue(3), 'queued', true],
    ['done', queue(0), 'done', false],
    ['queued', { kind: 'start' }, 'sending', true],
    ['sending', { kind: 'start' }, 'sending', false],
    ['queued', { kind: 'pause' }, 'paused', true],
    ['sending', { kind: 'pause' }, 'paused', true],
    ['paused', { kind: 'pause' }, 'paused', false],
    ['paused', { kind: 'resume' }, 'queued', true],
    ['queued', { kind: 'resume' }, 'queued', false],
    ['sending', { kind: 'resume' }, 'sending', false],
    ['queued', { kind: 'finish' }, 'done', true],
    ['sending', { kind: 'finish' }, 'done', true],
    ['done', { kind: 'finish' }, 'done', false],
  ];
  it.each(allowed)('%s --%o--> %s', (from, action, to, changed) => {
    expect(transitionCampaign(from, action)).toEqual({ status: to, changed });
  });

  const refused: [CampaignStatus, CampaignAction][] = [
    ['draft', { kind: 'start' }],
    ['paused', { kind: 'start' }],
    ['done', { kind: 'start' }],
    ['draft', { kind: 'pause' }],
    ['done', { kind: 'pause' }],
    ['draft', { kind: 'resume' }],
    ['done', { kind: 'resume' }],
    ['draft', { kind: 'finish' }],
    ['paused', { kind: 'finish' }],
  ];
  it.each(refused)('refuses %s --%o--> with a conflict that says why', (from, action) => {
    let caught: unknown;
    try {
      transitionCampaign(from, action);
    } catch (error) {
      caught = error;
    }
    expect(isDomainError(caught) && caught.code === 'conflict').toBe(true);
    expect((caught as Error).message).toMatch(new RegExp(`^Cannot ${action.kind}: `));
  });

  it('covers every status with every action (each either moves or is refused)', () => {
    const actions: CampaignAction[] = [queue(1), queue(0), { kind: 'start' }, { kind: 'pause' }, { kind: 'resume' }, { kind: 'finish' }];
    for (const status of campaignStatuses) {
      for (const action of actions) {
        const outcome = (() => {
          try {
            return transitionCampaign(status, action).status;
          } catch {
            return 'refused';
          }
        })();
        expect([...campaignStatuses, 'refused']).toContain(outcome);
      }
    }
  });
});

describe('isSendable', () => {
  it('lets only queued and sending campaigns reach a provider', () => {
    expect(campaignStatuses.filter(isSendable)).toEqual(['queued', 'sending']);
  });
});
