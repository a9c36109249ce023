/**
 * `import.chunk`: one chunk of an import (a contact commit or a USBizData ingestion) for the
 * `import-chunk` function. A chunk starts at a record boundary (`offset`, a byte offset in the file);
 * the handler processes up to its row budget, records the next offset in the same transaction as the
 * rows, and stages chunk n+1 from there, until the end of the file.
 */
import { z } from 'zod';
import { defineMessage } from './define-message';

export const importChunkMessage = defineMessage(
  'import.chunk',
  1,
  z.object({
    batchId: z.string().min(1).max(64),
    chunk: z.number().int().min(1),
    offset: z.number().int().min(0),
  }),
);

/** Scope: one import's one chunk, so a redelivered chunk n never stages chunk n+1 twice. */
export function importChunkDedupeId(batchId: string, chunk: number): string {
  return `import:${batchId}:chunk:${chunk}`;
}
