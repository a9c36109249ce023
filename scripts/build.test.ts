/**
 * The DigitalOcean bundles as the platform runs them: each one is required by a fresh Node process that
 * calls its `main` with a web event, on the embedded default (or PostgreSQL when DATABASE_URL is set).
 * Set NODE18_BIN to a Node 18 binary to run them on DO's runtime version as well.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionNames, type FunctionName } from '../core/functions';
import { bundleFunctions, doPackage, type FunctionBundle } from './build';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type Invocation = { statusCode: number; headers: Record<string, unknown>; body?: string };

/** Requires the bundle in a new process with only the given env, calls main(event), prints the result. */
function invokeInFreshNode(node: string, bundle: string, event: unknown, env: Record<string, string>): Promise<Invocation> {
  const script = [
    `const { main } = require(${JSON.stringify(bundle)});`,
    `if (typeof main !== 'function') throw new Error('the bundle exports no main');`,
    `main(${JSON.stringify(event)}).then(`,
    // exit explicitly: a warm container keeps its pools and timers, a test process must not.
    `  (r) => { process.stdout.write('\\n@@RESULT@@' + JSON.stringify(r) + '\\n'); process.exit(0); },`,
    `  (e) => { console.error(e); process.exit(1); });`,
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn(node, ['-e', script], { cwd: path.dirname(bundle), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('@@RESULT@@'));
      if (code !== 0 || line === undefined) reject(new Error(`bundle exited ${code}\n${out}\n${err}`));
      else resolve(JSON.parse(line.slice('@@RESULT@@'.length)) as Invocation);
    });
  });
}

describe('project.yml', () => {
  it('lists every function as nodejs:18, web: raw, with the cron trigger', async () => {
    const yml = await readFile(path.join(repoRoot, 'project.yml'), 'utf8');
    expect(yml).toContain(`- name: ${doPackage}`);
    const blocks = yml.split(/\n\s+- name: /).slice(1);
    for (const name of functionNames) {
      const block = blocks.find((b) => b.startsWith(`${name}\n`));
      expect(block, `project.yml lists ${name}`).toBeDefined();
      expect(block).toMatch(/runtime: nodejs:18\n/);
      expect(block).toMatch(/web: raw\n/);
    }
    expect(yml).toMatch(/sourceType: scheduler\s+sourceDetails:\s+cron: "\* \* \* \* \*"/);
  });

  it('passes every production setting of .env.example to the functions, and nothing unknown', async () => {
    const yml = await readFile(path.join(repoRoot, 'project.yml'), 'utf8');
    const example = await readFile(path.join(repoRoot, '.env.example'), 'utf8');
    const localOnly = new Set(['PORT', 'EDGE_PORT', 'DATA_DIR', 'REACTOR_ENV']);
    const documented = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1] as string).filter((k) => !localOnly.has(k));
    const templated = [...yml.matchAll(/^\s+([A-Z][A-Z0-9_]*): "\$\{([A-Z][A-Z0-9_]*)\}"$/gm)].map((m) => {
      expect(m[1], 'each env key is filled from the variable of the same name').toBe(m[2]);
      return m[1] as string;
    });
    expect([...templated].sort()).toEqual([...new Set(documented)].sort());
    expect(yml).toMatch(/^\s+REACTOR_ENV: production$/m);
  });
});

describe('npm run build: DigitalOcean function bundles', () => {
  let work: string;
  let outDir: string;
  let bundles: FunctionBundle[];
  // One embedded database for all the processes (they run one after the other): creating a PGlite
  // cluster costs seconds, opening an existing one does not.
  let dataDir: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'reactor-build-'));
    outDir = path.join(work, 'functions');
    // PGlite is external to the bundles (production never loads it); the embedded default used here
    // finds it through node_modules, as it would beside a local checkout.
    await symlink(path.join(repoRoot, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    dataDir = path.join(work, 'data');
    bundles = await bundleFunctions({ outDir });
  }, 120_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('writes one bundle per function where doctl looks for it, and keeps PGlite out', async () => {
    expect(bundles.map((b) => b.name)).toEqual([...functionNames]);
    for (const bundle of bundles) {
      expect(bundle.file).toBe(path.join(outDir, 'packages', doPackage, bundle.name, 'index.js'));
      const code = await readFile(bundle.file, 'utf8');
      expect(code).toMatch(/require\("@electric-sql\/pglite"\)|import\("@electric-sql\/pglite"\)/);
      expect(code).not.toContain('class PGlite');
    }
  });

  it('copies project.yml beside packages/, where doctl expects it', async () => {
    expect(await readFile(path.join(outDir, 'project.yml'), 'utf8')).toBe(await readFile(path.join(repoRoot, 'project.yml'), 'utf8'));
  });

  const nodes = [process.execPath, ...(process.env.NODE18_BIN ? [process.env.NODE18_BIN] : [])];
  const cases: [FunctionName, string][] = nodes.flatMap((node) => functionNames.map((name): [FunctionName, string] => [name, node]));

  it.each(cases)('%s answers /health through main() in a fresh Node process (%s)', async (name, node) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', REACTOR_ENV: 'local', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    if (process.env.DATABASE_URL) env.DATABASE_URL = process.env.DATABASE_URL;
    const bundle = path.join(outDir, 'packages', doPackage, name, 'index.js');
    const res = await invokeInFreshNode(node, bundle, { __ow_method: 'get', __ow_path: '/health', __ow_headers: {} }, env);
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body ?? '') as { ok: boolean; ts: string };
    expect(body.ok).toBe(true);
    expect(new Date(body.ts).toISOString()).toBe(body.ts);
  });
});
