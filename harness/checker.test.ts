import { describe, expect, it } from 'vitest';
import type { Guarantee } from '../core/types.ts';
import {
  createChecker,
  type DeliveryCounts,
  deliveryCounts,
  verdictFor,
  verdictWithOpenDrain,
} from './checker.ts';
import { IdSet } from './id-set.ts';

/** Reference scores id/10 for acked ids, NaN for the rest (as the reference scorer returns them). */
function referenceFor(acked: IdSet, size: number): (id: number) => number {
  const table = new Float64Array(size).fill(Number.NaN);
  for (const id of acked) table[id] = id / 10;
  return (id) => table[id] ?? Number.NaN;
}

describe('checker on a hand-made history', () => {
  // attempted 0..9; the ack for 7 never came back; 4 and 6 never come out; 1, 2, 5 come out more than once;
  // 3 comes out with a wrong score and the second copy of 2 too; 12 (never attempted), -1, 2.5 and 25 are junk.
  const attempted = 10;
  const acked = IdSet.of([0, 1, 2, 3, 4, 5, 6, 8, 9]);
  const expected = referenceFor(acked, attempted);
  const checker = createChecker({ expectedIds: 20 });
  const history: [number, number][] = [
    [0, 0],
    [1, 0.1],
    [2, 0.2],
    [3, 0.35],
    [-1, 0.5],
    [5, 0.5],
    [1, 0.1],
    [7, 0.7],
    [12, 0.5],
    [2, 0.25],
    [8, 0.8],
    [5, 0.5],
    [2.5, 0.5],
    [9, 0.9],
    [12, 0.5],
    [25, 0.5],
    [5, 0.5],
  ];
  for (const [id, score] of history) checker.observe(id, score);
  const result = checker.finish({ attempted, acked, expected });

  it('counts every delivery and the distinct ids in range', () => {
    expect(checker.deliveredCount()).toBe(17);
    expect(checker.uniqueCount()).toBe(9); // 0,1,2,3,5,7,8,9 and 12 (in the checker's room of 20)
  });

  it('gives exact counts', () => {
    expect(deliveryCounts(result)).toEqual({
      produced: 9,
      delivered: 17,
      unique: 8,
      lost: 2,
      duplicated: 3,
      unexpected: 5,
      incorrect: 2,
    });
    expect(result.deliveredUnacked).toBe(1);
  });

  it('gives samples in id order, junk in arrival order without repeats', () => {
    expect(result.samples).toEqual({
      lost: [4, 6],
      duplicated: [1, 2, 5],
      unexpected: [-1, 2.5, 12, 25],
      incorrect: [
        { id: 3, got: 0.35, expected: 0.3 },
        { id: 2, got: 0.25, expected: 0.2 },
      ],
    });
  });

  it('keeps its identities: the unacked-but-delivered id is unique, not lost', () => {
    expect(result.unique + result.lost).toBe(result.produced + result.deliveredUnacked);
    // 2nd+ deliveries in range: one more of 1, one more of 2, two more of 5.
    expect(result.delivered).toBe(result.unique + 4 + result.unexpected);
    expect(result.delivered).toBeGreaterThanOrEqual(result.unique + result.duplicated + result.unexpected);
  });

  it('sees the acked set as incomplete while ids are missing', () => {
    expect(checker.isComplete(acked)).toBe(false);
    expect(checker.isComplete(IdSet.of([0, 1, 2, 3, 5, 8, 9]))).toBe(true);
  });

  it('reports verdicts in words', () => {
    expect(verdictFor('exactly-once', result)).toEqual({
      guaranteeHeld: false,
      notes: [
        '2 ids lost although exactly-once forbids loss',
        '3 ids delivered more than once although exactly-once forbids duplicates',
        '5 outputs for ids that were never produced although exactly-once forbids them',
        '2 outputs with a score different from the reference although exactly-once requires state to survive replay',
      ],
    });
  });
});

