import { describe, expect, it } from 'vitest';
import type { SecondRow } from './collector.ts';
import { judgeStep } from './sustainable.ts';

const row = (second: number, outputs: number, p50Ms: number): SecondRow => ({
  second,
  outputs,
  p50Us: p50Ms * 1000,
  p99Us: p50Ms * 3000,
  maxUs: p50Ms * 4000,
});

describe('sustainable throughput judgement', () => {
  it('steady output at the target with flat latency is sustainable', () => {
    const rows = Array.from({ length: 12 }, (_, s) => row(s, 1000, 10 + (s % 3)));
    expect(judgeStep(rows, 1000, 2, 12)).toMatchObject({
      sustainable: true,
      meanPerS: 1000,
      earlyP50Ms: 12, // upper median of the first quarter (seconds 2, 3: 12 and 10 ms)
      lateP50Ms: 12,
    });
  });

  it('a growing queue (latency climbing every second) is not', () => {
    const rows = Array.from({ length: 12 }, (_, s) => row(s, 990, 10 + s * 40));
    const j = judgeStep(rows, 1000, 2, 12);
    expect(j.sustainable).toBe(false);
    expect(j.reason).toContain('latency grows');
  });

  it('output below 95 % of the target is not, and missing seconds count as zero output', () => {
    const rows = Array.from({ length: 12 }, (_, s) => row(s, 900, 10));
    expect(judgeStep(rows, 1000, 2, 12).reason).toBe('output 900/s < 95 % of 1000/s');
    const gaps = [row(2, 1000, 10), row(3, 1000, 10)];
    expect(judgeStep(gaps, 1000, 2, 6).meanPerS).toBe(500);
  });
});
