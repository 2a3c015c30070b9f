/**
 * Flink's CheckpointCoordinator, as pure logic (the job manager process drives it with a timer and
 * messages; tests drive it directly). Protocol steps 1 and 3 of PROTOCOLS.md's barrier-snapshot section:
 * - trigger checkpoint n every interval, at most one pending, only after `minPause` since the last completion
 *   and only while every task is running; ids only increase (also across failovers);
 * - n completes when EVERY task acknowledged it; completed ids only increase; then notifyCheckpointComplete;
 * - a pending checkpoint that times out (or is declined) is aborted; more aborts in a row than the tolerable
 *   number ask for a failover.
 */
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
}

export class CheckpointCoordinator {
  readonly #opts: CheckpointCoordinatorOptions;
  #nextId: number;
  #pending: PendingCheckpoint | undefined;
  #latestCompleted: number | null;
  #lastCompletedAtMs = Number.NEGATIVE_INFINITY;
  #lastTriggerAtMs = Number.NEGATIVE_INFINITY;
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

  /** Trigger a checkpoint if it is due; returns its id, or undefined. */
  maybeTrigger(nowMs: number, allTasksRunning: boolean): number | undefined {
    if (this.#opts.intervalMs <= 0 || !allTasksRunning || this.#pending) return undefined;
    if (nowMs - this.#lastTriggerAtMs < this.#opts.intervalMs) return undefined;
    if (nowMs - this.#lastCompletedAtMs < this.#opts.minPauseMs) return undefined;
    const id = this.#nextId++;
    this.#pending = { id, triggeredAtMs: nowMs, acknowledged: new Set() };
    this.#lastTriggerAtMs = nowMs;
    return id;
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
