/**
 * Delivery accounting: every output read from the output topic is checked against what the generator got
 * acknowledged and against the reference scorer. Implements the ARCHITECTURE.md metric definitions
 * (summary.json `counts`):
 *
 * - produced   = ids acknowledged by Kafka to the generator (|acked|).
 * - delivered  = every output read, unexpected ones included.
 * - unique     = distinct ids in the produced range (0..attempted-1) seen at least once.
 * - lost       = acked ids never seen after the drain.
 * - duplicated = ids in the produced range seen more than once (an id, not a delivery, counts once).
 * - unexpected = deliveries (not ids) whose id was never produced: negative, fractional, or ≥ attempted.
 * - incorrect  = deliveries in the produced range whose score !== the reference score for their id; ids whose
 *                reference score is NaN (produce never acknowledged, so the reference cannot know) never count.
 *
 * Identities `finish` guarantees (tested):
 * - unique + lost = produced + deliveredUnacked, where deliveredUnacked = ids attempted whose ack never came
 *   back yet that were delivered (the write reached Kafka, the ack did not reach the generator). Hence
 *   unique + lost = produced whenever every delivered id was acked.
 * - delivered = unique + (2nd+ deliveries of produced-range ids) + unexpected ≥ unique + duplicated + unexpected,
 *   with equality when no id was delivered more than twice.
 * - lost ≤ produced, duplicated ≤ unique, incorrect ≤ delivered − unexpected.
 *
 * Completeness over time (recovery, versions 2 and 3): the checker keeps when each id was first read, so
 * `backlogDeliveredAt` can tell when every record intended before a time (a fault, a window's start) had been
 * delivered at least once.
 *
 * Memory per expected id: 1 byte saturating delivery counter, 8 bytes first score, 8 bytes first read time,
 * 1 bit seen; 2nd+
 * deliveries (rare) go to a flat growable Float64Array of (id, score) pairs, so exact counts survive the
 * counter saturating at 255.
 */
import type { Guarantee, Verdict } from '../core/types.ts';
import { IdSet } from './id-set.ts';

/** How many ids (or incorrect outputs) each sample in the result keeps. */
export const SAMPLE_LIMIT = 20;

/** The summary.json `counts` object. */
export interface DeliveryCounts {
  produced: number;
  delivered: number;
  unique: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  incorrect: number;
}

export interface IncorrectSample {
  id: number;
  got: number;
  expected: number;
  /** Fan-out: the branch whose output it was. */
  branch?: string;
}

export interface CheckResult extends DeliveryCounts {
  /** Ids attempted but never acked that were delivered anyway: unique + lost − produced. Not a summary count. */
  deliveredUnacked: number;
  /** At most SAMPLE_LIMIT each; lost and duplicated in increasing id order. */
  samples: {
    lost: number[];
    duplicated: number[];
    unexpected: number[];
    incorrect: IncorrectSample[];
  };
}

export interface FinishInput {
  /** Ids the generator tried to produce: 0..attempted-1. */
  attempted: number;
  /** Ids Kafka acknowledged. An acked id ≥ attempted widens the produced range (it was produced after all). */
  acked: IdSet;
  /** Reference score for an id; NaN when unknown (its produce was never acknowledged). */
  expected: (id: number) => number;
}

export interface Checker {
  /** One output read from the output topic; `readMs` = when it was read (ms on any fixed clock), if known. */
  observe(id: number, score: number, readMs?: number): void;
  /**
   * A delivery that cannot be trusted as a delivery of its id (e.g. its echoed intended send time disagrees
   * with the schedule): counted as delivered and unexpected, with a sample, never as a delivery of `id`.
   */
  observeUnexpected(id: number): void;
  /**
   * When every acked id below `beforeId` had been read at least once: the latest first-read time among them
   * (the `readMs` clock), −∞ when there are none. Ids never read make it null, unless
   * `allowLoss` (the guarantee allows losing them), in which case they are left out.
   */
  backlogDeliveredAt(beforeId: number, acked: IdSet, allowLoss: boolean): number | null;
  /**
   * Room for ids 0..expectedIds-1, when the generator attempts more than announced. Deliveries of ids beyond
   * the current room are held aside until a grow (or `finish`) brings them in range; beyond that they are
   * unexpected.
   */
  grow(expectedIds: number): void;
  /** Outputs read so far, unexpected ones included. */
  deliveredCount(): number;
  /** How often `id` was delivered so far (saturating at 255; 0 for ids outside the checker's room). */
  deliveries(id: number): number;
  /** Distinct in-range ids seen so far (the range is 0..expectedIds-1 until `finish` narrows it). */
  uniqueCount(): number;
  /** Every acked id seen at least once: word-wise subset test with early exit, O(ids / 32) at worst. */
  isComplete(acked: IdSet): boolean;
  /** The counts and samples; does not consume the checker (more outputs may be observed and finish called again). */
  finish(input: FinishInput): CheckResult;
}

