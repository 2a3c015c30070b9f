import { describe, expect, it } from 'vitest';
import { createLatencySplit } from './latency-split.ts';

const T = 1_764_000_000_000_000; // µs since the epoch

/** An output intended at T + i ms whose parts are input, processing and delivery µs. */
function feed(
  split: ReturnType<typeof createLatencySplit>,
  n: number,
  [input, processing, delivery]: number[],
) {
  for (let i = 0; i < n; i++) {
    const t = T + i * 1000;
    split.record(t, t + input!, t + input! + processing!, t + input! + processing! + delivery!);
  }
}

describe('createLatencySplit', () => {
  it('reports the three parts when the stamps agree', () => {
    const split = createLatencySplit();
    feed(split, 100, [3000, 1000, 8000]);
    const notes: string[] = [];
    const f = split.fields(notes);
    expect(f.inputLatencyMs?.p50).toBeCloseTo(3, 1);
    expect(f.processingLatencyMs?.p50).toBeCloseTo(1, 1);
    expect(f.deliveryLatencyMs?.p50).toBeCloseTo(8, 1);
    expect(f.latencySplitUnknown).toBeUndefined();
    expect(notes).toEqual([]);
  });

  it('takes a part below zero within the 2 ms margin as zero', () => {
    const split = createLatencySplit();
    feed(split, 10, [-900, 2000, 5000]);
    expect(split.disagreement().outputs).toBe(0);
    expect(split.fields([]).inputLatencyMs?.max).toBeLessThan(0.01);
  });

  it('gives no parts, and says why, when the processes read clocks 10.6 s apart', () => {
    // The engine's workers stamp a clock of their own (e.g. the wall clock, stepped after the harness started): r
    // and w 10.6 s ahead.
    const split = createLatencySplit();
    feed(split, 500, [10_600_000 + 2000, 1000, -10_600_000 + 3000]);
    const f = split.fields([]);
    expect(f.inputLatencyMs).toBeUndefined();
    expect(f.processingLatencyMs).toBeUndefined();
    expect(f.deliveryLatencyMs).toBeUndefined();
    expect(f.latencySplitUnknown).toBe(
      "the processes' clocks disagree: 500 of 500 outputs had a part below zero (delivery 500), by up to 10597.0 ms " +
        "(a process off faultline's clock? each must stamp the machine's monotonic clock + FAULTLINE_CLOCK_OFFSET_US)",
    );
  });

  it('leaves out a rare output whose stamps disagree, with a note, and keeps the others', () => {
    const split = createLatencySplit();
    feed(split, 2000, [3000, 1000, 8000]);
    feed(split, 1, [3000, -50_000, 8000]); // e.g. a restarted worker's clock, briefly apart
    const notes: string[] = [];
    const f = split.fields(notes);
    expect(f.processingLatencyMs?.p50).toBeCloseTo(1, 1);
    expect(notes).toEqual([
      'latency split: 1 of 2001 outputs had a part below zero (processing 1), by up to 50.0 ms (clocks apart), left out of it',
    ]);
  });

  it('gives nothing when no output carried the engine stamps', () => {
    const split = createLatencySplit();
    split.record(T, Number.NaN, Number.NaN, T + 5000);
    expect(split.fields([])).toEqual({});
    expect(split.disagreement().outputs).toBe(0);
  });
});
