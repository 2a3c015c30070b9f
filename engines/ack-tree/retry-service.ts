/**
 * The Kafka source's retry service (PROTOCOLS.md, ack-tree step 4): storm-kafka-client's
 * KafkaSpoutRetryExponentialBackoff, which KafkaSpoutConfig uses by default (DEFAULT_RETRY_SERVICE). A tuple
 * that failed (explicitly or by timeout) is not replayed at once: it is scheduled for its next retry time,
 *
 *   numFails = 1:   now + initialDelay
 *   numFails = n:   now + delayPeriod · 2^(n−1)        (n = 2, 3, …)
 *   at the latest:  now + maxDelay
 *
 * and the spout re-emits it only once that time has come: before each poll it seeks every partition back to its
 * earliest *ready* offset (`earliestRetriableOffsets`, KafkaSpout's doSeekRetriableTopicPartitions) and, reading
 * forward, emits a scheduled offset only if `isReady` (emitOrRetryTuple); a scheduled offset that is not ready
 * yet is skipped and read again after a later seek.
 *
 * A message that has failed more than maxRetries times is not scheduled (`schedule` returns false): the spout
 * then acks it, so its offset is committed and the record is lost. Storm's default is Integer.MAX_VALUE, i.e.
 * retry forever (here: `maxRetries: null`).
 *
 * Storm's defaults: initialDelay 0 s, delayPeriod 2 ms, maxDelay 10 s, so delays run 0, 4, 8, 16 … ms and reach
 * the cap at the 14th fail (2 ms · 2^13 = 16.4 s > 10 s). Not modelled: Storm multiplies in `long` nanoseconds,
 * which overflows after about 43 fails with the default period; here the cap always holds.
 *
 * Nothing here keeps a timer: the clock is read on every call, as Storm reads Time.nanoTime(), and the spout asks
 * `earliestRetriableOffsets()` before each fetch, as Storm asks before each poll.
 */
import { type Clock, systemClock } from '../../core/clock.ts';

export interface RetryBackoff {
  /** Delay of the first retry, ms (Storm: initialDelay). */
  initialDelayMs: number;
  /** Ratio of the geometric progression, ms: retry n ≥ 2 waits delayPeriod · 2^(n−1) (Storm: delayPeriod). */
  delayPeriodMs: number;
  /** Longest wait before a retry, ms (Storm: maxDelay). */
  maxDelayMs: number;
  /** Retries before a message is given up and acked; null = forever (Storm: Integer.MAX_VALUE). */
  maxRetries: number | null;
}

/** KafkaSpoutConfig.DEFAULT_RETRY_SERVICE: (seconds(0), milliSeconds(2), Integer.MAX_VALUE, seconds(10)). */
export const STORM_RETRY_BACKOFF: Readonly<RetryBackoff> = {
  initialDelayMs: 0,
  delayPeriodMs: 2,
  maxDelayMs: 10_000,
  maxRetries: null,
};

/** The wait before the retry that follows fail number `numFails` (1, 2, …): Storm's `nextTime − now`. */
export function retryDelayMs(numFails: number, backoff: RetryBackoff): number {
  if (!Number.isInteger(numFails) || numFails < 1) {
    throw new RangeError(`numFails must be an integer >= 1, got ${numFails}`);
  }
  const delay = numFails === 1 ? backoff.initialDelayMs : backoff.delayPeriodMs * 2 ** (numFails - 1);
  return Math.min(delay, backoff.maxDelayMs);
}

/** A Kafka record: Storm's KafkaSpoutMessageId without the topic (a spout here reads one topic). */
export interface RecordRef {
  partition: number;
  offset: number;
}

export interface RetryServiceOptions extends Partial<RetryBackoff> {
  /** Only `nowMs` is read. Defaults to the system clock. */
  clock?: Pick<Clock, 'nowMs'>;
}

interface RetrySchedule extends RecordRef {
  /** Clock time (ms) from which the record may be emitted again. */
  atMs: number;
}