export function createChecker(opts: { expectedIds: number }): Checker {
  if (!Number.isInteger(opts.expectedIds) || opts.expectedIds < 0) {
    throw new RangeError(`checker: expectedIds must be a non-negative integer, got ${opts.expectedIds}`);
  }
  let capacity = opts.expectedIds;
  let deliveries = new Uint8Array(capacity); // saturating at 255
  let firstScore = new Float64Array(capacity);
  let firstReadMs = new Float64Array(capacity).fill(Number.NaN);
  const seen = new IdSet(capacity);
  const repeats = new PairBuffer(); // 2nd+ deliveries of in-range ids
  let beyond = new PairBuffer(); // deliveries of ids ≥ capacity, waiting for a grow
  let delivered = 0;
  let invalid = 0; // negative, fractional, NaN, infinite ids
  const invalidSample: number[] = [];

  // Where backlogDeliveredAt's last scan stopped; `version` changes with every first delivery and grow.
  let version = 0;
  let scan: {
    acked: IdSet;
    allowLoss: boolean;
    ackedCount: number;
    version: number;
    end: number;
    latest: number | null;
  } | null = null;

  const record = (id: number, score: number, readMs: number): void => {
    const n = deliveries[id]!;
    if (n === 0) {
      version++;
      deliveries[id] = 1;
      firstScore[id] = score;
      firstReadMs[id] = readMs;
      seen.add(id);
    } else {
      if (n < 255) deliveries[id] = n + 1;
      repeats.push(id, score);
    }
  };

  const grow = (expectedIds: number): void => {
    if (expectedIds <= capacity) return;
    version++;
    const d = new Uint8Array(expectedIds);
    d.set(deliveries);
    deliveries = d;
    const f = new Float64Array(expectedIds);
    f.set(firstScore);
    firstScore = f;
    const r = new Float64Array(expectedIds).fill(Number.NaN);
    r.set(firstReadMs);
    firstReadMs = r;
    seen.grow(expectedIds);
    capacity = expectedIds;
    const waiting = beyond;
    beyond = new PairBuffer();
    for (let i = 0; i < waiting.length; i++) {
      const id = waiting.idAt(i);
      if (id < capacity) record(id, waiting.scoreAt(i), waiting.readAt(i));
      else beyond.push(id, waiting.scoreAt(i), waiting.readAt(i));
    }
  };

  return {
    observe(id, score, readMs = Number.NaN) {
      delivered++;
      if (!Number.isInteger(id) || id < 0) {
        invalid++;
        if (invalidSample.length < SAMPLE_LIMIT) invalidSample.push(id);
      } else if (id >= capacity) {
        beyond.push(id, score, readMs);
      } else {
        record(id, score, readMs);
      }
    },

    observeUnexpected(id) {
      delivered++;
      invalid++;
      if (invalidSample.length < SAMPLE_LIMIT && !invalidSample.includes(id)) invalidSample.push(id);
    },

    backlogDeliveredAt(beforeId, acked, allowLoss) {
      const end = Math.min(beforeId, capacity);
      // Recovery asks for one cut after another, in increasing order for each fault: a scan goes on from where
      // the last one stopped while nothing it read has changed since (the same acked set and rule, no first
      // delivery or grow in between), so a run's questions cost one pass per fault instead of one per question.
      const s = scan;
      const resume =
        s !== null &&
        s.acked === acked &&
        s.allowLoss === allowLoss &&
        s.ackedCount === acked.count() &&
        s.version === version &&
        s.end <= end;
      let id = resume ? s.end : 0;
      let latest = resume ? s.latest : Number.NEGATIVE_INFINITY;
      if (latest !== null) {
        for (; id < end; id++) {
          if (!acked.has(id)) continue;
          if (deliveries[id] === 0) {
            if (allowLoss) continue;
            latest = null;
            break;
          }
          const at = firstReadMs[id]!;
          if (at > latest) latest = at;
        }
      }
      // A scan that met a lost id answers null for every later cut too: it stops there.
      scan = {
        acked,
        allowLoss,
        ackedCount: acked.count(),
        version,
        end: latest === null ? id + 1 : end,
        latest,
      };
      return latest;
    },

    grow,

    deliveredCount: () => delivered,

    deliveries: (id) => (Number.isInteger(id) && id >= 0 && id < capacity ? deliveries[id]! : 0),

    uniqueCount: () => seen.count(),

    isComplete: (acked) => acked.isSubsetOf(seen),

    finish({ attempted, acked, expected }) {
      if (!Number.isInteger(attempted) || attempted < 0) {
        throw new RangeError(`checker: attempted must be a non-negative integer, got ${attempted}`);
      }
      const range = Math.max(attempted, acked.max() + 1);
      grow(range);

      const produced = acked.count();
      const unique = seen.countBelow(range);
      const lost = acked.differenceCount(seen);
      // acked ⊆ 0..range-1, so every acked id seen lies in the produced range.
      const deliveredUnacked = unique - seen.intersectionCount(acked);

      let duplicated = 0;
      let incorrect = 0;
      const duplicatedSample: number[] = [];
      const incorrectSample: IncorrectSample[] = [];
      const checkScore = (id: number, got: number): void => {
        const want = expected(id);
        if (Number.isNaN(want) || got === want) return;
        incorrect++;
        if (incorrectSample.length < SAMPLE_LIMIT) incorrectSample.push({ id, got, expected: want });
      };
      for (let id = 0; id < range; id++) {
        const n = deliveries[id]!;
        if (n === 0) continue;
        if (n > 1) {
          duplicated++;
          if (duplicatedSample.length < SAMPLE_LIMIT) duplicatedSample.push(id);
        }
        checkScore(id, firstScore[id]!);
      }

      let unexpected = invalid;
      const unexpectedSample = invalidSample.slice();
      const noteUnexpected = (id: number): void => {
        unexpected++;
        if (unexpectedSample.length < SAMPLE_LIMIT && !unexpectedSample.includes(id)) {
          unexpectedSample.push(id);
        }
      };
      // First deliveries of ids that fit the checker's room but were never attempted.
      for (const id of seen.ids(range)) noteUnexpected(id);
      for (let i = 0; i < repeats.length; i++) {
        const id = repeats.idAt(i);
        if (id < range) checkScore(id, repeats.scoreAt(i));
        else noteUnexpected(id);
      }
      for (let i = 0; i < beyond.length; i++) noteUnexpected(beyond.idAt(i));

      return {
        produced,
        delivered,
        unique,
        lost,
        duplicated,
        unexpected,
        incorrect,
        deliveredUnacked,
        samples: {
          lost: acked.differenceIds(seen, SAMPLE_LIMIT),
          duplicated: duplicatedSample,
          unexpected: unexpectedSample,
          incorrect: incorrectSample,
        },
      };
    },
  };
}

