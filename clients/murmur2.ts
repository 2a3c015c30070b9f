/**
 * murmur2, the hash of Kafka's default partitioning of keyed records (the Java client's
 * `Utils.toPositive(Utils.murmur2(key)) % partitions`, which kafkajs's DefaultPartitioner reproduces), computed in
 * 32-bit integer arithmetic; clients/kafka.ts partitions every producer's records with it.
 *
 * kafkajs computes murmur2 with its 64-bit `Long` emulation and copies each key into a new Buffer: in the harness
 * alone at 22000 events/s (generator thread 95 % busy, 2026-12-02) that was ~10 % of the generator's samples
 * (murmur2 and Long's xor, fromNumber, multiply, toInt). `Math.imul` gives the same low 32 bits, and ASCII keys
 * (every workload's) are hashed from their char codes without a copy. Partitions are the same as kafkajs's and
 * the Java client's for every key (clients/murmur2.test.ts compares them), so topics written before and after
 * hold each key in the same partition.
 */
const M = 0x5bd1e995;
const SEED = 0x9747b28c;

/** murmur2 of the first `length` bytes of `data`, as the Java client's `Utils.murmur2` (a signed 32-bit int). */
function murmur2Bytes(data: Uint8Array, length: number): number {
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  switch (length & 3) {
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: murmur2 folds the last bytes in cascade, as Java's
    case 3:
      h ^= data[tail + 2]! << 16;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: as above
    case 2:
      h ^= data[tail + 1]! << 8;
    case 1:
      h ^= data[tail]!;
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** An ASCII key's bytes go here (no Buffer per key); longer or non-ASCII keys are encoded as UTF-8. */
const scratch = new Uint8Array(256);

/** murmur2 of a key's bytes (a string's UTF-8), as the Java client's `Utils.murmur2`. */
export function murmur2(key: string | Uint8Array): number {
  if (typeof key !== 'string') return murmur2Bytes(key, key.length);
  if (key.length <= scratch.length) {
    let i = 0;
    for (; i < key.length; i++) {
      const c = key.charCodeAt(i);
      if (c > 0x7f) break;
      scratch[i] = c;
    }
    if (i === key.length) return murmur2Bytes(scratch, key.length);
  }
  const bytes = Buffer.from(key);
  return murmur2Bytes(bytes, bytes.length);
}
