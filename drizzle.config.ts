import { defineConfig } from 'drizzle-kit';

// Migrations are generated from db/schema and committed; the app applies them with drizzle-orm's
// migrator on both PGlite and PostgreSQL (db/migrate.ts), so generation needs no database.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/index.ts',
  out: './db/migrations',
});
