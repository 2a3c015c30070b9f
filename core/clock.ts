/**
 * Time, injected. Wall-clock microseconds are comparable across the processes of one machine, which is what
 * end-to-end latency needs (intended send time in the generator, read time in the collector).
 */
import { TimeoutError } from './errors.ts';

export interface Clock {
  /** Microseconds since the Unix epoch, with sub-millisecond resolution. */
  nowUs(): number;
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  nowUs: () => Math.round((performance.timeOrigin + performance.now()) * 1000),
  nowMs: () => performance.timeOrigin + performance.now(),
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
