/**
 * Configuration: every setting is read once from the environment at the composition root, validated
 * here, and handed down as a typed `Config`. Nothing below the composition root reads `process.env`.
 *
 * Each part of the system picks its adapter from the keys present: the real service when its keys
 * are set, the embedded default otherwise (see DESIGN.md "One machine first"). A part whose keys are
 * only half set is an error that names the missing keys, never a silent fall back to the sandbox.
 */
import path from 'node:path';
import { z } from 'zod';

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const port = (fallback: number) =>
  optional.pipe(z.coerce.number<string | undefined>().int().min(1).max(65535).optional()).transform((v) => v ?? fallback);

const url = optional.pipe(z.url().optional());

const envSchema = z.object({
  REACTOR_ENV: optional.pipe(z.enum(['local', 'production']).optional()),
  PORT: port(8787),
  EDGE_PORT: port(8788),
  DATA_DIR: optional,
  PUBLIC_URL: url,
  EDGE_PUBLIC_URL: url,
  SEED_ADMIN_EMAIL: optional.pipe(z.email().optional()),
  LOG_LEVEL: optional.pipe(z.enum(['debug', 'info', 'warn', 'error']).optional()),
  DATABASE_URL: optional.pipe(z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional()),
  TWILIO_ACCOUNT_SID: optional,
  TWILIO_AUTH_TOKEN: optional,
  SIGNALHOUSE_API_KEY: optional,
  SIGNALHOUSE_WEBHOOK_SECRET: optional,
  REALESTATEAPI_KEY: optional,
  QSTASH_URL: url,
  QSTASH_TOKEN: optional,
  QSTASH_CURRENT_SIGNING_KEY: optional,
  QSTASH_NEXT_SIGNING_KEY: optional,
  UPSTASH_REDIS_REST_URL: url,
  UPSTASH_REDIS_REST_TOKEN: optional,
  S3_ENDPOINT: url,
  S3_BUCKET: optional,
  S3_REGION: optional,
  S3_ACCESS_KEY_ID: optional,
  S3_SECRET_ACCESS_KEY: optional,
  EDGE_CALLBACK_SECRET: optional,
  SESSION_IDLE_TTL_MINUTES: optional.pipe(z.coerce.number<string | undefined>().int().min(1).max(7 * 24 * 60).optional()),
  SESSION_ABSOLUTE_TTL_HOURS: optional.pipe(z.coerce.number<string | undefined>().int().min(1).max(90 * 24).optional()),
  POSTMARK_SERVER_TOKEN: optional,
  MAIL_FROM: optional.pipe(z.string().regex(/^[^\r\n]*@[^\r\n]*$/, 'must be an address, optionally "Name <address>"').optional()),
  POSTMARK_API_URL: url,
  POSTMARK_MESSAGE_STREAM: optional,
  IMPORT_CHUNK_ROWS: optional.pipe(z.coerce.number<string | undefined>().int().min(10).max(100_000).optional()),
  ALERT_WEBHOOK_URL: optional.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()),
  ALERT_EMAIL_TO: optional.pipe(
    z
      .string()
      .transform((v) => [...new Set(v.split(',').map((a) => a.trim().toLowerCase()).filter((a) => a !== ''))])
      .pipe(z.array(z.email({ error: 'must be email addresses, separated by commas' })).max(20))
      .optional(),
  ),
});

type Env = z.infer<typeof envSchema>;

export type DatabaseConfig = { kind: 'pglite'; dir: string } | { kind: 'postgres'; url: string };
export type QueueConfig =
  | { kind: 'local'; keysFile: string }
  | { kind: 'qstash'; baseUrl: string; token: string; currentSigningKey: string; nextSigningKey: string };
export type CountersConfig = { kind: 'postgres' } | { kind: 'upstash'; url: string; token: string };
export type BlobsConfig =
  | { kind: 'local'; dir: string }
  | { kind: 's3'; endpoint: string | undefined; bucket: string; region: string; accessKeyId: string; secretAccessKey: string };
export type TwilioConfig = { kind: 'sandbox' } | { kind: 'twilio'; accountSid: string; authToken: string };
export type SignalHouseConfig = { kind: 'sandbox' } | { kind: 'signalhouse'; apiKey: string; webhookSecret: string };
export type SkipTraceConfig = { kind: 'sandbox' } | { kind: 'realestateapi'; apiKey: string };
/** Magic links and invites: Postmark when configured, else the dev mailbox (local mode only). */
export type MailConfig =
  | { kind: 'dev-mailbox' }
  | { kind: 'postmark'; serverToken: string; from: string; apiUrl: string; messageStream: string };
