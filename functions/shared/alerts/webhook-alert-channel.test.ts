import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alertWebhookBodySchema, budgetAlert } from '../../../core/alerts/alert';
import { DomainError } from '../../../core/errors';
import { startAlertReceiver, type AlertReceiver } from './test-support/alert-receiver';
import { createWebhookAlertChannel } from './webhook-alert-channel';

let receiver: AlertReceiver;
beforeAll(async () => {
  receiver = await startAlertReceiver();
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(() => {
  receiver.received.length = 0;
  receiver.respond(200);
});

const now = new Date('2026-03-02T10:20:00.000Z');
const alert = budgetAlert({
  id: 'alt_01',
  tenant: { id: 'ten_1', name: 'Acme' },
  now,
  level: 'near_cap',
  period: 'daily',
  spentMicros: 80_000_000,
  capMicros: 100_000_000,
  alertAtPercent: 80,
  window: { startsAt: new Date('2026-03-01T13:00:00.000Z'), endsAt: new Date('2026-03-02T13:00:00.000Z') },
});

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
}

describe('webhook alert channel', () => {
  it('posts the alert as versioned JSON to the URL as given (its secret path and query kept)', async () => {
    const channel = createWebhookAlertChannel({ url: `${receiver.url}/hooks/T0/B0/secret?team=ops` });
    await channel.deliver(alert);
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request).toMatchObject({ method: 'POST', path: '/hooks/T0/B0/secret?team=ops' });
    expect(request?.headers['content-type']).toBe('application/json');
    const body = alertWebhookBodySchema.parse(request?.body);
    expect(body).toEqual({
      type: 'revenue_reactor.alert',
      version: 1,
      text: `Acme: 80 % of the daily spend cap used ($80.00 of $100.00)\n${alert.text}`,
      alert: {
        id: 'alt_01',
        kind: 'budget_near_cap',
        tenantId: 'ten_1',
        tenantName: 'Acme',
        raisedAt: now.toISOString(),
        severity: 'warning',
        title: alert.title,
        text: alert.text,
        details: { period: 'daily', spentMicros: 80_000_000, capMicros: 100_000_000, usedBps: 8_000, alertAtPercent: 80, windowStartsAt: '2026-03-01T13:00:00.000Z', resetsAt: '2026-03-02T13:00:00.000Z' },
      },
    });
  });

  it.each([
    [503, true],
    [429, true],
    [404, false],
    [400, false],
  ])('an HTTP %i answer throws provider_error (retryable: %s) naming only the origin', async (status, retryable) => {
    receiver.respond(status);
    const error = await rejection(createWebhookAlertChannel({ url: `${receiver.url}/secret-path` }).deliver(alert));
    expect(error).toMatchObject({ code: 'provider_error', retryable });
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).not.toContain('secret-path');
  });

  it('gives up on a receiver that does not answer, as a retryable failure', async () => {
    receiver.respond('hang');
    const error = await rejection(createWebhookAlertChannel({ url: `${receiver.url}/slow`, timeoutMs: 200 }).deliver(alert));
    expect(error).toMatchObject({ code: 'provider_error', retryable: true });
  });

  it('a receiver that is not there is a retryable failure', async () => {
    const gone = await startAlertReceiver();
    await gone.close();
    const error = await rejection(createWebhookAlertChannel({ url: `${gone.url}/x` }).deliver(alert));
    expect(error).toMatchObject({ code: 'provider_error', retryable: true });
  });

  it.each(['not a url', 'ftp://example.com/hook', ''])('refuses the config %j', (url) => {
    expect(() => createWebhookAlertChannel({ url })).toThrow();
  });
});
