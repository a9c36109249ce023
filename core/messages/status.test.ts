import { describe, expect, it } from 'vitest';
import {
  deliveryStatuses,
  eventTypeFor,
  fromSignalHouseEvent,
  fromSignalHouseMessageStatus,
  fromTwilioStatus,
  isFinalStatus,
  jobStatuses,
  nextStatus,
  type DeliveryStatus,
  type JobStatus,
} from './status';

describe('nextStatus', () => {
  // Every (current, incoming) pair: the whole table, so no combination is left to chance.
  const table: Record<JobStatus, Record<DeliveryStatus, JobStatus>> = {
    queued: { queued: 'queued', sent: 'sent', delivered: 'delivered', failed: 'failed' },
    deferred: { queued: 'deferred', sent: 'sent', delivered: 'delivered', failed: 'failed' },
    sending: { queued: 'sending', sent: 'sent', delivered: 'delivered', failed: 'failed' },
    reconcile: { queued: 'reconcile', sent: 'sent', delivered: 'delivered', failed: 'failed' },
    sent: { queued: 'sent', sent: 'sent', delivered: 'delivered', failed: 'failed' },
    delivered: { queued: 'delivered', sent: 'delivered', delivered: 'delivered', failed: 'delivered' },
    failed: { queued: 'failed', sent: 'failed', delivered: 'failed', failed: 'failed' },
    skipped: { queued: 'skipped', sent: 'skipped', delivered: 'skipped', failed: 'skipped' },
    cancelled: { queued: 'cancelled', sent: 'cancelled', delivered: 'cancelled', failed: 'cancelled' },
  };
  const cases = jobStatuses.flatMap((current) => deliveryStatuses.map((incoming) => [current, incoming, table[current][incoming]] as const));

  it.each(cases)('%s + %s → %s', (current, incoming, next) => {
    expect(nextStatus(current, incoming)).toBe(next);
  });

  it('ends in the same place whatever order callbacks arrive in', () => {
    const orders: DeliveryStatus[][] = [
      ['queued', 'sent', 'delivered'],
      ['delivered', 'sent', 'queued'],
      ['sent', 'delivered', 'sent'],
      ['sent', 'queued', 'delivered', 'queued'],
    ];
    for (const order of orders) expect(order.reduce<JobStatus>(nextStatus, 'sending')).toBe('delivered');
  });

  it.each([
    ['delivered', true],
    ['failed', true],
    ['skipped', true],
    ['cancelled', true],
    ['sent', false],
    ['reconcile', false],
  ] as const)('%s is final: %s', (status, final) => {
    expect(isFinalStatus(status)).toBe(final);
  });

  it('names the event of each status', () => {
    expect(deliveryStatuses.map((s) => eventTypeFor(s))).toEqual(['QUEUED', 'SENT', 'DELIVERED', 'FAILED']);
  });
});

describe('fromTwilioStatus', () => {
  it.each([
    ['accepted', 'queued'],
    ['scheduled', 'queued'],
    ['queued', 'queued'],
    ['sending', 'queued'],
    ['sent', 'sent'],
    ['partially_delivered', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'delivered'],
    ['undelivered', 'failed'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
    ['Delivered', 'delivered'],
  ])('%s → %s', (value, status) => {
    expect(fromTwilioStatus(value)).toEqual({ kind: 'status', status });
  });

  it.each(['received', 'receiving'])('%s is an inbound message', (value) => {
    expect(fromTwilioStatus(value)).toEqual({ kind: 'inbound' });
  });

  it('keeps an unknown value to be stored, not guessed', () => {
    expect(fromTwilioStatus('teleported')).toEqual({ kind: 'unknown', raw: 'teleported' });
  });
});

describe('SignalHouse', () => {
  it.each([
    ['MESSAGE_RECEIVED', { kind: 'inbound' }],
    ['MESSAGE_QUEUED', { kind: 'status', status: 'queued' }],
    ['MESSAGE_SENT', { kind: 'status', status: 'sent' }],
    ['MESSAGE_DELIVERED', { kind: 'status', status: 'delivered' }],
    ['MESSAGE_FAILED', { kind: 'status', status: 'failed' }],
    ['MESSAGE_UNDELIVERED', { kind: 'status', status: 'failed' }],
    ['message_delivered', { kind: 'status', status: 'delivered' }],
    ['NUMBER_PORTED', { kind: 'unknown', raw: 'NUMBER_PORTED' }],
  ])('event %s', (event, update) => {
    expect(fromSignalHouseEvent(event)).toEqual(update);
  });

  it.each([
    ['QUEUED', 'queued'],
    ['pending', 'queued'],
    ['SENT', 'sent'],
    ['DELIVERED', 'delivered'],
    ['FAILED', 'failed'],
    ['UNDELIVERED', 'failed'],
    ['REJECTED', 'failed'],
  ])('message status %s → %s', (value, status) => {
    expect(fromSignalHouseMessageStatus(value)).toEqual({ kind: 'status', status });
  });

  it('keeps an unknown message status', () => {
    expect(fromSignalHouseMessageStatus('LIMBO')).toEqual({ kind: 'unknown', raw: 'LIMBO' });
  });
});
