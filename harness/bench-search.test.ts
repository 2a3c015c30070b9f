import { describe, expect, it } from 'vitest';
import {
  outcomeOf,
  type QuietHost,
  quietRun,
  rateGrid,
  runStep,
  searchGrid,
  searchSustainable,
} from './bench-search.ts';

/**
 * A judge that passes every rate up to `limit`; `draws` lists, per rate, the verdicts of its runs in order (the
 * band where a rate both passes and fails), each run after the last repeating the last.
 */
function judgeUpTo(limit: number, draws: Record<number, boolean[]> = {}) {
  const calls: number[] = [];
  const judge = async (rate: number) => {
    calls.push(rate);
    const nth = calls.filter((r) => r === rate).length;
    const seq = draws[rate];
    return seq ? seq[Math.min(nth, seq.length) - 1]! : rate <= limit;
  };
  return { judge, calls };
}
const settings = { startRate: 1000, maxRate: 64_000, repeats: 3 };

describe('the grid of rates', () => {
  it('is E12 (~1.2 × apart) between the start and the max rate, both ends included', () => {
    expect(rateGrid(1000, 10_000)).toEqual([
      1000, 1200, 1500, 1800, 2200, 2700, 3300, 3900, 4700, 5600, 6800, 8200, 10_000,
    ]);
    expect(rateGrid(500, 1000)).toEqual([500, 560, 680, 820, 1000]);
    expect(rateGrid(1000, 64_000).slice(-4)).toEqual([39_000, 47_000, 56_000, 64_000]);
    expect(rateGrid(1000, 1000)).toEqual([1000]);
    const g = rateGrid(1000, 120_000);
    for (let i = 1; i < g.length - 1; i++) expect(g[i]! / g[i - 1]!).toBeGreaterThan(1.15);
  });
});

