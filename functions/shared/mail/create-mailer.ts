/**
 * Picks the Mailer from config: Postmark when its keys are set, the dev mailbox otherwise. Config
 * refuses production without Postmark, so the dev mailbox can only ever exist in local mode.
 */
import type { Mailer } from '../../../core/ports/mailer';
import type { Config } from '../config';
import type { Logger } from '../log';
import { createDevMailbox, type DevMailbox } from './dev-mailbox';
import { createPostmarkMailer } from './postmark-mailer';

export function createMailer(config: Config, options: { log: Logger; now: () => Date; fetch?: typeof fetch }): { mailer: Mailer; devMailbox: DevMailbox | undefined } {
  if (config.mail.kind === 'postmark') {
    return { mailer: createPostmarkMailer({ ...config.mail, fetch: options.fetch }), devMailbox: undefined };
  }
  if (config.env !== 'local') throw new Error('the dev mailbox runs in local mode only; set POSTMARK_SERVER_TOKEN and MAIL_FROM');
  const devMailbox = createDevMailbox({ log: options.log, now: options.now });
  return { mailer: devMailbox, devMailbox };
}
