/**
 * Flink's CheckpointCoordinator, as pure logic (the job manager process drives it with a timer and
 * messages; tests drive it directly). Protocol steps 1 and 3 of PROTOCOLS.md's barrier-snapshot section:
 * - trigger checkpoint n every interval, at most one pending, only after `minPause` since the last completion
 *   and only while every task is running; ids only increase (also across failovers). The schedule is Flink's
 *   (CheckpointCoordinator's ScheduledTrigger and CheckpointRequestDecider): periodic requests fall due at a
 *   fixed rate (due += interval, whenever the last one actually ran); one that falls due while a checkpoint is
 *   pending is queued (up to 1000), and a completion or abort runs the oldest queued request at once, or, within
 *   min pause of the last completion, drops it and restarts the schedule at completion + min pause. The
 *   schedule starts when every task runs, its first request `initialDelayMs` later (Flink: uniform in
 *   [min pause, interval], drawn at every start: after each failover too), and stops, its queue dropped, while
 *   they do not;
 * - n completes when EVERY task acknowledged it; completed ids only increase; then notifyCheckpointComplete;
 * - a pending checkpoint that times out (or is declined) is aborted; more aborts in a row than the tolerable
 *   number ask for a failover.
 */
/** Flink's CheckpointRequestDecider keeps at most this many trigger requests queued. */
export const MAX_QUEUED_REQUESTS = 1000;

export interface PendingCheckpoint {
  id: number;
  triggeredAtMs: number;
  acknowledged: Set<string>;
}

export type AckResult =
  | { kind: 'completed'; id: number; durationMs: number }
  | { kind: 'pending'; missing: number }
  | { kind: 'ignored'; reason: string };

export interface CheckpointCoordinatorOptions {
  tasks: readonly string[];
  intervalMs: number;
  timeoutMs: number;
  minPauseMs: number;
  tolerableFailedCheckpoints: number;
  /** The first request's delay after the schedule starts, drawn at each start (default 0: at once). */
  initialDelayMs?: () => number;
}

export class CheckpointCoordinator {
  readonly #opts: CheckpointCoordinatorOptions;
  #nextId: number;
  #pending: PendingCheckpoint | undefined;
  #latestCompleted: number | null;
  #lastCompletedAtMs = Number.NEGATIVE_INFINITY;
  /** When the next periodic request falls due; undefined while the schedule is stopped. */
  #nextDueMs: number | undefined;
  /** Periodic requests that fell due and have not run (Flink's queued trigger requests). */
  #queued = 0;
  #consecutiveFailures = 0;

  constructor(
    opts: CheckpointCoordinatorOptions,
    restored: { latestCompleted: number | null; nextId: number } = { latestCompleted: null, nextId: 1 },
  ) {
    this.#opts = opts;
    this.#latestCompleted = restored.latestCompleted;
    this.#nextId = Math.max(restored.nextId, (restored.latestCompleted ?? 0) + 1);
  }

  /** The checkpoint to restore from: the latest completed one, or null (start from scratch). */
  latestCompleted(): number | null {
    return this.#latestCompleted;
  }

  pending(): PendingCheckpoint | undefined {
    return this.#pending;
  }

  nextId(): number {
    return this.#nextId;
  }

  /**
   * Trigger a checkpoint if one is due; returns its id, or undefined. Call it when `nextWakeMs` comes, and at once
   * after a completion or an abort (a queued request runs then).
   */
  maybeTrigger(nowMs: number, allTasksRunning: boolean): number | undefined {
    const { intervalMs, minPauseMs } = this.#opts;
    if (intervalMs <= 0) return undefined;
    if (!allTasksRunning) {
      this.#nextDueMs = undefined;
      this.#queued = 0;
      return undefined;
    }
    this.#nextDueMs ??= nowMs + (this.#opts.initialDelayMs?.() ?? 0);
    while (nowMs >= this.#nextDueMs) {
      this.#queued = Math.min(this.#queued + 1, MAX_QUEUED_REQUESTS);
      this.#nextDueMs += intervalMs;
    }
    if (this.#queued === 0 || this.#pending) return undefined;
    this.#queued--;
    if (nowMs - this.#lastCompletedAtMs < minPauseMs) {
      // Within min pause: the request is dropped and the schedule starts again when the pause is over.
      this.#nextDueMs = this.#lastCompletedAtMs + minPauseMs;
      return undefined;
    }
    const id = this.#nextId++;
    this.#pending = { id, triggeredAtMs: nowMs, acknowledged: new Set() };
    return id;
  }

  /**
   * When the job manager should look again (`maybeTrigger`, `checkTimeout`): the next periodic request or the
   * pending checkpoint's timeout, whichever is first; undefined when neither is scheduled.
   */
  nextWakeMs(): number | undefined {
    const times = [
      ...(this.#opts.intervalMs > 0 && this.#nextDueMs !== undefined ? [this.#nextDueMs] : []),
      ...(this.#pending ? [this.#pending.triggeredAtMs + this.#opts.timeoutMs] : []),
    ];
    return times.length ? Math.min(...times) : undefined;
  }

  /** A task acknowledged checkpoint `id` (its snapshot is durable in checkpoint storage). */
  acknowledge(id: number, task: string, nowMs: number): AckResult {
    const p = this.#pending;
    if (!p || p.id !== id) return { kind: 'ignored', reason: `checkpoint ${id} is not pending` };
    if (!this.#opts.tasks.includes(task)) return { kind: 'ignored', reason: `unknown task ${task}` };
    p.acknowledged.add(task);
    const missing = this.#opts.tasks.length - p.acknowledged.size;
    if (missing > 0) return { kind: 'pending', missing };
    this.#pending = undefined;
    this.#latestCompleted = id;
    this.#lastCompletedAtMs = nowMs;
    this.#consecutiveFailures = 0;
    return { kind: 'completed', id, durationMs: nowMs - p.triggeredAtMs };
  }

  /** Aborts the pending checkpoint if it timed out. Returns it, and whether that calls for a failover. */
  checkTimeout(nowMs: number): { aborted: number; failover: boolean } | undefined {
    const p = this.#pending;
    if (!p || nowMs - p.triggeredAtMs < this.#opts.timeoutMs) return undefined;
    return this.abort('expired', true);
  }

  /**
   * Aborts the pending checkpoint (timeout, decline, or a task failure). Only checkpoint failures count against
   * the tolerable number; an abort because of a failover does not.
   */
  abort(_reason: string, countsAsFailure: boolean): { aborted: number; failover: boolean } | undefined {
    const p = this.#pending;
    if (!p) return undefined;
    this.#pending = undefined;
    if (countsAsFailure) this.#consecutiveFailures++;
    return {
      aborted: p.id,
      failover: countsAsFailure && this.#consecutiveFailures > this.#opts.tolerableFailedCheckpoints,
    };
  }
}
