/**
 * The drain (ARCHITECTURE.md): after the load ended and every fault was healed, keep reading until nothing new
 * has arrived for a quiet period as long as the engine's replay horizon (its own timeout replays or restore
 * replays can still come), and count what arrives then. A cap keeps it bounded; it is never shorter than the
 * quiet period plus a little, so a long horizon (Storm's 30 s message timeout) is waited out in full.
 */
import { type Clock, systemClock } from '../core/clock.ts';
import { noProgress, type ProgressSink, timed } from '../core/progress.ts';

/** The shortest quiet period: output that pauses for less is still in flight. */
export const MIN_QUIET_MS = 1000;
/** How far past the quiet period the cap reaches at least. */
const CAP_MARGIN_MS = 5000;
const POLL_MS = 100;

export interface DrainOptions {
  /** Outputs read so far (any count that grows with every delivery). */
  delivered: () => number;
  /** Time without new output after which the drain ends. */
  quietMs: number;
  /** The scenario's drain, seconds: the cap, raised to quietMs + 5 s when shorter. */
  capS: number;
  clock?: Clock;
  progress?: ProgressSink;
  /** Aborted: the drain ends at once ('interrupted'). */
  signal?: AbortSignal;
}

/** summary.json `drain`. */
export interface DrainResult {
  quietMs: number;
  capMs: number;
  durationMs: number;
  /** 'quiet': nothing new for quietMs; 'cap': output was still arriving when the cap was reached;
   *  'interrupted': the run was interrupted (Ctrl-C). */
  endedBy: 'quiet' | 'cap' | 'interrupted';
  /** Outputs read during the drain (late first deliveries and late duplicates among them). */
  outputs: number;
}

export async function drainOutput(opts: DrainOptions): Promise<DrainResult> {
  const clock = opts.clock ?? systemClock;
  const progress = opts.progress ?? noProgress;
  const quietMs = Math.max(MIN_QUIET_MS, opts.quietMs);
  const capMs = Math.max(opts.capS * 1000, quietMs + CAP_MARGIN_MS);
  const what = `Draining: until no new output for ${(quietMs / 1000).toFixed(1)} s (cap ${capMs / 1000} s)`;
  return timed(progress, what, () => waitQuiet(opts.delivered, quietMs, capMs, clock, opts.signal));
}

async function waitQuiet(
  delivered: () => number,
  quietMs: number,
  capMs: number,
  clock: Clock,
  signal: AbortSignal | undefined,
): Promise<DrainResult> {
  const startUs = clock.nowUs();
  const startCount = delivered();
  let lastCount = startCount;
  let lastChangeUs = startUs;
  for (;;) {
    await clock.sleep(POLL_MS);
    const nowUs = clock.nowUs();
    const count = delivered();
    if (count !== lastCount) {
      lastCount = count;
      lastChangeUs = nowUs;
    }
    const elapsedMs = (nowUs - startUs) / 1000;
    const quiet = (nowUs - lastChangeUs) / 1000 >= quietMs;
    if (quiet || elapsedMs >= capMs || signal?.aborted) {
      return {
        quietMs,
        capMs,
        durationMs: Math.round(elapsedMs),
        endedBy: signal?.aborted ? 'interrupted' : quiet ? 'quiet' : 'cap',
        outputs: count - startCount,
      };
    }
  }
}
