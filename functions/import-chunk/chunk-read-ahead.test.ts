import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChunkReadAhead } from './chunk-read-ahead';

const at = { batchId: 'imp_1', offset: 1000, firstRow: 26 };

describe('ChunkReadAhead', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives the chunk loaded for exactly that batch, offset and first row, once', async () => {
    const ahead = new ChunkReadAhead<string>();
    ahead.start(at, async () => 'chunk 2');
    expect(ahead.take({ ...at, batchId: 'imp_2' })).toBeUndefined();
    expect(ahead.take({ ...at, offset: 999 })).toBeUndefined();
    expect(ahead.take({ ...at, firstRow: 25 })).toBeUndefined();
    await expect(ahead.take(at)).resolves.toBe('chunk 2');
    expect(ahead.take(at)).toBeUndefined();
  });

  it("holds one guess a batch: a batch's new guess replaces its old one, other batches keep theirs", async () => {
    const ahead = new ChunkReadAhead<string>();
    ahead.start(at, async () => 'chunk 2');
    ahead.start({ ...at, batchId: 'imp_2' }, async () => 'other import');
    ahead.start({ ...at, offset: 2000, firstRow: 51 }, async () => 'chunk 3');
    expect(ahead.take(at)).toBeUndefined();
    await expect(ahead.take({ ...at, offset: 2000, firstRow: 51 })).resolves.toBe('chunk 3');
    await expect(ahead.take({ ...at, batchId: 'imp_2' })).resolves.toBe('other import');
  });

  it('holds guesses for four batches at most, dropping the oldest', async () => {
    const ahead = new ChunkReadAhead<string>();
    for (const n of [1, 2, 3, 4, 5]) ahead.start({ ...at, batchId: `imp_${n}` }, async () => `import ${n}`);
    expect(ahead.take({ ...at, batchId: 'imp_1' })).toBeUndefined();
    for (const n of [2, 3, 4, 5]) await expect(ahead.take({ ...at, batchId: `imp_${n}` })).resolves.toBe(`import ${n}`);
  });

  it('hands a failed read to the delivery that takes it, and to no one else', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const ahead = new ChunkReadAhead<string>();
      ahead.start(at, async () => {
        throw new Error('the file is gone');
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
      await expect(ahead.take(at)).rejects.toThrow('the file is gone');
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('drops a guess nobody takes within 30 seconds', async () => {
    vi.useFakeTimers();
    const ahead = new ChunkReadAhead<string>();
    ahead.start(at, async () => 'chunk 2');
    vi.advanceTimersByTime(29_000);
    ahead.start({ ...at, offset: 2000 }, async () => 'chunk 3');
    vi.advanceTimersByTime(29_000);
    // The batch's new guess has its own 30 s: the first one's timer does not drop it.
    expect(ahead.take({ ...at, offset: 2000 })).toBeDefined();
    ahead.start(at, async () => 'chunk 2');
    vi.advanceTimersByTime(30_001);
    expect(ahead.take(at)).toBeUndefined();
  });
});
