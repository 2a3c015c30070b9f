import { describe, expect, it } from 'vitest';
import { IdSet, MAX_ID } from './id-set.ts';

describe('IdSet', () => {
  it('adds, reports newness, and answers membership', () => {
    const s = new IdSet(100);
    expect(s.add(0)).toBe(true);
    expect(s.add(31)).toBe(true);
    expect(s.add(32)).toBe(true);
    expect(s.add(99)).toBe(true);
    expect(s.add(31)).toBe(false);
    expect(s.count()).toBe(4);
    expect([s.has(0), s.has(1), s.has(31), s.has(32), s.has(33), s.has(99)]).toEqual([
      true,
      false,
      true,
      true,
      false,
      true,
    ]);
  });

  it('answers false for non-ids instead of throwing', () => {
    const s = IdSet.of([0, 5]);
    expect([s.has(-1), s.has(0.5), s.has(Number.NaN), s.has(1e12), s.has(Number.POSITIVE_INFINITY)]).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('rejects ids that cannot be event ids', () => {
    const s = new IdSet();
    expect(() => s.add(-1)).toThrow(RangeError);
    expect(() => s.add(1.5)).toThrow(RangeError);
    expect(() => s.add(Number.NaN)).toThrow(RangeError);
    expect(() => s.add(MAX_ID + 1)).toThrow(RangeError);
    expect(s.count()).toBe(0);
  });

  it('grows on add past its capacity and keeps what it held', () => {
    const s = new IdSet(10);
    s.add(3);
    s.add(1000);
    expect(s.capacity).toBeGreaterThanOrEqual(1001);
    expect(s.toArray()).toEqual([3, 1000]);
    s.grow(5); // never shrinks
    expect(s.has(1000)).toBe(true);
    s.grow(5000);
    expect(s.capacity).toBe(5000);
    expect(s.toArray()).toEqual([3, 1000]);
  });

  it('iterates in increasing order, across word boundaries and bit 31', () => {
    const ids = [95, 0, 31, 63, 64, 1, 32, 127, 128];
    const s = IdSet.of(ids);
    expect([...s]).toEqual([0, 1, 31, 32, 63, 64, 95, 127, 128]);
    expect([...s.ids(32)]).toEqual([32, 63, 64, 95, 127, 128]);
    expect([...s.ids(33)]).toEqual([63, 64, 95, 127, 128]);
    expect([...s.ids(129)]).toEqual([]);
    expect(s.toArray(3)).toEqual([0, 1, 31]);
    expect(s.toArray(0)).toEqual([]);
  });

  it('knows its highest id and counts below a bound', () => {
    const s = IdSet.of([2, 31, 40, 64], 200);
    expect(s.max()).toBe(64);
    expect(new IdSet(64).max()).toBe(-1);
    expect(IdSet.of([31]).max()).toBe(31);
    expect([s.countBelow(0), s.countBelow(2), s.countBelow(3), s.countBelow(32), s.countBelow(41)]).toEqual([
      0, 0, 1, 2, 3,
    ]);
    expect([s.countBelow(64), s.countBelow(65), s.countBelow(10_000)]).toEqual([3, 4, 4]);
  });

  it('does set algebra between sets of different capacities', () => {
    const a = IdSet.of([1, 2, 3, 40, 100], 10);
    const b = IdSet.of([2, 3, 4, 40], 5);
    expect(a.intersectionCount(b)).toBe(3);
    expect(b.intersectionCount(a)).toBe(3);
    expect(a.unionCount(b)).toBe(6);
    expect(a.differenceCount(b)).toBe(2);
    expect(b.differenceCount(a)).toBe(1);
    expect(a.differenceIds(b)).toEqual([1, 100]);
    expect(a.differenceIds(b, 1)).toEqual([1]);
    expect(b.differenceIds(a)).toEqual([4]);
  });

  it('tests subsets, including ids beyond the other set’s words', () => {
    const small = IdSet.of([2, 40]);
    const big = IdSet.of([1, 2, 40, 41]);
    expect(small.isSubsetOf(big)).toBe(true);
    expect(big.isSubsetOf(small)).toBe(false);
    expect(new IdSet().isSubsetOf(small)).toBe(true);
    expect(IdSet.of([2, 500]).isSubsetOf(IdSet.of([2, 3, 4]))).toBe(false);
    expect(IdSet.of([2]).isSubsetOf(IdSet.of([2, 500]))).toBe(true);
  });

  it('counts a dense million-id set word-wise', () => {
    const n = 1_000_000;
    const evens = new IdSet(n);
    const all = new IdSet(n);
    for (let i = 0; i < n; i++) {
      all.add(i);
      if (i % 2 === 0) evens.add(i);
    }
    expect(evens.count()).toBe(500_000);
    expect(evens.isSubsetOf(all)).toBe(true);
    expect(all.differenceCount(evens)).toBe(500_000);
    expect(all.countBelow(777_777)).toBe(777_777);
    expect(evens.countBelow(777_777)).toBe(388_889);
    expect(all.max()).toBe(n - 1);
  });
});
