/**
 * The drain (ARCHITECTURE.md): after the load ended and every fault was healed, keep reading until nothing new
 * has arrived for a quiet period as long as the engine's replay horizon (its own timeout replays or restore
 * replays can still come), and count what arrives then. The quiet period counts neither while a worker is being
 * (re)started nor from before the engine's latest recovery step (a failure detected, a restart, a redeploy, a
 * replay): a recovery still under way is not quiet, however long its output pauses; nor is a collector that is not
 * reading (its consumer down in a Kafka restart). A cap keeps it bounded; it is
 * never shorter than the quiet period plus a little, so a long horizon (Storm's 30 s message timeout) is waited
 * out in full.
 */
import { type Clock, systemClock } from '../core/clock.ts';
import { EV, type EventType } from '../core/events.ts';
import { noProgress, type ProgressSink, timed } from '../core/progress.ts';
import { DETECTION_EVENT_TYPES } from './recovery.ts';

/** Steps of an engine's recovery: the drain's quiet period runs from after the latest of them. */
export const RECOVERY_STEP_TYPES: readonly EventType[] = [
  ...DETECTION_EVENT_TYPES,
  EV.workerRestarting,
  EV.workerRestarted,
  EV.jobCancelled,
  EV.jobRestarting,
  EV.jobRunning,
  EV.taskRestored,
  EV.redeploy,
  EV.operatorDeployed,
  EV.replayFrom,
  EV.tupleReplayed,
];

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
  /** Workers being (re)started now: while there are any, the quiet period does not run. */
  starting?: () => string[];
  /** Whether the collector reads now: while it does not (its consumer crashed or stalled), the quiet period does
   *  not run — silence it cannot hear is no silence. */
  reading?: () => boolean;
  /** When the engine last took a recovery step (µs, the clock's), if it did: the quiet period runs from after it. */
  lastRecoveryUs?: () => number | undefined;
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
  /** Time of the drain spent with a worker being (re)started (the quiet period did not run then). */
  startingMs: number;
  /** Workers still being (re)started when the drain ended (at its cap or interrupted). */
  stillStarting?: string[];
  /** Time of the drain spent with the collector not reading (the quiet period did not run then). */
  notReadingMs?: number;
  /** The collector was not reading when the drain ended (at its cap or interrupted). */
  readerDown?: true;
}

export async function drainOutput(opts: DrainOptions): Promise<DrainResult> {
  const clock = opts.clock ?? systemClock;
  const progress = opts.progress ?? noProgress;
  const quietMs = Math.max(MIN_QUIET_MS, opts.quietMs);
  const capMs = Math.max(opts.capS * 1000, quietMs + CAP_MARGIN_MS);
  const what =
    `Draining: until no new output for ${(quietMs / 1000).toFixed(1)} s with every worker up and no recovery ` +
    `step (cap ${capMs / 1000} s)`;
  return timed(progress, what, () => waitQuiet(opts, quietMs, capMs, clock));
}

async function waitQuiet(
  opts: DrainOptions,
  quietMs: number,
  capMs: number,
  clock: Clock,
): Promise<DrainResult> {
  const startUs = clock.nowUs();
  const startCount = opts.delivered();
  let lastCount = startCount;
  let lastChangeUs = startUs;
  let startingMs = 0;
  let notReadingMs = 0;
  for (;;) {
    await clock.sleep(POLL_MS);
    const nowUs = clock.nowUs();
    const count = opts.delivered();
    if (count !== lastCount) {
      lastCount = count;
      lastChangeUs = nowUs;
    }
    const starting = opts.starting?.() ?? [];
    if (starting.length > 0) {
      lastChangeUs = nowUs;
      startingMs += POLL_MS;
    }
    const reading = opts.reading?.() ?? true;
    if (!reading) {
      lastChangeUs = nowUs;
      notReadingMs += POLL_MS;
    }
    const recoveryUs = opts.lastRecoveryUs?.();
    if (recoveryUs !== undefined && recoveryUs > lastChangeUs) lastChangeUs = Math.min(recoveryUs, nowUs);
    const elapsedMs = (nowUs - startUs) / 1000;
    const quiet = (nowUs - lastChangeUs) / 1000 >= quietMs;
    if (quiet || elapsedMs >= capMs || opts.signal?.aborted) {
      return {
        quietMs,
        capMs,
        durationMs: Math.round(elapsedMs),
        endedBy: opts.signal?.aborted ? 'interrupted' : quiet ? 'quiet' : 'cap',
        outputs: count - startCount,
        startingMs,
        ...(!quiet && starting.length > 0 ? { stillStarting: starting } : {}),
        ...(notReadingMs > 0 ? { notReadingMs } : {}),
        ...(!quiet && !reading ? { readerDown: true as const } : {}),
      };
    }
  }
}
