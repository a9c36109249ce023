import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../../core/errors';
import type { OutgoingMessage } from '../../../core/ports/queue';
import { createQStashQueue } from './qstash';
import { startQStashServer, type QStashServer } from './test-support/qstash-server';

let qstash: QStashServer;
beforeAll(async () => {
  qstash = await startQStashServer();
});
afterAll(async () => {
  await qstash.close();
});

const publicUrl = 'https://reactor.example';
const queue = () => createQStashQueue({ baseUrl: qstash.url, token: qstash.token, publicUrl });
const message = (dedupeId: string, extra: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  destination: 'import-chunk',
  body: { type: 'import.chunk', v: 1, data: { importId: 'imp_1', chunk: 2 } },
  dedupeId,
  ...extra,
});

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
}

describe('QStash queue adapter', () => {
  it("publishes the JSON body to the function's public URL with QStash's headers", async () => {
    const result = await queue().publish(message('import:imp_1:chunk:2', { delaySeconds: 30, retries: 5, correlationId: 'req_abc' }));
    const record = qstash.published.find((p) => p.messageId === result.messageId);
    expect(result.deduplicated).toBe(false);
    expect(record?.destination).toBe('https://reactor.example/fn/import-chunk');
    expect(JSON.parse(record?.body ?? 'null')).toEqual({ type: 'import.chunk', v: 1, data: { importId: 'imp_1', chunk: 2 } });
    expect(record?.headers).toMatchObject({
      'content-type': 'application/json',
      'upstash-deduplication-id': 'import:imp_1:chunk:2',
      'upstash-delay': '30s',
      'upstash-retries': '5',
      'upstash-forward-x-request-id': 'req_abc',
    });
  });

  it('sends no delay header without a delay, and the default retries', async () => {
    const result = await queue().publish(message('no-delay'));
    const record = qstash.published.find((p) => p.messageId === result.messageId);
    expect(record?.headers['upstash-delay']).toBeUndefined();
    expect(record?.headers['upstash-retries']).toBe('3');
  });

  it('reports the second publish of a dedupe id as deduplicated, with the first message id', async () => {
    const first = await queue().publish(message('probe:qpr_1:step:7'));
    const before = qstash.published.length;
    const second = await queue().publish(message('probe:qpr_1:step:7'));
    expect(second).toEqual({ messageId: first.messageId, deduplicated: true });
    expect(qstash.published.length).toBe(before);
  });

  it('treats a bare 202 (older QStash answers carry no flag) as deduplicated', async () => {
    qstash.failNext(202, JSON.stringify({ messageId: 'msg_old' }));
    expect(await queue().publish(message('older-format'))).toEqual({ messageId: 'msg_old', deduplicated: true });
  });

  it.each([
    [429, '{"error":"too many requests"}', 'unavailable', true],
    [500, '{"error":"internal"}', 'unavailable', true],
    [503, 'upstream connect error', 'unavailable', true],
    [400, '{"error":"invalid destination"}', 'provider_error', false],
    [412, '{"error":"quota exceeded"}', 'provider_error', false],
  ])('maps a %i answer to %s (retryable: %s)', async (status, body, code, retryable) => {
    qstash.failNext(status, body);
    const error = await rejection(queue().publish(message(`fail-${status}`)));
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.details).toMatchObject({ status });
  });

  it('refuses a wrong token as a provider error naming QStash’s reason', async () => {
    const error = await rejection(createQStashQueue({ baseUrl: qstash.url, token: 'wrong', publicUrl }).publish(message('bad-token')));
    expect(error.code).toBe('provider_error');
    expect(error.message).toContain('Unauthorized');
  });

  it('maps an unreachable QStash to a retryable unavailable', async () => {
    const closed = await startQStashServer();
    await closed.close();
    const error = await rejection(createQStashQueue({ baseUrl: closed.url, token: 't', publicUrl }).publish(message('down')));
    expect(error.code).toBe('unavailable');
    expect(error.retryable).toBe(true);
  });

  it('treats an unreadable success answer as retryable (republishing the same dedupe id is safe)', async () => {
    qstash.failNext(200, '<html>proxy</html>');
    const error = await rejection(queue().publish(message('garbled')));
    expect(error.code).toBe('provider_error');
    expect(error.retryable).toBe(true);
  });

  it('refuses a dedupe id that cannot travel in a header, before calling QStash', async () => {
    const before = qstash.requests;
    const error = await rejection(queue().publish(message('has space')));
    expect(error.code).toBe('bad_request');
    expect(qstash.requests).toBe(before);
  });
});
