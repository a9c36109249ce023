import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alertWebhookBodySchema, budgetAlert } from '../../../core/alerts/alert';
import { DomainError } from '../../../core/errors';
import { startAlertReceiver, type AlertReceiver } from './test-support/alert-receiver';
import { assertPublicTarget, createWebhookAlertChannel } from './webhook-alert-channel';

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

  it("a tenant's webhook never follows a redirect (the operator's may)", async () => {
    receiver.respond(302);
    const error = await rejection(createWebhookAlertChannel({ url: `${receiver.url}/tenant-hook` }, { kind: 'tenant_webhook' }).deliver(alert));
    expect(error).toMatchObject({ code: 'provider_error' });
    expect(receiver.received.map((r) => r.path)).toEqual(['/tenant-hook']);
  });

  it.each([
    ['its own loopback receiver, over http', (url: string) => `${url}/hook`, 'must be an https URL'],
    ['the loopback address', (url: string) => url.replace('http://', 'https://'), 'not this server or its network'],
    ['localhost', () => 'https://localhost/hook', 'not this server or its network'],
    ['IPv6 loopback', () => 'https://[::1]/hook', 'not this server or its network'],
    ['loopback mapped into IPv6', () => 'https://[::ffff:127.0.0.1]/hook', 'not this server or its network'],
    ['loopback written as one number', () => 'https://2130706433/hook', 'not this server or its network'],
    ['the cloud metadata address', () => 'https://169.254.169.254/latest/meta-data', 'not this server or its network'],
    ['a private network', () => 'https://10.1.2.3/hook', 'not this server or its network'],
  ])("in production a tenant's webhook on %s is refused without a request", async (_what, target, why) => {
    const url = target(receiver.url);
    const channel = createWebhookAlertChannel({ url }, { kind: 'tenant_webhook', targets: 'public_only' });
    const error = await rejection(channel.deliver(alert));
    expect(error).toMatchObject({ code: 'provider_error', retryable: false, details: { reason: 'target_not_public' } });
    expect(error.message).toContain(why);
    expect(receiver.received).toHaveLength(0);
  });

  it("in production a tenant's webhook is judged by every address its name resolves to", async () => {
    // The DNS answers are this test's input: a name that also answers with a private address (as a
    // rebinding name would) is refused; one whose addresses are all public is let through to the call.
    await expect(assertPublicTarget('https://hooks.example.com/x', async () => ['93.184.215.14', '10.0.0.7'])).rejects.toMatchObject({
      code: 'provider_error',
      retryable: false,
      message: expect.stringContaining('resolves to an address of this server or its network'),
    });
    await expect(assertPublicTarget('https://hooks.example.com/x', async () => ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'])).resolves.toBeUndefined();
    // The system resolver: a name under .invalid never resolves (RFC 6761); a failed lookup may be DNS's passing
    // trouble, so it is retried at the next raise.
    await expect(assertPublicTarget('https://alerts.no-such-host.invalid/x')).rejects.toMatchObject({ code: 'provider_error', retryable: true });
  });

  it.each(['not a url', 'ftp://example.com/hook', ''])('refuses the config %j', (url) => {
    expect(() => createWebhookAlertChannel({ url })).toThrow();
  });
});
