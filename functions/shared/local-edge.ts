/**
 * The edge Worker on this machine: `npm start` runs edge/src/worker.ts in Miniflare (workerd, the
 * runtime Cloudflare uses) on EDGE_PORT, with the compatibility date from wrangler.toml, so the short
 * domain behaves locally as it does once deployed. The Worker is bundled in memory by esbuild the
 * way Wrangler would (ESM, worker conditions); nothing is written to disk and nothing reaches the
 * network (no `Request.cf` download, no telemetry).
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Log, LogLevel, Miniflare } from 'miniflare';
import type { Logger } from './log';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type LocalEdgeOptions = {
  /** 0 picks a free port (tests); the URL returned says which. */
  port: number;
  /** Defaults to 127.0.0.1: the local edge is for this machine only. */
  host?: string;
  /** The Worker's vars and secrets (API_ORIGIN, EDGE_CALLBACK_SECRET). */
  bindings: Record<string, string>;
  log: Logger;
  /** Overrides for tests; default to the repository's edge/src/worker.ts and wrangler.toml. */
  entry?: string;
  wranglerToml?: string;
  /**
   * Where to remember workerd's pid. workerd is a child process: when our process is killed hard
   * (kill -9) it lives on and keeps EDGE_PORT, so the next start reaps it from this file.
   */
  pidFile?: string;
};

export type LocalEdge = { url: string; stop(): Promise<void> };

export async function startLocalEdge(options: LocalEdgeOptions): Promise<LocalEdge> {
  const log = options.log.child({ part: 'edge' });
  const entry = options.entry ?? path.join(repoRoot, 'edge/src/worker.ts');
  const compat = await readCompatibility(options.wranglerToml ?? path.join(repoRoot, 'wrangler.toml'));
  const script = await bundleWorker(entry);
  if (options.pidFile) await reapOrphanedWorkerd(options.pidFile, log);
  const before = options.pidFile ? await workerdChildren() : [];

  const mf = new Miniflare({
    name: 'reactor-edge',
    modules: [{ type: 'ESModule', path: path.join(path.dirname(entry), 'worker.js'), contents: script }],
    compatibilityDate: compat.date,
    compatibilityFlags: compat.flags,
    bindings: options.bindings,
    host: options.host ?? '127.0.0.1',
    port: options.port,
    // The real `Request.cf` comes from a download; locally a placeholder is enough and keeps us offline.
    cf: false,
    log: new LoggerLog(log),
    logRequests: false,
    // The Worker's console output becomes our structured log lines instead of raw workerd stdout.
    handleStructuredLogs: ({ level, message }: { level: string; message: string }) => {
      const text = message.trimEnd();
      if (level === 'error') log.error(text);
      else if (level === 'warn') log.warn(text);
      else log.info(text);
    },
  });

  let url: URL;
  try {
    url = await mf.ready;
  } catch (error) {
    await mf.dispose().catch(() => undefined);
    throw error;
  }
  const pidFile = options.pidFile;
  if (pidFile) {
    const started = (await workerdChildren()).filter((pid) => !before.includes(pid));
    await writeFile(pidFile, started.join('\n'), 'utf8');
  }
  let stopped: Promise<void> | undefined;
  return {
    url: url.origin,
    stop: () =>
      (stopped ??= mf.dispose().then(async () => {
        if (pidFile) await rm(pidFile, { force: true });
      })),
  };
}

/** workerd processes that are children of this process (Linux /proc; elsewhere nothing is tracked). */
async function workerdChildren(): Promise<number[]> {
  const pids: number[] = [];
  try {
    for (const task of await readdir('/proc/self/task')) {
      const children = await readFile(`/proc/self/task/${task}/children`, 'utf8').catch(() => '');
      for (const pid of children.split(/\s+/).filter(Boolean).map(Number)) {
        if (await isWorkerd(pid)) pids.push(pid);
      }
    }
  } catch {
    return [];
  }
  return pids;
}

async function isWorkerd(pid: number): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes('workerd');
}

/** Kills a workerd left behind by a previous run that died without stopping it. */
async function reapOrphanedWorkerd(pidFile: string, log: Logger): Promise<void> {
  const recorded = await readFile(pidFile, 'utf8').catch(() => '');
  for (const pid of recorded.split(/\s+/).filter(Boolean).map(Number)) {
    if (!Number.isInteger(pid) || pid <= 1 || !(await isWorkerd(pid))) continue;
    try {
      process.kill(pid, 'SIGKILL');
      log.warn('stopped a workerd left behind by a previous run', { pid });
    } catch {
      // Already gone.
    }
  }
  await rm(pidFile, { force: true });
  // The port is released when the process is reaped by init; give it a moment.
  if (recorded.trim()) await new Promise((resolve) => setTimeout(resolve, 200));
}

/** Bundles the Worker as Wrangler does: one ES module, resolved with the workerd/worker/browser conditions. */
export async function bundleWorker(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    sourcemap: 'inline',
    write: false,
    outfile: 'worker.js',
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced no output for ${entry}`);
  return output.text;
}

/**
 * The compatibility date and flags from wrangler.toml, so the local Worker runs with the semantics the
 * deployed one gets. Only these two top-level keys are read; a missing date is an error, not a guess.
 */
export async function readCompatibility(wranglerToml: string): Promise<{ date: string; flags: string[] }> {
  const text = await readFile(wranglerToml, 'utf8');
  const topLevel = text.split(/^\s*\[/m)[0] ?? '';
  const date = /^\s*compatibility_date\s*=\s*"(\d{4}-\d{2}-\d{2})"/m.exec(topLevel)?.[1];
  if (!date) throw new Error(`${wranglerToml} has no compatibility_date = "YYYY-MM-DD"`);
  const flagsList = /^\s*compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(topLevel)?.[1] ?? '';
  const flags = [...flagsList.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string);
  return { date, flags };
}

/** Miniflare's own messages (startup problems, warnings) into our structured log. */
class LoggerLog extends Log {
  constructor(private readonly target: Logger) {
    super(LogLevel.WARN);
  }

  override logWithLevel(level: LogLevel, message: string): void {
    if (level > this.level) return;
    if (level <= LogLevel.ERROR) this.target.error(message);
    else if (level === LogLevel.WARN) this.target.warn(message);
    else this.target.debug(message);
  }
}