/** Exactly the summary.json `counts` fields of a result. */
export function deliveryCounts(result: DeliveryCounts): DeliveryCounts {
  const { produced, delivered, unique, lost, duplicated, unexpected, incorrect } = result;
  return { produced, delivered, unique, lost, duplicated, unexpected, incorrect };
}

export interface GuaranteeVerdict {
  guaranteeHeld: Verdict;
  notes: string[];
}

/**
 * Whether the counts satisfy the guarantee the run asked for:
 * - exactly-once: lost = duplicated = unexpected = incorrect = 0.
 * - at-least-once: lost = 0 and unexpected = 0; duplicates and incorrect scores are allowed (and noted).
 * - at-most-once: duplicated = 0; loss is allowed (and noted), unexpected and incorrect are noted.
 * - none: always holds; whatever happened is noted.
 * When nothing was produced the guarantee was never exercised: "unknown" unless something already broke it.
 */
export function verdictFor(guarantee: Guarantee, counts: DeliveryCounts): GuaranteeVerdict {
  const notes: string[] = [];
  let broken = false;
  const fail = (text: string): void => {
    broken = true;
    notes.push(text);
  };
  const { lost, duplicated, unexpected, incorrect } = counts;
  const lostText = `${plural(lost, 'id', 'ids')} lost`;
  const dupText = `${plural(duplicated, 'id', 'ids')} delivered more than once`;
  const unexpectedText = `${plural(unexpected, 'output', 'outputs')} for ids that were never produced`;
  const incorrectText = `${plural(incorrect, 'output', 'outputs')} with a score different from the reference`;

  switch (guarantee) {
    case 'exactly-once':
      if (lost > 0) fail(`${lostText} although exactly-once forbids loss`);
      if (duplicated > 0) fail(`${dupText} although exactly-once forbids duplicates`);
      if (unexpected > 0) fail(`${unexpectedText} although exactly-once forbids them`);
      if (incorrect > 0) fail(`${incorrectText} although exactly-once requires state to survive replay`);
      break;
    case 'at-least-once':
      if (lost > 0) fail(`${lostText} although at-least-once forbids loss`);
      if (unexpected > 0) fail(`${unexpectedText} although at-least-once forbids them`);
      if (duplicated > 0) notes.push(`${dupText} (allowed by at-least-once)`);
      if (incorrect > 0)
        notes.push(`${incorrectText} (allowed by at-least-once: replays may re-apply state)`);
      break;
    case 'at-most-once':
      if (duplicated > 0) fail(`${dupText} although at-most-once forbids duplicates`);
      if (lost > 0) notes.push(`${lostText} (allowed by at-most-once)`);
      if (unexpected > 0) notes.push(`${unexpectedText} (not checked by at-most-once)`);
      if (incorrect > 0) notes.push(`${incorrectText} (not checked by at-most-once)`);
      break;
    case 'none':
      for (const [n, text] of [
        [lost, lostText],
        [duplicated, dupText],
        [unexpected, unexpectedText],
        [incorrect, incorrectText],
      ] as const) {
        if (n > 0) notes.push(`${text} (no guarantee asked)`);
      }
      break;
  }
  if (broken) return { guaranteeHeld: false, notes };
  if (counts.produced === 0 && guarantee !== 'none') {
    notes.push(`nothing was produced (no id acknowledged), so ${guarantee} was never exercised`);
    return { guaranteeHeld: 'unknown', notes };
  }
  return { guaranteeHeld: true, notes };
}

