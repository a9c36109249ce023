/**
 * `GET /api/dev/mailbox` (local mode only: the route is registered only when the dev mailbox exists,
 * which config allows only with REACTOR_ENV=local). Public, because it is how a developer signs in.
 */
import { Hono } from 'hono';
import type { StaffEnv } from '../shared/auth/staff-access';
import type { DevMailbox } from '../shared/mail/dev-mailbox';

export function devMailboxRoutes(mailbox: DevMailbox): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  app.get('/dev/mailbox', (c) => {
    c.header('cache-control', 'no-store');
    return c.json({ messages: mailbox.messages().map(({ to, subject, link, sentAt }) => ({ to, subject, link, sentAt })) });
  });
  return app;
}
