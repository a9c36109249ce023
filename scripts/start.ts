/**
 * `npm start`: the whole product on this machine. Reads the environment once, builds the admin if its
 * sources changed, starts the local stack, prints where everything is, and shuts down cleanly on Ctrl-C.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, describeAdapters, parseConfig } from '../functions/shared/config';
import { startLocalStack } from '../functions/shared/local-server';
import { createLogger } from '../functions/shared/log';
import { buildWebIfStale } from './web-build';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.env, root);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger({ level: config.logLevel, base: { env: config.env } });
  const started = Date.now();
  // Tests that run many stacks at once skip the admin build (they would race on web/dist).
  if (!process.argv.includes('--skip-web-build')) await buildWebIfStale(root, log);
  const stack = await startLocalStack(config, { log, webDist: path.join(root, 'web', 'dist') });

  const adapters = describeAdapters(config);
  const lines = [
    '',
    '  Revenue Reactor is running' + (config.env === 'local' ? ' (local mode: nothing leaves this machine)' : ''),
    '',
    `  Admin        ${stack.url}/`,
    `  API          ${stack.url}/api   (health: ${stack.url}/api/health)`,
    `  Functions    ${stack.url}/fn/<name>`,
    `  Edge         ${stack.edgeUrl}/   (health: ${stack.edgeUrl}/health)`,
    `  Data         ${config.dataDir}`,
    `  Sign in as   ${config.seedAdminEmail}` +
      (config.env === 'local' ? '   (the sign-in link is printed here and shown on the login page)' : ''),
    '',
    ...Object.entries(adapters).map(([part, adapter]) => `  ${part.padEnd(12)} ${adapter}`),
    '',
    `  Ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Ctrl-C stops.`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    stack
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        log.error('shutdown failed', { err: error });
        process.exit(1);
      });
  };
  // Miniflare installs its own handlers that exit at once (130) and would skip our clean shutdown.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
