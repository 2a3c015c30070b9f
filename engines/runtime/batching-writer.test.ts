import { describe, expect, it } from 'vitest';
import { createBatchingWriter } from './batching-writer.ts';

describe('batching writer', () => {
  it('writes one batch at a time and groups what arrives while a batch is in flight', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const writer = createBatchingWriter<number>(async (items) => {
      batches.push(items);
      await new Promise<void>((r) => {
        release = r;
      });
    });
    const a = writer.write([1, 2]);
    const b = writer.write([3]);
    const c = writer.write([4, 5]);
    expect(batches).toEqual([[1, 2]]);
    release();
    await a.done;
    await Promise.resolve();
    expect(batches).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    release();
    await Promise.all([b.done, c.done]);
    expect(writer.queued()).toBe(0);
  });

  it('a failed batch rejects the writes in it only', async () => {
    let fail = true;
    const writer = createBatchingWriter<number>(async () => {
      if (fail) {
        fail = false;
        throw new Error('broker down');
      }
    });
    const first = writer.write([1]);
    await expect(first.done).rejects.toThrow('broker down');
    await expect(writer.write([2]).done).resolves.toBeUndefined();
  });

  it('holds writers back while too many items are queued', async () => {
    let release!: () => void;
    const writer = createBatchingWriter<number>(
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
      { maxQueued: 3, maxBatch: 2 },
    );
    writer.write([1, 2]);
    writer.write([3, 4]);
    const third = writer.write([5, 6]);
    let accepted = false;
    void third.accepted.then(() => {
      accepted = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(accepted).toBe(false);
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(accepted).toBe(true);
    release(); // [3, 4] written, [5, 6] in flight
    await new Promise((r) => setTimeout(r, 10));
    release();
    await third.done;
    expect(writer.queued()).toBe(0);
  });
});
