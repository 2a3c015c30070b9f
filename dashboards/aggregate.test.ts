import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { median } from '../core/stats.ts';
import { createLatencyHistogram } from '../harness/latency.ts';
import {
  BOOTSTRAP_SEED,
  bootstrapMedianCi,
  bootstrapMedianDifferenceCi,
  estimate,
  estimateDifference,
  groupRuns,
  latencyCurve,
  mergeHistograms,
} from './aggregate.ts';
import { handMadeRun, killAt } from './fixtures/hand-made-runs.ts';

const rng = () => createRng(BOOTSTRAP_SEED);

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('treats "never" (+∞) as larger than any time', () => {
    expect(median([6000, Number.POSITIVE_INFINITY, 7000])).toBe(7000);
    expect(median([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 6000])).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('bootstrapMedianCi', () => {
  it('has no interval for one value and a point interval for identical values', () => {
    expect(bootstrapMedianCi([5], rng())).toBeNull();
    expect(bootstrapMedianCi([], rng())).toBeNull();
    expect(bootstrapMedianCi([7, 7, 7], rng())).toEqual([7, 7]);
  });

  it('is [min, max] for three values (each extreme is a resample median with probability 7/27 > 2.5 %)', () => {
    expect(bootstrapMedianCi([1, 2, 3], rng())).toEqual([1, 3]);
  });

  it('is [10, 40] for 10, 20, 30, 40 (P(median = 10) = 13/256 > 2.5 %)', () => {
    expect(bootstrapMedianCi([40, 10, 30, 20], rng())).toEqual([10, 40]);
  });

  it('ignores a lone outlier: nine zeros and 100 give [0, 0]', () => {
    expect(bootstrapMedianCi([0, 0, 0, 0, 0, 0, 0, 0, 0, 100], rng())).toEqual([0, 0]);
  });

  it('is reproducible (fixed seed) and brackets the median', () => {
    const values = [12, 15, 11, 30, 14, 13, 16, 12, 90, 14];
    const a = estimate(values, 'x');
    const b = estimate(values, 'x');
    expect(a).toEqual(b);
    expect(a.ci![0]).toBeLessThanOrEqual(a.median!);
    expect(a.ci![1]).toBeGreaterThanOrEqual(a.median!);
    expect(a.ci![0]).toBeGreaterThanOrEqual(11);
    expect(a.ci![1]).toBeLessThan(90);
  });

  it('keeps "never" in the interval', () => {
    const e = estimate([5000, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY], 'recovery');
    expect(e.median).toBe(Number.POSITIVE_INFINITY);
    expect(e.ci).toEqual([5000, Number.POSITIVE_INFINITY]);
  });
});

describe('bootstrapMedianDifferenceCi', () => {
  it('needs two values on each side and finite ones', () => {
    expect(bootstrapMedianDifferenceCi([1], [1, 2], rng())).toBeNull();
    expect(bootstrapMedianDifferenceCi([1, 2], [], rng())).toBeNull();
    expect(bootstrapMedianDifferenceCi([1, 2], [3, Number.POSITIVE_INFINITY], rng())).toBeNull();
  });

  it('is the point difference when both sides are constant', () => {
    expect(bootstrapMedianDifferenceCi([5, 5], [8, 8, 8], rng())).toEqual([3, 3]);
  });

  it('is [1, 3] for A = 0, 0 and B = 1, 3 (resampled medians of B: 1, 2, 3 with 1/4, 1/2, 1/4)', () => {
    expect(bootstrapMedianDifferenceCi([0, 0], [1, 3], rng())).toEqual([1, 3]);
  });

  it('brackets zero when A and B are the same sample', () => {
    const values = [100, 104, 98, 120, 101];
    const [lo, hi] = bootstrapMedianDifferenceCi(values, values, rng())!;
    expect(lo).toBeLessThan(0);
    expect(hi).toBeGreaterThan(0);
  });

  it('stays within the extreme differences and away from zero for separated samples', () => {
    const [lo, hi] = bootstrapMedianDifferenceCi([100, 101, 102, 103], [150, 151, 152, 153], rng())!;
    expect(lo).toBeGreaterThanOrEqual(150 - 103);
    expect(hi).toBeLessThanOrEqual(153 - 100);
  });
});

describe('estimateDifference', () => {
  it('is the difference of medians with a reproducible interval', () => {
    const a = [10, 12, 11, 30];
    const b = [15, 16, 14, 13];
    const first = estimateDifference(a, b, 'cell/p99Ms');
    expect(first).toEqual(estimateDifference(a, b, 'cell/p99Ms'));
    expect(first.difference).toBe(14.5 - 11.5);
    expect(first.ci![0]).toBeLessThanOrEqual(first.difference!);
    expect(first.ci![1]).toBeGreaterThanOrEqual(first.difference!);
  });

  it('has a difference but no interval for single runs, and neither for a median that is not finite', () => {
    expect(estimateDifference([100], [130], 'x')).toEqual({ difference: 30, ci: null });
    expect(estimateDifference([100], [Number.POSITIVE_INFINITY], 'x')).toEqual({
      difference: null,
      ci: null,
    });
  });
});

describe('estimate', () => {
  it('leaves out runs where the figure does not apply', () => {
    const e = estimate([null, 4, null], 'f');
    expect(e).toMatchObject({ n: 1, values: [4], median: 4, ci: null });
  });
});

describe('histograms', () => {
  const histogramOf = (ms: number, count: number) => {
    const h = createLatencyHistogram();
    for (let i = 0; i < count; i++) h.recordValue(ms * 1000);
    return h;
  };

  it('adds repeats instead of averaging their percentiles', () => {
    const merged = mergeHistograms([histogramOf(10, 900), histogramOf(1000, 100), null])!;
    expect(merged.totalCount).toBe(1000);
    // Averaging the two runs' p50s would say 505 ms; the merged distribution's p50 is 10 ms.
    expect(merged.getValueAtPercentile(50) / 1000).toBeCloseTo(10, 1);
    expect(merged.getValueAtPercentile(95) / 1000).toBeCloseTo(1000, -1);
  });

  it('has nothing to merge without histograms', () => {
    expect(mergeHistograms([null, createLatencyHistogram()])).toBeNull();
  });

  it('draws the curve at 1/(1−p): 0 % at x = 1, 90 % at 10, 99 % at 100, ending at the max', () => {
    const h = createLatencyHistogram();
    for (let ms = 1; ms <= 10_000; ms++) h.recordValue(ms * 1000);
    const curve = latencyCurve(h);
    expect(curve[0]).toMatchObject({ percentile: 0, x: 1 });
    const at = (x: number) => curve.find((p) => Math.abs(p.x - x) < 1e-6)!;
    expect(at(10).ms).toBeCloseTo(9000, -1);
    expect(at(100).ms).toBeCloseTo(9900, -1);
    expect(curve.at(-1)).toMatchObject({ x: 10_000 });
    expect(curve.at(-1)!.ms).toBeCloseTo(10_000, -1);
    expect(curve.every((p, i) => i === 0 || p.x > curve[i - 1]!.x)).toBe(true);
  });
});

describe('groupRuns', () => {
  it('groups repeats per scenario and engine × guarantee, baseline and steady first', () => {
    const runs = [
      handMadeRun({ engine: 'barrier-snapshot', faults: [killAt(13)], counts: { duplicated: 0 } }),
      handMadeRun({
        engine: 'ack-tree',
        guarantee: 'at-least-once',
        faults: [killAt(13)],
        counts: { duplicated: 10 },
      }),
      handMadeRun({
        engine: 'ack-tree',
        guarantee: 'at-least-once',
        faults: [killAt(13)],
        counts: { duplicated: 30 },
      }),
      handMadeRun({
        engine: 'ack-tree',
        guarantee: 'at-least-once',
        faults: [killAt(13)],
        counts: { duplicated: 20 },
      }),
      handMadeRun({ engine: 'passthrough', guarantee: 'none' }),
    ];
    const scenarios = groupRuns(runs);
    expect(scenarios.map((s) => s.scenario)).toEqual(['steady', 'kill-worker']);
    const kill = scenarios[1]!;
    expect(kill.groups.map((g) => g.label)).toEqual([
      'ack-tree · at-least-once',
      'barrier-snapshot · exactly-once',
    ]);
    const ackTree = kill.groups[0]!;
    expect(ackTree.runs).toHaveLength(3);
    expect(ackTree.figures.duplicated).toMatchObject({ n: 3, median: 20, ci: [10, 30] });
    expect(ackTree.figures.recoveryMs.median).toBe(5000);
    expect(scenarios[0]!.groups[0]!.figures.recoveryMs).toMatchObject({ n: 0, median: null });
  });

  it('keeps runs with different rates or engine options apart and names what differs', () => {
    const runs = [
      handMadeRun({ engine: 'barrier-snapshot', engineOptions: { bufferTimeoutMs: 0 } }),
      handMadeRun({ engine: 'barrier-snapshot', engineOptions: { bufferTimeoutMs: 100 } }),
      handMadeRun({ engine: 'barrier-snapshot', engineOptions: { bufferTimeoutMs: 100 }, rate: 1000 }),
    ];
    const labels = groupRuns(runs)[0]!.groups.map((g) => g.label);
    expect(labels).toEqual([
      'barrier-snapshot · exactly-once (500/s, bufferTimeoutMs=0)',
      'barrier-snapshot · exactly-once (500/s, bufferTimeoutMs=100)',
      'barrier-snapshot · exactly-once (1000/s, bufferTimeoutMs=100)',
    ]);
  });

  it('counts verdicts of repeats, false beating unknown beating true', () => {
    const runs = [
      handMadeRun(),
      handMadeRun({ guaranteeHeld: 'unknown' }),
      handMadeRun({ guaranteeHeld: false }),
    ];
    expect(groupRuns(runs)[0]!.groups[0]!.verdicts).toEqual({
      held: 1,
      violated: 1,
      unknown: 1,
      merged: false,
    });
  });
});
