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
 * 0. Before all that, the **low-load reference** (the first step, whose latency sets every later bound): one fixed
 *    rate for every entry, the grid's first (default 250/s, below the start rate), from which the climb goes
 *    straight to the start rate. A reference that moved with the machine's busy share was a cliff on a noisy
 *    signal: operator-checkpoint's at 1000/s read 88 % busy one day (stayed: sustainable 15000/s) and 96 % another
 *    (moved to 250/s: 8200/s), three grid steps apart for eight points of a share that includes the hypervisor's
 *    steal and that every stack here spends mostly on per-request costs at low rates. A fixed rate judges every
 *    entry and every bench alike.
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
  /** The low-load reference's rate: the grid's first, at most the start rate (default: the start rate). */
  referenceRate?: number;
}

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
  return outcomeOfTally(poolTallies(runs.map(({ rate, ok }) => [{ rate, runs: 1, passed: ok ? 1 : 0 }])));
}

/**
 * Tallies of several searches added rate by rate, rising: the runs of two benches of one commit on one machine
 * pooled, so that the ½ crossing rests on twice the runs where one bench's three land anywhere in a wide band.
 */
export function poolTallies(tallies: readonly (readonly RateTally[])[]): RateTally[] {
  const byRate = new Map<number, RateTally>();
  for (const t of tallies.flat()) {
    const sum = byRate.get(t.rate) ?? { rate: t.rate, runs: 0, passed: 0 };
    sum.runs += t.runs;
    sum.passed += t.passed;
    byRate.set(t.rate, sum);
  }
  return [...byRate.values()].sort((a, b) => a.rate - b.rate);
}

/** The ½ crossing and band of the runs per rate (rising). */
export function outcomeOfTally(tally: RateTally[]): SearchOutcome {
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
 * The grid a search climbs: from the reference rate to the max rate, with the start rate on it (rateGrid's, plus
 * the start where it is not an E12 rate).
 */
export function searchGrid(o: Pick<SearchSettings, 'startRate' | 'maxRate' | 'referenceRate'>): number[] {
  const reference = o.referenceRate ?? o.startRate;
  if (!(reference <= o.startRate && o.startRate <= o.maxRate))
    throw new Error(
      `the reference rate (${reference}/s) ≤ the start rate (${o.startRate}/s) ≤ the max rate (${o.maxRate}/s) must hold`,
    );
  return [...new Set([...rateGrid(reference, o.maxRate), o.startRate])].sort((a, b) => a - b);
}

/**
 * `judge(rate)` runs and judges one step; it is called in order, one at a time. Its first call is the low-load
 * reference (at the grid's first rate).
 */
export async function searchSustainable(
  judge: (rate: number) => Promise<boolean>,
  o: SearchSettings,
): Promise<SearchOutcome> {
  const grid = searchGrid(o);
  const top = grid.length - 1;
  const startAt = grid.indexOf(o.startRate);
  const runs: { rate: number; ok: boolean }[] = [];
  const verdicts = (i: number) => runs.filter((r) => r.rate === grid[i]);
  const step = async (i: number) => {
    const ok = await judge(grid[i]!);
    runs.push({ rate: grid[i]!, ok });
    return ok;
  };
  // 0–1. The reference, then climb: one run per rate, from the reference to the start rate, then climbSteps grid
  // steps at a time, the last step the max rate itself.
  let good = -1;
  let bad: number | null = null;
  for (let i = 0; ; i = i < startAt ? startAt : Math.min(i + (o.climbSteps ?? 4), top)) {
    if (!(await step(i))) {
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
 * A quiet host, as far as the bench can ask for one. On a virtual machine the hypervisor takes CPU time when a
 * neighbour wants it (steal), and a run measured then is the neighbour's figure as much as the engine's: ack-tree's
 * low-load reference at 250/s read p99 35 and 51 ms with 11 and 19 % stolen (bench27a), 26 and 25 ms with 3 and 2 %
 * (bench27b), and every later bound is three times it; the harness alone failed 47000/s three times with 16–32 %
 * stolen and passed it with 1 %. Steal comes in spells of minutes (a third of both benches' runs read ≥ 5 %), so a
 * run stolen from that much is measured again once a probe reads the host quiet, a few times at most; the last
 * one counts whatever it read, and says so.
 */
export interface QuietHost<R> {
  /** The share of the machine's time stolen over the run's measured seconds (NaN: not read, which counts). */
  stolen: (run: R) => number;
  /** A run stolen from this much (0..1) is run again. */
  share: number;
  /** The most runs replaced so per counted run. */
  reruns: number;
  /** Waits until the host reads quiet, or gives up; says how long and what it read last. */
  waitQuiet: () => Promise<QuietWait>;
}

export interface QuietWait {
  waitedS: number;
  /** The steal share the last probe read (NaN: not read). */
  stealShare: number;
  /** Whether the host read quiet before the wait gave up. */
  quiet: boolean;
}

/** Why a listed run is not a verdict: pooled into the next (the low-load reference), or stolen and run again. */
export type Replaced = { by: 'pooled' } | { by: 'stolen'; stealShare: number; wait: QuietWait };

/**
 * One run that counts: `runOnce` again, after `quiet.waitQuiet()`, while the run was stolen from `quiet.share` of
 * the machine or more, at most `quiet.reruns` times; `onStolen` sees each run replaced so. Without `quiet`, one run.
 */
export async function quietRun<R>(
  runOnce: () => Promise<R>,
  quiet: QuietHost<R> | undefined,
  onStolen: (run: R, stealShare: number, wait: QuietWait) => void,
): Promise<R> {
  for (let replaced = 0; ; replaced++) {
    const run = await runOnce();
    const steal = quiet?.stolen(run) ?? Number.NaN;
    if (!quiet || !(steal >= quiet.share) || replaced >= quiet.reruns) return run;
    onStolen(run, steal, await quiet.waitQuiet());
  }
}

/**
 * One step of the search: one run, judged on its own, except the low-load reference, which runs `lowLoadRuns`
 * times with each run judged with the earlier ones pooled (every later bound is a multiple of it). `record` sees
 * every run, with why it is not the verdict where it is not: a reference run the next one pools and replaces, or a
 * stolen run (`quiet`) run again; a stolen run is judged for the record with the counted runs so far pooled, and
 * pools into nothing. Returns the final judgement.
 */
export async function runStep<R, J extends { sustainable: boolean }>(
  runOnce: () => Promise<R>,
  judge: (run: R, earlier: readonly R[]) => J,
  reference: boolean,
  lowLoadRuns: number,
  record: (run: R, judgement: J, replaced: Replaced | null) => void,
  quiet?: QuietHost<R>,
): Promise<J> {
  const runs: R[] = [];
  for (;;) {
    const run = await quietRun(runOnce, quiet, (stolen, stealShare, wait) =>
      record(stolen, judge(stolen, runs), { by: 'stolen', stealShare, wait }),
    );
    const judgement = judge(run, runs);
    runs.push(run);
    const again = reference && judgement.sustainable && runs.length < lowLoadRuns;
    record(run, judgement, again ? { by: 'pooled' } : null);
    if (!again) return judgement;
  }
}