/**
 * The verdict when the drain did not end quietly (it hit its cap while output was still arriving, or the run was
 * interrupted): outputs may still be on their way. Late outputs can only add deliveries, so a "held" that
 * forbids duplicates (exactly-once, at-most-once) is not established — a late duplicate could break it — and a
 * violation that rests on lost ids alone is not established either — they may still arrive. Both become
 * "unknown". Duplicates, unexpected and incorrect outputs already seen stay violations.
 */
export function verdictWithOpenDrain(
  guarantee: Guarantee,
  counts: DeliveryCounts,
  verdict: GuaranteeVerdict,
): GuaranteeVerdict {
  const forbidsDuplicates = guarantee === 'exactly-once' || guarantee === 'at-most-once';
  if (verdict.guaranteeHeld === true && forbidsDuplicates)
    return {
      guaranteeHeld: 'unknown',
      notes: [
        ...verdict.notes,
        `${guarantee} not established: the drain ended while output was still arriving, and a late duplicate would break it`,
      ],
    };
  if (verdict.guaranteeHeld !== false) return verdict;
  const otherViolation =
    counts.unexpected > 0 ||
    (forbidsDuplicates && counts.duplicated > 0) ||
    (guarantee === 'exactly-once' && counts.incorrect > 0);
  if (otherViolation || counts.lost === 0) return verdict;
  return {
    guaranteeHeld: 'unknown',
    notes: [
      ...verdict.notes,
      `the loss is not established: the drain ended while output was still arriving, and the ${plural(counts.lost, 'missing id', 'missing ids')} may still arrive`,
    ],
  };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A flat growable list of (id, score, read time) triples in one Float64Array: 24 bytes each, no objects. */
class PairBuffer {
  #data = new Float64Array(0);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(id: number, score: number, readMs = Number.NaN): void {
    if (3 * this.#length + 3 > this.#data.length) {
      const data = new Float64Array(Math.max(96, this.#data.length * 2));
      data.set(this.#data);
      this.#data = data;
    }
    this.#data[3 * this.#length] = id;
    this.#data[3 * this.#length + 1] = score;
    this.#data[3 * this.#length + 2] = readMs;
    this.#length++;
  }

  idAt(i: number): number {
    return this.#data[3 * i]!;
  }

  scoreAt(i: number): number {
    return this.#data[3 * i + 1]!;
  }

  readAt(i: number): number {
    return this.#data[3 * i + 2]!;
  }
}
