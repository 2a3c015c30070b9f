/**
 * Barrier handling for a task with several input channels (protocol step 2; Flink's
 * CheckpointBarrierHandler). In aligned mode (exactly-once) a channel that delivered barrier n is blocked
 * until barrier n has arrived on every channel; then the task snapshots, forwards barrier n and only then
 * calls `release()` to unblock: no record that came after barrier n on any channel can reach the snapshot of n
 * (the channels stay blocked while an asynchronous snapshot, such as the sink's pre-commit, runs). In
 * at-least-once mode nothing blocks: the snapshot happens when the last barrier n arrives and may include
 * records that came after the barrier on faster channels. A barrier for a newer checkpoint while an older one
 * is still aligning aborts the older one (Flink cancels the alignment and starts the new one).
 */
export type BarrierOutcome =
  /** Keep going: more barriers of `id` are expected. `block` says whether this channel must stop reading. */
  | { kind: 'waiting'; id: number; block: boolean }
  /** Barrier `id` has arrived on every channel: snapshot, forward it, then `release()` to unblock everything. */
  | { kind: 'aligned'; id: number; abortedOlder: number | null }
  /** A barrier older than the current alignment, or for an id already completed: nothing to do. */
  | { kind: 'ignored' };

export class BarrierAligner {
  readonly #channels: readonly string[];
  readonly #aligned: boolean;
  #current: { id: number; seen: Set<string> } | undefined;
  #lastAligned = 0;
  #blocked = new Set<string>();
  #waiters = new Map<string, (() => void)[]>();

  constructor(channels: readonly string[], aligned: boolean) {
    if (channels.length === 0) throw new RangeError('a task needs at least one input channel');
    this.#channels = channels;
    this.#aligned = aligned;
  }

  onBarrier(channel: string, id: number): BarrierOutcome {
    if (!this.#channels.includes(channel)) throw new RangeError(`unknown input channel ${channel}`);
    if (id <= this.#lastAligned) return { kind: 'ignored' };
    let abortedOlder: number | null = null;
    if (this.#current && id > this.#current.id) {
      abortedOlder = this.#current.id;
      this.#current = undefined;
      this.#unblockAll();
    }
    if (this.#current && id < this.#current.id) return { kind: 'ignored' };
    this.#current ??= { id, seen: new Set() };
    this.#current.seen.add(channel);
    if (this.#current.seen.size === this.#channels.length) {
      this.#current = undefined;
      this.#lastAligned = id;
      // The channels that delivered the barrier stay blocked until the caller has snapshotted: release().
      return { kind: 'aligned', id, abortedOlder };
    }
    if (this.#aligned) this.#blocked.add(channel);
    return { kind: 'waiting', id, block: this.#aligned };
  }

  isBlocked(channel: string): boolean {
    return this.#blocked.has(channel);
  }

  /** Resolves when `channel` is not blocked (at once if it is not). */
  whenUnblocked(channel: string): Promise<void> {
    if (!this.#blocked.has(channel)) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.#waiters.get(channel) ?? [];
      list.push(resolve);
      this.#waiters.set(channel, list);
    });
  }

  /** After the snapshot of an aligned barrier: every channel reads again. */
  release(): void {
    this.#unblockAll();
  }

  /** Drops the alignment in progress (the task is being cancelled or restored). */
  reset(): void {
    this.#current = undefined;
    this.#unblockAll();
  }

  #unblockAll(): void {
    this.#blocked.clear();
    for (const [, list] of this.#waiters) for (const w of list) w();
    this.#waiters.clear();
  }
}

/** What a task does with its input: process records, and snapshot (copy state, forward the barrier, store). */
export interface GatedTask<R> {
  process(from: string, records: R): unknown;
  /** Snapshot n; resolves when no record after barrier n can reach snapshot n any more (copy taken). */
  snapshot(n: number): Promise<void>;
}

/**
 * A task's input side (Flink's CheckpointedInputGate over its barrier handler). Each channel's frames arrive in
 * order and the caller awaits each call before handing over the next frame of that channel, so a pending call
 * holds the channel (and TCP pushes back). Records of a blocked channel wait; the barrier that completes the
 * alignment runs the snapshot, and only then do the channels read again — Flink's order: snapshot, forward
 * the barrier, unblock. At-least-once never blocks.
 */
export class InputGate<R> {
  readonly #aligner: BarrierAligner;
  readonly #task: GatedTask<R>;

  constructor(channels: readonly string[], aligned: boolean, task: GatedTask<R>) {
    this.#aligner = new BarrierAligner(channels, aligned);
    this.#task = task;
  }

  async onRecords(from: string, records: R): Promise<void> {
    if (this.#aligner.isBlocked(from)) await this.#aligner.whenUnblocked(from);
    await this.#task.process(from, records);
  }

  async onBarrier(from: string, n: number): Promise<void> {
    const outcome = this.#aligner.onBarrier(from, n);
    if (outcome.kind === 'aligned') {
      try {
        await this.#task.snapshot(outcome.id);
      } finally {
        this.#aligner.release();
      }
    } else if (outcome.kind === 'waiting' && outcome.block) await this.#aligner.whenUnblocked(from);
  }
}
