import { describe, expect, it } from 'vitest';
import { drawsFor, streamKey, uniformAt } from './id-random.ts';

describe('per-id draws', () => {
  it('are a pure function of stream, id and draw index', () => {
    const stream = streamKey(1, 'test');
    const a = drawsFor(stream, 123_456);
    const first = [a.next(), a.next(), a.normal()];
    const b = drawsFor(stream, 123_456);
    expect([b.next(), b.next(), b.normal()]).toEqual(first);
    expect(uniformAt(stream, 123_456, 0)).toBe(first[0]);
  });

  it('differ between ids, streams and seeds, including ids beyond 2^32', () => {
    const stream = streamKey(1, 'test');
    const values = new Set([
      uniformAt(stream, 0, 0),
      uniformAt(stream, 1, 0),
      uniformAt(stream, 2 ** 32, 0),
      uniformAt(streamKey(1, 'other'), 0, 0),
      uniformAt(streamKey(2, 'test'), 0, 0),
    ]);
    expect(values.size).toBe(5);
  });

  it('look uniform: mean ≈ 1/2 and every tenth of [0, 1) about equally full', () => {
    const stream = streamKey(7, 'uniformity');
    const bins = new Array<number>(10).fill(0);
    let sum = 0;
    let min = 1;
    let max = 0;
    const n = 100_000;
    for (let id = 0; id < n; id++) {
      const u = uniformAt(stream, id, 0);
      sum += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
      bins[Math.floor(u * 10)]!++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / n).toBeCloseTo(0.5, 2);
    for (const count of bins) expect(Math.abs(count - n / 10)).toBeLessThan(n / 100);
  });
});