describe('checker', () => {
  it('gives unique + lost = produced when every delivered id was acked', () => {
    const acked = IdSet.of([0, 1, 2, 3, 4]);
    const checker = createChecker({ expectedIds: 5 });
    for (const id of [0, 1, 3]) checker.observe(id, id / 10);
    const r = checker.finish({ attempted: 5, acked, expected: referenceFor(acked, 5) });
    expect(deliveryCounts(r)).toEqual({
      produced: 5,
      delivered: 3,
      unique: 3,
      lost: 2,
      duplicated: 0,
      unexpected: 0,
      incorrect: 0,
    });
    expect(r.unique + r.lost).toBe(r.produced);
    expect(r.deliveredUnacked).toBe(0);
  });

  it('a clean run has nothing to report and holds every guarantee', () => {
    const acked = IdSet.of([0, 1, 2]);
    const checker = createChecker({ expectedIds: 3 });
    for (const id of [2, 0, 1]) checker.observe(id, id / 10);
    expect(checker.isComplete(acked)).toBe(true);
    const r = checker.finish({ attempted: 3, acked, expected: referenceFor(acked, 3) });
    expect(r).toEqual({
      produced: 3,
      delivered: 3,
      unique: 3,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
      incorrect: 0,
      deliveredUnacked: 0,
      samples: { lost: [], duplicated: [], unexpected: [], incorrect: [] },
    });
    for (const g of ['exactly-once', 'at-least-once', 'at-most-once', 'none'] as const) {
      expect(verdictFor(g, r)).toEqual({ guaranteeHeld: true, notes: [] });
    }
  });

  it('treats ids the checker has room for but the generator never attempted as unexpected', () => {
    const acked = IdSet.of([0, 1]);
    const checker = createChecker({ expectedIds: 10 });
    for (const id of [0, 1, 2, 2, 9]) checker.observe(id, id / 10);
    const r = checker.finish({ attempted: 2, acked, expected: referenceFor(acked, 2) });
    expect([r.unique, r.duplicated, r.unexpected, r.delivered]).toEqual([2, 0, 3, 5]);
    expect(r.samples.unexpected).toEqual([2, 9]);
  });

  it('holds deliveries beyond its room until grow brings them in range', () => {
    const checker = createChecker({ expectedIds: 4 });
    checker.observe(6, 0.6);
    checker.observe(6, 0.6);
    checker.observe(1, 0.1);
    expect([checker.uniqueCount(), checker.deliveredCount()]).toEqual([1, 3]);
    checker.grow(8);
    expect(checker.uniqueCount()).toBe(2);
    checker.observe(7, 0.7);
    const acked = IdSet.of([1, 6, 7]);
    const r = checker.finish({ attempted: 8, acked, expected: referenceFor(acked, 8) });
    expect(deliveryCounts(r)).toEqual({
      produced: 3,
      delivered: 4,
      unique: 3,
      lost: 0,
      duplicated: 1,
      unexpected: 0,
      incorrect: 0,
    });
  });

  it('finish grows to `attempted` by itself, and ids beyond it stay unexpected', () => {
    const checker = createChecker({ expectedIds: 2 });
    for (const id of [0, 1, 3, 5, 5]) checker.observe(id, id / 10);
    const acked = IdSet.of([0, 1, 2, 3]);
    const r = checker.finish({ attempted: 4, acked, expected: referenceFor(acked, 4) });
    expect(deliveryCounts(r)).toEqual({
      produced: 4,
      delivered: 5,
      unique: 3,
      lost: 1,
      duplicated: 0,
      unexpected: 2,
      incorrect: 0,
    });
    expect(r.samples).toEqual({ lost: [2], duplicated: [], unexpected: [5], incorrect: [] });
  });

  it('counts an acked id beyond `attempted` as produced, not unexpected', () => {
    const checker = createChecker({ expectedIds: 3 });
    for (const id of [0, 1, 2, 3]) checker.observe(id, id / 10);
    const acked = IdSet.of([0, 1, 2, 3]);
    const r = checker.finish({ attempted: 3, acked, expected: referenceFor(acked, 4) });
    expect([r.produced, r.unique, r.lost, r.unexpected]).toEqual([4, 4, 0, 0]);
  });

  it('counts deliveries exactly past the saturating counter', () => {
    const checker = createChecker({ expectedIds: 2 });
    for (let i = 0; i < 300; i++) checker.observe(0, 0.5);
    checker.observe(1, 0.1);
    const acked = IdSet.of([0, 1]);
    const r = checker.finish({ attempted: 2, acked, expected: referenceFor(acked, 2) });
    expect([r.delivered, r.unique, r.duplicated, r.incorrect]).toEqual([301, 2, 1, 300]);
    expect(r.samples.incorrect).toHaveLength(20);
    expect(r.samples.incorrect[0]).toEqual({ id: 0, got: 0.5, expected: 0 });
  });

  it('compares scores with ===: NaN output is incorrect, NaN reference is never', () => {
    const checker = createChecker({ expectedIds: 4 });
    checker.observe(0, Number.NaN);
    checker.observe(3, 0.3); // the reference is 3 / 10 === 0.3
    checker.observe(3, 0.1 + 0.2); // 0.30000000000000004: one ulp off is wrong
    checker.observe(2, 123); // unacked: reference NaN
    const acked = IdSet.of([0, 1, 3]);
    const r = checker.finish({ attempted: 4, acked, expected: referenceFor(acked, 4) });
    expect(r.incorrect).toBe(2);
    expect(r.samples.incorrect).toEqual([
      { id: 0, got: Number.NaN, expected: 0 },
      { id: 3, got: 0.30000000000000004, expected: 0.3 },
    ]);
  });

  it('notices completion as acks and outputs trickle in', () => {
    const checker = createChecker({ expectedIds: 100 });
    const acked = new IdSet(100);
    expect(checker.isComplete(acked)).toBe(true); // nothing acked yet: nothing missing
    acked.add(40);
    expect(checker.isComplete(acked)).toBe(false);
    checker.observe(40, 0);
    expect(checker.isComplete(acked)).toBe(true);
    acked.add(99);
    acked.add(3);
    checker.observe(99, 0);
    expect(checker.isComplete(acked)).toBe(false);
    checker.observe(3, 0);
    expect(checker.isComplete(acked)).toBe(true);
    acked.add(150); // beyond the checker's room
    expect(checker.isComplete(acked)).toBe(false);
  });

  it('rejects nonsense sizes', () => {
    expect(() => createChecker({ expectedIds: -1 })).toThrow(RangeError);
    expect(() => createChecker({ expectedIds: 1.5 })).toThrow(RangeError);
    const checker = createChecker({ expectedIds: 1 });
    expect(() => checker.finish({ attempted: -2, acked: new IdSet(), expected: () => 0 })).toThrow(
      RangeError,
    );
  });

  it('accounts for 2 000 000 ids in well under two seconds', () => {
    const n = 2_000_000;
    const started = performance.now();
    const score = (id: number) => (id % 997) / 997;
    // Acks lost for ids ≡ 999 (mod 1000): 2000 ids attempted, delivered, never acked.
    const acked = new IdSet(n);
    const reference = new Float64Array(n).fill(Number.NaN);
    for (let id = 0; id < n; id++) {
      if (id % 1000 === 999) continue;
      acked.add(id);
      reference[id] = score(id);
    }
    const checker = createChecker({ expectedIds: n });
    for (let id = 0; id < n; id++) {
      if (id % 100_000 === 5) continue; // 20 lost
      checker.observe(id, id % 500_000 === 1 ? -1 : score(id)); // 4 incorrect
      if (id % 10_000 === 0) checker.observe(id, score(id)); // 200 duplicated
    }
    checker.observe(n, 0.5);
    checker.observe(n + 1, 0.5);
    const expected = (id: number) => reference[id] ?? Number.NaN;

    const checks = performance.now();
    for (let i = 0; i < 50; i++) expect(checker.isComplete(acked)).toBe(false);
    const perCheckMs = (performance.now() - checks) / 50;

    const r = checker.finish({ attempted: n, acked, expected });
    expect(deliveryCounts(r)).toEqual({
      produced: 1_998_000,
      delivered: 2_000_182,
      unique: 1_999_980,
      lost: 20,
      duplicated: 200,
      unexpected: 2,
      incorrect: 4,
    });
    expect(r.deliveredUnacked).toBe(2000);
    expect(r.unique + r.lost).toBe(r.produced + r.deliveredUnacked);
    expect(r.samples.lost).toEqual([
      5, 100_005, 200_005, 300_005, 400_005, 500_005, 600_005, 700_005, 800_005, 900_005, 1_000_005,
      1_100_005, 1_200_005, 1_300_005, 1_400_005, 1_500_005, 1_600_005, 1_700_005, 1_800_005, 1_900_005,
    ]);
    expect(r.samples.duplicated.slice(0, 3)).toEqual([0, 10_000, 20_000]);
    expect(r.samples.unexpected).toEqual([n, n + 1]);
    expect(r.samples.incorrect).toEqual(
      [1, 500_001, 1_000_001, 1_500_001].map((id) => ({ id, got: -1, expected: score(id) })),
    );

    // The lost ids turn up late: the drain sees completion, and finish can run again.
    for (const id of r.samples.lost) checker.observe(id, score(id));
    expect(checker.isComplete(acked)).toBe(true);
    const again = checker.finish({ attempted: n, acked, expected });
    expect([again.lost, again.unique, again.delivered]).toEqual([0, n, 2_000_202]);

    expect(perCheckMs).toBeLessThan(20);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('verdictFor', () => {
  const counts = (c: Partial<DeliveryCounts>): DeliveryCounts => ({
    produced: 1000,
    delivered: 1000,
    unique: 1000,
    lost: 0,
    duplicated: 0,
    unexpected: 0,
    incorrect: 0,
    ...c,
  });

  it('exactly-once: any loss, duplicate, unexpected or incorrect output breaks it', () => {
    expect(verdictFor('exactly-once', counts({ duplicated: 1 }))).toEqual({
      guaranteeHeld: false,
      notes: ['1 id delivered more than once although exactly-once forbids duplicates'],
    });
    expect(verdictFor('exactly-once', counts({ incorrect: 7 })).guaranteeHeld).toBe(false);
    expect(verdictFor('exactly-once', counts({ unexpected: 1 })).guaranteeHeld).toBe(false);
    expect(verdictFor('exactly-once', counts({ lost: 1 })).notes).toEqual([
      '1 id lost although exactly-once forbids loss',
    ]);
  });

  it('at-least-once: loss and unexpected outputs break it; duplicates and incorrect scores are noted', () => {
    expect(verdictFor('at-least-once', counts({ lost: 312 }))).toEqual({
      guaranteeHeld: false,
      notes: ['312 ids lost although at-least-once forbids loss'],
    });
    expect(verdictFor('at-least-once', counts({ unexpected: 2 }))).toEqual({
      guaranteeHeld: false,
      notes: ['2 outputs for ids that were never produced although at-least-once forbids them'],
    });
    expect(verdictFor('at-least-once', counts({ duplicated: 40, incorrect: 3 }))).toEqual({
      guaranteeHeld: true,
      notes: [
        '40 ids delivered more than once (allowed by at-least-once)',
        '3 outputs with a score different from the reference (allowed by at-least-once: replays may re-apply state)',
      ],
    });
  });

  it('at-most-once: duplicates break it; loss is allowed', () => {
    expect(verdictFor('at-most-once', counts({ duplicated: 2, lost: 5 }))).toEqual({
      guaranteeHeld: false,
      notes: [
        '2 ids delivered more than once although at-most-once forbids duplicates',
        '5 ids lost (allowed by at-most-once)',
      ],
    });
    expect(verdictFor('at-most-once', counts({ lost: 5, unexpected: 1, incorrect: 1 }))).toEqual({
      guaranteeHeld: true,
      notes: [
        '5 ids lost (allowed by at-most-once)',
        '1 output for ids that were never produced (not checked by at-most-once)',
        '1 output with a score different from the reference (not checked by at-most-once)',
      ],
    });
  });

  it('none: always holds, and says what happened', () => {
    expect(verdictFor('none', counts({ lost: 3, duplicated: 1, unexpected: 0, incorrect: 2 }))).toEqual({
      guaranteeHeld: true,
      notes: [
        '3 ids lost (no guarantee asked)',
        '1 id delivered more than once (no guarantee asked)',
        '2 outputs with a score different from the reference (no guarantee asked)',
      ],
    });
  });

  it('is unknown when nothing was produced, unless something already broke the guarantee', () => {
    const empty = counts({ produced: 0, delivered: 0, unique: 0 });
    for (const g of ['exactly-once', 'at-least-once', 'at-most-once'] as Guarantee[]) {
      expect(verdictFor(g, empty)).toEqual({
        guaranteeHeld: 'unknown',
        notes: [`nothing was produced (no id acknowledged), so ${g} was never exercised`],
      });
    }
    expect(verdictFor('none', empty)).toEqual({ guaranteeHeld: true, notes: [] });
    expect(
      verdictFor('exactly-once', counts({ produced: 0, delivered: 1, unique: 0, unexpected: 1 }))
        .guaranteeHeld,
    ).toBe(false);
  });
});

describe('checker: completeness over time', () => {
  const acked = (n: number, except: number[] = []) => {
    const s = new IdSet(n);
    for (let id = 0; id < n; id++) if (!except.includes(id)) s.add(id);
    return s;
  };

  it('tells when every acked id before a cut-off had first been read; later repeats do not move it', () => {
    const c = createChecker({ expectedIds: 6 });
    c.observe(0, 0.1, 100);
    c.observe(2, 0.1, 900); // replayed late
    c.observe(1, 0.1, 200);
    c.observe(2, 0.1, 5000); // a duplicate: not a first read
    c.observe(3, 0.1, 300);
    expect(c.backlogDeliveredAt(3, acked(6), false)).toBe(900);
    expect(c.backlogDeliveredAt(4, acked(6), false)).toBe(900);
    expect(c.backlogDeliveredAt(1, acked(6), false)).toBe(100);
    expect(c.backlogDeliveredAt(0, acked(6), false)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('is null while an acked id before the cut-off was never read, unless the guarantee allows loss', () => {
    const c = createChecker({ expectedIds: 4 });
    c.observe(0, 0.1, 100);
    c.observe(2, 0.1, 300);
    expect(c.backlogDeliveredAt(3, acked(4), false)).toBe(null);
    expect(c.backlogDeliveredAt(3, acked(4), true)).toBe(300);
    // An id Kafka never acknowledged cannot be owed.
    expect(c.backlogDeliveredAt(3, acked(4, [1]), false)).toBe(300);
  });

  it('answers a series of cut-offs as a fresh scan would, whatever happened between the questions', () => {
    // Recovery asks at increasing cut-offs and the checker resumes its last scan: every answer must be the one a
    // checker asked only that question gives.
    const reads: [id: number, readMs: number][] = [
      [0, 100],
      [1, 700],
      [3, 300],
      [4, 250],
      [6, 400],
    ];
    const ack = acked(8);
    const c = createChecker({ expectedIds: 8 });
    const fresh = (beforeId: number, allowLoss: boolean, upTo = reads.length) => {
      const f = createChecker({ expectedIds: 8 });
      for (const [id, at] of reads.slice(0, upTo)) f.observe(id, 0.1, at);
      return f.backlogDeliveredAt(beforeId, acked(8), allowLoss);
    };
    for (const [id, at] of reads) c.observe(id, 0.1, at);
    for (const cut of [0, 1, 2, 2, 3, 5, 8])
      expect(c.backlogDeliveredAt(cut, ack, true)).toBe(fresh(cut, true));
    // Id 2 was never read: null from cut-off 3 on, and back to a figure below it.
    for (const cut of [1, 2, 3, 4, 8, 2, 3])
      expect(c.backlogDeliveredAt(cut, ack, false)).toBe(fresh(cut, false));
    // A first read between two questions is seen by the next one.
    expect(c.backlogDeliveredAt(8, ack, false)).toBe(null);
    c.observe(2, 0.1, 900);
    c.observe(5, 0.1, 50);
    c.observe(7, 0.1, 60);
    expect(c.backlogDeliveredAt(8, ack, false)).toBe(900);
    // A duplicate changes nothing; a grow does not either.
    c.observe(1, 0.1, 5000);
    c.grow(10);
    expect(c.backlogDeliveredAt(8, ack, false)).toBe(900);
    expect(c.backlogDeliveredAt(2, ack, false)).toBe(700);
  });

  it('a delivery that is not trusted counts as delivered and unexpected, never as its id', () => {
    const c = createChecker({ expectedIds: 3 });
    c.observe(0, 0.5, 1);
    c.observeUnexpected(1);
    c.observe(2, 0.5, 1);
    const r = c.finish({ attempted: 3, acked: acked(3), expected: () => 0.5 });
    expect(r).toMatchObject({ delivered: 3, unique: 2, lost: 1, unexpected: 1, duplicated: 0 });
    expect(r.samples.unexpected).toEqual([1]);
  });
});

describe('the verdict when the drain ended while output was still arriving', () => {
  const counts = (c: Partial<DeliveryCounts>): DeliveryCounts => ({
    produced: 100,
    delivered: 100,
    unique: 100,
    lost: 0,
    duplicated: 0,
    unexpected: 0,
    incorrect: 0,
    ...c,
  });
  const open = (g: Parameters<typeof verdictFor>[0], c: DeliveryCounts) =>
    verdictWithOpenDrain(g, c, verdictFor(g, c)).guaranteeHeld;

  it('does not establish a guarantee that a late duplicate could still break', () => {
    expect(open('exactly-once', counts({}))).toBe('unknown');
    expect(open('at-most-once', counts({ lost: 3 }))).toBe('unknown');
    // Late outputs only add deliveries: at-least-once without loss stays held.
    expect(open('at-least-once', counts({ duplicated: 5 }))).toBe(true);
  });

  it('does not establish a violation that rests on lost ids alone, which may still arrive', () => {
    expect(open('at-least-once', counts({ lost: 2 }))).toBe('unknown');
    expect(open('exactly-once', counts({ lost: 2 }))).toBe('unknown');
    const v = verdictWithOpenDrain(
      'exactly-once',
      counts({ lost: 2 }),
      verdictFor('exactly-once', counts({ lost: 2 })),
    );
    expect(v.notes.at(-1)).toMatch(/2 missing ids may still arrive/);
  });

  it('keeps violations that later outputs cannot undo', () => {
    expect(open('exactly-once', counts({ lost: 2, duplicated: 1 }))).toBe(false);
    expect(open('at-least-once', counts({ lost: 2, unexpected: 1 }))).toBe(false);
    expect(open('at-most-once', counts({ duplicated: 1 }))).toBe(false);
    expect(open('exactly-once', counts({ incorrect: 4 }))).toBe(false);
  });
});