export type SessionConfig = { idleTtlMinutes: number; absoluteTtlHours: number };
/** Where alerts go besides the log (always on): a webhook URL, email addresses, both or neither. */
export type AlertsConfig = {
  webhookUrl: string | undefined;
  emailTo: string[];
  /** Where a tenant's own alert webhook may point: public addresses only in production, anywhere locally. */
  tenantWebhookTargets: 'any' | 'public_only';
};

export type Config = {
  env: 'local' | 'production';
  port: number;
  edgePort: number;
  dataDir: string;
  /** The public origin of the API; signatures are checked against URLs built from it, never from Host. */
  publicUrl: string;
  /** The public origin of the edge Worker (short links). */
  edgePublicUrl: string;
  seedAdminEmail: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  database: DatabaseConfig;
  queue: QueueConfig;
  counters: CountersConfig;
  blobs: BlobsConfig;
  twilio: TwilioConfig;
  signalhouse: SignalHouseConfig;
  skipTrace: SkipTraceConfig;
  mail: MailConfig;
  /** Staff sessions: idle TTL (slides on use) and absolute TTL (from login). Defaults 12 h and 7 d. */
  sessions: SessionConfig;
  /** Unset → generated into DATA_DIR on first start (local mode only). */
  edgeCallbackSecret: string | undefined;
  /** Ingestor: rows per import chunk (one transaction and one queue hop each); unset, the Ingestor's default (10,000, import-chunk/contact-import.ts). */
  imports: { chunkRows?: number };
  alerts: AlertsConfig;
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: { key: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.key}: ${p.message}`).join('\n')}`);
  }
}

/** All-or-nothing groups: either every key is set (the real service) or none (the embedded default). */
function group<K extends keyof Env>(env: Env, keys: readonly K[], problems: ConfigError['problems']): boolean {
  const set = keys.filter((k) => env[k] !== undefined);
  if (set.length === 0) return false;
  for (const k of keys) {
    if (env[k] === undefined) problems.push({ key: k, message: `required when ${set.join(', ')} is set` });
  }
  return set.length === keys.length;
}

