import { describe, expect, it } from 'vitest';
import { RotatingMap } from './rotating-map.ts';

/** Rotations until `key` comes out of `rotate()`; -1 if not within `max`. */
function rotationsUntilExpired<K, V>(map: RotatingMap<K, V>, key: K, max = 10): number {
  for (let i = 1; i <= max; i++) {
    if (map.rotate().has(key)) return i;
  }
  return -1;
}

describe('RotatingMap', () => {
  it('puts, gets, finds and removes', () => {
    const m = new RotatingMap<string, number>(3);
    m.put('a', 1);
    m.put('b', 2);
    expect([m.get('a'), m.get('b'), m.get('c')]).toEqual([1, 2, undefined]);
    expect([m.containsKey('a'), m.containsKey('c')]).toEqual([true, false]);
    expect(m.size()).toBe(2);
    expect(m.remove('a')).toBe(1);
    expect(m.remove('a')).toBeUndefined();
    expect(m.size()).toBe(1);
    expect([...m.keys()]).toEqual(['b']);
  });

  it('expires an entry put just after a rotate on exactly the N-th rotate', () => {
    for (const n of [2, 3, 5]) {
      const m = new RotatingMap<string, number>(n);
      m.rotate();
      m.put('k', 7);
      for (let i = 1; i < n; i++) {
        expect(m.rotate().size).toBe(0);
        expect(m.get('k')).toBe(7);
      }
      expect([...m.rotate()]).toEqual([['k', 7]]);
      expect(m.containsKey('k')).toBe(false);
      expect(m.size()).toBe(0);
    }
  });

  it('keeps an entry between (N-1)·T and N·T: put at any point between ticks, it expires on the N-th tick after', () => {
    // Ticks at t = 10, 20, 30, …; an entry put at t = 11 or t = 19 both go on the 3rd tick (t = 40): lived 29 or 21.
    const m = new RotatingMap<string, number>(3);
    m.put('early', 11);
    m.put('late', 19);
    expect(m.rotate().size).toBe(0);
    expect(m.rotate().size).toBe(0);
    expect([...m.rotate().keys()].sort()).toEqual(['early', 'late']);
  });

  it('re-putting refreshes the expiry and moves the key out of older buckets', () => {
    const m = new RotatingMap<string, number>(3);
    m.put('k', 1);
    m.rotate();
    m.rotate();
    m.put('k', 2); // would have expired on the next rotate
    expect(m.size()).toBe(1);
    expect(rotationsUntilExpired(m, 'k')).toBe(3);
  });

  it('does not refresh on get', () => {
    const m = new RotatingMap<string, number>(2);
    m.put('k', 1);
    m.rotate();
    expect(m.get('k')).toBe(1);
    expect([...m.rotate()]).toEqual([['k', 1]]);
  });

  it('uses bigint keys by value', () => {
    const m = new RotatingMap<bigint, string>(2);
    m.put(0xffff_ffff_ffff_ffffn, 'max');
    expect(m.get(BigInt('18446744073709551615'))).toBe('max');
  });

  it('rejects fewer than 2 buckets, as Storm does', () => {
    expect(() => new RotatingMap(1)).toThrow(RangeError);
    expect(() => new RotatingMap(2.5)).toThrow(RangeError);
    expect(new RotatingMap(2).numBuckets).toBe(2);
  });
});
