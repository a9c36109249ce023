/**
 * `npm run db:erd`: writes db/ERD.md from the Drizzle schema (the generator is db/erd.ts, which the
 * freshness test also calls).
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderErd } from '../db/erd';

export { renderErd };

export const erdPath = fileURLToPath(new URL('../db/ERD.md', import.meta.url));

async function main(): Promise<void> {
  const text = renderErd();
  await writeFile(erdPath, text);
  console.log(`wrote ${erdPath} (${text.split('\n').length} lines)`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
