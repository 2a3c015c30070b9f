/**
 * How fast this machine runs a fixed amount of CPU work now. A bench times it before its first step and after its
 * last, so that one bench can say its machine changed speed while it ran, and `compare` can tell a slower machine
 * from a slower engine. On a shared VM the CPU a process gets varies by the hour: on 2026-12-01 this machine's
 * passthrough:instances=2 sustained 36000 events/s at 18:10 and 16000/s at 21:42 with the same code, its engine
 * spending 22 µs of CPU per event the first time and 37 µs the second.
 *
 * The work is an integer hash (xorshift32) on the calling thread: no allocation, no I/O, nothing the JIT can drop
 * (its result is kept), the same instructions on every run. Its time is the median of several rounds, so one
 * round that lost the core to another process does not decide it.
 */

/** Steps per round: ~10 ms on a 2026 laptop core. */
export const CPU_LOOP_STEPS = 10_000_000;
export const CPU_LOOP_ROUNDS = 9;
/** Two timings further apart than this share are two different machines (or one that changed). */
export const SPEED_TOLERANCE = 0.15;

/** bench.json `machine`: the CPU loop's time (ms) before the first step and after the last. */
export interface MachineSpeed {
  cpuLoopMs: { before: number; after: number };
}

let kept = 0;

/** Median time (ms) of `rounds` rounds of `steps` xorshift32 steps on this thread. */
export function cpuLoopMs(rounds = CPU_LOOP_ROUNDS, steps = CPU_LOOP_STEPS): number {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    let x = (r + 1) | 0;
    for (let i = 0; i < steps; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
    }
    kept ^= x;
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]! * 10) / 10;
}

/** The result of the loop, so that the JIT cannot prove it unused. */
export function cpuLoopResult(): number {
  return kept;
}

/**
 * The second timing against the first as a sentence, or null when they are within SPEED_TOLERANCE of each other
 * (the same speed). `names` say where each was taken: ['before the first step', 'after the last'].
 */
export function speedDifference(beforeMs: number, afterMs: number, names: [string, string]): string | null {
  if (!(beforeMs > 0 && afterMs > 0)) return null;
  const ratio = afterMs / beforeMs;
  if (Math.abs(ratio - 1) <= SPEED_TOLERANCE) return null;
  const [first, second] = names;
  const how = ratio > 1 ? `${ratio.toFixed(2)}× slower` : `${(1 / ratio).toFixed(2)}× faster`;
  return `the CPU loop ran ${how} ${second} than ${first} (${afterMs} ms vs ${beforeMs} ms)`;
}
