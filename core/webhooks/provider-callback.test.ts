import { describe, expect, it } from 'vitest';
import { parseProviderTime, readSignalHouseCallback, readTwilioCallback, toE164, webhookLagMs } from './provider-callback';

describe('toE164', () => {
  it.each([
    ['+61412345678', '+61412345678'],
    ['61412345678', '+61412345678'],
    ['+1 (415) 867-5309', '+14158675309'],
    ['  +14158675309 ', '+14158675309'],
    ['12345', null],
    ['ACME', null],
    ['', null],
    [null, null],
    ['+0412345678', null],
  ])('%j → %j', (raw, expected) => {
    expect(toE164(raw)).toBe(expected);
  });
});

describe('parseProviderTime', () => {
  it('reads milliseconds, seconds and ISO 8601', () => {
    expect(parseProviderTime(1_700_000_000_000)?.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(parseProviderTime('1700000000')?.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(parseProviderTime('2026-03-01T09:00:00.000Z')?.toISOString()).toBe('2026-03-01T09:00:00.000Z');
    expect(parseProviderTime('yesterday')).toBeNull();
    expect(parseProviderTime(undefined)).toBeNull();
  });
  it('measures lag from provider time, never negative', () => {
    expect(webhookLagMs(new Date(1000), new Date(4500))).toBe(3500);
    expect(webhookLagMs(new Date(5000), new Date(4500))).toBe(0);
    expect(webhookLagMs(null, new Date(4500))).toBeNull();
  });
});

describe('readTwilioCallback', () => {
  const status = { AccountSid: 'AC1', MessageSid: 'SM1', SmsSid: 'SM1', From: '+61480000001', To: '+61412345678', ApiVersion: '2010-04-01' };
  it.each([
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['undelivered', 'failed'],
    ['failed', 'failed'],
    ['queued', 'queued'],
  ])('status %s → %s, keyed by sid and status', (word, expected) => {
    expect(readTwilioCallback({ ...status, MessageStatus: word, SmsStatus: word })).toMatchObject({
      kind: 'status',
      eventId: `SM1:${word}`,
      providerMessageId: 'SM1',
      status: expected,
      ourNumber: '+61480000001',
      recipient: '+61412345678',
    });
  });
  it('keeps the error code of a failure', () => {
    expect(readTwilioCallback({ ...status, MessageStatus: 'undelivered', ErrorCode: '30003' })).toMatchObject({ status: 'failed', errorCode: '30003' });
  });
  it('reads an inbound message (our number is To)', () => {
    expect(readTwilioCallback({ AccountSid: 'AC1', MessageSid: 'SM9', SmsStatus: 'received', From: '+61412345678', To: '+61480000001', Body: 'STOP', NumSegments: '1' })).toEqual({
      kind: 'inbound',
      eventId: 'SM9:received',
      providerMessageId: 'SM9',
      from: '+61412345678',
      rawFrom: '+61412345678',
      ourNumber: '+61480000001',
      body: 'STOP',
      parts: 1,
      providerTime: null,
    });
  });
  it('keeps an unknown status as unknown, and a callback without a sid as unreadable', () => {
    expect(readTwilioCallback({ ...status, MessageStatus: 'teleported' })).toMatchObject({ kind: 'unknown', label: 'teleported', eventId: 'SM1:teleported' });
    expect(readTwilioCallback({ From: '+61480000001', MessageStatus: 'sent' })).toMatchObject({ kind: 'unreadable' });
  });
});

describe('readSignalHouseCallback', () => {
  const delivered = {
    timestamp: '2026-03-01T09:00:00.000Z',
    event: 'MESSAGE_DELIVERED',
    identifier: 'm1',
    metaData: { _id: 'm1', status: 'DELIVERED', senderPhoneNumber: '61480000001', recipientPhoneNumber: '61412345678', segmentCount: 2 },
  };
  it('reads a delivery, keyed by the delivery id', () => {
    expect(readSignalHouseCallback(JSON.stringify(delivered), 'dlv_1')).toEqual({
      kind: 'status',
      eventId: 'dlv_1',
      providerMessageId: 'm1',
      status: 'delivered',
      rawStatus: 'MESSAGE_DELIVERED',
      errorCode: null,
      errorMessage: null,
      ourNumber: '+61480000001',
      recipient: '+61412345678',
      parts: 2,
      providerTime: new Date('2026-03-01T09:00:00.000Z'),
    });
  });
  it('falls back to <id>:<event> without a delivery id', () => {
    expect(readSignalHouseCallback(JSON.stringify(delivered), undefined).eventId).toBe('m1:MESSAGE_DELIVERED');
  });
  it('reads a failure with its reason', () => {
    const failed = { ...delivered, event: 'MESSAGE_FAILED', metaData: { ...delivered.metaData, status: 'FAILED', errorCode: 'UNDELIVERED', failureReason: 'carrier said no' } };
    expect(readSignalHouseCallback(JSON.stringify(failed), 'd2')).toMatchObject({ kind: 'status', status: 'failed', errorCode: 'UNDELIVERED', errorMessage: 'carrier said no' });
  });
  it('reads an inbound message under metaData.Message (the person is the sender)', () => {
    const inbound = {
      timestamp: 1_772_355_600_000,
      event: 'MESSAGE_RECEIVED',
      identifier: 'in1',
      metaData: { Message: { _id: 'in1', senderPhoneNumber: '61412345678', recipientPhoneNumber: ['61480000001'], messageBody: 'Stop', segmentCount: 1 } },
    };
    expect(readSignalHouseCallback(JSON.stringify(inbound), 'd3')).toEqual({
      kind: 'inbound',
      eventId: 'd3',
      providerMessageId: 'in1',
      from: '+61412345678',
      rawFrom: '61412345678',
      ourNumber: '+61480000001',
      body: 'Stop',
      parts: 1,
      providerTime: new Date(1_772_355_600_000),
    });
  });
  it('finds our number beside the message when the message does not name it', () => {
    const inbound = { event: 'MESSAGE_RECEIVED', metaData: { recipientPhoneNumber: '61480000001', Message: { _id: 'in2', senderPhoneNumber: '61412345678', messageBody: 'hi' } } };
    expect(readSignalHouseCallback(JSON.stringify(inbound), 'd7')).toMatchObject({ kind: 'inbound', ourNumber: '+61480000001', from: '+61412345678' });
  });
  it('keeps unknown events and unreadable bodies for a person to read', () => {
    expect(readSignalHouseCallback(JSON.stringify({ event: 'NUMBER_PORTED', metaData: { senderPhoneNumber: '61480000001' } }), 'd4')).toMatchObject({ kind: 'unknown', label: 'NUMBER_PORTED', eventId: 'd4' });
    expect(readSignalHouseCallback('not json', 'd5')).toMatchObject({ kind: 'unreadable', eventId: 'd5' });
    expect(readSignalHouseCallback(JSON.stringify({ event: 'MESSAGE_RECEIVED', metaData: {} }), 'd6')).toMatchObject({ kind: 'unreadable', eventId: 'd6' });
  });
});
