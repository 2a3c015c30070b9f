/**
 * Time, injected. The system clock's microseconds since the epoch are comparable across the processes of one
 * machine (see monotonicEpochClock), which is what end-to-end latency and its split need (intended send time in the
 * generator, read and write times in the engine, read time in the collector).
 */
import { TimeoutError } from './errors.ts';

export interface Clock {
  /** Microseconds since the Unix epoch, with sub-millisecond resolution. */
  nowUs(): number;
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The environment variable that carries the clock's epoch offset to child processes (and worker threads): µs to add
 * to the machine's monotonic clock to get µs since the Unix epoch.
 */
export const CLOCK_OFFSET_ENV = 'FAULTLINE_CLOCK_OFFSET_US';

/**
 * One clock for every faultline process on the machine: the machine's monotonic clock (CLOCK_MONOTONIC, the same in
 * every process and container) plus an epoch offset fixed by the first process and inherited by its descendants.
 *
 * `performance.timeOrigin + performance.now()`, what each process had before, is the wall clock *as it was when
 * that process started*, run on by the monotonic clock. When the wall clock is stepped later (a virtual machine
 * resumed after a pause: its monotonic clock does not count the pause; or NTP), a process started before the step
 * runs apart from every process started after it. Seen in a bench: the harness 10.6 s behind the engines' workers,
 * so every input latency read ~11 s and every delivery latency fell below zero. Following the wall clock instead
 * would put the step into every latency in flight and make the generator send the paused seconds in a burst; the
 * machine's monotonic clock has neither: nothing on the machine ran during the pause.
 *
 * The JVM engines (real Storm, Flink, Kafka Streams) stamp on the same clock (`nowUs()` in their main classes:
 * System.nanoTime, CLOCK_MONOTONIC on Linux, plus the inherited offset). A clock that still parts from it shows in the latency
 * split's check (latency-split.ts); a step of the wall clock itself is noted by the run (`wallClockStepMs`).
 */
export function monotonicEpochClock(
  env: Record<string, string | undefined> = process.env,
  monotonicUs: () => number = () => performance.now() * 1000,
  machineMonotonicUs: () => bigint = () => process.hrtime.bigint() / 1000n,
  wallUs: () => number = () => (performance.timeOrigin + performance.now()) * 1000,
): { nowUs: () => number; offsetUs: number } {
  const base = monotonicBase(monotonicUs, machineMonotonicUs);
  const inherited = Number(env[CLOCK_OFFSET_ENV]);
  const offsetUs =
    Number.isFinite(inherited) && env[CLOCK_OFFSET_ENV] !== ''
      ? inherited
      : wallUs() - (base + monotonicUs());
  env[CLOCK_OFFSET_ENV] = String(Math.round(offsetUs));
  const k = base + offsetUs;
  return { nowUs: () => monotonicUs() + k, offsetUs };
}

/**
 * µs to add to performance.now() (the monotonic clock since this process's origin) to get the machine's monotonic
 * clock. Two reads cannot be taken at one instant: a process preempted between them (7 workers starting on 2 busy
 * cores) or a first call's lazy setup (~0.9 ms, measured) puts that delay into every later stamp: processes were
 * seen up to 24 ms apart. So each performance.now() read is bracketed by two machine reads, and the tightest of a
 * few brackets gives the base, to within half its width (a few µs).
 */
export function monotonicBase(
  monotonicUs: () => number,
  machineMonotonicUs: () => bigint,
  tries = 20,
): number {
  monotonicUs();
  machineMonotonicUs(); // both first calls, with their setup, outside the brackets
  let width = Number.POSITIVE_INFINITY;
  let base = 0;
  for (let i = 0; i < tries && width > 2; i++) {
    const before = Number(machineMonotonicUs());
    const now = monotonicUs();
    const after = Number(machineMonotonicUs());
    if (after - before < width) {
      width = after - before;
      base = (before + after) / 2 - now;
    }
  }
  return base;
}

const epoch = monotonicEpochClock();

/** The environment a process on this machine needs to share this clock, for those that do not inherit ours (containers). */
export const clockOffsetEnv = (): Record<string, string> => ({
  [CLOCK_OFFSET_ENV]: String(Math.round(epoch.offsetUs)),
});

/**
 * How far the wall clock has moved from faultline's clock since this process's clock was set (ms, + ahead): a
 * step (a paused virtual machine, NTP) shows as a change of this value over a run.
 */
export const wallClockDriftMs = (): number => Date.now() - epoch.nowUs() / 1000;

/** A change of wallClockDriftMs over a run from this size (ms) is a step of the wall clock, not Date.now()'s jitter. */
export const WALL_CLOCK_STEP_MS = 100;

/** "+10.6 s" */
export const wallClockStepText = (ms: number) => `${ms > 0 ? '+' : ''}${(ms / 1000).toFixed(1)} s`;

export const systemClock: Clock = {
  nowUs: () => Math.round(epoch.nowUs()),
  nowMs: () => epoch.nowUs() / 1000,
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** Retry `fn` until it returns a value other than undefined, or throw after `timeoutMs`. */
export async function retryUntil<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; clock?: Clock; onTimeout?: (last: unknown) => Error },
): Promise<T> {
  const clock = opts.clock ?? systemClock;
  const deadline = clock.nowMs() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (clock.nowMs() >= deadline) {
      if (opts.onTimeout) throw opts.onTimeout(last);
      throw new TimeoutError(what, opts.timeoutMs, { cause: last });
    }
    await clock.sleep(opts.intervalMs ?? 200);
  }
}
