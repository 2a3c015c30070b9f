import { describe, expect, it } from 'vitest';
import { BarrierAligner, InputGate } from './barrier-aligner.ts';

describe('barrier alignment', () => {
  it('aligned: a channel that delivered barrier n is blocked until n arrived on all channels', async () => {
    const a = new BarrierAligner(['s0', 's1', 's2'], true);
    expect(a.onBarrier('s0', 1)).toEqual({ kind: 'waiting', id: 1, block: true });
    expect(a.isBlocked('s0')).toBe(true);
    let released = false;
    void a.whenUnblocked('s0').then(() => {
      released = true;
    });
    expect(a.onBarrier('s2', 1)).toEqual({ kind: 'waiting', id: 1, block: true });
    await Promise.resolve();
    expect(released).toBe(false);
    expect(a.isBlocked('s1')).toBe(false);
    expect(a.onBarrier('s1', 1)).toEqual({ kind: 'aligned', id: 1, abortedOlder: null });
    // Aligned, but the task has not snapshotted yet: the channels stay blocked until it releases them, so no
    // record that came after barrier 1 can reach the snapshot of 1 (e.g. during the sink's async pre-commit).
    await Promise.resolve();
    expect(released).toBe(false);
    expect(a.isBlocked('s0') && a.isBlocked('s2')).toBe(true);
    a.release();
    await Promise.resolve();
    expect(released).toBe(true);
    expect(a.isBlocked('s0') || a.isBlocked('s2')).toBe(false);
  });

  it('at-least-once: nothing blocks; the snapshot happens at the last barrier', () => {
    const a = new BarrierAligner(['s0', 's1'], false);
    expect(a.onBarrier('s0', 4)).toEqual({ kind: 'waiting', id: 4, block: false });
    expect(a.isBlocked('s0')).toBe(false);
    expect(a.onBarrier('s1', 4).kind).toBe('aligned');
  });

  it('a newer barrier aborts an unfinished alignment; stale barriers are ignored', () => {
    const a = new BarrierAligner(['s0', 's1'], true);
    a.onBarrier('s0', 1);
    expect(a.onBarrier('s0', 2)).toEqual({ kind: 'waiting', id: 2, block: true });
    expect(a.onBarrier('s1', 1)).toEqual({ kind: 'ignored' });
    expect(a.onBarrier('s1', 2)).toEqual({ kind: 'aligned', id: 2, abortedOlder: null });
    expect(a.onBarrier('s0', 2)).toEqual({ kind: 'ignored' });
    const b = new BarrierAligner(['s0', 's1'], true);
    b.onBarrier('s0', 1);
    b.onBarrier('s1', 3);
    expect(b.onBarrier('s0', 3)).toEqual({ kind: 'aligned', id: 3, abortedOlder: null });
  });

  it('a single-input task aligns at once', () => {
    expect(new BarrierAligner(['only'], true).onBarrier('only', 1).kind).toBe('aligned');
  });
});

describe('a task behind its input gate (the snapshot of barrier n holds exactly the records before n)', () => {
  type Frame = { records: number[] } | { barrier: number };
  /**
   * Two upstream channels, each delivering its frames strictly in order (the next only after the previous
   * call settled, as the host does), concurrently with each other. The snapshot is asynchronous, like the
   * sink's pre-commit waiting for a producer: records must not slip in while it runs.
   */
  async function run(aligned: boolean, frames: Record<string, Frame[]>) {
    const state: number[] = [];
    const snapshots = new Map<number, number[]>();
    const gate = new InputGate<number[]>(Object.keys(frames), aligned, {
      process: (_from, records) => {
        state.push(...records);
      },
      snapshot: async (n) => {
        await new Promise((r) => setTimeout(r, 20));
        snapshots.set(
          n,
          [...state].sort((a, b) => a - b),
        );
      },
    });
    await Promise.all(
      Object.entries(frames).map(async ([channel, list]) => {
        for (const f of list) {
          if ('barrier' in f) await gate.onBarrier(channel, f.barrier);
          else await gate.onRecords(channel, f.records);
          await new Promise((r) => setTimeout(r, 1));
        }
      }),
    );
    return { state: [...state].sort((a, b) => a - b), snapshots };
  }

  const frames = (): Record<string, Frame[]> => ({
    // a's barrier comes early; b's records before its barrier take a while to arrive.
    a: [{ records: [1, 2] }, { barrier: 1 }, { records: [3, 4] }, { records: [5] }],
    b: [{ records: [10] }, { records: [11] }, { records: [12] }, { barrier: 1 }, { records: [13, 14] }],
  });

  it('aligned (exactly-once): no record after barrier n on any channel reaches snapshot n', async () => {
    const { state, snapshots } = await run(true, frames());
    expect(snapshots.get(1)).toEqual([1, 2, 10, 11, 12]);
    expect(state).toEqual([1, 2, 3, 4, 5, 10, 11, 12, 13, 14]);
  });

  it('at-least-once: records after the barrier on the early channel may reach the snapshot', async () => {
    const { state, snapshots } = await run(false, frames());
    expect(snapshots.get(1)).toEqual(expect.arrayContaining([1, 2, 3, 4, 5, 10, 11, 12]));
    expect(snapshots.get(1)).not.toContain(13);
    expect(state).toEqual([1, 2, 3, 4, 5, 10, 11, 12, 13, 14]);
  });
});
