import { describe, expect, it } from 'vitest';
import { canRetry, messageTick, notSentReason, type JobStatus } from './message-tick';

describe('messageTick', () => {
  it.each<[JobStatus, string]>([
    ['queued', 'queued'],
    ['deferred', 'queued'],
    ['sending', 'queued'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['failed', 'failed'],
    ['skipped', 'failed'],
    ['cancelled', 'failed'],
    ['reconcile', 'unknown'],
  ])('%s shows as %s', (status, tick) => {
    expect(messageTick(status)).toBe(tick);
  });
});

describe('canRetry', () => {
  it('offers a retry only for replies known not to have gone', () => {
    expect(canRetry('conversation', 'failed')).toBe(true);
    expect(canRetry('conversation', 'skipped')).toBe(true);
    expect(canRetry('conversation', 'reconcile')).toBe(false);
    expect(canRetry('conversation', 'sent')).toBe(false);
    expect(canRetry('conversation', 'queued')).toBe(false);
    expect(canRetry('campaign', 'failed')).toBe(false);
  });
});

describe('notSentReason', () => {
  it('names gate reasons in words and keeps provider codes visible', () => {
    expect(notSentReason('tenant_paused')).toContain('paused');
    expect(notSentReason('opted_out')).toContain('opted out');
    expect(notSentReason('21211')).toBe('Not a valid phone number (21211)');
    expect(notSentReason('63999')).toBe('Failed (63999)');
  });
});
