/**
 * Chooses the BlobStore from config: Spaces/S3 when `S3_*` is set, else the local folder (which also
 * receives the presigned uploads it hands out).
 */
import type { BlobStore } from '../../../core/ports/blob-store';
import type { BlobsConfig } from '../config';
import { createLocalBlobStore, type LocalUploadReceiver } from './local-blob-store';
import { createS3BlobStore } from './s3-blob-store';

export type BlobServices = {
  blobs: BlobStore;
  /** The local folder's upload receiver (PUT /fn/import-chunk/blobs/…); undefined on S3. */
  blobUploads: LocalUploadReceiver | undefined;
};

export async function createBlobStore(config: BlobsConfig, options: { publicUrl: string; now: () => Date }): Promise<BlobServices> {
  if (config.kind === 's3') return { blobs: createS3BlobStore({ ...config, now: options.now }), blobUploads: undefined };
  const local = await createLocalBlobStore({ dir: config.dir, publicUrl: options.publicUrl, now: options.now });
  return { blobs: local, blobUploads: local };
}
