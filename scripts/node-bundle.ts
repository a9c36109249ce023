/**
 * How code is bundled for Node: each function (scripts/build.ts) and the import benchmark's child
 * (scripts/bench/import.ts), so the benchmark measures what runs in production.
 */
import type { BuildOptions } from 'esbuild';

// Production talks to PostgreSQL through postgres.js; PGlite (WASM, megabytes) is imported dynamically
// by the composition root only when DATABASE_URL is unset, so it stays out of the bundles.
const external = ['@electric-sql/pglite', '@electric-sql/pglite/*', 'drizzle-orm/pglite', 'drizzle-orm/pglite/*'];

// Node 18 (DO's runtime) has no global Web Crypto and no global File; the code (and hono, the QStash
// receiver) expects both, as on Node 20 and Workers. `import.meta.url` does not exist in CommonJS, so
// it is defined as the bundle's own file URL.
const banner = [
  '"use strict";',
  'if (typeof globalThis.crypto === "undefined") Object.defineProperty(globalThis, "crypto", { value: require("node:crypto").webcrypto, configurable: true, writable: true });',
  'if (typeof globalThis.File === "undefined" && require("node:buffer").File) globalThis.File = require("node:buffer").File;',
  'var __reactorImportMetaUrl = require("node:url").pathToFileURL(__filename).href;',
].join('\n');

/** The esbuild options of every Node bundle. */
export const nodeBundle = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  minify: false,
  sourcemap: true,
  external,
  banner: { js: banner },
  define: { 'import.meta.url': '__reactorImportMetaUrl' },
  logLevel: 'warning',
  legalComments: 'none',
} satisfies BuildOptions;
