import { describe, expect, it } from 'vitest';
import { CLOCK_OFFSET_ENV, monotonicBase, monotonicEpochClock } from './clock.ts';

/**
 * A machine: its monotonic clock (µs since boot) and its wall clock (µs since the epoch), which a step moves
 * alone, as when a paused virtual machine is resumed.
 */
function machine() {
  const m = { monoUs: 5_000_000_000, wallOffsetUs: 1_764_000_000_000_000 };
  return {
    advance: (us: number) => {
      m.monoUs += us;
    },
    stepWall: (us: number) => {
      m.wallOffsetUs += us;
    },
    wallUs: () => m.monoUs + m.wallOffsetUs,
    /** A process started now: its clocks as Node gives them (performance.now() from its start; its timeOrigin). */
    start(env: Record<string, string | undefined>) {
      const startMono = m.monoUs;
      const originWallUs = m.monoUs + m.wallOffsetUs;
      return monotonicEpochClock(
        env,
        () => m.monoUs - startMono + 0.25, // performance.now() is not 0 when the module loads
        () => BigInt(m.monoUs),
        () => originWallUs + (m.monoUs - startMono),
      );
    },
  };
}

describe('monotonicEpochClock', () => {
  it("reads the wall clock at the first process's start, runs on the monotonic clock, and hands its offset down", () => {
    const box = machine();
    const env: Record<string, string | undefined> = {};
    const first = box.start(env);
    expect(first.nowUs()).toBeCloseTo(box.wallUs(), 3);
    expect(env[CLOCK_OFFSET_ENV]).toBe(String(Math.round(first.offsetUs)));
    box.advance(1_234.5);
    expect(first.nowUs()).toBeCloseTo(box.wallUs(), 3);
  });

  it('keeps processes started after a step of the wall clock on the same clock as those started before it', () => {
    const box = machine();
    const env: Record<string, string | undefined> = {};
    const harness = box.start(env);
    box.advance(60_000_000);
    box.stepWall(10_600_000); // the machine was paused 10.6 s; its monotonic clock did not count it
    box.advance(2_000_000);
    const worker = box.start({ ...env }); // a child inherits the environment
    expect(Math.abs(worker.nowUs() - harness.nowUs())).toBeLessThan(1);
    box.advance(1_000);
    expect(Math.abs(worker.nowUs() - harness.nowUs())).toBeLessThan(1);
    // Without the inherited offset, each process has the wall clock of its own start: 10.6 s apart.
    const stranger = box.start({});
    expect(stranger.nowUs() - harness.nowUs()).toBeCloseTo(10_600_000, -1);
  });

  it('ignores an empty or malformed offset in the environment', () => {
    const box = machine();
    for (const bad of ['', 'soon']) {
      const env: Record<string, string | undefined> = { [CLOCK_OFFSET_ENV]: bad };
      expect(box.start(env).nowUs()).toBeCloseTo(box.wallUs(), 3);
    }
  });
});

describe('monotonicBase', () => {
  it('takes the tightest bracket of machine reads around a performance.now() read, not the first pair', () => {
    // A process preempted for 20 ms between its reads in the first two brackets (a busy machine at start).
    let machineUs = 7_000_000;
    const origin = 6_000_000;
    const stalls = [20_000, 20_000];
    const base = monotonicBase(
      () => {
        const now = machineUs - origin;
        machineUs += stalls.shift() ?? 1;
        return now;
      },
      () => {
        machineUs += 1;
        return BigInt(machineUs);
      },
    );
    expect(Math.abs(base - origin)).toBeLessThanOrEqual(2);
  });

  it('agrees with this process: performance.now() plus the base reads process.hrtime within a few µs', () => {
    const base = monotonicBase(
      () => performance.now() * 1000,
      () => process.hrtime.bigint() / 1000n,
    );
    const before = Number(process.hrtime.bigint() / 1000n);
    const ours = performance.now() * 1000 + base;
    const after = Number(process.hrtime.bigint() / 1000n);
    expect(ours).toBeGreaterThanOrEqual(before - 50);
    expect(ours).toBeLessThanOrEqual(after + 50);
  });
});
