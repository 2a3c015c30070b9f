import { describe, expect, it } from 'vitest';
import { BarrierAligner } from './barrier-aligner.ts';

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
