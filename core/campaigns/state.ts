/**
 * A campaign's life, and the only way its status changes:
 *
 *   draft ──queue──► queued ──start──► sending ──finish──► done
 *                      │  ▲               │                 │
 *                pause │  │ resume  pause │                 │ queue (new contacts joined the segment)
 *                      ▼  │               ▼                 ▼
 *                     paused ◄────────────┘               queued
 *
 * - `queue` builds send jobs (people → messages); it may run again on a queued, sending or paused
 *   campaign to add contacts who joined the segment since (jobs are unique per contact, so nobody is
 *   added twice). A paused campaign stays paused: the new jobs wait with the others.
 * - `start` is the sender's first claim; `finish` is the sender finding nothing left to send.
 * - `resume` goes back to `queued`, not straight to `sending`: the sender moves it on at its next claim,
 *   and finishes it if nothing is left, so resume never needs to know what happened meanwhile.
 * - A `done` campaign is reopened only by a queue that actually added jobs.
 *
 * Repeating an action that is already in effect (pause a paused campaign) is allowed and changes
 * nothing (`changed: false`), so a double click or a retried request is harmless.
 */
import { DomainError } from '../errors';

export const campaignStatuses = ['draft', 'queued', 'sending', 'paused', 'done'] as const;
export type CampaignStatus = (typeof campaignStatuses)[number];

export type CampaignAction =
  | { kind: 'queue'; /** Jobs this queue added (0 when the segment brought nobody new). */ addedJobs: number }
  | { kind: 'start' }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'finish' };

export type CampaignTransition = { status: CampaignStatus; changed: boolean };

const refusals: Partial<Record<CampaignAction['kind'], Partial<Record<CampaignStatus, string>>>> = {
  start: { draft: 'a draft has nothing queued to send', paused: 'a paused campaign sends nothing until it is resumed', done: 'this campaign is done' },
  pause: { draft: 'this campaign has not been queued yet, so there is nothing to pause', done: 'this campaign is done; there is nothing left to pause' },
  resume: { draft: 'this campaign has not been queued yet', done: 'this campaign is done; queue it again to send to new contacts' },
  finish: { draft: 'a draft has not started', paused: 'a paused campaign is finished only after it is resumed' },
};

/**
 * The status after `action`, or a `conflict` DomainError (→ 409) naming why the action does not apply
 * to the current status.
 */
export function transitionCampaign(status: CampaignStatus, action: CampaignAction): CampaignTransition {
  const refusal = refusals[action.kind]?.[status];
  if (refusal !== undefined) throw new DomainError('conflict', `Cannot ${action.kind}: ${refusal}.`, { details: { status, action: action.kind } });
  const next = nextStatus(status, action);
  return { status: next, changed: next !== status };
}

function nextStatus(status: CampaignStatus, action: CampaignAction): CampaignStatus {
  switch (action.kind) {
    case 'queue':
      if (status === 'draft') return 'queued';
      if (status === 'done') return action.addedJobs > 0 ? 'queued' : 'done';
      return status;
    case 'start':
      return 'sending';
    case 'pause':
      return 'paused';
    case 'resume':
      return status === 'paused' ? 'queued' : status;
    case 'finish':
      return 'done';
  }
}

/** Whether the sender may hand this campaign's jobs to a provider (the pause gate's view of it). */
export function isSendable(status: CampaignStatus): boolean {
  return status === 'queued' || status === 'sending';
}