describe('the search for the sustainable rate', () => {
  it('climbs four grid steps at a time, bisects to neighbours, then runs both three times in rounds', async () => {
    const { judge, calls } = judgeUpTo(13_000);
    const o = await searchSustainable(judge, settings);
    // Climb: 1000, 2200, 4700, 10000 pass, 22000 fails; bisect: 15000 ✗, 12000 ✓; band 12000–15000, rounds.
    expect(calls).toEqual([1000, 2200, 4700, 10_000, 22_000, 15_000, 12_000, 12_000, 15_000, 12_000, 15_000]);
    expect(o).toMatchObject({
      sustainablePerS: 12_000,
      failedAtPerS: 15_000,
      runsAtWinner: 3,
      passedAtWinner: 3,
      band: { allPassedPerS: 12_000, allFailedPerS: 15_000 },
    });
  });

  it('widens the band while its ends turn, and reports the ½ crossing with the band as its interval', async () => {
    // 12000 passes 2 of 3, 15000 passes 1 of 3: the band widens to 10000 (all pass) and 18000 (all fail).
    const { judge, calls } = judgeUpTo(10_000, {
      12000: [true, false, true],
      15000: [false, true, false],
    });
    const o = await searchSustainable(judge, settings);
    // The new rates join the rounds: 10000 had one run from the climb, 18000 none.
    expect(calls.slice(5)).toEqual([
      15_000, 12_000, 12_000, 15_000, 12_000, 15_000, 10_000, 18_000, 10_000, 18_000, 18_000,
    ]);
    expect(o).toEqual({
      sustainablePerS: 12_000,
      failedAtPerS: 15_000,
      runsAtWinner: 3,
      passedAtWinner: 2,
      band: { allPassedPerS: 10_000, allFailedPerS: 18_000 },
      tally: [
        { rate: 1000, runs: 1, passed: 1 },
        { rate: 2200, runs: 1, passed: 1 },
        { rate: 4700, runs: 1, passed: 1 },
        { rate: 10_000, runs: 3, passed: 3 },
        { rate: 12_000, runs: 3, passed: 2 },
        { rate: 15_000, runs: 3, passed: 1 },
        { rate: 18_000, runs: 3, passed: 0 },
        { rate: 22_000, runs: 1, passed: 0 },
      ],
    });
  });

  it('a lucky pass in the bisection does not stand: the band repeats it and the crossing falls below', async () => {
    // 12000 passed its first run and fails from then on: 10000 becomes the crossing.
    const { judge } = judgeUpTo(10_000, { 12000: [true, false] });
    expect(await searchSustainable(judge, settings)).toMatchObject({
      sustainablePerS: 10_000,
      failedAtPerS: 12_000,
      band: { allPassedPerS: 10_000, allFailedPerS: 15_000 },
    });
  });

  it('a crossing needs every tested rate below it to pass at least half its runs', () => {
    const runs = (rate: number, ...ok: boolean[]) => ok.map((x) => ({ rate, ok: x }));
    const o = outcomeOf([
      ...runs(1000, true),
      ...runs(1200, true, false, false),
      ...runs(1500, true, true, false),
    ]);
    expect(o).toMatchObject({ sustainablePerS: 1000, failedAtPerS: 1200, band: { allPassedPerS: 1000 } });
    expect(o.band.allFailedPerS).toBeNull();
  });

  it('says when even the start rate fails, and when nothing up to the max rate failed', async () => {
    const none = judgeUpTo(500);
    expect(await searchSustainable(none.judge, settings)).toMatchObject({
      sustainablePerS: 0,
      failedAtPerS: 1000,
      runsAtWinner: 0,
      band: { allPassedPerS: 0, allFailedPerS: 1000 },
    });
    expect(none.calls).toEqual([1000, 1000, 1000]);
    const { judge, calls } = judgeUpTo(1e9);
    expect(await searchSustainable(judge, { ...settings, maxRate: 8000 })).toMatchObject({
      sustainablePerS: 8000,
      failedAtPerS: null,
      band: { allPassedPerS: 8000, allFailedPerS: null },
    });
    // The last climbing step is the max rate itself, repeated.
    expect(calls).toEqual([1000, 2200, 4700, 8000, 8000, 8000]);
  });

  it('stops widening at six rates however the verdicts turn', async () => {
    const coin = (n: number) => Array.from({ length: n }, (_, i) => i % 2 === 0);
    const draws = Object.fromEntries(rateGrid(1000, 64_000).map((r) => [r, coin(3)]));
    const { judge } = judgeUpTo(0, draws);
    const o = await searchSustainable(judge, settings);
    expect(o.tally.filter((t) => t.runs === 3)).toHaveLength(6);
  });
});

describe('the low-load reference', () => {
  it('is the first rate of the grid, from which the climb goes straight to the start rate', async () => {
    const { judge, calls } = judgeUpTo(2000);
    const o = await searchSustainable(judge, { ...settings, referenceRate: 250 });
    // 250 ✓ (the reference), 1000 ✓, 2200 ✗; bisect 1500 ✓, 1800 ✓; rounds of 1800 and 2200.
    expect(calls).toEqual([250, 1000, 2200, 1500, 1800, 1800, 2200, 1800, 2200]);
    expect(o.tally[0]).toEqual({ rate: 250, runs: 1, passed: 1 });
    expect(o).toMatchObject({ sustainablePerS: 1800, failedAtPerS: 2200 });
  });

  it('where the start rate fails, the search bisects the grid between the reference and the start', async () => {
    const { judge, calls } = judgeUpTo(600);
    const o = await searchSustainable(judge, { ...settings, referenceRate: 250 });
    // 250 ✓, 1000 ✗; bisect 470 ✓, 680 ✗, 560 ✓; rounds of 560 and 680.
    expect(calls).toEqual([250, 1000, 470, 680, 560, 560, 680, 560, 680]);
    expect(o).toMatchObject({ sustainablePerS: 560, failedAtPerS: 680 });
  });

  it('puts the start rate on the grid, and refuses a reference above the start or a start above the max', () => {
    expect(searchGrid({ startRate: 900, maxRate: 2000, referenceRate: 250 })).toEqual([
      250, 270, 330, 390, 470, 560, 680, 820, 900, 1000, 1200, 1500, 1800, 2000,
    ]);
    expect(searchGrid(settings)).toEqual(rateGrid(1000, 64_000));
    expect(() => searchGrid({ ...settings, referenceRate: 2000 })).toThrow(
      'the reference rate (2000/s) ≤ the start rate (1000/s) ≤ the max rate (64000/s) must hold',
    );
  });
});

