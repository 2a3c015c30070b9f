import { describe, expect, it } from 'vitest';
import { ddmin } from './soak.ts';

/** A probe over a pure predicate, counting the runs it would take. */
const probe = (fails: (kept: number[]) => boolean, budget = Number.POSITIVE_INFINITY) => {
  const tried: number[][] = [];
  return {
    tried,
    fn: async (kept: number[]) => {
      if (tried.length >= budget) return 'budget' as const;
      tried.push(kept);
      return fails(kept);
    },
  };
};

describe('ddmin (shrinking a violating fault schedule)', () => {
  it('finds the one fault that matters among several', async () => {
    const p = probe((kept) => kept.includes(3));
    let smallest = [0, 1, 2, 3, 4];
    expect(await ddmin(smallest, p.fn, (k) => (smallest = k))).toBe('minimal');
    expect(smallest).toEqual([3]);
    expect(p.tried.length).toBeLessThanOrEqual(4);
  });

  it('keeps two faults that only violate together', async () => {
    const p = probe((kept) => kept.includes(1) && kept.includes(4));
    let smallest = [0, 1, 2, 3, 4, 5];
    await ddmin(smallest, p.fn, (k) => (smallest = k));
    expect(smallest).toEqual([1, 4]);
  });

  it('stops when the budget of runs is spent, keeping the smallest so far', async () => {
    const p = probe((kept) => kept.includes(2), 2);
    let smallest = [0, 1, 2, 3];
    expect(await ddmin(smallest, p.fn, (k) => (smallest = k))).toBe('budget');
    expect(smallest).toEqual([2, 3]);
  });

  it('a schedule of one fault is already minimal: no run', async () => {
    const p = probe(() => true);
    expect(await ddmin([7], p.fn)).toBe('minimal');
    expect(p.tried).toEqual([]);
  });
});
