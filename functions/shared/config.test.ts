import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env, '/srv/app');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.key);
    throw error;
  }
  return [];
}

describe('parseConfig', () => {
  it('runs on the embedded default with an empty environment', () => {
    const config = parseConfig({}, '/srv/app');
    expect(config).toMatchObject({
      env: 'local',
      port: 8787,
      edgePort: 8788,
      dataDir: path.resolve('/srv/app/.data'),
      publicUrl: 'http://localhost:8787',
      seedAdminEmail: 'admin@reactor.local',
      database: { kind: 'pglite', dir: path.resolve('/srv/app/.data/pglite') },
      queue: { kind: 'local' },
      counters: { kind: 'postgres' },
      blobs: { kind: 'local', dir: path.resolve('/srv/app/.data/blobs') },
      twilio: { kind: 'sandbox' },
      signalhouse: { kind: 'sandbox' },
      skipTrace: { kind: 'sandbox' },
    });
  });

  it('derives the public URL from PORT and strips a trailing slash from PUBLIC_URL', () => {
    expect(parseConfig({ PORT: '9000' }).publicUrl).toBe('http://localhost:9000');
    expect(parseConfig({ PUBLIC_URL: 'https://reactor.example.com/' }).publicUrl).toBe('https://reactor.example.com');
  });

  it('switches each part to the real service when its keys are present', () => {
    const config = parseConfig({
      DATABASE_URL: 'postgres://u@db:5432/reactor',
      QSTASH_TOKEN: 't',
      QSTASH_CURRENT_SIGNING_KEY: 'c',
      QSTASH_NEXT_SIGNING_KEY: 'n',
      UPSTASH_REDIS_REST_URL: 'https://redis.example.com',
      UPSTASH_REDIS_REST_TOKEN: 'r',
      S3_BUCKET: 'leads',
      S3_REGION: 'syd1',
      S3_ACCESS_KEY_ID: 'a',
      S3_SECRET_ACCESS_KEY: 's',
      S3_ENDPOINT: 'https://syd1.digitaloceanspaces.com',
      TWILIO_ACCOUNT_SID: 'AC1',
      TWILIO_AUTH_TOKEN: 'tok',
      SIGNALHOUSE_API_KEY: 'k',
      SIGNALHOUSE_WEBHOOK_SECRET: 'w',
      REALESTATEAPI_KEY: 'rea',
    });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/reactor' });
    expect(config.queue.kind).toBe('qstash');
    expect(config.counters.kind).toBe('upstash');
    expect(config.blobs).toMatchObject({ kind: 's3', endpoint: 'https://syd1.digitaloceanspaces.com', bucket: 'leads' });
    expect(config.twilio.kind).toBe('twilio');
    expect(config.signalhouse.kind).toBe('signalhouse');
    expect(config.skipTrace.kind).toBe('realestateapi');
  });

  it.each([
    [{ QSTASH_TOKEN: 't' }, ['QSTASH_CURRENT_SIGNING_KEY', 'QSTASH_NEXT_SIGNING_KEY']],
    [{ TWILIO_ACCOUNT_SID: 'AC1' }, ['TWILIO_AUTH_TOKEN']],
    [{ SIGNALHOUSE_WEBHOOK_SECRET: 'w' }, ['SIGNALHOUSE_API_KEY']],
    [{ UPSTASH_REDIS_REST_TOKEN: 'r' }, ['UPSTASH_REDIS_REST_URL']],
    [{ S3_ENDPOINT: 'http://127.0.0.1:9000' }, ['S3_BUCKET']],
    [{ POSTMARK_SERVER_TOKEN: 'pm' }, ['MAIL_FROM']],
  ])('names the missing keys of a half-configured part: %o', (env, missing) => {
    expect(problemsOf(env)).toEqual(expect.arrayContaining(missing));
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REACTOR_ENV: 'staging' }, 'REACTOR_ENV'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ SEED_ADMIN_EMAIL: 'nobody' }, 'SEED_ADMIN_EMAIL'],
  ])('rejects a bad value and names its key: %o', (env, key) => {
    expect(problemsOf(env)).toContain(key);
  });

  it('refuses production on embedded parts', () => {
    expect(problemsOf({ REACTOR_ENV: 'production' })).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'PUBLIC_URL', 'EDGE_PUBLIC_URL', 'EDGE_CALLBACK_SECRET', 'QSTASH_TOKEN']),
    );
  });

  it('sends mail through Postmark when configured, else keeps it in the dev mailbox', () => {
    expect(parseConfig({}).mail).toEqual({ kind: 'dev-mailbox' });
    expect(parseConfig({ POSTMARK_SERVER_TOKEN: 'pm', MAIL_FROM: 'Reactor <login@example.com>' }).mail).toEqual({
      kind: 'postmark',
      serverToken: 'pm',
      from: 'Reactor <login@example.com>',
      apiUrl: 'https://api.postmarkapp.com',
      messageStream: 'outbound',
    });
    expect(problemsOf({ REACTOR_ENV: 'production' })).toContain('POSTMARK_SERVER_TOKEN');
  });

  it('reads session TTLs, 12 hours idle and 7 days absolute by default', () => {
    expect(parseConfig({}).sessions).toEqual({ idleTtlMinutes: 720, absoluteTtlHours: 168 });
    expect(parseConfig({ SESSION_IDLE_TTL_MINUTES: '30', SESSION_ABSOLUTE_TTL_HOURS: '24' }).sessions).toEqual({ idleTtlMinutes: 30, absoluteTtlHours: 24 });
    expect(problemsOf({ SESSION_IDLE_TTL_MINUTES: '0' })).toContain('SESSION_IDLE_TTL_MINUTES');
  });

  it('treats blank values as unset', () => {
    expect(parseConfig({ DATABASE_URL: '  ', TWILIO_ACCOUNT_SID: '' }).database.kind).toBe('pglite');
  });
});
