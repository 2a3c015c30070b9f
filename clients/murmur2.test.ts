import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { keyHashPartitioner, Partitioners } from './kafka.ts';
import { murmur2 } from './murmur2.ts';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (
  key: string | Buffer,
) => number;

/** Keys of every length 0–40 and tail, ASCII and not, the workloads' own shapes among them. */
function keys(): (string | Buffer)[] {
  const out: (string | Buffer)[] = [];
  for (let i = 0; i < 3000; i++) out.push(`card-${i}`, `passenger-${i * 7919}`);
  let s = '';
  for (let n = 0; n <= 40; n++) {
    out.push(s, `${s}é`, `☃${s}`, Buffer.from(s), Buffer.from([n, 255, 128, 0, n * 3].slice(0, n % 6)));
    s += String.fromCharCode(33 + ((n * 37) % 90));
  }
  out.push('x'.repeat(300), `${'y'.repeat(255)}ü`);
  return out;
}

const metadata = (n: number) =>
  Array.from({ length: n }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));

describe('keyHashPartitioner', () => {
  it("murmur2 is kafkajs's (the Java client's) for every key", () => {
    for (const key of keys()) expect([key, murmur2(key)]).toEqual([key, kafkajsMurmur2(key)]);
  });

  it("puts every keyed message where kafkajs's DefaultPartitioner does, and keeps a message's own partition", () => {
    for (const partitions of [1, 2, 3, 4, 7, 12]) {
      const ours = keyHashPartitioner();
      const theirs = Partitioners.DefaultPartitioner();
      const partitionMetadata = metadata(partitions);
      for (const key of keys()) {
        const args = { topic: 't', partitionMetadata, message: { key, value: 'v' } };
        expect(ours(args)).toBe(theirs(args));
      }
      expect(
        ours({ topic: 't', partitionMetadata, message: { key: 'card-1', value: 'v', partition: 0 } }),
      ).toBe(0);
    }
  });

  it('spreads unkeyed messages over the partitions', () => {
    const ours = keyHashPartitioner();
    const partitionMetadata = metadata(3);
    const seen = new Set<number>();
    for (let i = 0; i < 30; i++) seen.add(ours({ topic: 't', partitionMetadata, message: { value: 'v' } }));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });
});
