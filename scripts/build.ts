/**
 * `npm run build`: everything a deploy needs, built offline.
 *
 * 1. Functions for DigitalOcean (`dist/functions`, deployed with `doctl serverless deploy dist/functions`):
 *    one CommonJS bundle per function at `packages/reactor/<name>/index.js` exporting `main` (the
 *    web: raw wrapper around the function's Hono app), targeting Node 18 (`nodejs:18` is DO's
 *    documented runtime), plus project.yml copied beside `packages/`.
 * 2. The admin (web/) with Vite.
 * 3. The edge Worker: `wrangler deploy --dry-run --outdir dist/edge`, with no account and no telemetry.
 *
 * Exits non-zero when any step fails.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { functionNames, type FunctionName } from '../core/functions';
import { nodeBundle } from './node-bundle';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The DO package every function lives in (project.yml `packages[].name`). */
export const doPackage = 'reactor';

export type FunctionBundle = { name: FunctionName; file: string; bytes: number };

export type BundleOptions = {
  /** The folder `doctl serverless deploy` is given: `packages/` and project.yml go in it. */
  outDir: string;
  root?: string;
  names?: readonly FunctionName[];
  /**
   * The source of each function's entry module. Default: the composition root's `appFor` behind the
   * DO wrapper, with PUBLIC_URL from the same config.
   */
  entrySource?: (name: FunctionName) => string;
};

export function defaultEntrySource(name: FunctionName): string {
  return [
    `import { createDoMain } from './functions/shared/do-adapter';`,
    `import { appFor } from './functions/shared/compose';`,
    `import { parseConfig } from './functions/shared/config';`,
    `let publicUrl: string | undefined;`,
    // The composition root parses the same environment for the app; parsing is pure, so both agree.
    `export const main = createDoMain(appFor, ${JSON.stringify(name)}, () => (publicUrl ??= parseConfig(process.env).publicUrl));`,
  ].join('\n');
}

/** Step 1: one bundle per function, plus project.yml, under `outDir`. */
export async function bundleFunctions(options: BundleOptions): Promise<FunctionBundle[]> {
  const root = options.root ?? repoRoot;
  const entrySource = options.entrySource ?? defaultEntrySource;
  const bundles: FunctionBundle[] = [];
  await rm(path.join(options.outDir, 'packages'), { recursive: true, force: true });
  for (const name of options.names ?? functionNames) {
    const file = path.join(options.outDir, 'packages', doPackage, name, 'index.js');
    await build({
      stdin: { contents: entrySource(name), resolveDir: root, sourcefile: `functions/${name}/do-entry.ts`, loader: 'ts' },
      outfile: file,
      ...nodeBundle,
    });
    bundles.push({ name, file, bytes: (await stat(file)).size });
  }
  await copyFile(path.join(root, 'project.yml'), path.join(options.outDir, 'project.yml'));
  return bundles;
}

/** Step 2: the admin. Skipped, with a word, while web/ has no Vite config. */
export async function buildAdmin(root = repoRoot): Promise<boolean> {
  const config = path.join(root, 'web', 'vite.config.ts');
  if (!(await exists(config))) {
    console.log('  web/vite.config.ts not found: skipping the admin build');
    return false;
  }
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: config, logLevel: 'warn' });
  return true;
}

/**
 * Step 3: `wrangler deploy --dry-run`, which bundles and validates the Worker without an account. The
 * environment is scrubbed of Cloudflare credentials so it can never deploy or call the API by accident,
 * metrics are off and the update check (part of the banner) is skipped.
 */
export async function buildEdge(outDir: string, root = repoRoot): Promise<void> {
  const wranglerPkg = createRequire(path.join(root, 'package.json')).resolve('wrangler/package.json');
  const wranglerBin = path.join(path.dirname(wranglerPkg), 'bin', 'wrangler.js');
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('CLOUDFLARE_') && !key.startsWith('CF_')) env[key] = value;
  }
  env.WRANGLER_SEND_METRICS = 'false';
  // The banner asks the npm registry whether a newer Wrangler exists; a build asks nobody anything.
  env.WRANGLER_HIDE_BANNER = 'true';
  await rm(outDir, { recursive: true, force: true });
  await run(process.execPath, [wranglerBin, 'deploy', '--dry-run', '--outdir', outDir], { cwd: root, env });
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(args[0] ?? command)} ${args.slice(1).join(' ')} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

async function main(): Promise<void> {
  const dist = path.join(repoRoot, 'dist');
  console.log('build: functions (DigitalOcean, nodejs:18) → dist/functions');
  const functionsDir = path.join(dist, 'functions');
  await mkdir(functionsDir, { recursive: true });
  for (const bundle of await bundleFunctions({ outDir: functionsDir })) {
    console.log(`  ${bundle.name.padEnd(13)} ${kib(bundle.bytes).padStart(11)}  ${path.relative(repoRoot, bundle.file)}`);
  }
  console.log('build: admin (web/, Vite)');
  await buildAdmin();
  console.log('build: edge Worker (wrangler deploy --dry-run) → dist/edge');
  await buildEdge(path.join(dist, 'edge'));
  console.log('build: ok');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error('build failed:', error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
