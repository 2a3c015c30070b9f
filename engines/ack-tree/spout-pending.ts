/**
 * The spout's pending map (PROTOCOLS.md, ack-tree step 4; Storm's SpoutExecutor `pending`): every tuple tree the
 * spout emitted and has not heard back about, keyed by root id, in a 2-bucket rotating map that the owner rotates
 * every message timeout T (Storm's system tick). A tuple neither acked nor failed within T..2T comes out of
 * `rotate()` as failed with reason 'timeout'. ACK or FAIL for a root no longer pending (it timed out) is ignored.
 *
 * The caller's `fail` handling re-emits the message under a **new** root (the Kafka source seeks back to the
 * failed offset); this map only reports. `canEmit` is Storm's `max.spout.pending` check, made per spout task, and
 * `emitWhenPendingRoom` is how the spout waits on it (Storm's executor stops calling nextTuple while pending is full).
 *
 * At-most-once mode (step 7) bypasses this map: Storm acks a spout message at once when there are no ackers, so
 * nothing is pending, nothing times out and nothing is replayed.
 */
import { type Clock, systemClock } from '../../core/clock.ts';
import type { FailReason } from './anchoring.ts';
import { RotatingMap } from './rotating-map.ts';

/** Storm's spout pending map has 2 buckets, hence a timeout between T and 2T. */
export const SPOUT_PENDING_BUCKETS = 2;

export interface PendingTuple<M> {
  root: bigint;
  msg: M;
  /** `clock.nowMs()` at emit: complete latency = ack time − this. */
  emittedAtMs: number;
}

export interface FailedTuple<M> extends PendingTuple<M> {
  reason: FailReason;
}

export interface SpoutPendingOptions {
  /** Only `nowMs` is read, at `emit`. Defaults to the system clock. */
  clock?: Pick<Clock, 'nowMs'>;
}

export class SpoutPending<M> {
  readonly #pending = new RotatingMap<bigint, PendingTuple<M>>(SPOUT_PENDING_BUCKETS);
  readonly #clock: Pick<Clock, 'nowMs'>;

  constructor(opts: SpoutPendingOptions = {}) {
    this.#clock = opts.clock ?? systemClock;
  }

  /** Records a tuple tree just emitted under `root`. A root already pending is a bug (ids are fresh 64-bit draws). */
  emit(root: bigint, msg: M): void {
    if (this.#pending.containsKey(root)) throw new Error(`root ${root} is already pending`);
    this.#pending.put(root, { root, msg, emittedAtMs: this.#clock.nowMs() });
  }

  /** ACK from the acker: removes and returns the tuple, or undefined if it is unknown (already timed out). */
  ack(root: bigint): PendingTuple<M> | undefined {
    return this.#pending.remove(root);
  }

  /** FAIL from the acker: removes and returns the tuple (to be re-emitted under a new root), or undefined if unknown. */
  fail(root: bigint): FailedTuple<M> | undefined {
    const tuple = this.#pending.remove(root);
    return tuple === undefined ? undefined : { ...tuple, reason: 'explicit' };
  }

  /** The timeout tick (every T): returns the tuples that have now been pending for T..2T, failed by timeout. */
  rotate(): FailedTuple<M>[] {
    return [...this.#pending.rotate().values()].map((tuple) => ({ ...tuple, reason: 'timeout' as const }));
  }

  has(root: bigint): boolean {
    return this.#pending.containsKey(root);
  }

  size(): number {
    return this.#pending.size();
  }

  /** `max.spout.pending`: undefined or 0 = unbounded (Storm's default); otherwise emit only while size < max. */
  canEmit(maxPending?: number): boolean {
    if (maxPending === undefined || maxPending === 0) return true;
    if (!Number.isInteger(maxPending) || maxPending < 0) {
      throw new RangeError(`max.spout.pending must be an integer >= 0, got ${maxPending}`);
    }
    return this.#pending.size() < maxPending;
  }
}

export interface PendingRoomOptions {
  /** How the wait passes time (the spout's clock). */
  sleep: (ms: number) => Promise<void>;
  /** How long to sleep between looks, ms. */
  pollMs: number;
  /** Stop waiting (the batch went stale, the consumer stops): nothing is emitted. */
  stop: () => boolean;
  /** Called after every sleep, e.g. the consumer's heartbeat while the spout is throttled. */
  onWait?: () => Promise<void>;
  /**
   * Called once when the map is found full, before the first sleep: the caller sends the tuples it emitted but still
   * holds (a batch not yet written to the wire). Their acks are what frees room; held back, they can only time out.
   */
  onFull?: () => Promise<void>;
}

/**
 * Emits one tuple once `pending` has room for it under `maxPending` (null or 0 = unbounded): waits while it is
 * full, then calls `emit`, which must `pending.emit` the tuple synchronously. The last check and the emit run in
 * one turn of the event loop, so a concurrent emitter (another partition's batch) cannot take the same room, and
 * pending ≤ max.spout.pending holds. (A caller that awaited a "there is room" answer and then emitted would not
 * be safe: the await itself lets the other emitter in.) Resolves true once emitted, false if `stop()` came first.
 */
export async function emitWhenPendingRoom<M>(
  pending: SpoutPending<M>,
  maxPending: number | null,
  opts: PendingRoomOptions,
  emit: () => void,
): Promise<boolean> {
  let full = false;
  for (;;) {
    if (opts.stop()) return false;
    if (pending.canEmit(maxPending ?? undefined)) {
      emit();
      return true;
    }
    if (!full) {
      full = true;
      await opts.onFull?.();
      continue;
    }
    await opts.sleep(opts.pollMs);
    await opts.onWait?.();
  }
}
