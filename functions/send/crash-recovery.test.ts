/**
 * Sending survives `kill -9`: a real `npm start` child process sends a campaign of 10,000 messages
 * through the sandbox provider; we kill it hard three times mid-send and restart it each time on the
 * same DATA_DIR and ports. At the end the sandbox's receipt log (the provider's own record of every
 * call it received) shows at most one call per job, and every job ended `sent` (or `delivered`), `failed` (the two
 * magic numbers the sandbox refuses: opted out, rejected) or `reconcile` (the few whose call a kill may have interrupted);
 * none is left queued, deferred or sending.
 *
 * The leases: a job claimed but never marked for its call goes back to the queue after 2 minutes, a job
 * marked for its call goes to reconciliation after 10. Rather than wait for them, the last step runs the
 * sender in-process on the stopped stack's database with a clock 11 minutes ahead, as the cron safety
 * net would after the leases ran out.
 *
 * `SEND_CRASH_JOBS` (default 10,000) shrinks the campaign on a slow machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, type DatabaseTarget } from '../../db/client';
import { budgets, campaigns, campaignTemplates, contacts, messageTemplates, prices, sendingNumbers } from '../../db/schema/index';
import { createTestTenant, createThrowawayDatabase, testId } from '../../db/testing';
import { signIn, type SignedIn } from '../../scripts/testing/sign-in';
import { freePort, spawnStack, type SpawnedStack } from '../../scripts/testing/spawn-stack';
import { buildRuntime } from '../shared/compose';
import { parseConfig } from '../shared/config';
import { createLogger } from '../shared/log';
import { sandboxMagicNumbers } from '../shared/sms/sandbox';
import { sendBatch } from './send-batch';
import { senderDeps } from './index';

const jobsTotal = Number(process.env.SEND_CRASH_JOBS ?? 10_000);

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** PGlite in DATA_DIR, or a throw-away database of its own on the DATABASE_URL server. */
async function databaseFor(dataDir: string): Promise<{ env: Record<string, string>; target: DatabaseTarget }> {
  const url = process.env.DATABASE_URL?.trim();
  if (!url) return { env: { DATABASE_URL: '' }, target: { kind: 'pglite', dir: path.join(dataDir, 'pglite') } };
  const throwaway = await createThrowawayDatabase(url, 'rr_crash');
  cleanups.push(() => throwaway.drop());
  return { env: { DATABASE_URL: throwaway.url }, target: { kind: 'postgres', url: throwaway.url } };
}

type Counts = { queued: number; deferred: number; sending: number; sent: number; delivered: number; failed: number; skipped: number; reconcile: number; total: number };

const always = { start: '00:00', end: '24:00' };

