/**
 * `npm run bench:enqueue [-- --contacts N]`: how long queueing a campaign of N contacts takes (the
 * issue's target: 100,000 on real PostgreSQL in ≤ 5 s).
 *
 * 1. Enqueue: `enqueueCampaign` exactly as `POST /api/campaigns/:id/queue` runs it (campaign lock,
 *    one INSERT … SELECT with template rotation and the DNC / suppression / invalid checks, campaign
 *    status, audit row, outbox wake-up, one transaction), over N contacts of whom 1 % are on the DNC
 *    list and 1 % suppressed.
 * 2. Baseline, same run, same database, same contacts: the bare `INSERT INTO send_jobs … SELECT … FROM
 *    contacts` with one fixed template and no checks, into a second campaign. The difference is what
 *    the gates and the rotation cost.
 *
 * Runs on a throw-away database on the DATABASE_URL server (PGlite in memory when unset, for a rough
 * figure only). Bounded: N ≤ 200,000, everything on 127.0.0.1, and it cleans up after itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { newId } from '../../core/ids';
import { queryRows } from '../../db/client';
import { campaigns, campaignTemplates, messageTemplates, sendingNumbers } from '../../db/schema/index';
import { createTestTenant, openTestDatabase } from '../../db/testing';
import { enqueueCampaign } from '../../functions/enqueue/enqueue-campaign';
import { tenantScope } from '../../functions/shared/auth/tenant-scope';
import { parseConfig } from '../../functions/shared/config';
import { createLogger } from '../../functions/shared/log';
import { createQueue } from '../../functions/shared/queue/create-queue';

function parseContacts(argv: string[]): number {
  const i = argv.indexOf('--contacts');
  const n = i >= 0 ? Number(argv[i + 1]) : 100_000;
  if (!Number.isInteger(n) || n < 1 || n > 200_000) throw new Error('--contacts must be an integer from 1 to 200000');
  return n;
}

const random = (n: number) => new Uint8Array(randomBytes(n));

async function main(): Promise<void> {
  const contactsCount = parseContacts(process.argv.slice(2));
  const log = createLogger({ level: 'error' });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reactor-bench-'));
  const database = await openTestDatabase();
  const { db } = database;
  try {
    const config = parseConfig({ REACTOR_ENV: 'local', DATA_DIR: dataDir, PUBLIC_URL: 'http://localhost:8787' });
    const { queue } = await createQueue(config.queue, { db, publicUrl: config.publicUrl, dataDir, log, now: () => new Date() });
    const { tenant, admin } = await createTestTenant(db, { name: 'Bench' });
    const now = new Date();
    const id = (kind: Parameters<typeof newId>[0]) => newId(kind, Date.now(), random(10));

    const seedStarted = performance.now();
    await queryRows(
      db,
      sql`insert into contacts (id, tenant_id, phone_e164, first_name, tags)
          select 'ctc_' || lpad(g::text, 26, '0'), ${tenant.id}, '+61412' || lpad(g::text, 6, '0'), 'Pat', '{}'::text[]
            from generate_series(1, ${contactsCount}) g`,
    );
    await queryRows(db, sql`insert into do_not_contact (tenant_id, phone_e164, source) select ${tenant.id}, phone_e164, 'manual' from contacts where tenant_id = ${tenant.id} and right(id, 2) = '17'`);
    await queryRows(
      db,
      sql`insert into suppression_rules (id, tenant_id, phone_e164, reason) select 'sup_' || right(id, 26), ${tenant.id}, phone_e164, 'cooldown' from contacts where tenant_id = ${tenant.id} and right(id, 2) = '42'`,
    );
    await queryRows(db, sql`analyze contacts`);
    await queryRows(db, sql`analyze do_not_contact`);
    await queryRows(db, sql`analyze suppression_rules`);
    const seedMs = performance.now() - seedStarted;

    const templateIds = [id('template'), id('template'), id('template')];
    await db.insert(messageTemplates).values(templateIds.map((t, i) => ({ id: t, tenantId: tenant.id, name: `T${i}`, body: `Hi {first_name|there} #${i}` })));
    await db.insert(sendingNumbers).values({ id: id('sendingNumber'), tenantId: tenant.id, e164: '+61499000001', provider: 'sandbox', use: 'bulk' });
    const [gated, bare] = [id('campaign'), id('campaign')];
    await db.insert(campaigns).values([
      { id: gated, tenantId: tenant.id, name: 'Gated' },
      { id: bare, tenantId: tenant.id, name: 'Bare' },
    ]);
    await db.insert(campaignTemplates).values([
      ...templateIds.map((templateId, position) => ({ campaignId: gated, templateId, tenantId: tenant.id, position })),
      { campaignId: bare, templateId: templateIds[0] ?? '', tenantId: tenant.id, position: 0 },
    ]);

    const scope = tenantScope(db, { tenantId: tenant.id, actor: { userId: admin.id, requestId: 'bench' }, now: () => new Date(), random });
    const enqueueStarted = performance.now();
    const outcome = await enqueueCampaign({ db, database, queue, log, now: () => new Date(), random, edgePublicUrl: config.edgePublicUrl }, { scope, campaignId: gated, correlationId: 'bench' });
    const enqueueMs = performance.now() - enqueueStarted;

    const prefix = id('sendJob').slice(0, 14);
    const bareStarted = performance.now();
    const [inserted] = await queryRows<{ n: number }>(
      db,
      sql`with ins as (
            insert into send_jobs (id, tenant_id, kind, campaign_id, contact_id, to_e164, template_id, status, created_at, updated_at)
            select ${prefix} || right(c.id, 16), ${tenant.id}, 'campaign', ${bare}, c.id, c.phone_e164, ${templateIds[0] ?? ''}, 'queued', ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
              from contacts c where c.tenant_id = ${tenant.id}
            on conflict (tenant_id, campaign_id, contact_id) do nothing
            returning 1)
          select count(*)::int as n from ins`,
    );
    const bareMs = performance.now() - bareStarted;

    const secondStarted = performance.now();
    const again = await enqueueCampaign({ db, database, queue, log, now: () => new Date(), random, edgePublicUrl: config.edgePublicUrl }, { scope, campaignId: gated, correlationId: 'bench' });
    const secondMs = performance.now() - secondStarted;

    const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const perSec = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')} jobs/s`;
    console.log(`enqueue bench on ${database.kind === 'postgres' ? 'PostgreSQL' : 'PGlite (in memory; rough figure only)'}, ${contactsCount.toLocaleString('en-US')} contacts (seeded in ${fmt(seedMs)})`);
    console.log(`  enqueue (gates + rotation, one transaction): ${fmt(enqueueMs)}  ${perSec(contactsCount, enqueueMs)}  queued ${outcome.queued}, skipped ${JSON.stringify(outcome.skipped)}`);
    console.log(`  baseline (bare INSERT … SELECT):            ${fmt(bareMs)}  ${perSec(inserted?.n ?? 0, bareMs)}  inserted ${inserted?.n ?? 0}`);
    console.log(`  overhead of gates and rotation:             ${fmt(enqueueMs - bareMs)} (${(enqueueMs / bareMs).toFixed(2)}×)`);
    console.log(`  queue again (idempotent, adds nothing):     ${fmt(secondMs)}  queued ${again.queued}, already ${again.alreadyQueued}`);
    console.log(`  target ≤ 5 s for 100,000 on PostgreSQL:      ${enqueueMs <= 5_000 * (contactsCount / 100_000) ? 'met' : 'NOT met'}`);
  } finally {
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