/** One per spout task, across its partitions, as in Storm (KafkaSpoutConfig hands every task the same kind). */
export class RetryService {
  readonly backoff: Readonly<RetryBackoff>;
  readonly #clock: Pick<Clock, 'nowMs'>;
  /** At most one schedule per record. */
  readonly #schedules = new Map<string, RetrySchedule>();

  constructor(opts: RetryServiceOptions = {}) {
    const { clock, ...given } = opts;
    const backoff = { ...STORM_RETRY_BACKOFF };
    for (const [k, v] of Object.entries(given)) if (v !== undefined) Object.assign(backoff, { [k]: v });
    for (const k of ['initialDelayMs', 'delayPeriodMs', 'maxDelayMs'] as const) {
      if (!(Number.isFinite(backoff[k]) && backoff[k] >= 0)) {
        throw new RangeError(`${k} must be a number >= 0, got ${backoff[k]}`);
      }
    }
    const max = backoff.maxRetries;
    if (max !== null && !(Number.isInteger(max) && max >= 0)) {
      throw new RangeError(`maxRetries must be an integer >= 0 or null (forever), got ${max}`);
    }
    this.backoff = backoff;
    this.#clock = clock ?? systemClock;
  }

  /**
   * Storm's `schedule(msgId)`, called by the spout's `fail` after it counted the fail: schedules the record for
   * now + `retryDelayMs(numFails)`, replacing an earlier schedule, and returns true; or, once `numFails` exceeds
   * maxRetries, schedules nothing and returns false (the caller acks the record: given up).
   */
  schedule(ref: RecordRef, numFails: number): boolean {
    const max = this.backoff.maxRetries;
    if (max !== null && numFails > max) return false;
    const atMs = this.#clock.nowMs() + retryDelayMs(numFails, this.backoff);
    this.#schedules.set(key(ref), { partition: ref.partition, offset: ref.offset, atMs });
    return true;
  }

  /** True if the record failed and waits to be emitted again (ready or not). */
  isScheduled(ref: RecordRef): boolean {
    return this.#schedules.has(key(ref));
  }

  /** True if the record is scheduled and its retry time has come (Storm: nextRetryTime <= now). */
  isReady(ref: RecordRef): boolean {
    const s = this.#schedules.get(key(ref));
    return s !== undefined && s.atMs <= this.#clock.nowMs();
  }

  /** The record was emitted again (or acked): forget its schedule. Returns whether it had one. */
  remove(ref: RecordRef): boolean {
    return this.#schedules.delete(key(ref));
  }

  /** Per partition, the earliest offset whose retry time has come: where the spout seeks back to. */
  earliestRetriableOffsets(): Map<number, number> {
    const now = this.#clock.nowMs();
    const out = new Map<number, number>();
    for (const s of this.#schedules.values()) {
      if (s.atMs > now) continue;
      const seen = out.get(s.partition);
      if (seen === undefined || s.offset < seen) out.set(s.partition, s.offset);
    }
    return out;
  }

  /** How many scheduled records are ready now (Storm's readyMessageCount). */
  readyMessageCount(): number {
    const now = this.#clock.nowMs();
    let n = 0;
    for (const s of this.#schedules.values()) if (s.atMs <= now) n++;
    return n;
  }

  /** The retry time of a scheduled record (clock ms), or undefined when it is not scheduled. */
  retryTimeMs(ref: RecordRef): number | undefined {
    return this.#schedules.get(key(ref))?.atMs;
  }

  /** The scheduled offsets of one partition, ascending, ready or not. */
  scheduledOffsets(partition: number): number[] {
    const out: number[] = [];
    for (const s of this.#schedules.values()) if (s.partition === partition) out.push(s.offset);
    return out.sort((a, b) => a - b);
  }

  size(): number {
    return this.#schedules.size;
  }
}

function key(ref: RecordRef): string {
  return `${ref.partition}:${ref.offset}`;
}
