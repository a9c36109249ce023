/**
 * The sandbox's status callbacks: built in the exact wire format and signature of the provider it
 * imitates and POSTed to the message's `statusCallbackUrl`, so they travel the real signed webhook
 * path (`POST /api/webhooks/twilio`, `/api/webhooks/signalhouse`), verified by the same code that
 * verifies the real providers.
 *
 * - `buildSandboxCallback(receipt, secrets, nowMs)`: the request (URL, headers, body). Twilio: a form
 *   post with `MessageSid`, `MessageStatus` (`delivered` / `undelivered`), `ErrorCode`, … signed with
 *   `X-Twilio-Signature`. SignalHouse: JSON `{timestamp, event, identifier, metaData}` signed with
 *   `X-SignalHouse-Signature` over `<X-SignalHouse-Timestamp>.<body>`, with a stable
 *   `X-SignalHouse-Delivery-Id` per event (a redelivery carries the same id, so the webhook dedupes it).
 * - `deliverDueSandboxCallbacks(…)`: claims the callbacks that are due (a lease, so two ticks never post
 *   one callback at once), posts them, and marks the ones the webhook answered 2xx. A failed post is
 *   retried when its lease runs out, with backoff (5 s, 10 s, … up to 10 min).
 *
 * The signing secrets are the sandbox's own (`createSandboxWebhookSecrets`): the webhook verifies
 * sandbox callbacks with them wherever the provider's real keys are not configured.
 */
import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import { signalHouseHeaders, signalHouseSignature } from '../../../core/signatures/signalhouse';
import { twilioSignature, twilioSignatureHeader } from '../../../core/signatures/twilio';
import type { Db } from '../../../db/client';
import { sandboxReceipts } from '../../../db/schema/index';
import type { Logger } from '../log';

export type SandboxReceipt = typeof sandboxReceipts.$inferSelect;

export type SandboxWebhookSecrets = {
  /** Stands in for TWILIO_AUTH_TOKEN when Twilio is not configured. */
  twilioAuthToken: string;
  /** Stands in for SIGNALHOUSE_WEBHOOK_SECRET when SignalHouse is not configured. */
  signalHouseSecret: string;
};

/** The AccountSid the sandbox's Twilio callbacks carry (Twilio's shape: AC + 32 hex). */
export const sandboxTwilioAccountSid = `AC${'5a4db0c5'.repeat(4)}`;

/** Fresh secrets for one runtime: callbacks are signed when they are posted, by the process that posts them. */
export function createSandboxWebhookSecrets(random: (length: number) => Uint8Array): SandboxWebhookSecrets {
  return {
    twilioAuthToken: Buffer.from(random(16)).toString('hex'),
    signalHouseSecret: `whsec_${Buffer.from(random(32)).toString('base64url')}`,
  };
}

export type SandboxCallbackRequest = {
  receiptId: string;
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
};

export async function buildSandboxCallback(receipt: SandboxReceipt, secrets: SandboxWebhookSecrets, nowMs: number): Promise<SandboxCallbackRequest> {
  if (receipt.callbackStatus === null) throw new Error(`sandbox receipt ${receipt.id} has no callback (outcome ${receipt.outcome})`);
  const failed = receipt.callbackStatus === 'failed';
  if (receipt.imitates === 'twilio') {
    const status = failed ? 'undelivered' : 'delivered';
    const params: Record<string, string> = {
      AccountSid: sandboxTwilioAccountSid,
      ApiVersion: '2010-04-01',
      From: receipt.fromNumber,
      To: receipt.toNumber,
      MessageSid: receipt.id,
      SmsSid: receipt.id,
      MessageStatus: status,
      SmsStatus: status,
      ...(failed && receipt.callbackErrorCode !== null ? { ErrorCode: receipt.callbackErrorCode } : {}),
    };
    return {
      receiptId: receipt.id,
      url: receipt.statusCallbackUrl,
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        [twilioSignatureHeader]: await twilioSignature(secrets.twilioAuthToken, receipt.statusCallbackUrl, params),
        // Twilio sends one per event, the same on its retries.
        'i-twilio-idempotency-token': `${receipt.id}-${status}`,
        'user-agent': 'TwilioProxy/1.1 (revenue-reactor sandbox)',
      },
      body: new URLSearchParams(params).toString(),
    };
  }
  const event = failed ? 'MESSAGE_FAILED' : 'MESSAGE_DELIVERED';
  const body = JSON.stringify({
    timestamp: new Date(nowMs).toISOString(),
    event,
    identifier: receipt.id,
    metaData: {
      _id: receipt.id,
      status: failed ? 'FAILED' : 'DELIVERED',
      senderPhoneNumber: receipt.fromNumber.replace(/^\+/, ''),
      recipientPhoneNumber: receipt.toNumber.replace(/^\+/, ''),
      messageBody: receipt.body,
      segmentCount: receipt.parts,
      ...(failed ? { errorCode: receipt.callbackErrorCode, failureReason: 'The carrier could not deliver the message.' } : {}),
    },
  });
  const timestamp = String(Math.floor(nowMs));
  return {
    receiptId: receipt.id,
    url: receipt.statusCallbackUrl,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [signalHouseHeaders.timestamp]: timestamp,
      [signalHouseHeaders.signature]: await signalHouseSignature(secrets.signalHouseSecret, timestamp, body),
      [signalHouseHeaders.deliveryId]: `${receipt.id}:${event}`,
    },
    body,
  };
}

