/**
 * The next chunk of a commit, read from the file and prepared while this chunk's statements run in the
 * database. A chunk spends most of its time waiting on its lookups, upsert and lineage, and this process
 * is idle meanwhile; the next chunk's reading and preparing (~50 ms a chunk of 10,000 rows, ~5 s of a
 * million-row commit) then costs nothing.
 *
 * It is only a guess: the next delivery takes it when it lands in this process (the local relay, a warm
 * function instance) and asks for exactly that batch, offset and first row; anywhere else it reads for
 * itself. A contact import's guess also carries that chunk's early lookups, which are used only once
 * brought up to date with what the chunk before wrote (contact-import.ts, core/imports/contact-lookups.ts),
 * so taking it can change no decision. One chunk is held per batch (imports of several tenants can run
 * in one process at once), for at most `maxBatches` batches, and a guess nobody takes is dropped.
 */
export type ReadAheadKey = { batchId: string; offset: number; firstRow: number };

/** How long an untaken guess is kept: the next delivery normally arrives within milliseconds. */
const keepMs = 30_000;
/** A bound on what guesses hold: each is one chunk's records and their prepared drafts. */
const maxBatches = 4;

type Held<Chunk> = { key: ReadAheadKey; chunk: Promise<Chunk>; drop: NodeJS.Timeout };

export class ChunkReadAhead<Chunk> {
  /** By batch id, oldest first. */
  readonly #held = new Map<string, Held<Chunk>>();

  /** Starts loading the chunk at `key`, replacing the batch's earlier guess (and the oldest batch's, past the bound). */
  start(key: ReadAheadKey, load: () => Promise<Chunk>): void {
    this.#drop(key.batchId);
    const oldest = this.#held.keys().next();
    if (!oldest.done && this.#held.size >= maxBatches) this.#drop(oldest.value);
    const chunk = load();
    // Awaited only if taken; a failure then surfaces in the delivery that takes it, as its own read would.
    chunk.catch(() => undefined);
    const drop = setTimeout(() => this.#drop(key.batchId), keepMs);
    drop.unref();
    this.#held.set(key.batchId, { key, chunk, drop });
  }

  /** The chunk loaded for exactly `key`, once; undefined when there is none. */
  take(key: ReadAheadKey): Promise<Chunk> | undefined {
    const held = this.#held.get(key.batchId);
    if (held === undefined || held.key.offset !== key.offset || held.key.firstRow !== key.firstRow) return undefined;
    this.#drop(key.batchId);
    return held.chunk;
  }

  #drop(batchId: string): void {
    const held = this.#held.get(batchId);
    if (held !== undefined) clearTimeout(held.drop);
    this.#held.delete(batchId);
  }
}
