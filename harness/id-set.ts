/**
 * A set of run-wide event ids (dense integers 0..N-1, see `InputRecord.id`) stored as a bitset: N/8 bytes, so
 * the generator's acked set and the checker's seen set stay a few hundred kilobytes each for millions of ids.
 * Set algebra works a 32-bit word at a time, which is what lets the checker answer "has every acked id been
 * delivered?" every 200 ms during the drain, and count lost ids (acked \ seen) without touching ids one by one.
 */

/** Largest id a set accepts: a bitset this large is already 256 MiB, anything beyond is a corrupt id. */
export const MAX_ID = 2 ** 31 - 1;

export class IdSet implements Iterable<number> {
  #words: Uint32Array;
  #capacity: number;
  #count = 0;

  /** `capacity` = how many ids (0..capacity-1) fit before the set reallocates; `add` grows it as needed. */
  constructor(capacity = 0) {
    checkCapacity(capacity);
    this.#capacity = capacity;
    this.#words = new Uint32Array(wordsFor(capacity));
  }

  static of(ids: Iterable<number>, capacity = 0): IdSet {
    const set = new IdSet(capacity);
    for (const id of ids) set.add(id);
    return set;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Number of ids in the set (kept as a running count: O(1)). */
  count(): number {
    return this.#count;
  }

  /** Makes room for ids 0..capacity-1; never shrinks. */
  grow(capacity: number): void {
    checkCapacity(capacity);
    if (capacity <= this.#capacity) return;
    const need = wordsFor(capacity);
    if (need > this.#words.length) {
      const words = new Uint32Array(need);
      words.set(this.#words);
      this.#words = words;
    }
    this.#capacity = capacity;
  }

  /** Adds `id` (an integer in 0..MAX_ID), growing the set if needed. Returns true if it was not there yet. */
  add(id: number): boolean {
    if (!Number.isInteger(id) || id < 0 || id > MAX_ID) {
      throw new RangeError(`IdSet: ids are integers in 0..${MAX_ID}, got ${id}`);
    }
    // Doubling keeps a stream of increasing ids (the generator's acks) at amortised O(1) per add.
    if (id >= this.#capacity) this.grow(Math.min(MAX_ID + 1, Math.max(id + 1, this.#capacity * 2)));
    const w = id >>> 5;
    const bit = 1 << (id & 31);
    const word = this.#words[w]!;
    if ((word & bit) !== 0) return false;
    this.#words[w] = word | bit;
    this.#count++;
    return true;
  }

  /** False for anything that is not an id in the set, including negatives, fractions and NaN. */
  has(id: number): boolean {
    if (!Number.isInteger(id) || id < 0 || id >= this.#capacity) return false;
    return (this.#words[id >>> 5]! & (1 << (id & 31))) !== 0;
  }

  /** Highest id in the set, or -1 when it is empty. */
  max(): number {
    for (let w = this.#words.length - 1; w >= 0; w--) {
      const word = this.#words[w]!;
      if (word !== 0) return w * 32 + 31 - Math.clz32(word);
    }
    return -1;
  }

  /** Number of ids < n. */
  countBelow(n: number): number {
    if (n >= this.#capacity) return this.#count;
    if (n <= 0) return 0;
    const full = Math.floor(n / 32);
    let c = 0;
    for (let w = 0; w < full; w++) c += popcount(this.#words[w]!);
    const rest = n - full * 32;
    if (rest > 0) c += popcount(this.#words[full]! & ((1 << rest) - 1));
    return c;
  }

  /** The ids in increasing order, starting at `from`. */
  *ids(from = 0): Generator<number, void, undefined> {
    const words = this.#words;
    for (let w = Math.max(0, Math.floor(from / 32)); w < words.length; w++) {
      let word = words[w]!;
      if (w * 32 < from) word &= ~0 << (from - w * 32);
      while (word !== 0) {
        const low = word & -word;
        yield w * 32 + 31 - Math.clz32(low);
        word ^= low;
      }
    }
  }

  [Symbol.iterator](): Generator<number, void, undefined> {
    return this.ids();
  }

  /** The first `limit` ids in increasing order (for report samples). */
  toArray(limit = Number.POSITIVE_INFINITY): number[] {
    const out: number[] = [];
    if (limit <= 0) return out;
    for (const id of this.ids()) {
      out.push(id);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** True when every id of this set is also in `other`; stops at the first word that proves otherwise. */
  isSubsetOf(other: IdSet): boolean {
    if (this.#count > other.#count) return false;
    const a = this.#words;
    const b = other.#words;
    for (let w = 0; w < a.length; w++) {
      const word = a[w]!;
      if (word !== 0 && (word & ~(b[w] ?? 0)) !== 0) return false;
    }
    return true;
  }

  /** |this ∩ other| */
  intersectionCount(other: IdSet): number {
    const a = this.#words;
    const b = other.#words;
    const n = Math.min(a.length, b.length);
    let c = 0;
    for (let w = 0; w < n; w++) c += popcount(a[w]! & b[w]!);
    return c;
  }

  /** |this ∪ other| */
  unionCount(other: IdSet): number {
    return this.#count + other.#count - this.intersectionCount(other);
  }

  /** |this \ other|: e.g. acked ids never seen in the output. */
  differenceCount(other: IdSet): number {
    return this.#count - this.intersectionCount(other);
  }

  /** The first `limit` ids of this \ other, in increasing order. */
  differenceIds(other: IdSet, limit = Number.POSITIVE_INFINITY): number[] {
    const out: number[] = [];
    const a = this.#words;
    const b = other.#words;
    for (let w = 0; w < a.length && out.length < limit; w++) {
      let word = a[w]! & ~(b[w] ?? 0);
      while (word !== 0 && out.length < limit) {
        const low = word & -word;
        out.push(w * 32 + 31 - Math.clz32(low));
        word ^= low;
      }
    }
    return out;
  }
}

function wordsFor(capacity: number): number {
  return Math.ceil(capacity / 32);
}

function checkCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 0 || capacity > MAX_ID + 1) {
    throw new RangeError(`IdSet: capacity must be an integer in 0..${MAX_ID + 1}, got ${capacity}`);
  }
}

/** Set bits of a 32-bit word (SWAR). */
function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}