export function parseConfig(raw: Record<string, string | undefined>, cwd = '.'): Config {
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ key: String(i.path[0] ?? '(env)'), message: i.message })),
    );
  }
  const env = parsed.data;
  const problems: ConfigError['problems'] = [];
  const reactorEnv = env.REACTOR_ENV ?? 'local';
  const dataDir = path.resolve(cwd, env.DATA_DIR ?? '.data');

  const hasQstash = group(env, ['QSTASH_TOKEN', 'QSTASH_CURRENT_SIGNING_KEY', 'QSTASH_NEXT_SIGNING_KEY'], problems);
  const hasRedis = group(env, ['UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN'], problems);
  const hasS3 = group(env, ['S3_BUCKET', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'], problems);
  const hasTwilio = group(env, ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'], problems);
  const hasSignalHouse = group(env, ['SIGNALHOUSE_API_KEY', 'SIGNALHOUSE_WEBHOOK_SECRET'], problems);
  const hasPostmark = group(env, ['POSTMARK_SERVER_TOKEN', 'MAIL_FROM'], problems);
  if (env.S3_ENDPOINT !== undefined && !hasS3 && env.S3_BUCKET === undefined) {
    problems.push({ key: 'S3_BUCKET', message: 'required when S3_ENDPOINT is set' });
  }

  if (reactorEnv === 'production') {
    // Production never runs on the embedded parts: they would lose data or send nothing.
    for (const key of ['DATABASE_URL', 'PUBLIC_URL', 'EDGE_PUBLIC_URL', 'EDGE_CALLBACK_SECRET'] as const) {
      if (env[key] === undefined) problems.push({ key, message: 'required when REACTOR_ENV=production' });
    }
    if (!hasQstash && env.QSTASH_TOKEN === undefined) problems.push({ key: 'QSTASH_TOKEN', message: 'required when REACTOR_ENV=production' });
    // The dev mailbox keeps links in memory: in production nobody could ever sign in.
    if (!hasPostmark && env.POSTMARK_SERVER_TOKEN === undefined) problems.push({ key: 'POSTMARK_SERVER_TOKEN', message: 'required when REACTOR_ENV=production' });
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: reactorEnv,
    port: env.PORT,
    edgePort: env.EDGE_PORT,
    dataDir,
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    edgePublicUrl: (env.EDGE_PUBLIC_URL ?? `http://localhost:${env.EDGE_PORT}`).replace(/\/+$/, ''),
    seedAdminEmail: env.SEED_ADMIN_EMAIL ?? 'admin@reactor.local',
    logLevel: env.LOG_LEVEL ?? 'info',
    database: env.DATABASE_URL ? { kind: 'postgres', url: env.DATABASE_URL } : { kind: 'pglite', dir: path.join(dataDir, 'pglite') },
    queue: hasQstash
      ? {
          kind: 'qstash',
          baseUrl: env.QSTASH_URL ?? 'https://qstash.upstash.io',
          token: env.QSTASH_TOKEN as string,
          currentSigningKey: env.QSTASH_CURRENT_SIGNING_KEY as string,
          nextSigningKey: env.QSTASH_NEXT_SIGNING_KEY as string,
        }
      : { kind: 'local', keysFile: path.join(dataDir, 'queue-keys.json') },
    counters: hasRedis
      ? { kind: 'upstash', url: env.UPSTASH_REDIS_REST_URL as string, token: env.UPSTASH_REDIS_REST_TOKEN as string }
      : { kind: 'postgres' },
    blobs: hasS3
      ? {
          kind: 's3',
          endpoint: env.S3_ENDPOINT,
          bucket: env.S3_BUCKET as string,
          region: env.S3_REGION as string,
          accessKeyId: env.S3_ACCESS_KEY_ID as string,
          secretAccessKey: env.S3_SECRET_ACCESS_KEY as string,
        }
      : { kind: 'local', dir: path.join(dataDir, 'blobs') },
    twilio: hasTwilio
      ? { kind: 'twilio', accountSid: env.TWILIO_ACCOUNT_SID as string, authToken: env.TWILIO_AUTH_TOKEN as string }
      : { kind: 'sandbox' },
    signalhouse: hasSignalHouse
      ? { kind: 'signalhouse', apiKey: env.SIGNALHOUSE_API_KEY as string, webhookSecret: env.SIGNALHOUSE_WEBHOOK_SECRET as string }
      : { kind: 'sandbox' },
    skipTrace: env.REALESTATEAPI_KEY ? { kind: 'realestateapi', apiKey: env.REALESTATEAPI_KEY } : { kind: 'sandbox' },
    mail: hasPostmark
      ? {
          kind: 'postmark',
          serverToken: env.POSTMARK_SERVER_TOKEN as string,
          from: env.MAIL_FROM as string,
          apiUrl: (env.POSTMARK_API_URL ?? 'https://api.postmarkapp.com').replace(/\/+$/, ''),
          messageStream: env.POSTMARK_MESSAGE_STREAM ?? 'outbound',
        }
      : { kind: 'dev-mailbox' },
    sessions: { idleTtlMinutes: env.SESSION_IDLE_TTL_MINUTES ?? 12 * 60, absoluteTtlHours: env.SESSION_ABSOLUTE_TTL_HOURS ?? 7 * 24 },
    edgeCallbackSecret: env.EDGE_CALLBACK_SECRET,
    imports: env.IMPORT_CHUNK_ROWS === undefined ? {} : { chunkRows: env.IMPORT_CHUNK_ROWS },
    alerts: { webhookUrl: env.ALERT_WEBHOOK_URL, emailTo: env.ALERT_EMAIL_TO ?? [], tenantWebhookTargets: reactorEnv === 'production' ? 'public_only' : 'any' },
  };
}

/** One line per part: which adapter the environment chose. Printed at start so nobody guesses. */
export function describeAdapters(config: Config): Record<string, string> {
  return {
    database: config.database.kind,
    queue: config.queue.kind === 'local' ? 'local relay' : 'qstash',
    counters: config.counters.kind,
    blobs: config.blobs.kind === 'local' ? `local folder ${config.blobs.dir}` : `s3 ${config.blobs.bucket}`,
    twilio: config.twilio.kind,
    signalhouse: config.signalhouse.kind,
    skipTrace: config.skipTrace.kind,
    mail: config.mail.kind === 'postmark' ? `postmark (${config.mail.from})` : 'dev mailbox (links printed here and at /api/dev/mailbox)',
    // The webhook URL is its own secret: only its origin is printed.
    alerts: ['log', ...(config.alerts.webhookUrl === undefined ? [] : [`webhook ${new URL(config.alerts.webhookUrl).origin}`]), ...(config.alerts.emailTo.length === 0 ? [] : [`email ${config.alerts.emailTo.join(', ')}`])].join(' + '),
  };
}
