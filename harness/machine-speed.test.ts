import { describe, expect, it } from 'vitest';
import { cpuLoopMs, cpuLoopResult, SPEED_TOLERANCE, speedDifference } from './machine-speed.ts';

describe('machine speed', () => {
  it('times a fixed CPU loop: a positive median, and the same work every time (same result)', () => {
    const ms = cpuLoopMs(3, 1_000_000);
    expect(ms).toBeGreaterThan(0);
    const before = cpuLoopResult();
    cpuLoopMs(2, 1_000_000); // rounds 1 and 2 again: their results cancel out of the running XOR
    expect(cpuLoopResult()).not.toBe(before);
    cpuLoopMs(2, 1_000_000);
    expect(cpuLoopResult()).toBe(before);
  });

  it('two timings within 15 % are the same speed; further apart, a sentence says which way and how much', () => {
    expect(SPEED_TOLERANCE).toBe(0.15);
    expect(speedDifference(100, 114, ['on A', 'on B'])).toBeNull();
    expect(speedDifference(100, 87, ['on A', 'on B'])).toBeNull();
    expect(speedDifference(100, 220, ["on A's machine", "on B's machine"])).toBe(
      "the CPU loop ran 2.20× slower on B's machine than on A's machine (220 ms vs 100 ms)",
    );
    expect(speedDifference(100, 50, ['before the first step', 'after the last'])).toBe(
      'the CPU loop ran 2.00× faster after the last than before the first step (50 ms vs 100 ms)',
    );
    expect(speedDifference(0, 50, ['a', 'b'])).toBeNull();
  });
});
