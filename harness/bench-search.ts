/**
 * The bench's search for the sustainable rate, apart from the runs it needs (so it is tested on its own).
 *
 * Near an engine's limit one run's verdict is a draw, not a measurement: on a saturated machine a stall of a few
 * seconds lands in a step's judged half or not, so the same rate passes and fails minutes apart, and the band of
 * rates that do both is wider than a bisection step (bench20a/b: operator-checkpoint 24000/s passed, then failed
 * on a 4 s stall; up to 1.5 × between the highest pass and the lowest failure within one bench). A search that
 * stops at one bracket places it anywhere in that band. So this search measures the band:
 *
 * 1. **Climb** a geometric grid of rates (E12: 1.0, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2 per
 *    decade, each ~1.2 × the last) four grid steps at a time (~2.2 ×), one run each, until one fails.
 * 2. **Bisect** on the grid to two neighbouring rates, the lower passed and the upper failed.
 * 3. **Repeat** each rate of the band `repeats` times in rounds, each round running every rate once in rising
 *    order (so the machine's drift reaches every rate alike); then **widen** the band while its lowest rate
 *    failed any run (one grid step down) or its highest passed any (one step up), and repeat the new rates too.
 *
 * 0. Before all that, the **low-load reference** (the first step, whose latency sets every later bound): where the
 *    machine was saturated in it, its latency already holds a queue, so the search starts again at half the rate,
 *    down to `floorRate` (ack-tree at 1000/s on a slow day: machine 99 % busy, low-load p99 122 ms where 28 ms was
 *    measured at 93 % the day before; 300/s had it 72 % busy).
 *
 * The **sustainable rate** is the ½ crossing: the highest rate at which, and at every tested rate below which, at
 * least half the runs passed. Its **band** is [the highest rate at and below which every run passed – the lowest at
 * which every run failed): the interval over repeats. Two benches agree when their crossings are within one grid
 * step, i.e. their [crossing – next tested rate above) brackets overlap or meet.
 */

/** The E12 series: a geometric grid of ratio 10^(1/12) ≈ 1.21, rounded to two digits. */
const E12 = [1, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2] as const;

export interface SearchSettings {
  startRate: number;
  maxRate: number;
  /** Runs of each rate in the band, in all (the first and its repeats). */
  repeats: number;
  /** Grid steps per climbing step (default 4: ×~2.2). */
  climbSteps?: number;
  /** The most grid rates the band spans before the search stops widening it (default 6: ~2.7 ×). */
  maxBand?: number;
  /** The lowest rate the start may move down to when its low-load reference was not low (default: the start rate). */
  floorRate?: number;
}

/** A step's verdict; the low-load reference may instead answer `lower` (the machine was saturated in it). */
export type Verdict = boolean | 'lower';

/** Runs at one rate and how many passed. */
export interface RateTally {
  rate: number;
  runs: number;
  passed: number;
}

export interface SearchOutcome {
  /** The ½ crossing: the highest rate at which, and at every tested rate below, at least half the runs passed; 0 when
   *  under half passed at the start rate. */
  sustainablePerS: number;
  /** The lowest tested rate above it (where under half the runs passed): the bracket's top; null when none failed. */
  failedAtPerS: number | null;
  /** Runs at the sustainable rate and how many passed. */
  runsAtWinner: number;
  passedAtWinner: number;
  /** The interval over repeats: every run passed at and below `allPassedPerS` (0: not even the start rate), every
   *  run failed at `allFailedPerS` (null: no rate failed every run). */
  band: { allPassedPerS: number; allFailedPerS: number | null };
  /** Every tested rate, rising. */
  tally: RateTally[];
}

/** The grid rates from `startRate` to `maxRate`: both ends, and the E12 rates strictly between them. */
export function rateGrid(startRate: number, maxRate: number): number[] {
  const grid = [startRate];
  for (let decade = 10 ** Math.floor(Math.log10(startRate)); decade <= maxRate; decade *= 10)
    for (const m of E12) {
      const rate = Math.round(m * decade);
      if (rate > startRate && rate < maxRate) grid.push(rate);
    }
  if (maxRate > startRate) grid.push(maxRate);
  return grid;
}

