/**
 * Choosing the downstream instance of a record: by key (fields grouping in Storm, keyBy in Flink, a
 * partition codec in Apex) so that a key's state lives in exactly one instance, or round-robin (shuffle
 * grouping, rebalance) where no state depends on it.
 *
 * Key partitioning must agree across processes and restarts, so it depends on the key and `n` only:
 * FNV-1a of the key (core/rng.ts) mod n.
 */
import { hashString } from '../../core/rng.ts';

/** The instance in [0, n) that owns `key`; the same in every process. */
export function keyPartition(key: string, n: number): number {
  checkCount(n);
  return hashString(key) % n;
}

/**
 * Round-robin over [0, n), starting at `seedOffset` mod n. Give each sending instance a different offset
 * (its own index, or a value from the run seed) so that senders do not all hit instance 0 first.
 */
export function shufflePartitioner(n: number, seedOffset = 0): () => number {
  checkCount(n);
  if (!Number.isInteger(seedOffset))
    throw new RangeError(`seed offset must be an integer, got ${seedOffset}`);
  let next = ((seedOffset % n) + n) % n;
  return () => {
    const chosen = next;
    next = next + 1 === n ? 0 : next + 1;
    return chosen;
  };
}

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`partition count must be a positive integer, got ${n}`);
}
