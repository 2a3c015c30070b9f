import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { createHlogWriter, createLatencyHistogram, readHlog, recordUs, summarizeMs } from './latency.ts';

describe('latency instruments', () => {
  it('percentiles agree with the values they were built from (within HdrHistogram precision)', () => {
    const rng = createRng(7);
    const values: number[] = [];
    const h = createLatencyHistogram();
    for (let i = 0; i < 50_000; i++) {
      const us = Math.round(Math.exp(rng.normal() * 0.8 + 9)); // log-normal around 8 ms
      values.push(us);
      recordUs(h, us);
    }
    values.sort((a, b) => a - b);
    const exact = (p: number) => values[Math.ceil((p / 100) * values.length) - 1]!;
    const s = summarizeMs(h);
    for (const [p, got] of [
      [50, s.p50],
      [90, s.p90],
      [99, s.p99],
      [99.9, s.p999],
    ] as const) {
      expect(Math.abs(got * 1000 - exact(p)) / exact(p)).toBeLessThan(0.005); // 3 significant digits, highest-equivalent value
    }
    expect(s.max * 1000).toBeGreaterThanOrEqual(values.at(-1)!);
    expect(s.count).toBe(50_000);
  });

  it('an hlog of interval histograms reads back to the same merged histogram', () => {
    let text = '';
    const start = 1_700_000_000_000;
    const log = createHlogWriter((t) => {
      text += t;
    }, start);
    const direct = createLatencyHistogram();
    for (let sec = 0; sec < 5; sec++) {
      const interval = createLatencyHistogram();
      for (let i = 1; i <= 1000; i++) {
        recordUs(interval, i * (sec + 1));
        recordUs(direct, i * (sec + 1));
      }
      log.interval(interval, sec, sec + 1);
    }
    expect(text).toContain('#[StartTime: 1700000000');
    const { total, intervals } = readHlog(text);
    expect(intervals).toBe(5);
    expect(total.totalCount).toBe(direct.totalCount);
    // The encoding keeps bucket counts exactly; only the max is reported as its bucket's highest value.
    const { max: gotMax, ...got } = summarizeMs(total);
    const { max: wantMax, ...want } = summarizeMs(direct);
    expect(got).toEqual(want);
    expect(Math.abs(gotMax - wantMax) / wantMax).toBeLessThan(0.001);
  });
});