/** The outcome from every verdict reached: `runs` lists each run's rate and whether it passed, in any order. */
export function outcomeOf(runs: readonly { rate: number; ok: boolean }[]): SearchOutcome {
  const byRate = new Map<number, RateTally>();
  for (const { rate, ok } of runs) {
    const t = byRate.get(rate) ?? { rate, runs: 0, passed: 0 };
    t.runs++;
    if (ok) t.passed++;
    byRate.set(rate, t);
  }
  const tally = [...byRate.values()].sort((a, b) => a.rate - b.rate);
  let sustainable: RateTally | null = null;
  let failedAt: number | null = null;
  for (const t of tally) {
    if (2 * t.passed < t.runs) {
      failedAt = t.rate;
      break;
    }
    sustainable = t;
  }
  let allPassed = 0;
  for (const t of tally) {
    if (t.passed < t.runs) break;
    allPassed = t.rate;
  }
  const allFailed = tally.find((t) => t.passed === 0)?.rate ?? null;
  return {
    sustainablePerS: sustainable?.rate ?? 0,
    failedAtPerS: failedAt,
    runsAtWinner: sustainable?.runs ?? 0,
    passedAtWinner: sustainable?.passed ?? 0,
    band: { allPassedPerS: allPassed, allFailedPerS: allFailed },
    tally,
  };
}

/**
 * `judge(rate, canLower)` runs and judges one step; it is called in order, one at a time. Its first call is the
 * low-load reference, with `canLower` true while half the rate is still at or above the floor: it may then answer
 * `'lower'`, and the search starts over at half the rate (the grid from there). No other call may answer it.
 */
export async function searchSustainable(
  judge: (rate: number, canLower: boolean) => Promise<Verdict>,
  o: SearchSettings,
): Promise<SearchOutcome> {
  // 0. The low-load reference, halved while the machine was saturated in it.
  const reference = async (rate: number) => {
    const canLower = Math.round(rate / 2) >= (o.floorRate ?? o.startRate);
    const v = await judge(rate, canLower);
    if (v === 'lower' && !canLower) throw new Error(`the low-load reference at ${rate}/s may not go lower`);
    return v;
  };
  let start = o.startRate;
  let first = await reference(start);
  while (first === 'lower') {
    start = Math.round(start / 2);
    first = await reference(start);
  }
  const grid = rateGrid(start, o.maxRate);
  const top = grid.length - 1;
  const runs: { rate: number; ok: boolean }[] = [{ rate: start, ok: first }];
  const verdicts = (i: number) => runs.filter((r) => r.rate === grid[i]);
  const step = async (i: number) => {
    const ok = await judge(grid[i]!, false);
    if (ok === 'lower')
      throw new Error(`only the low-load reference may answer 'lower', not the step at ${grid[i]}/s`);
    runs.push({ rate: grid[i]!, ok });
    return ok;
  };
  // 1. Climb: one run per rate, climbSteps grid steps at a time, the last step the max rate itself.
  let good = -1;
  let bad: number | null = null;
  for (let i = 0; ; i = Math.min(i + (o.climbSteps ?? 4), top)) {
    if (!(i === 0 ? first : await step(i))) {
      bad = i;
      break;
    }
    good = i;
    if (i === top) break;
  }
  // 2. Bisect on the grid down to neighbours.
  while (bad !== null && good >= 0 && bad - good > 1) {
    const mid = Math.floor((good + bad) / 2);
    if (await step(mid)) good = mid;
    else bad = mid;
  }
  // 3. Repeat the band in rounds, widening it while its ends are not clear.
  let lo = Math.max(good, 0);
  let hi = bad ?? good;
  for (;;) {
    let ran = false;
    for (let i = lo; i <= hi; i++)
      if (verdicts(i).length < o.repeats) {
        await step(i);
        ran = true;
      }
    if (ran) continue;
    const [wasLo, wasHi] = [lo, hi];
    const room = () => hi - lo + 1 < (o.maxBand ?? 6);
    if (lo > 0 && verdicts(lo).some((r) => !r.ok) && room()) lo--;
    if (hi < top && verdicts(hi).some((r) => r.ok) && room()) hi++;
    if (lo === wasLo && hi === wasHi) break;
  }
  return outcomeOf(runs);
}

/**
 * One step of the search: one run, judged on its own, except the low-load reference, which runs `lowLoadRuns`
 * times with each run judged with the earlier ones pooled (every later bound is a multiple of it). `record` sees
 * every run, with `rerun` true for a reference run the next one pools and replaces. Returns the final judgement.
 */
export async function runStep<R, J extends { sustainable: boolean }>(
  runOnce: () => Promise<R>,
  judge: (run: R, earlier: readonly R[]) => J,
  reference: boolean,
  lowLoadRuns: number,
  record: (run: R, judgement: J, rerun: boolean) => void,
): Promise<J> {
  const runs: R[] = [];
  for (;;) {
    const run = await runOnce();
    const judgement = judge(run, runs);
    runs.push(run);
    const again = reference && judgement.sustainable && runs.length < lowLoadRuns;
    record(run, judgement, again);
    if (!again) return judgement;
  }
}
