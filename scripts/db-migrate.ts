/**
 * `npm run db:migrate`: applies db/migrations to the database the environment names (DATABASE_URL, or
 * PGlite in DATA_DIR). Safe to run twice, and from two places at once.
 */
import { migrateDatabase, openDatabase } from '../db/client';
import { parseConfig } from '../functions/shared/config';

const config = parseConfig(process.env);
const database = await openDatabase(config.database);
try {
  await migrateDatabase(database);
  const where = config.database.kind === 'pglite' ? config.database.dir : new URL(config.database.url).host;
  console.log(`migrations applied (${database.kind}, ${where})`);
} finally {
  await database.close();
}
