/**
 * Chooses the SMS adapters from config and certifies each for its route (core/routing.ts): the bulk
 * (campaign) route is SignalHouse when `SIGNALHOUSE_API_KEY` and `SIGNALHOUSE_WEBHOOK_SECRET` are set,
 * else the sandbox imitating SignalHouse; the 1:1 (conversation) route is Twilio when
 * `TWILIO_ACCOUNT_SID` and `TWILIO_AUTH_TOKEN` are set, else the sandbox imitating Twilio. The types
 * make the crossed pairing (Twilio for bulk, SignalHouse for 1:1) impossible to build here or anywhere.
 */
import type { SmsProvider } from '../../../core/ports/sms-provider';
import { bulkSender, conversationSender, type BulkSender, type ConversationSender } from '../../../core/routing';
import type { Db } from '../../../db/client';
import type { Config } from '../config';
import type { Logger } from '../log';
import { createSandboxSms, type SandboxSms } from './sandbox';
import { createSandboxWebhookSecrets, deliverDueSandboxCallbacks, type DeliverOutcome, type SandboxWebhookSecrets } from './sandbox-callbacks';
import { createSignalHouseSms } from './signalhouse';
import { createTwilioSms } from './twilio';

export type BulkAdapter = SmsProvider<'signalhouse'> | SandboxSms;
export type ConversationAdapter = SmsProvider<'twilio'> | SandboxSms;

export type SandboxRuntime = {
  /** What the webhook verifies sandbox callbacks with, for a provider whose real keys are not set. */
  webhookSecrets: SandboxWebhookSecrets;
  /** Posts the status callbacks that are due (for the cron tick). */
  deliverDueCallbacks(): Promise<DeliverOutcome>;
};

export type SmsServices = {
  bulk: BulkSender<BulkAdapter>;
  conversation: ConversationSender<ConversationAdapter>;
  /** Set when either route runs on the sandbox. */
  sandbox: SandboxRuntime | undefined;
};

export function createSms(
  config: Pick<Config, 'signalhouse' | 'twilio'>,
  options: { db: Db; log: Logger; now: () => Date; random: (length: number) => Uint8Array; fetch?: typeof fetch },
): { sms: SmsServices } {
  const doFetch = options.fetch ?? fetch;
  const sandboxFor = (imitates: 'signalhouse' | 'twilio') => createSandboxSms({ db: options.db, imitates, now: options.now, random: options.random, log: options.log });
  const bulk: BulkAdapter =
    config.signalhouse.kind === 'signalhouse' ? createSignalHouseSms({ apiKey: config.signalhouse.apiKey, fetch: doFetch }) : sandboxFor('signalhouse');
  const conversation: ConversationAdapter =
    config.twilio.kind === 'twilio'
      ? createTwilioSms({ accountSid: config.twilio.accountSid, authToken: config.twilio.authToken, fetch: doFetch })
      : sandboxFor('twilio');
  let sandbox: SandboxRuntime | undefined;
  if (bulk.sandbox || conversation.sandbox) {
    const webhookSecrets = createSandboxWebhookSecrets(options.random);
    sandbox = {
      webhookSecrets,
      deliverDueCallbacks: () => deliverDueSandboxCallbacks({ db: options.db, secrets: webhookSecrets, now: options.now, fetch: doFetch, log: options.log }),
    };
  }
  return { sms: { bulk: bulkSender(bulk), conversation: conversationSender(conversation), sandbox } };
}
