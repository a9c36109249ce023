/**
 * `npm run bench:send [-- --jobs N --numbers K --per-number R]`: a campaign from queued to SENT through
 * the sandbox, end to end on the local stack (the target: 100,000 jobs in ≤ 120 s with gates on,
 * and the per-number rate limit honoured to within 1 % of its setting).
 *
 * 1. Send: the local stack in this process (`startLocalStack`: the database, the `/fn/send` function
 *    behind its HTTP server, the local relay; no edge Worker, no cron ticks, so no status callbacks
 *    compete) on PGlite in DATA_DIR, or on a throw-away database of the DATABASE_URL server. A campaign
 *    of N contacts with two templates (one with a `{link}`, so short links are minted), K bulk sandbox
 *    numbers, a budget with daily and monthly caps, a tenant-wide per-minute cap, a per-number cap of R
 *    a minute, a warm-up curve, a price (so spend is counted) and 1 % of the contacts suppressed after the
 *    enqueue (the send-time gate skips them). Quiet hours are evaluated per job with a tenant override
 *    of 00:00–24:00, so the figure does not depend on the hour the bench runs. The clock starts when the
 *    queue's wake-up is published and stops when no job is left queued, deferred or sending.
 * 2. Rate: per number and per UTC minute, the sandbox's receipt log (what the provider saw) against R.
 *    Only whole minutes count for "within 1 %": the first and last minute of a run are partial.
 * 3. Baseline, same run, same database: the sandbox adapter called directly for N messages, one after
 *    the other (its receipt insert is the floor any sender pays), and the ratio to the sender.
 *
 * Bounded: N ≤ 200,000, everything on 127.0.0.1, and it cleans up after itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { newId } from '../../core/ids';
import { queryRows, type Db } from '../../db/client';
import { budgets, campaigns, campaignSendingNumbers, campaignTemplates, messageTemplates, prices, sendingNumbers, tenants } from '../../db/schema/index';
import { createTestTenant, createThrowawayDatabase } from '../../db/testing';
import { enqueueCampaign } from '../../functions/enqueue/enqueue-campaign';
import { tenantScope } from '../../functions/shared/auth/tenant-scope';
import { parseConfig } from '../../functions/shared/config';
import { startLocalStack, type LocalStack } from '../../functions/shared/local-server';
import { createLogger } from '../../functions/shared/log';
import { createSandboxSms } from '../../functions/shared/sms/sandbox';
import { freePort } from '../testing/spawn-stack';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function option(argv: string[], name: string, fallback: number, min: number, max: number): number {
  const i = argv.indexOf(`--${name}`);
  const n = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

const random = (n: number) => new Uint8Array(randomBytes(n));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Progress = { queued: number; deferred: number; sending: number; sent: number; skipped: number; failed: number; reconcile: number };

async function progress(db: Db, campaignId: string): Promise<Progress> {
  const [row] = await queryRows<Progress>(
    db,
    sql`select count(*) filter (where status = 'queued')::int as queued, count(*) filter (where status = 'deferred')::int as deferred,
               count(*) filter (where status = 'sending')::int as sending, count(*) filter (where status = 'sent')::int as sent,
               count(*) filter (where status = 'skipped')::int as skipped, count(*) filter (where status = 'failed')::int as failed,
               count(*) filter (where status = 'reconcile')::int as reconcile
          from send_jobs where campaign_id = ${campaignId}`,
  );
  if (row === undefined) throw new Error('no progress row');
  return row;
}

async function remaining(db: Db, campaignId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from send_jobs where campaign_id = ${campaignId} and status in ('queued', 'deferred', 'sending')`);
  return row?.n ?? 0;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const jobs = option(argv, 'jobs', 100_000, 100, 200_000);
  const numbers = option(argv, 'numbers', 5, 1, 50);
  const perNumber = option(argv, 'per-number', 10_000, 1, 1_000_000);
  const log = createLogger({ level: 'error' });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reactor-bench-send-'));
  const serverUrl = process.env.DATABASE_URL?.trim();
  const throwaway = serverUrl ? await createThrowawayDatabase(serverUrl, 'rr_bench') : undefined;
  let stack: LocalStack | undefined;
  try {
    const port = await freePort();
    const config = parseConfig({ REACTOR_ENV: 'local', DATA_DIR: dataDir, PORT: String(port), DATABASE_URL: throwaway?.url ?? '', LOG_LEVEL: 'error' });
    const setupStarted = performance.now();
    stack = await startLocalStack(config, { log, webDist: path.join(root, 'web', 'dist'), edge: false, cronIntervalMs: 24 * 3_600_000 });
    const { db } = stack.runtime;
    const id = (kind: Parameters<typeof newId>[0]) => newId(kind, Date.now(), random(10));

    // The tenant, its caps and its numbers.
    const { tenant, admin } = await createTestTenant(db, { name: 'Send bench', quietHours: { fallback: { start: '00:00', end: '24:00' }, countries: { AU: { week: { start: '00:00', end: '24:00' } } } } });
    await db.insert(prices).values({ provider: 'sandbox', country: 'AU', microsPerPart: 40_000 }).onConflictDoNothing();
    await db.insert(budgets).values({ tenantId: tenant.id, dailyMicros: 1_000_000_000_000, monthlyMicros: 10_000_000_000_000, perMinute: numbers * perNumber * 2, perNumberPerMinute: perNumber });
    await db.update(tenants).set({ warmupCurve: { kind: 'steps', steps: [{ fromDay: 1, perDay: 1_000_000 }], warmFromDay: 365 } }).where(sql`id = ${tenant.id}`);
    const numberIds = Array.from({ length: numbers }, () => id('sendingNumber'));
    const weekAgo = new Date(Date.now() - 7 * 86_400_000);
    await db.insert(sendingNumbers).values(numberIds.map((n, i) => ({ id: n, tenantId: tenant.id, e164: `+614990${String(i).padStart(5, '0')}`, provider: 'sandbox' as const, use: 'bulk' as const, warmupStartedAt: weekAgo })));

    // Contacts, templates and the campaign.
    await queryRows(
      db,
      sql`insert into contacts (id, tenant_id, phone_e164, first_name, tags)
          select 'ctc_' || lpad(g::text, 26, '0'), ${tenant.id}, '+61412' || lpad(g::text, 6, '0'), 'Pat', '{}'::text[]
            from generate_series(1, ${jobs}) g`,
    );
    const templateIds = [id('template'), id('template')];
    await db.insert(messageTemplates).values([
      { id: templateIds[0] ?? '', tenantId: tenant.id, name: 'Link', body: 'Hi {first_name|there}, this week only: {link}' },
      { id: templateIds[1] ?? '', tenantId: tenant.id, name: 'Plain', body: 'Hello {first_name|there}, we have news for you. Reply STOP to opt out' },
    ]);
    const campaignId = id('campaign');
    await db.insert(campaigns).values({ id: campaignId, tenantId: tenant.id, name: 'Bench', linkUrl: 'https://example.com/offer' });
    await db.insert(campaignTemplates).values(templateIds.map((templateId, position) => ({ campaignId, templateId, tenantId: tenant.id, position })));
    await db.insert(campaignSendingNumbers).values(numberIds.map((sendingNumberId) => ({ campaignId, sendingNumberId, tenantId: tenant.id })));
    await queryRows(db, sql`analyze`);
    const setupMs = performance.now() - setupStarted;

    // Queue it (the relay would start sending at once: hold the wake-up until the clock starts).
    const scope = tenantScope(db, { tenantId: tenant.id, actor: { userId: admin.id, requestId: 'bench' }, now: () => new Date(), random });
    const relay = stack.runtime.relay;
    if (relay === undefined) throw new Error('the benchmark runs on the local relay');
    await relay.stop();
    const enqueueStarted = performance.now();
    const queued = await enqueueCampaign(
      { db, database: stack.runtime.database, queue: stack.runtime.queue, log, now: () => new Date(), random, edgePublicUrl: config.edgePublicUrl },
      { scope, campaignId, correlationId: 'bench' },
    );
    const enqueueMs = performance.now() - enqueueStarted;
    // A cooldown that starts after the enqueue: only the send-time gate can catch it.
    await queryRows(
      db,
      sql`insert into suppression_rules (id, tenant_id, phone_e164, reason) select 'sup_' || right(id, 26), ${tenant.id}, phone_e164, 'cooldown'
            from contacts where tenant_id = ${tenant.id} and right(id, 2) = '42'`,
    );

    process.stdout.write(`sending ${queued.queued.toLocaleString('en-US')} jobs through ${numbers} numbers at ${perNumber.toLocaleString('en-US')}/min each…\n`);
    const started = performance.now();
    const startedAt = new Date();
    relay.start();
    relay.wake();
    // The watcher shares the machine with the sender: it polls only what is left (through the
    // campaign/status index, a shrinking range) and counts everything once every 10 s.
    let lastPrint = performance.now();
    const deadline = started + 15 * 60_000;
    while ((await remaining(db, campaignId)) > 0) {
      if (performance.now() > deadline) throw new Error(`not finished in 15 minutes: ${JSON.stringify(await progress(db, campaignId))}`);
      await sleep(200);
      if (performance.now() - lastPrint > 10_000) {
        lastPrint = performance.now();
        const now = await progress(db, campaignId);
        process.stdout.write(`  ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s  sent ${now.sent.toLocaleString('en-US')}\n`);
      }
    }
    const current = await progress(db, campaignId);
    const [last] = await queryRows<{ at: string | Date }>(db, sql`select max(sent_at) as at from send_jobs where campaign_id = ${campaignId}`);
    const sendMs = last?.at === undefined ? performance.now() - started : new Date(last.at).getTime() - startedAt.getTime();

    // Per number, per UTC minute, as the provider saw it.
    const windows = await queryRows<{ number: string; minute: string | Date; n: number }>(
      db,
      sql`select r.from_number as number, date_trunc('minute', r.received_at) as minute, count(*)::int as n
            from sandbox_receipts r join send_jobs j on j.id = r.idempotency_key
           where j.campaign_id = ${campaignId}
           group by 1, 2 order by 1, 2`,
    );
    const [calls] = await queryRows<{ calls: number; jobs: number; most: number }>(
      db,
      sql`select count(*)::int as calls, count(distinct r.idempotency_key)::int as jobs, coalesce(max(c.n), 0)::int as most
            from sandbox_receipts r join send_jobs j on j.id = r.idempotency_key
            left join lateral (select count(*)::int as n from sandbox_receipts x where x.idempotency_key = r.idempotency_key) c on true
           where j.campaign_id = ${campaignId}`,
    );
    const minutes = [...new Set(windows.map((w) => new Date(w.minute).getTime()))].sort((a, b) => a - b);
    const whole = new Set(minutes.slice(1, -1));

    // Baseline: the adapter alone, N calls in a row.
    await relay.stop();
    const sandbox = createSandboxSms({ db, imitates: 'signalhouse', now: () => new Date(), random, log });
    const baselineStarted = performance.now();
    for (let i = 0; i < queued.queued; i++) {
      await sandbox.send({ from: '+61499000000', to: `+61413${String(i).padStart(6, '0')}`, body: 'Hello Pat, we have news for you. Reply STOP to opt out', statusCallbackUrl: `${config.publicUrl}/api/webhooks/signalhouse`, idempotencyKey: `baseline-${i}` });
    }
    const baselineMs = performance.now() - baselineStarted;

    const fmt = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const perSec = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')}/s`;
    const lines = [
      '',
      `send bench on ${throwaway ? 'PostgreSQL (throw-away database)' : 'PGlite (embedded default, in DATA_DIR)'}, local relay, Node ${process.version}; setup ${fmt(setupMs)}`,
      `  enqueue: ${fmt(enqueueMs)}, queued ${queued.queued.toLocaleString('en-US')}`,
      `  queued → done: ${fmt(sendMs)}  sent ${current.sent.toLocaleString('en-US')}, skipped ${current.skipped} (send-time suppression), failed ${current.failed}, reconcile ${current.reconcile}`,
      `  throughput: ${perSec(current.sent + current.skipped + current.failed, sendMs)}  target ≤ 120 s for 100,000: ${sendMs <= 120_000 * (jobs / 100_000) ? 'met' : 'NOT met'}`,
      `  provider calls: ${calls?.calls ?? 0} for ${calls?.jobs ?? 0} jobs, at most ${calls?.most ?? 0} per job`,
      `  baseline (sandbox adapter alone, ${queued.queued.toLocaleString('en-US')} calls in a row): ${fmt(baselineMs)}  ${perSec(queued.queued, baselineMs)}; sender / baseline: ${(sendMs / baselineMs).toFixed(2)}×`,
      `  per number per UTC minute (setting ${perNumber.toLocaleString('en-US')}; * = whole minute):`,
    ];
    let worst = 0;
    let above = false;
    for (const [i, n] of numberIds.entries()) {
      const e164 = `+614990${String(i).padStart(5, '0')}`;
      const mine = windows.filter((w) => w.number === e164);
      const cells = mine.map((w) => {
        const t = new Date(w.minute).getTime();
        if (w.n > perNumber) above = true;
        if (whole.has(t)) worst = Math.max(worst, Math.abs(w.n - perNumber) / perNumber);
        return `${new Date(t).toISOString().slice(11, 16)} ${w.n}${whole.has(t) ? '*' : ''}`;
      });
      lines.push(`    ${e164} (${n.slice(-6)}): ${cells.join(', ')}`);
    }
    lines.push(
      whole.size === 0
        ? `  rate: no whole minute in this run; never above the setting: ${above ? 'NO' : 'yes'}`
        : `  rate: whole minutes within ${(worst * 100).toFixed(2)} % of the setting (target 1 %: ${worst <= 0.01 ? 'met' : 'NOT met'}); never above: ${above ? 'NO' : 'yes'}`,
      '',
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await stack?.stop();
    await throwaway?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
