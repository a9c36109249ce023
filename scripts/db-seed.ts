/**
 * `npm run db:seed`: migrates, then inserts the demo tenant (Reactor Demo, AU) and its admin
 * (SEED_ADMIN_EMAIL). Running it again inserts nothing.
 */
import { migrateDatabase, openDatabase } from '../db/client';
import { seedDatabase } from '../db/seed';
import { parseConfig } from '../functions/shared/config';

const config = parseConfig(process.env);
const database = await openDatabase(config.database);
try {
  await migrateDatabase(database);
  const { tenantId, created } = await seedDatabase(database.db, { adminEmail: config.seedAdminEmail, now: new Date() });
  console.log(
    created
      ? `seeded tenant ${tenantId} (Reactor Demo), admin ${config.seedAdminEmail} (${database.kind})`
      : `already seeded: tenant ${tenantId} exists, nothing inserted (${database.kind})`,
  );
} finally {
  await database.close();
}
