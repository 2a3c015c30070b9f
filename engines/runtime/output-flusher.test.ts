import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startOutputFlusher } from './output-flusher.ts';

describe('output flusher (Flink RecordWriter.OutputFlusher)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('flushes on a fixed period, not a timeout per buffer started by its first record', () => {
    const ticks: number[] = [];
    const flusher = startOutputFlusher(100, () => ticks.push(Date.now()));
    const t0 = Date.now();
    // A record written 70 ms into a period leaves on that period's tick, 30 ms later; a per-buffer timer
    // started by it would hold it 100 ms.
    vi.advanceTimersByTime(70);
    expect(ticks).toEqual([]);
    vi.advanceTimersByTime(30);
    expect(ticks.map((t) => t - t0)).toEqual([100]);
    vi.advanceTimersByTime(250);
    expect(ticks.map((t) => t - t0)).toEqual([100, 200, 300]);
    flusher.stop();
    vi.advanceTimersByTime(1000);
    expect(ticks).toHaveLength(3);
  });

  it('never runs for a timeout of 0 (every record is sent at once instead)', () => {
    const flushAll = vi.fn();
    startOutputFlusher(0, flushAll);
    vi.advanceTimersByTime(10_000);
    expect(flushAll).not.toHaveBeenCalled();
  });
});
