/**
 * The bench's search for the sustainable rate, apart from the runs it needs (so it is tested on its own):
 * double from the start rate until a step fails (the last step is the max rate itself), bisect between the last pass and the first failure, then
 * repeat the winning step. A winner whose repeat fails was luck: the search goes on below it (between the
 * highest rate that passed below it and it), and confirms the new winner the same way.
 */
import { closeCall, type StepJudgement, SUSTAINABLE_RULE } from './sustainable.ts';

export interface SearchSettings {
  startRate: number;
  maxRate: number;
  bisections: number;
  /** Runs of the winning step in all (1: no confirming repeat). */
  repeats: number;
  /** How many failed confirmations the search goes below before it stops (the last winner is then unconfirmed). */
  maxFallbacks?: number;
}

export interface SearchOutcome {
  /** The highest rate that passed and held its repeats; 0 when even the start rate failed. */
  sustainablePerS: number;
  /** The lowest failing rate above it (the bracket's top); null when no step up to maxRate failed. */
  failedAtPerS: number | null;
  /** Runs at the winning rate (the first and its repeats) and how many passed. */
  runsAtWinner: number;
  passedAtWinner: number;
}

/** `judge(rate)` runs and judges one step; it is called in order, one at a time. */
export async function searchSustainable(
  judge: (rate: number) => Promise<boolean>,
  o: SearchSettings,
): Promise<SearchOutcome> {
  const results: { rate: number; ok: boolean }[] = [];
  const step = async (rate: number) => {
    const ok = await judge(rate);
    results.push({ rate, ok });
    return ok;
  };
  let good = 0;
  let bad: number | null = null;
  // Doubling, and the max rate itself when the next doubling would pass it (64000 → 120000, not stop at 64000).
  for (
    let rate = o.startRate;
    rate <= o.maxRate;
    rate = rate < o.maxRate ? Math.min(2 * rate, o.maxRate) : Infinity
  ) {
    if (await step(rate)) good = rate;
    else {
      bad = rate;
      break;
    }
  }
  const bisect = async (times: number) => {
    for (let i = 0; i < times && bad !== null && good > 0; i++) {
      const mid = Math.round((good + bad) / 2);
      if (mid === good || mid === bad) break;
      if (await step(mid)) good = mid;
      else bad = mid;
    }
  };
  await bisect(o.bisections);
  for (let fallbacks = 0; good > 0; fallbacks++) {
    let held = true;
    for (let i = 1; i < o.repeats && held; i++) held = await step(good);
    if (held || fallbacks >= (o.maxFallbacks ?? 2)) break;
    bad = good;
    const below = results.filter((r) => r.ok && r.rate < good).map((r) => r.rate);
    good = below.length ? Math.max(...below) : 0;
    await bisect(1);
  }
  const atWinner = results.filter((r) => r.rate === good);
  return {
    sustainablePerS: good,
    failedAtPerS: bad,
    runsAtWinner: good > 0 ? atWinner.length : 0,
    passedAtWinner: good > 0 ? atWinner.filter((r) => r.ok).length : 0,
  };
}

/**
 * One step of the search, run until its verdict is final (sustainable.ts, "close calls run again"): the low-load
 * reference runs `lowLoadRuns` times, any later step again while its latency verdict is a close call, up to
 * `closeRuns` runs; each run is judged with the earlier ones pooled. `record` sees every run, with `rerun` true
 * for one whose verdict the next run replaces. Returns the final judgement.
 */
export async function runStep<R>(
  runOnce: () => Promise<R>,
  judge: (run: R, earlier: readonly R[]) => StepJudgement,
  reference: boolean,
  record: (run: R, judgement: StepJudgement, rerun: boolean) => void,
): Promise<StepJudgement> {
  const runs: R[] = [];
  for (;;) {
    const run = await runOnce();
    const judgement = judge(run, runs);
    runs.push(run);
    const again = reference
      ? judgement.sustainable && runs.length < SUSTAINABLE_RULE.lowLoadRuns
      : closeCall(judgement) && runs.length < SUSTAINABLE_RULE.closeRuns;
    record(run, judgement, again);
    if (!again) return judgement;
  }
}
