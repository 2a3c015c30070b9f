import { describe, expect, it } from 'vitest';
import {
  cpuLoopMs,
  cpuLoopResult,
  machineDifferences,
  machineSpeed,
  medianSample,
  memReadNs,
  ringHopUs,
  SPEED_TOLERANCE,
  sampleOf,
  speedDifference,
  stealWhileBusy,
} from './machine-speed.ts';

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
    expect(speedDifference(undefined, 50, ['a', 'b'])).toBeNull();
  });

  it.runIf(process.platform === 'linux')(
    'reads the share stolen with every CPU busy: a share on the real /proc, NaN without one',
    async () => {
      const t0 = Date.now();
      const share = await stealWhileBusy(200);
      // The threads spun for the whole window, on every CPU at once.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
      expect(share).toBeGreaterThanOrEqual(0);
      expect(share).toBeLessThanOrEqual(1);
      expect(await stealWhileBusy(10, '/nonexistent-proc')).toBeNaN();
    },
  );

  it('times dependent random reads: a positive time per read', () => {
    expect(memReadNs(2, 10_000, 1 << 16)).toBeGreaterThan(0);
  });

  it('passes a token round a ring of processes and leaves none behind', async () => {
    const ring = await ringHopUs(3, 300, 2);
    expect(ring.cpuUs).toBeGreaterThan(0);
    expect(ring.wallUs).toBeGreaterThan(0);
    await expect(ringHopUs(1)).rejects.toThrow('a ring needs 2 processes or more, got 1');
  });

  it('a bench keeps each probe before and after; a side, a median and the differences read it back', () => {
    const before = { cpuLoopMs: 16, memReadNs: 180, ringCpuUs: 60, ringWallUs: 55 };
    const after = { cpuLoopMs: 17, ringCpuUs: 90 };
    const speed = machineSpeed(before, after);
    // memReadNs and ringWallUs were not measured after: left out, not half-kept.
    expect(speed).toEqual({ cpuLoopMs: { before: 16, after: 17 }, ringCpuUs: { before: 60, after: 90 } });
    expect(sampleOf(speed, 'after')).toEqual(after);
    expect(medianSample([before, after])).toEqual({ cpuLoopMs: 16.5, ringCpuUs: 75 });
    // Of more, the median: one loud sample (a memory read between entries) does not move it.
    const quiet = { cpuLoopMs: 20, memReadNs: 55 };
    expect(
      medianSample([quiet, { cpuLoopMs: 20.4, memReadNs: 168 }, { cpuLoopMs: 19.8, memReadNs: 57 }]),
    ).toEqual({ cpuLoopMs: 20, memReadNs: 57 });
    expect(machineDifferences(before, after, ['before', 'after'])).toEqual([
      'a hop round a ring of 8 processes (CPU) ran 1.50× slower after than before (90 µs vs 60 µs)',
    ]);
  });
});