describe('one step', () => {
  /**
   * runStep over runs whose verdicts are given, one per run, with how many runs each judgement pooled; `steal`
   * gives each run's stolen share (none: 0), and a quiet host reruns from 10 %, at most twice per counted run.
   */
  const stepThrough = async (verdicts: boolean[], reference: boolean, steal: number[] = []) => {
    const seen: { run: number; pooled: number; replaced: string | null }[] = [];
    let waits = 0;
    const quiet: QuietHost<number> = {
      stolen: (run) => steal[run] ?? 0,
      share: 0.1,
      reruns: 2,
      waitQuiet: async () => ({ waitedS: ++waits, stealShare: 0.02, quiet: true }),
    };
    let n = 0;
    const final = await runStep(
      async () => n++,
      (run, earlier) => ({ sustainable: verdicts[run]!, pooled: earlier.length + 1 }),
      reference,
      2,
      (run, j, replaced) =>
        seen.push({
          run,
          pooled: j.pooled,
          replaced:
            replaced === null ? null : replaced.by === 'pooled' ? 'pooled' : `stolen ${replaced.stealShare}`,
        }),
      quiet,
    );
    return { final, seen, waits };
  };

  it('a step is one run; the low-load reference runs twice, pooled, unless its first run fails', async () => {
    expect((await stepThrough([false], false)).seen).toEqual([{ run: 0, pooled: 1, replaced: null }]);
    expect((await stepThrough([true, true], true)).seen).toEqual([
      { run: 0, pooled: 1, replaced: 'pooled' },
      { run: 1, pooled: 2, replaced: null },
    ]);
    expect((await stepThrough([false], true)).seen).toHaveLength(1);
  });

  it('a stolen run is listed, pools into nothing and is run again after a wait, at most twice per counted run', async () => {
    // The reference's second run was stolen from (19 %): listed with the first pooled, then replaced by run 2,
    // which pools with run 0 alone.
    const ref = await stepThrough([true, false, true], true, [0.03, 0.19, 0.02]);
    expect(ref.seen).toEqual([
      { run: 0, pooled: 1, replaced: 'pooled' },
      { run: 1, pooled: 2, replaced: 'stolen 0.19' },
      { run: 2, pooled: 2, replaced: null },
    ]);
    expect(ref.final.sustainable).toBe(true);
    expect(ref.waits).toBe(1);
    // Stolen three times: the third run counts whatever it read.
    const stormy = await stepThrough([false, false, true], false, [0.3, 0.25, 0.2]);
    expect(stormy.seen.map((s) => s.replaced)).toEqual(['stolen 0.3', 'stolen 0.25', null]);
    expect(stormy.final.sustainable).toBe(true);
    // Just under the share, or not read (NaN): counted.
    expect((await stepThrough([true], false, [0.099])).seen).toHaveLength(1);
    expect((await stepThrough([true], false, [Number.NaN])).seen).toHaveLength(1);
  });

  it('without a quiet host, one run counts whatever it read', async () => {
    let n = 0;
    const stolen: number[] = [];
    const run = await quietRun(
      async () => n++,
      undefined,
      (r) => stolen.push(r),
    );
    expect(run).toBe(0);
    expect(stolen).toEqual([]);
  });
});