/**
 * Claims up to `limit` due callbacks: one statement that pushes each one's `deliver_after` forward by
 * its backoff (the lease) and counts the attempt, skipping rows another deliverer holds.
 */
export async function claimDueSandboxCallbacks(db: Db, options: { now: Date; limit?: number }): Promise<SandboxReceipt[]> {
  const due = db
    .select({ id: sandboxReceipts.id })
    .from(sandboxReceipts)
    .where(and(isNull(sandboxReceipts.callbackDeliveredAt), lte(sandboxReceipts.deliverAfter, options.now)))
    .orderBy(asc(sandboxReceipts.deliverAfter))
    .limit(options.limit ?? 50)
    .for('update', { skipLocked: true });
  return db
    .update(sandboxReceipts)
    .set({
      callbackAttempts: sql`${sandboxReceipts.callbackAttempts} + 1`,
      deliverAfter: sql`${options.now.toISOString()}::timestamptz + make_interval(secs => least(600, 5 * power(2, ${sandboxReceipts.callbackAttempts})))`,
    })
    .where(inArray(sandboxReceipts.id, due))
    .returning();
}

export async function markSandboxCallbackDelivered(db: Db, receiptId: string, at: Date): Promise<void> {
  await db.update(sandboxReceipts).set({ callbackDeliveredAt: at }).where(and(eq(sandboxReceipts.id, receiptId), isNull(sandboxReceipts.callbackDeliveredAt)));
}

export type DeliverOutcome = { delivered: number; failed: number };

/** Posts every due callback once; for the cron tick (or a test) to call. */
export async function deliverDueSandboxCallbacks(options: {
  db: Db;
  secrets: SandboxWebhookSecrets;
  now: () => Date;
  fetch: typeof fetch;
  log: Logger;
  limit?: number;
  timeoutMs?: number;
}): Promise<DeliverOutcome> {
  const claimed = await claimDueSandboxCallbacks(options.db, { now: options.now(), limit: options.limit });
  const outcome: DeliverOutcome = { delivered: 0, failed: 0 };
  for (const receipt of claimed) {
    const request = await buildSandboxCallback(receipt, options.secrets, options.now().getTime());
    let status: number | undefined;
    try {
      const response = await options.fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      status = response.status;
      await response.body?.cancel();
    } catch (error) {
      options.log.warn('sandbox callback not delivered', { receiptId: receipt.id, url: request.url, attempt: receipt.callbackAttempts, err: error });
    }
    if (status !== undefined && status >= 200 && status < 300) {
      await markSandboxCallbackDelivered(options.db, receipt.id, options.now());
      outcome.delivered += 1;
    } else {
      if (status !== undefined) options.log.warn('sandbox callback refused', { receiptId: receipt.id, url: request.url, status, attempt: receipt.callbackAttempts });
      outcome.failed += 1;
    }
  }
  return outcome;
}
