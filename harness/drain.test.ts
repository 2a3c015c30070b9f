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
});
