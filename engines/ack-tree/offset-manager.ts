/**
 * The Kafka source's per-partition offset bookkeeping (PROTOCOLS.md, ack-tree steps 4 and 5): storm-kafka-client's
 * OffsetManager (emitted and acked offsets, the next commit), together with the two pieces of KafkaSpout state
 * that decide what to emit: the in-flight set (KafkaSpout's `emitted`) and the retry schedule (its RetryService).
 *
 * Offsets follow Kafka: the committed offset is the **next offset to read**, and a restarted spout starts there,
 * so acked-but-uncommitted tuples are read and emitted again. The source commits only the contiguous acked prefix:
 * `commitCandidate()` is one past the last offset of the run of acked offsets that starts at the committed offset.
 *
 * A failed offset is scheduled for retry; the spout seeks back to `nextRetry()` and reads forward again, emitting
 * only what `shouldEmit` allows (scheduled retries and new offsets, not acked or in-flight ones). New offsets must
 * be emitted in increasing order: as in Storm, an offset never emitted that lies below an emitted one is taken to be
 * absent from the log (compaction, transaction markers) and does not block commits.
 *
 * Retries are ready at once (Storm's default backoff starts at 0 ms + 2 ms·2^n; add a delay in the caller if
 * wanted). With `maxRetries` (default unbounded, Storm's Integer.MAX_VALUE) an offset that failed more than that
 * many times is treated as acked, as Storm does ("Reached maximum number of retries ... being marked as acked").
 *
 * At-most-once mode (step 7) bypasses this manager: Storm's AT_MOST_ONCE commits the polled offsets before it emits
 * them and emits without a message id, so nothing is tracked, acked, retried or replayed.
 */

export interface OffsetManagerOptions {
  /** Retries per offset before it is given up and treated as acked. Default: unbounded. */
  maxRetries?: number;
}

/** What a fail did: scheduled a retry, gave up (max retries reached: now counts as acked), or nothing (not in flight). */
export type FailResult = 'retry' | 'gave-up' | 'ignored';

export class OffsetManager {
  #committed: number;
  /** Every offset emitted at least once and not yet committed (Storm's `emittedOffsets`). */
  readonly #emitted = new Set<number>();
  /** Emitted and waiting for ack or fail (KafkaSpout's `emitted`). */
  readonly #inFlight = new Set<number>();
  /** Acked and not yet committed (Storm's `ackedMsgs`). */
  readonly #acked = new Set<number>();
  /** Failed and waiting to be emitted again (the retry service's schedule). */
  readonly #retry = new Set<number>();
  readonly #fails = new Map<number, number>();
  readonly #maxRetries: number;

  /** `initialFetchOffset`: the consumer's committed offset at start-up, or the earliest offset (0) if none. */
  constructor(initialFetchOffset: number, opts: OffsetManagerOptions = {}) {
    checkOffset(initialFetchOffset);
    this.#committed = initialFetchOffset;
    const maxRetries = opts.maxRetries ?? Number.POSITIVE_INFINITY;
    if (!(maxRetries >= 0) || (!Number.isInteger(maxRetries) && maxRetries !== Number.POSITIVE_INFINITY)) {
      throw new RangeError(`maxRetries must be an integer >= 0, got ${maxRetries}`);
    }
    this.#maxRetries = maxRetries;
  }

  /** False for offsets below the committed one, acked, or in flight; true for new offsets and scheduled retries. */
  shouldEmit(offset: number): boolean {
    checkOffset(offset);
    return offset >= this.#committed && !this.#acked.has(offset) && !this.#inFlight.has(offset);
  }

  /** The spout emitted `offset` (first time or retry). Emitting what `shouldEmit` refuses is a bug and throws. */
  emitted(offset: number): void {
    if (!this.shouldEmit(offset)) {
      throw new Error(
        `offset ${offset} must not be emitted (committed ${this.#committed}, acked or in flight)`,
      );
    }
    this.#emitted.add(offset);
    this.#inFlight.add(offset);
    this.#retry.delete(offset);
  }

  /** The tuple tree of `offset` was acked. Returns false (and does nothing) if it was not in flight, as Storm ignores it. */
  acked(offset: number): boolean {
    if (!this.#inFlight.delete(offset)) return false;
    this.#acked.add(offset);
    return true;
  }

  /** The tuple tree of `offset` failed (explicitly or by timeout): schedule a retry, or give up after `maxRetries`. */
  failed(offset: number): FailResult {
    if (!this.#inFlight.delete(offset)) return 'ignored';
    const fails = (this.#fails.get(offset) ?? 0) + 1;
    this.#fails.set(offset, fails);
    if (fails > this.#maxRetries) {
      this.#acked.add(offset);
      return 'gave-up';
    }
    this.#retry.add(offset);
    return 'retry';
  }

  /** The earliest offset scheduled for retry: where the spout seeks back to. Undefined when none is. */
  nextRetry(): number | undefined {
    let min: number | undefined;
    for (const o of this.#retry) if (min === undefined || o < min) min = o;
    return min;
  }

  /** True if `offset` failed and waits to be emitted again (emitting it now is a replay). */
  isScheduledForRetry(offset: number): boolean {
    return this.#retry.has(offset);
  }

  /** Every offset scheduled for retry, ascending. */
  retryOffsets(): number[] {
    return [...this.#retry].sort((a, b) => a - b);
  }

  /**
   * The offset to commit next (Storm's `findNextCommitOffset`): one past the contiguous run of acked offsets that
   * starts at the committed offset, skipping offsets never emitted below an emitted one. Undefined when that run
   * is empty, i.e. there is nothing new to commit.
   */
  commitCandidate(): number | undefined {
    let next = this.#committed;
    let found = false;
    for (const o of [...this.#emitted].sort((a, b) => a - b)) {
      if (!this.#acked.has(o)) break;
      next = o + 1;
      found = true;
    }
    return found ? next : undefined;
  }

  /**
   * Kafka confirmed the commit of `offset`. Stale confirmations (≤ the committed offset: an earlier async commit
   * finishing late) are ignored and return false, so the committed offset never decreases. Committing past the
   * candidate would commit unacked offsets: that throws.
   */
  committed(offset: number): boolean {
    checkOffset(offset);
    if (offset <= this.#committed) return false;
    const candidate = this.commitCandidate();
    if (candidate === undefined || offset > candidate) {
      throw new Error(`offset ${offset} is past the acked prefix (commit candidate ${candidate ?? 'none'})`);
    }
    this.#committed = offset;
    for (const set of [this.#emitted, this.#acked, this.#retry]) {
      for (const o of set) if (o < offset) set.delete(o);
    }
    for (const o of this.#fails.keys()) if (o < offset) this.#fails.delete(o);
    return true;
  }

  /** The last committed offset = the next offset a restarted spout reads. */
  committedOffset(): number {
    return this.#committed;
  }

  /** True if `offset` is committed or acked (and so must not be emitted again by this spout). */
  isAcked(offset: number): boolean {
    return offset < this.#committed || this.#acked.has(offset);
  }

  inFlightCount(): number {
    return this.#inFlight.size;
  }

  /** Offsets emitted and not yet committed (Storm's `numUncommittedOffsets`, capped by `maxUncommittedOffsets`). */
  uncommittedCount(): number {
    return this.#emitted.size;
  }
}

function checkOffset(offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`not a Kafka offset: ${offset}`);
}