describe('sending crash recovery', () => {
  it(
    'kill -9 during a campaign: at most one provider call per job, every job sent, failed or in reconciliation',
    async () => {
      expect(Number.isInteger(jobsTotal) && jobsTotal >= 100).toBe(true);
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reactor-send-crash-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      const { env, target } = await databaseFor(dataDir);
      const port = await freePort();
      const edgePort = await freePort();
      const spawn = () => spawnStack({ dataDir, env, port, edgePort, readyTimeoutMs: 120_000 });

      // First start migrates and seeds; the campaign is then set up underneath, with the stack stopped
      // (PGlite has one process at a time): 10,000 contacts, two of them numbers the sandbox refuses.
      let stack: SpawnedStack = await spawn();
      cleanups.push(async () => void (await stack.kill9()));
      // Only gone matters here (a clean Ctrl-C exit is scripts/start.test.ts's business).
      await stack.kill9();
      const setup = await openDatabase(target);
      let tenantId: string;
      let adminEmail: string;
      const campaignId = testId('campaign');
      try {
        const { db } = setup;
        const { tenant, admin } = await createTestTenant(db, { name: 'Crash sender', quietHours: { fallback: always, countries: { AU: { week: always } } } });
        tenantId = tenant.id;
        adminEmail = admin.email;
        await db.insert(prices).values({ provider: 'sandbox', country: 'AU', microsPerPart: 40_000 }).onConflictDoNothing();
        await db.insert(budgets).values({ tenantId, dailyMicros: 100_000_000_000, monthlyMicros: 1_000_000_000_000, perMinute: 1_000_000, perNumberPerMinute: 500_000 });
        await db.insert(sendingNumbers).values([0, 1, 2].map((i) => ({ id: testId('sendingNumber'), tenantId, e164: `+6149978${String(i).padStart(4, '0')}`, provider: 'sandbox' as const, use: 'bulk' as const })));
        const templateId = testId('template');
        await db.insert(messageTemplates).values({ id: templateId, tenantId, name: 'Crash', body: 'Hi {first_name|there}, see {link}' });
        await db.insert(campaigns).values({ id: campaignId, tenantId, name: 'Crash', linkUrl: 'https://example.com/offer' });
        await db.insert(campaignTemplates).values({ campaignId, templateId, tenantId, position: 0 });
        await db.insert(contacts).values([sandboxMagicNumbers.optedOut[1], sandboxMagicNumbers.rejected[1]].map((phone) => ({ id: testId('contact'), tenantId, phoneE164: phone })));
        await queryRows(
          db,
          sql`insert into contacts (id, tenant_id, phone_e164, first_name, tags)
              select 'ctc_crash' || lpad(g::text, 17, '0'), ${tenantId}, '+61413' || lpad(g::text, 6, '0'), 'Pat', '{}'::text[]
                from generate_series(1, ${jobsTotal - 2}) g`,
        );
      } finally {
        await setup.close();
      }

      stack = await spawn();
      let session: SignedIn = await signIn(stack.url, adminEmail);
      const counts = async (): Promise<Counts> => {
        // A pooled connection to the killed process is reset on first use: one retry on a fresh one.
        const res = await fetch(`${stack.url}/api/campaigns/${campaignId}`, { headers: session.headers() }).catch(() =>
          fetch(`${stack.url}/api/campaigns/${campaignId}`, { headers: session.headers({ connection: 'close' }) }),
        );
        if (res.status !== 200) throw new Error(`campaign ${res.status}: ${await res.text()}`);
        return ((await res.json()) as { counts: Counts }).counts;
      };
      const queued = await fetch(`${stack.url}/api/campaigns/${campaignId}/queue`, { method: 'POST', headers: session.headers({ 'content-type': 'application/json' }), body: '{}' });
      expect(queued.status).toBe(202);
      expect(((await queued.json()) as { queued: number }).queued).toBe(jobsTotal);

      // Past a share of the campaign, preferably at a moment a batch is in flight (claimed, being sent).
      const waitSending = async (atLeast: number, timeoutMs: number): Promise<Counts> => {
        const deadline = Date.now() + timeoutMs;
        let passed: number | null = null;
        for (;;) {
          const c = await counts();
          if (c.sent + c.delivered >= atLeast) passed ??= Date.now();
          if ((passed !== null && (c.sending > 0 || Date.now() - passed > 2_000)) || c.queued + c.deferred === 0) return c;
          if (Date.now() > deadline) throw new Error(`sending stuck at ${JSON.stringify(c)}:\n${stack.output().slice(-3000)}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      const killedAt: string[] = [];
      // Kill while it sends, three times, each after the running process sent a fifth of the campaign,
      // a random moment later (so the kill lands anywhere: claim, mark, call, record).
      let sentBefore = 0;
      for (let kill = 0; kill < 3; kill++) {
        const before = await waitSending(sentBefore + Math.floor(jobsTotal / 5), 240_000);
        expect(before.queued + before.deferred + before.sending).toBeGreaterThan(0);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 400));
        killedAt.push(`${before.sent + before.delivered} sent, ${before.sending} sending`);
        sentBefore = before.sent + before.delivered;
        await stack.kill9();
        stack = await spawn();
        session = await signIn(stack.url, adminEmail);
      }
      // The last start sends the rest: nothing is left to claim but what the kills left in `sending`.
      const deadline = Date.now() + 240_000;
      let last = await counts();
      while (last.queued + last.deferred > 0) {
        if (Date.now() > deadline) throw new Error(`sending did not finish: ${JSON.stringify(last)}:\n${stack.output().slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        last = await counts();
      }
      await stack.kill9();

      // The leases run out: the sender, on the same database, with a clock 11 minutes ahead.
      const ahead = () => new Date(Date.now() + 11 * 60_000);
      const config = parseConfig({ REACTOR_ENV: 'local', DATA_DIR: dataDir, PORT: String(port), EDGE_PORT: String(edgePort), LOG_LEVEL: 'error', ...env });
      const runtime = await buildRuntime(config, { now: ahead, log: createLogger({ level: 'error' }) });
      try {
        const deps = senderDeps(runtime);
        for (let i = 0; i < 100; i++) {
          const outcome = await sendBatch(deps, { tenantId, campaignId });
          if (outcome.next.kind !== 'continue') break;
        }
        const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(runtime.db, query);
        const byStatus = await rows<{ status: string; n: number }>(sql`select status, count(*)::int as n from send_jobs where campaign_id = ${campaignId} group by status order by status`);
        const statuses = Object.fromEntries(byStatus.map((r) => [r.status, r.n]));
        // `delivered` is a sent job whose status callback (the sandbox's, through the webhook) came back.
        expect(Object.keys(statuses).filter((s) => !['sent', 'delivered', 'failed', 'reconcile'].includes(s))).toEqual([]);
        expect((statuses.sent ?? 0) + (statuses.delivered ?? 0) + (statuses.failed ?? 0) + (statuses.reconcile ?? 0)).toBe(jobsTotal);
        expect(statuses.failed).toBe(2);

        // The provider's log: at most one call per job, and a sent job's id is that call's.
        const [calls] = await rows<{ calls: number; jobs: number; most: number }>(
          sql`select count(*)::int as calls, count(distinct idempotency_key)::int as jobs, coalesce(max(n), 0)::int as most
                from (select idempotency_key, count(*) over (partition by idempotency_key) as n from sandbox_receipts
                       where idempotency_key in (select id from send_jobs where campaign_id = ${campaignId})) r`,
        );
        expect(calls?.most).toBe(1);
        expect(calls?.calls).toBe(calls?.jobs);
        const [mismatch] = await rows<{ n: number }>(
          sql`select count(*)::int as n from send_jobs j
                left join sandbox_receipts r on r.idempotency_key = j.id
               where j.campaign_id = ${campaignId} and j.status in ('sent', 'delivered') and (r.id is null or r.id <> j.provider_message_id)`,
        );
        expect(mismatch?.n).toBe(0);
        // Reconciliation holds only jobs a kill caught between the mark and the record: a handful per kill.
        const [unknown] = await rows<{ called: number; uncalled: number }>(
          sql`select count(*) filter (where exists (select 1 from sandbox_receipts r where r.idempotency_key = j.id))::int as called,
                     count(*) filter (where not exists (select 1 from sandbox_receipts r where r.idempotency_key = j.id))::int as uncalled
                from send_jobs j where j.campaign_id = ${campaignId} and j.status = 'reconcile'`,
        );
        console.info(`send crash test: ${jobsTotal} jobs, killed at ${killedAt.join(' / ')}; ${JSON.stringify(statuses)}; ${calls?.calls} provider calls; reconcile: ${unknown?.called} called, ${unknown?.uncalled} not called`);
      } finally {
        await runtime.close();
      }
    },
    900_000,
  );
});
