/**
 * The acker task's ledger (PROTOCOLS.md, ack-tree step 3; Storm's org.apache.storm.daemon.Acker). One entry per
 * tuple tree, `root → { val, spoutTask, failed }`:
 *
 * - `ack_init(root, val, spoutTask)` and `ack(root, val)` XOR `val` into the entry, creating it if needed: an ack
 *   may overtake the init (they come from different tasks), and then the entry waits without a spout task.
 * - When the spout task is known and `val == 0`, the tree is complete: delete the entry and send ACK to the spout.
 * - `fail(root)` marks the entry failed (creating it if the init has not arrived yet); as soon as the spout task is
 *   known, delete it and send FAIL. Storm checks `val == 0` first, so a tree whose last ack and init arrive after
 *   a fail still gets ACK — kept as is.
 * - Entries live in a 3-bucket rotating map that the owner rotates with `tick()` every message timeout T. Expired
 *   entries are dropped silently, as in Storm: the spout times the tuple out by itself (its own 2-bucket map).
 *   Acks for a root already completed or failed create an orphan entry without a spout task that just expires.
 *
 * Methods return the outcomes to send to the spout task (zero or one per call); nothing here does I/O or reads a
 * clock. Storm's reset-timeout stream and complete-latency time delta are not modelled: the spout measures latency
 * from its own pending map.
 *
 * At-most-once mode (step 7) has no ackers at all: nothing reaches this ledger.
 */
import type { FailReason } from './anchoring.ts';
import { RotatingMap } from './rotating-map.ts';

/** Storm's `Acker.TIMEOUT_BUCKET_NUM`. */
export const ACKER_BUCKETS = 3;

/** What the acker sends to `spoutTask` about `root`: the whole tree was acked, or it failed (`reason: 'explicit'`). */
export interface AckerOutcome {
  type: 'ack' | 'fail';
  root: bigint;
  spoutTask: number;
  reason?: FailReason;
}

/** A ledger entry as tests and invariant checks see it. */
export interface LedgerEntry {
  /** XOR of every edge the acker was told about an odd number of times (created xor acked). */
  val: bigint;
  /** Unknown until `ack_init` arrives. */
  spoutTask: number | undefined;
  failed: boolean;
}

const NONE: readonly AckerOutcome[] = Object.freeze([]);

export class AckLedger {
  readonly #pending = new RotatingMap<bigint, LedgerEntry>(ACKER_BUCKETS);

  /** `ack_init(root, xor of the spout's edges, spoutTask)`. */
  ackInit(root: bigint, val: bigint, spoutTask: number): readonly AckerOutcome[] {
    if (!Number.isInteger(spoutTask) || spoutTask < 0) {
      throw new RangeError(`spoutTask must be an integer >= 0, got ${spoutTask}`);
    }
    const entry = this.#getOrCreate(root);
    entry.val ^= val;
    entry.spoutTask = spoutTask;
    return this.#settle(root, entry);
  }

  /** `ack(root, inputEdge ^ childrenXor)` from a bolt. */
  ack(root: bigint, val: bigint): readonly AckerOutcome[] {
    const entry = this.#getOrCreate(root);
    entry.val ^= val;
    return this.#settle(root, entry);
  }

  /** `fail(root)` from a bolt. Like Storm, re-puts the entry, which refreshes its expiry. */
  fail(root: bigint): readonly AckerOutcome[] {
    const entry = this.#pending.get(root) ?? { val: 0n, spoutTask: undefined, failed: false };
    entry.failed = true;
    this.#pending.put(root, entry);
    return this.#settle(root, entry);
  }

  /** The timeout tick (every T): rotates the ledger and returns the roots it dropped, which get no outcome. */
  tick(): bigint[] {
    return [...this.#pending.rotate().keys()];
  }

  pendingCount(): number {
    return this.#pending.size();
  }

  /** A copy of the entry for `root`, or undefined if there is none. */
  ledger(root: bigint): LedgerEntry | undefined {
    const entry = this.#pending.get(root);
    return entry === undefined ? undefined : { ...entry };
  }

  /** Every root with an entry (diagnostics). */
  roots(): bigint[] {
    return [...this.#pending.keys()];
  }

  #getOrCreate(root: bigint): LedgerEntry {
    let entry = this.#pending.get(root);
    if (entry === undefined) {
      entry = { val: 0n, spoutTask: undefined, failed: false };
      this.#pending.put(root, entry);
    }
    return entry;
  }

  /** Storm's completion check, in Storm's order: val == 0 wins over failed; nothing before the spout task is known. */
  #settle(root: bigint, entry: LedgerEntry): readonly AckerOutcome[] {
    const spoutTask = entry.spoutTask;
    if (spoutTask === undefined) return NONE;
    if (entry.val === 0n) {
      this.#pending.remove(root);
      return [{ type: 'ack', root, spoutTask }];
    }
    if (entry.failed) {
      this.#pending.remove(root);
      return [{ type: 'fail', root, spoutTask, reason: 'explicit' }];
    }
    return NONE;
  }
}
