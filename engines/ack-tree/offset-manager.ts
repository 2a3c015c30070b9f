/**
 * The Kafka source's per-partition offset bookkeeping (PROTOCOLS.md, ack-tree steps 4 and 5): storm-kafka-client's
 * OffsetManager (emitted and acked offsets, the next commit), together with the two pieces of KafkaSpout state
 * that decide what to emit: the in-flight set (KafkaSpout's `emitted`) and the retry schedule (its RetryService).
 *
 * Offsets follow Kafka: the committed offset is the **next offset to read**, and a restarted spout starts there,
 * so acked-but-uncommitted tuples are read and emitted again. The source commits only the contiguous acked prefix:
 * `commitCandidate()` is one past the last offset of the run of acked offsets that starts at the committed offset.
 *
 * A failed offset is scheduled for retry by the spout's RetryService (retry-service.ts: Storm's exponential back-off):
 * it may be emitted again only once its retry time has come. The spout seeks back to `nextRetry()`, the earliest
 * offset that is ready, and reads forward again, emitting only what `shouldEmit` allows (ready retries and new
 * offsets, not acked, in-flight or not-yet-ready ones). New offsets must be emitted in increasing order: as in Storm,
 * an offset never emitted that lies below an emitted one is taken to be absent from the log (compaction, transaction
 * markers) and does not block commits.
 *
 * The fail count of an offset (Storm keeps it on the KafkaSpoutMessageId) decides the back-off; once it exceeds the
 * retry service's maxRetries (default unbounded, Storm's Integer.MAX_VALUE) the offset is given up and treated as
 * acked, as Storm does ("Reached maximum number of retries ... being marked as acked"): it is committed, never output.
 *
 * At-most-once mode (step 7) bypasses this manager: Storm's AT_MOST_ONCE commits the polled offsets before it emits
 * them and emits without a message id, so nothing is tracked, acked, retried or replayed.
 */

import { type RecordRef, RetryService } from './retry-service.ts';

export interface OffsetManagerOptions {
  /** The Kafka partition these offsets belong to (the key in the retry service). Default 0. */
  partition?: number;
  /**
   * The spout task's retry service, shared by its partitions. Default: a new one with Storm's defaults
   * (KafkaSpoutConfig.DEFAULT_RETRY_SERVICE) on the system clock.
   */
  retry?: RetryService;
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
  /** Fails per offset (Storm's KafkaSpoutMessageId.numFails), while the offset is not committed. */
  readonly #fails = new Map<number, number>();
  readonly #partition: number;
  /** Failed offsets wait here for their retry time (the retry service's schedule). */
  readonly #retry: RetryService;

  /** `initialFetchOffset`: the consumer's committed offset at start-up, or the earliest offset (0) if none. */
  constructor(initialFetchOffset: number, opts: OffsetManagerOptions = {}) {
    checkOffset(initialFetchOffset);
    this.#committed = initialFetchOffset;
    this.#partition = opts.partition ?? 0;
    this.#retry = opts.retry ?? new RetryService();
  }

  /**
   * Storm's emitOrRetryTuple check: false for offsets below the committed one, acked, in flight, or scheduled for a
   * retry whose time has not come; true for new offsets and retries that are ready.
   */
  shouldEmit(offset: number): boolean {
    checkOffset(offset);
    if (offset < this.#committed || this.#acked.has(offset) || this.#inFlight.has(offset)) return false;
    const ref = this.#ref(offset);
    return !this.#retry.isScheduled(ref) || this.#retry.isReady(ref);
  }

  /** The spout emitted `offset` (first time or retry). Emitting what `shouldEmit` refuses is a bug and throws. */
  emitted(offset: number): void {
    if (!this.shouldEmit(offset)) {
      throw new Error(
        `offset ${offset} must not be emitted (committed ${this.#committed}, acked, in flight or not ready to retry)`,
      );
    }
    this.#emitted.add(offset);
    this.#inFlight.add(offset);
    this.#retry.remove(this.#ref(offset));
  }

  /** The tuple tree of `offset` was acked. Returns false (and does nothing) if it was not in flight, as Storm ignores it. */
  acked(offset: number): boolean {
    if (!this.#inFlight.delete(offset)) return false;
    this.#acked.add(offset);
    return true;
  }

  /**
   * The tuple tree of `offset` failed (explicitly or by timeout): count the fail and schedule a retry at the back-off's
   * next time, or give up once the retry service's maxRetries is exceeded (then the offset counts as acked).
   */
  failed(offset: number): FailResult {
    if (!this.#inFlight.delete(offset)) return 'ignored';
    const fails = (this.#fails.get(offset) ?? 0) + 1;
    this.#fails.set(offset, fails);
    if (!this.#retry.schedule(this.#ref(offset), fails)) {
      this.#acked.add(offset);
      return 'gave-up';
    }
    return 'retry';
  }

  /** The earliest offset whose retry time has come: where the spout seeks back to. Undefined when none is ready. */
  nextRetry(): number | undefined {
    return this.#retry.earliestRetriableOffsets().get(this.#partition);
  }

  /** True if `offset` failed and waits to be emitted again, ready or not (emitting it is a replay). */
  isScheduledForRetry(offset: number): boolean {
    return this.#retry.isScheduled(this.#ref(offset));
  }

  /** Every offset scheduled for retry, ready or not, ascending. */
  retryOffsets(): number[] {
    return this.#retry.scheduledOffsets(this.#partition);
  }

  /** How often `offset` has failed since this spout started (0 if never, or once committed). */
  failCount(offset: number): number {
    return this.#fails.get(offset) ?? 0;
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
    for (const set of [this.#emitted, this.#acked]) {
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

  #ref(offset: number): RecordRef {
    return { partition: this.#partition, offset };
  }
}

function checkOffset(offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`not a Kafka offset: ${offset}`);
}
