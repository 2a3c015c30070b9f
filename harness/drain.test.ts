import { describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.ts';
import { drainOutput } from './drain.ts';

/** A clock that only moves when slept on: the drain's decisions, without waiting. */
function virtualClock(): Clock & { ms: number } {
  const c = {
    ms: 0,
    nowUs: () => c.ms * 1000,
    nowMs: () => c.ms,
    sleep: async (ms: number) => {
      c.ms += ms;
    },
  };
  return c;
}

/** Deliveries that arrive at the given virtual times (ms after the drain began). */
function arrivals(clock: { ms: number }, times: number[]) {
  return () => times.filter((t) => t <= clock.ms).length;
}

describe('drain', () => {
  it('waits until nothing new arrived for the quiet period, and counts what came meanwhile', async () => {
    const clock = virtualClock();
    // Late replays 3 s and 7.5 s after the load ended: a 1 s drain would have missed both.
    const result = await drainOutput({
      delivered: arrivals(clock, [3000, 7500]),
      quietMs: 5000,
      capS: 30,
      clock,
    });
    expect(result).toMatchObject({ endedBy: 'quiet', outputs: 2, quietMs: 5000, capMs: 30_000 });
    expect(result.durationMs).toBeGreaterThanOrEqual(12_500);
    expect(result.durationMs).toBeLessThan(12_700);
  });

  it('stops at its cap while output keeps arriving, and says so', async () => {
    const clock = virtualClock();
    const steady = Array.from({ length: 1000 }, (_, i) => i * 200);
    const result = await drainOutput({ delivered: arrivals(clock, steady), quietMs: 1000, capS: 10, clock });
    expect(result.endedBy).toBe('cap');
    expect(result.durationMs).toBeGreaterThanOrEqual(10_000);
  });

  it('never caps below the quiet period: a long replay horizon is waited out in full', async () => {
    const clock = virtualClock();
    const result = await drainOutput({ delivered: () => 0, quietMs: 60_000, capS: 20, clock });
    expect(result).toMatchObject({ endedBy: 'quiet', capMs: 65_000 });
    expect(result.durationMs).toBeGreaterThanOrEqual(60_000);
  });

  it('ends at once when interrupted', async () => {
    const clock = virtualClock();
    const controller = new AbortController();
    controller.abort();
    const result = await drainOutput({
      delivered: () => 0,
      quietMs: 60_000,
      capS: 20,
      clock,
      signal: controller.signal,
    });
    expect(result.endedBy).toBe('interrupted');
    expect(result.durationMs).toBeLessThan(1000);
  });

  it("does not count quiet time while a worker restarts: the redeployed worker's late output is waited for", async () => {
    const clock = virtualClock();
    // A worker restarts from 1 s to 9 s of the drain (a slow container start) and writes its replay at 10 s.
    // Quiet 3 s: without the restart rule the drain ends at 3 s and misses it.
    const result = await drainOutput({
      delivered: arrivals(clock, [10_000]),
      quietMs: 3000,
      capS: 30,
      clock,
      starting: () => (clock.ms >= 1000 && clock.ms < 9000 ? ['features[1]'] : []),
    });
    expect(result).toMatchObject({ endedBy: 'quiet', outputs: 1 });
    expect(result.startingMs).toBeGreaterThanOrEqual(7900);
    expect(result.durationMs).toBeGreaterThanOrEqual(13_000);
  });

  it('runs the quiet period from the latest recovery step, and names the workers still starting at its cap', async () => {
    const clock = virtualClock();
    // A job restart decided 2 s into the drain (µs on the drain's clock), before 3 s of quiet: counted from there.
    const recovered = await drainOutput({
      delivered: () => 0,
      quietMs: 3000,
      capS: 30,
      clock,
      lastRecoveryUs: () => (clock.ms >= 2000 ? 2_000_000 : undefined),
    });
    expect(recovered.endedBy).toBe('quiet');
    expect(recovered.durationMs).toBeGreaterThanOrEqual(5000);

    const stuck = await drainOutput({
      delivered: () => 0,
      quietMs: 1000,
      capS: 10,
      clock: virtualClock(),
      starting: () => ['sink[0]'],
    });
    expect(stuck).toMatchObject({ endedBy: 'cap', stillStarting: ['sink[0]'] });
  });

  it('does not count quiet time while the collector is not reading, and says so at its cap', async () => {
    const clock = virtualClock();
    // The collector's consumer is down from 1 s to 6 s of the drain; the engine's late output comes at 7 s.
    const result = await drainOutput({
      delivered: arrivals(clock, [7000]),
      quietMs: 3000,
      capS: 30,
      clock,
      reading: () => clock.ms < 1000 || clock.ms >= 6000,
    });
    expect(result).toMatchObject({ endedBy: 'quiet', outputs: 1 });
    expect(result.notReadingMs).toBeGreaterThanOrEqual(4900);

    const down = await drainOutput({
      delivered: () => 0,
      quietMs: 1000,
      capS: 10,
      clock: virtualClock(),
      reading: () => false,
    });
    expect(down).toMatchObject({ endedBy: 'cap', readerDown: true });
  });
});
