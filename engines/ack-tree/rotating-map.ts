/**
 * Storm's RotatingMap (org.apache.storm.utils.RotatingMap): a map split into N buckets that expires entries by
 * rotation instead of per-entry timers. It backs both timeouts of the ack-tree protocol (PROTOCOLS.md, ack-tree
 * steps 3 and 4): the acker's ledger (3 buckets) and the spout's pending map (2 buckets).
 *
 * `put` writes into the newest bucket (and removes the key from the older ones); `rotate()` drops the oldest
 * bucket, returns its entries as expired, and pushes a new empty bucket. Nothing here reads a clock: the owner
 * calls `rotate()` every T (Storm's tick tuple). An entry put at any moment therefore survives N−1 rotations and
 * expires on the N-th after its last `put`, i.e. between (N−1)·T and N·T after it.
 *
 * As in Storm, `get` does not refresh an entry: only `put` moves it to the newest bucket.
 */
export class RotatingMap<K, V> {
  /** buckets[0] is the newest, buckets[N-1] the oldest (the next to expire). */
  readonly #buckets: Map<K, V>[];

  constructor(numBuckets: number) {
    if (!Number.isInteger(numBuckets) || numBuckets < 2) {
      throw new RangeError(`a RotatingMap needs an integer number of buckets >= 2, got ${numBuckets}`);
    }
    this.#buckets = Array.from({ length: numBuckets }, () => new Map<K, V>());
  }

  get numBuckets(): number {
    return this.#buckets.length;
  }

  /** Puts `key` into the newest bucket, removing it from any older one (so re-putting refreshes its expiry). */
  put(key: K, value: V): void {
    this.#buckets[0]!.set(key, value);
    for (let i = 1; i < this.#buckets.length; i++) this.#buckets[i]!.delete(key);
  }

  get(key: K): V | undefined {
    for (const bucket of this.#buckets) {
      if (bucket.has(key)) return bucket.get(key);
    }
    return undefined;
  }

  containsKey(key: K): boolean {
    return this.#buckets.some((bucket) => bucket.has(key));
  }

  /** Removes `key` and returns its value, or undefined if it is not (or no longer) here. */
  remove(key: K): V | undefined {
    for (const bucket of this.#buckets) {
      if (bucket.has(key)) {
        const value = bucket.get(key);
        bucket.delete(key);
        return value;
      }
    }
    return undefined;
  }

  /** Drops the oldest bucket and returns its entries (the expired ones); a new empty bucket becomes the newest. */
  rotate(): Map<K, V> {
    const dead = this.#buckets.pop()!;
    this.#buckets.unshift(new Map<K, V>());
    return dead;
  }

  size(): number {
    let n = 0;
    for (const bucket of this.#buckets) n += bucket.size;
    return n;
  }

  /** Every key, newest bucket first (Storm's `keyset()`), for diagnostics and tests. */
  *keys(): IterableIterator<K> {
    for (const bucket of this.#buckets) yield* bucket.keys();
  }
}
