import { describe, expect, it } from 'vitest';
import { hashString } from '../../core/rng.ts';
import { keyPartition, shufflePartitioner } from './partitioner.ts';

describe('keyPartition', () => {
  it('is FNV-1a of the key mod n, a constant every process agrees on', () => {
    // A literal, so a change of hash function (which would move keys between processes of different
    // versions) fails here rather than in a chaos run.
    expect(keyPartition('user-42', 7)).toBe(6);
    for (const key of ['a', 'passenger-17', '', 'ü😀']) {
      expect(keyPartition(key, 5)).toBe(hashString(key) % 5);
    }
  });

  it('spreads keys over all instances roughly evenly', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) counts[keyPartition(`key-${i}`, 4)]!++;
    for (const c of counts) expect(Math.abs(c - 2500)).toBeLessThan(250);
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => keyPartition('k', 0)).toThrow(RangeError);
    expect(() => keyPartition('k', 1.5)).toThrow(RangeError);
  });
});

describe('shufflePartitioner', () => {
  it('goes round-robin from the offset', () => {
    const next = shufflePartitioner(3, 5);
    expect(Array.from({ length: 7 }, next)).toEqual([2, 0, 1, 2, 0, 1, 2]);
    const negative = shufflePartitioner(4, -1);
    expect([negative(), negative()]).toEqual([3, 0]);
  });

  it('rejects bad arguments', () => {
    expect(() => shufflePartitioner(0)).toThrow(RangeError);
    expect(() => shufflePartitioner(2, 0.5)).toThrow(RangeError);
  });
});
