import { describe, expect, it } from 'vitest';
import { FAN_OUT_BRANCHES } from '../core/types.ts';
import { createAccounting, createFanOutChecker } from './branch-checker.ts';
import { deliveryCounts } from './checker.ts';
import { IdSet } from './id-set.ts';

/** Reference scores: id/10 on the model branch, id/100 on the challenger, NaN for ids never acked. */
const expected = (acked: IdSet) => (branch: string, id: number) =>
  acked.has(id) ? (branch === 'challenger' ? id / 100 : id / 10) : Number.NaN;

describe('fan-out checker on a hand-made history', () => {
  // attempted 0..5, the ack of 5 never came back. model: 0..4 once, 1 twice, 5 once (unacked).
  // challenger: 0, 1, 3, 4 (2 missing), 3 twice, 4 with a wrong score, 5 once; then junk: id 9 (never produced)
  // on the challenger, an output without a branch, one on an unknown branch, and an untrusted one on the model.
  const attempted = 6;
  const acked = IdSet.of([0, 1, 2, 3, 4]);
  const checker = createFanOutChecker({ expectedIds: 10, branches: FAN_OUT_BRANCHES });
  for (const id of [0, 1, 1, 2, 3, 4, 5]) checker.observe(id, id / 10, id, 'model');
  for (const [id, score] of [
    [0, 0],
    [1, 0.01],
    [3, 0.03],
    [3, 0.03],
    [4, 0.5],
    [5, 0.05],
    [9, 0.09],
  ] as const)
    checker.observe(id, score, id, 'challenger');
  checker.observe(2, 0.2, 2, undefined);
  checker.observe(2, 0.2, 2, 'audit');
  checker.observeUnexpected(3, 'model');
  const result = checker.finish({ attempted, acked, expected: expected(acked) });

  it('counts each branch as a chain of its own', () => {
    expect(result.branches).toEqual([
      {
        branch: 'model',
        operators: ['score'],
        delivered: 8,
        unique: 6,
        lost: 0,
        duplicated: 1,
        unexpected: 1,
        incorrect: 0,
      },
      {
        branch: 'challenger',
        operators: ['challenger'],
        delivered: 7,
        unique: 5,
        lost: 1,
        duplicated: 1,
        unexpected: 1,
        incorrect: 1,
      },
    ]);
  });

  it('judges each record across branches in the headline counts', () => {
    expect(deliveryCounts(result)).toEqual({
      produced: 5,
      delivered: 17, // 8 + 7 + 2 without a known branch
      unique: 5, // 0, 1, 3, 4 and the unacked 5 came out on both branches
      lost: 1, // 2 is missing on the challenger
      duplicated: 2, // 1 on the model, 3 on the challenger
      unexpected: 4, // 1 + 1 charged to branches + 2 unattributed
      incorrect: 1,
    });
    expect(result.unattributed).toBe(2);
    expect(result.deliveredUnacked).toBe(1);
    expect(result.samples.lost).toEqual([2]);
    expect(result.samples.duplicated).toEqual([1, 3]);
    expect(result.samples.incorrect).toEqual([{ id: 4, got: 0.5, expected: 0.04, branch: 'challenger' }]);
  });

  it('keeps the identities: unique + lost = produced + deliveredUnacked; the branches add up', () => {
    const b = result.branches;
    const sum = (k: 'delivered' | 'unexpected' | 'incorrect') => b.reduce((n, x) => n + x[k], 0);
    expect(result.unique + result.lost).toBe(result.produced + result.deliveredUnacked);
    expect(result.delivered).toBe(sum('delivered') + result.unattributed);
    expect(result.unexpected).toBe(sum('unexpected') + result.unattributed);
    expect(result.incorrect).toBe(sum('incorrect'));
    for (const k of ['lost', 'duplicated'] as const) {
      expect(result[k]).toBeGreaterThanOrEqual(Math.max(...b.map((x) => x[k])));
      expect(result[k]).toBeLessThanOrEqual(b.reduce((n, x) => n + x[k], 0));
    }
  });

  it('knows a record complete only when every branch delivered it', () => {
    const c = createFanOutChecker({ expectedIds: 3, branches: FAN_OUT_BRANCHES });
    const all = IdSet.of([0, 1, 2]);
    c.observe(0, 0, 10, 'model');
    c.observe(0, 0, 30, 'challenger');
    c.observe(1, 0.1, 20, 'model');
    expect(c.backlogDeliveredAt(1, all, false)).toBe(30);
    expect(c.backlogDeliveredAt(2, all, false)).toBeNull();
    expect(c.backlogDeliveredAt(2, all, true)).toBe(30);
  });
});

describe('accounting on a chain', () => {
  it('counts as before, and an output naming a branch as unexpected', () => {
    const acked = IdSet.of([0, 1]);
    const c = createAccounting({ expectedIds: 2, branches: null });
    c.observe(0, 0, 1, undefined);
    c.observe(1, 0.1, 2, undefined);
    c.observe(1, 0.1, 3, 'model');
    const result = c.finish({ attempted: 2, acked, expected: expected(acked) });
    expect(deliveryCounts(result)).toEqual({
      produced: 2,
      delivered: 3,
      unique: 2,
      lost: 0,
      duplicated: 0,
      unexpected: 1,
      incorrect: 0,
    });
    expect(result.branches).toEqual([]);
  });
});
