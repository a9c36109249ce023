/**
 * Test scaffolding: a real S3-compatible server (s3rver) on loopback, in a temporary folder, with one
 * bucket. It speaks the S3 wire format (XML errors, ranged GETs, SigV4 query-auth PUTs; note that it
 * does not verify V4 signatures), so the S3 adapter is tested against HTTP, not a mock.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

export type S3TestServer = {
  endpoint: string;
  bucket: string;
  /** Env for parseConfig: the S3 adapter against this server. */
  env: Record<string, string>;
  close(): Promise<void>;
};

export async function startS3TestServer(bucket = 'reactor-test'): Promise<S3TestServer> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'reactor-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    bucket,
    // s3rver's built-in account.
    env: { S3_ENDPOINT: endpoint, S3_BUCKET: bucket, S3_REGION: 'us-east-1', S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
