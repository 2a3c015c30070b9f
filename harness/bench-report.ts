/**
 * What a bench result is (bench.json, schema faultline/bench@2) and what it says: the limits measured in the
 * same bench (the harness alone, the parallel passthrough), the ratios to them, the issue-22 goals judged as
 * measured, and bench.md. Pure: the runs are harness/bench.ts's.
 */
import { wallClockStepText } from '../core/clock.ts';
import { median } from '../core/stats.ts';
import type { Guarantee } from '../core/types.ts';
import type { RateTally, SearchOutcome } from './bench-search.ts';
import { type CpuAccount, stealText } from './cpu-account.ts';
import { type CrossingFit, fitCrossing, fitText } from './crossing-fit.ts';
import { HARNESS_PIPE } from './harness-pipe.ts';
import {
  CPU_LOOP_ROUNDS,
  CPU_LOOP_STEPS,
  type MachineSample,
  type MachineSpeed,
  machineDifferences,
  RING_PROCESSES,
  sampleOf,
  sampleText,
} from './machine-speed.ts';
import { type LowLoad, latencyVerdict, type StepJudgement, type SustainableRule } from './sustainable.ts';

/** @3: the sustainable rate is the ½ crossing over repeated runs of a grid of rates, with its band (bench-search.ts);
 *  @2 was one search's bracket, its winner repeated and its close calls rerun. */
export const BENCH_SCHEMA = 'faultline/bench@3';

/** A figure over the repeats: its median, range and every value. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export function spreadOf(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { median: r(median(s)!), min: r(s[0]!), max: r(s.at(-1)!), values: [...values] };
}

export interface BenchStep {
  rate: number;
  judgement: StepJudgement;
  runDir: string;
  /** Where the CPU went over the step's measured seconds (absent: not measured). */
  cpu?: CpuAccount;
  /** Not a verdict: the first low-load run, pooled with the next (in benches before @3 also a close call's runs). */
  rerun?: true;
  /** Not a verdict: a low-load run with the machine saturated, whose search started again at half its rate (benches
   *  from 7850088 until the reference rate was fixed). */
  saturated?: true;
  /** How far the wall clock stepped during the run (summary.json `wallClockStepMs`; absent: no step). */
  wallClockStepMs?: number;
  /** Not a verdict (`rerun` too): stolen from, and run again once the host was quiet (bench.ts QUIET_HOST). */
  stolen?: StolenRun;
}

/** A run stolen from (bench.ts QUIET_HOST): the share of the machine's time the hypervisor took in it, then the wait
 *  before the run that replaced it, and the last probe's steal share in it (NaN: not read), quiet or given up. */
export interface StolenRun {
  share: number;
  waitedS: number;
  probeShare: number;
  quiet: boolean;
}

export interface LatencyAtHalf {
  rate: number;
  /** Over the repeats at that rate. */
  p50Ms: Spread;
  p99Ms: Spread;
  p999Ms: Spread;
  maxMs: Spread;
  /** The summary's split: generator + Kafka + source fetch / source read → sink write / sink write → read. */
  inputMs: { p50: Spread; p99: Spread };
  processingMs: { p50: Spread; p99: Spread };
  deliveryMs: { p50: Spread; p99: Spread };
  /** The machine's busy share (%) and the engine's cores over the measured seconds (harness/cpu-account.ts). */
  cpuBusyPct?: Spread;
  /** The share of it the hypervisor took (steal, %): absent where not read. */
  cpuStealPct?: Spread;
  engineCores?: Spread;
  runDirs: string[];
  /** Runs stolen from and run again, not among the figures (absent: none, or a bench before they were). */
  stolen?: (StolenRun & { runDir: string })[];
}

export type BenchRole = 'harness-only' | 'parallel-passthrough' | 'engine';

export interface BenchEntry {
  /** The spec as given: `barrier-snapshot:guarantee=exactly-once`, `passthrough:instances=2`, `harness-pipe`. */
  engine: string;
  role: BenchRole;
  workload: string;
  guarantee: Guarantee;
  /** The engine's options as the first step resolved them (defaults filled in). */
  resolvedOptions: Record<string, unknown>;
  /** The machine sampled before the entry's first step (absent in benches from before it was). */
  machine?: MachineSample;
  /** Warm-ups of its steps and of its runs at 50 %, where they differ from the settings' (a JVM engine's). */
  warmupS?: number;
  halfWarmupS?: number;
  /** Later-half p50 and p99 (ms) at the first step: the low-load reference of the bounds. */
  lowLoad: LowLoad | null;
  /** Whether the engine's consumer lag was read from Kafka (it commits offsets there) or only the backlog. */
  consumerLagRead: boolean;
  /** The ½ crossing (bench-search.ts): at this rate and every tested rate below it, at least half the runs passed. */
  sustainablePerS: number;
  /** The lowest tested rate above it, where under half the runs passed: the rate is in [sustainablePerS, failedAtPerS). */
  failedAtPerS: number | null;
  /** Runs at the sustainable rate and how many passed. */
  runsAtWinner: number;
  passedAtWinner: number;
  /** The interval over repeats: every run passed up to allPassedPerS, every run failed at allFailedPerS (absent
   *  in benches before @3). */
  band?: SearchOutcome['band'];
  /** Runs and passes per tested rate, rising (absent in benches before @3). */
  tally?: RateTally[];
  /**
   * The ½ crossing fitted to every run from the start rate up, with its 95 % interval (crossing-fit.ts); null
   * without both a pass and a failure there. Absent in benches before it (`entryFit` fits their tally).
   */
  fit?: CrossingFit | null;
  steps: BenchStep[];
  atHalf: LatencyAtHalf | null;
  /** sustainablePerS / the parallel passthrough's (same workload), and / the single passthrough's. */
  ratioToParallel: number | null;
  ratioToPassthrough: number | null;
  /** The bench was interrupted during this entry (BenchResult.interrupted says where): left out of the goals. */
  interrupted?: true;
}

export interface BenchGoal {
  workload: string;
  goal: string;
  engine: string;
  measured: string;
  /** On the medians of the runs; null: not measured (a figure it needs is missing). */
  met: boolean | null;
  /**
   * Why the figures cannot decide the goal although the medians (or the grid) do: a latency goal whose runs,
   * paired one by one, disagree; a ratio goal whose fitted interval holds the goal's ratio.
   */
  undecided?: string;
}

/**
 * A latency goal (`value ≤ bound(base)`) over runs: the verdict on the medians, and whether every pairing of one
 * run of each agrees with it. With two runs a side, p99 at 50 % has read 40.4 and 176.6 ms for one entry (`06a`):
 * the medians then decide a goal that either run alone would decide the other way.
 */
export function spreadVerdict(
  value: Spread,
  base: Spread,
  bound: (base: number) => number,
): Pick<BenchGoal, 'met' | 'undecided'> {
  const met = value.median <= bound(base.median);
  let metPairs = 0;
  for (const v of value.values) for (const b of base.values) if (v <= bound(b)) metPairs++;
  const pairs = value.values.length * base.values.length;
  if (metPairs === (met ? pairs : 0)) return { met };
  return {
    met,
    undecided: `met in ${metPairs} of ${pairs} pairs of runs (runs ${value.min}–${value.max} ms vs bounds ${round1(bound(base.min))}–${round1(bound(base.max))} ms); on the medians ${verdictWord(met)}`,
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const verdictWord = (met: boolean) => (met ? 'met' : 'NOT met');

/** The verdict column: met / NOT met / not measured, or undecided (with why) when the figures cannot decide. */
export function goalVerdictText(g: Pick<BenchGoal, 'met' | 'undecided'>): string {
  if (g.met === null) return 'not measured';
  return g.undecided ? `undecided: ${g.undecided}` : verdictWord(g.met);
}

/**
 * The ratio goal's doubt: the interval of the ratio of the two fitted crossings (as `fittedRatioText` gives it)
 * holds the goal's ratio; undefined when it does not, or when either fit is missing or open.
 */
export function ratioDoubt(
  entry: CrossingFit | null | undefined,
  base: CrossingFit | null | undefined,
  goal: number,
): string | undefined {
  if (!entry || !base || entry.lowPerS === null || entry.highPerS === null) return undefined;
  if (base.lowPerS === null || base.highPerS === null) return undefined;
  const [low, high] = [entry.lowPerS / base.highPerS, entry.highPerS / base.lowPerS];
  if (low >= goal || high < goal) return undefined;
  return `the fitted ratio's interval [${Math.round(low * 100) / 100}–${Math.round(high * 100) / 100}] holds ${goal}`;
}

/** `ratioDoubt` with the grid's verdict after it, as the verdict column prints it. */
function ratioUndecided(e: BenchEntry, base: BenchEntry, goal: number): string | undefined {
  const doubt = ratioDoubt(e.fit, base.fit, goal);
  return doubt && `${doubt}; on the grid ${verdictWord((e.ratioToParallel ?? 0) >= goal)}`;
}

export interface BenchResult {
  schema: typeof BENCH_SCHEMA;
  startedAt: string;
  /** Absent in benches from before it was kept (their startedAt was the time they finished). */
  finishedAt?: string;
  /**
   * The commit checked out when the bench started (`-dirty`: with uncommitted changes); absent in benches from before
   * it was kept. Before 2026-12-05 it was read when the bench finished.
   */
  gitSha?: string;
  /**
   * The commit checked out when it finished, where that differs: the tree changed while the bench ran, and each run's
   * worker processes load it as they start, so later runs may have run other code.
   */
  gitShaAtEnd?: string;
  dir: string;
  settings: {
    stepS: number;
    warmupS: number;
    /** Absent in benches from before the runs at 50 % warmed up longer (they used warmupS). */
    halfWarmupS?: number;
    startRate: number;
    /** The low-load reference's rate, every entry's first step (absent before it was fixed: the start rate, halved
     *  where the machine was saturated in it if `rule.lowLoadHalvings` is there). */
    referenceRate?: number;
    maxRate: number;
    /** Bisections after the doubling (benches before @3, whose search was not on a grid). */
    bisections?: number;
    /** Runs of each rate in the band (before @3: of the winning step, and of the run at 50 %). */
    repeats: number;
    /** Runs at 50 % (absent before @3: `repeats`). */
    halfRuns?: number;
    /** Seconds of the harness alone before the first step (0: none; absent in benches before it: none). */
    brokerWarmupS?: number;
    rule: SustainableRule;
    /** The quiet host asked for (bench.ts QUIET_HOST); absent in benches before it: every run counted. */
    quietHost?: {
      stealShare: number;
      reruns: number;
      waitS: number;
      probeS: number;
      /** The low-load reference's stricter quiet host (bench.ts REFERENCE_QUIET); absent in benches before it. */
      reference?: { stealShare: number; reruns: number; minWaitS: number };
    };
    /** The entries took turns, run by run (BenchOptions.interleave). */
    interleave?: boolean;
  };
  /** The parallel passthrough's spec (the ratios' baseline), e.g. `passthrough:instances=2`; null if not run. */
  parallelBaseline: string | null;
  /**
   * Ctrl-C during this entry (`runDir`: the run cut short, not judged; null if none had started), or a run of it
   * that failed (`failure`, its error; `runDir`: its folder): the entries after it did not run and the goals leave
   * it out.
   */
  interrupted?: {
    entry: string;
    workload: string;
    /** In the search (the bracket is unconfirmed) or in the runs at 50 % (the bracket stands, the latency is partial). */
    phase: 'search' | 'latency at 50 %';
    runDir: string | null;
    /** The failed run's error; absent after Ctrl-C. */
    failure?: string;
  };
  /** The harness alone, unjudged, before the first step (bench.ts brokerWarmupS): Kafka's cores in it. */
  brokerWarmup?: { rate: number; seconds: number; runDir: string; kafkaCores: number | null };
  /** How fast the machine was before the first step and after the last (absent in benches before it was timed). */
  machine?: MachineSpeed;
  entries: BenchEntry[];
  goals: BenchGoal[];
}

/** A ratio as bench.json keeps it: three decimals. */
export const round3 = (x: number) => Math.round(x * 1000) / 1000;

function codeLine(atStart: string, atEnd: string | undefined): string {
  if (!atEnd) return `Code: ${atStart}.`;
  return `Code: ${atStart} when it started, ${atEnd} when it finished: the tree changed while the bench ran, and each run's worker processes load it as they start, so the runs after the change may have run other code.`;
}

/** Fills each entry's ratios from the baselines of its workload. */
export function addRatios(entries: BenchEntry[]): void {
  for (const e of entries) {
    const same = entries.filter((b) => b.workload === e.workload);
    const parallel = same.find((b) => b.role === 'parallel-passthrough');
    const single = same.find((b) => b.engine === 'passthrough');
    e.ratioToParallel =
      parallel && parallel.sustainablePerS > 0 ? round3(e.sustainablePerS / parallel.sustainablePerS) : null;
    e.ratioToPassthrough =
      single && single.sustainablePerS > 0 ? round3(e.sustainablePerS / single.sustainablePerS) : null;
  }
}

const baseName = (spec: string) => spec.split(':')[0]!;

/**
 * `; fitted 0.229× [0.16–0.3]`: the ratio of two fitted crossings, its interval from their intervals' extremes (the
 * entry's low over the baseline's high, and the converse: wider than a joint interval, never narrower); '' without
 * both fits, or where either interval is open.
 */
export function fittedRatioText(
  entry: CrossingFit | null | undefined,
  base: CrossingFit | null | undefined,
): string {
  if (!entry || !base) return '';
  const ratio = round3(entry.ratePerS / base.ratePerS);
  if (entry.lowPerS === null || entry.highPerS === null || base.lowPerS === null || base.highPerS === null)
    return `; fitted ${ratio}×`;
  const [low, high] = [entry.lowPerS / base.highPerS, entry.highPerS / base.lowPerS].map(
    (x) => Math.round(x * 100) / 100,
  );
  return `; fitted ${ratio}× [${low}–${high}]`;
}

/** The issue-22 goals, each as measured and met / not met / not measured. */
export function benchGoals(entries: readonly BenchEntry[]): BenchGoal[] {
  const goals: BenchGoal[] = [];
  for (const workload of [...new Set(entries.map((e) => e.workload))]) {
    const same = entries.filter((e) => e.workload === workload);
    const parallel = same.find((e) => e.role === 'parallel-passthrough');
    const harness = same.find((e) => e.role === 'harness-only');
    const engines = same.filter((e) => e.role === 'engine');
    const add = (
      goal: string,
      engine: string,
      measured: string,
      met: boolean | null,
      undecided?: BenchGoal['undecided'],
    ) => goals.push({ workload, goal, engine, measured, met, ...(undecided ? { undecided } : {}) });
    const baseSpread = parallel?.atHalf?.p99Ms;
    const baseP99 = baseSpread?.median ?? null;
    for (const e of engines.filter((x) => x.guarantee === 'at-least-once')) {
      const goal = '≥ 0.7 × parallel passthrough';
      if (e.ratioToParallel === null) add(goal, e.engine, 'parallel passthrough not measured', null);
      else if (parallel!.failedAtPerS === null)
        add(
          goal,
          e.engine,
          `the parallel passthrough did not fail up to ${parallel!.sustainablePerS}/s: raise --max-rate`,
          null,
        );
      else
        add(
          goal,
          e.engine,
          `${e.ratioToParallel}× (${e.sustainablePerS} / ${parallel!.sustainablePerS} events/s)${fittedRatioText(e.fit, parallel!.fit)}`,
          e.ratioToParallel >= 0.7,
          ratioUndecided(e, parallel!, 0.7),
        );
    }
    for (const e of engines) {
      const name = baseName(e.engine);
      const spread = e.atHalf?.p99Ms;
      const p99 = spread?.median ?? null;
      if ((name === 'ack-tree' || name === 'operator-checkpoint') && e.guarantee === 'at-least-once') {
        const goal = 'p99 at 50 % ≤ 2 × parallel passthrough p99';
        if (p99 === null || baseP99 === null) add(goal, e.engine, 'p99 at 50 % not measured', null);
        else {
          const v = spreadVerdict(spread!, baseSpread!, (b) => 2 * b);
          add(goal, e.engine, `${p99} ms vs 2 × ${baseP99} = ${2 * baseP99} ms`, v.met, v.undecided);
        }
      }
      if (name === 'barrier-snapshot' && e.guarantee === 'exactly-once') {
        const goal = 'p99 at 50 % ≤ checkpoint interval + 2 × parallel passthrough p99';
        const interval = Number(e.resolvedOptions.checkpointIntervalMs);
        if (p99 === null || baseP99 === null || !Number.isFinite(interval))
          add(goal, e.engine, 'p99 at 50 % or the checkpoint interval not measured', null);
        else {
          const v = spreadVerdict(spread!, baseSpread!, (b) => interval + 2 * b);
          add(
            goal,
            e.engine,
            `${p99} ms vs ${interval} + 2 × ${baseP99} = ${interval + 2 * baseP99} ms`,
            v.met,
            v.undecided,
          );
        }
      }
    }
    const others = same.filter((e) => e.role !== 'harness-only');
    const fastest = others.reduce<BenchEntry | null>(
      (a, e) => (a === null || e.sustainablePerS > a.sustainablePerS ? e : a),
      null,
    );
    const goal = 'harness alone ≥ 3 × the fastest engine';
    if (!harness || !fastest) add(goal, HARNESS_PIPE, 'harness pipe or engines not measured', null);
    else if (harness.failedAtPerS === null && harness.sustainablePerS < 3 * fastest.sustainablePerS)
      add(
        goal,
        HARNESS_PIPE,
        `${harness.sustainablePerS}+ (no step up to the max rate failed) vs 3 × ${fastest.sustainablePerS} (${fastest.engine}): raise --max-rate to ${3 * fastest.sustainablePerS}`,
        null,
      );
    else
      add(
        goal,
        HARNESS_PIPE,
        `${harness.sustainablePerS}${harness.failedAtPerS === null ? '+' : ''} vs 3 × ${fastest.sustainablePerS} (${fastest.engine}) = ${3 * fastest.sustainablePerS} events/s`,
        harness.sustainablePerS >= 3 * fastest.sustainablePerS,
      );
  }
  return goals;
}

/** A figure over runs: '-' where none was run, 'unknown' where the runs measured none (summary.json says why). */
const spreadText = (s: Spread | undefined) =>
  s === undefined
    ? '-'
    : s.values.length === 0
      ? 'unknown'
      : s.values.length > 1
        ? `${s.median} [${s.min}–${s.max}]`
        : `${s.median}`;
const pair = (p: { p50: Spread; p99: Spread } | undefined) =>
  p ? `${spreadText(p.p50)} / ${spreadText(p.p99)}` : '-';

/** ` [cpu 96 % (12 % stolen), engine 1.07]`: the machine's busy share (the hypervisor's part of it from 1 %) and
 *  the engine's cores in a step. */
export function cpuText(cpu: CpuAccount | undefined, wallClockStepMs?: number): string {
  const stepped =
    wallClockStepMs === undefined
      ? ''
      : ` [the wall clock stepped ${wallClockStepText(wallClockStepMs)} during it: a paused virtual machine?]`;
  return cpuShareText(cpu) + stepped;
}

function cpuShareText(cpu: CpuAccount | undefined): string {
  if (!cpu || !Number.isFinite(cpu.machineBusy) || !Number.isFinite(cpu.cores.engine)) return '';
  return ` [cpu ${Math.round(cpu.machineBusy * 100)} %${stealText(cpu)}, engine ${cpu.cores.engine.toFixed(2)}]`;
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * What the hypervisor took over the bench's steps (steal, from /proc/stat), in one line: a bench on a machine whose
 * virtual CPUs wait for the host is not on a quiet machine, and its verdicts near the limit vary with that wait.
 */
function stealLines(
  entries: readonly BenchEntry[],
  quietHost: BenchResult['settings']['quietHost'],
): string[] {
  const counted = entries.flatMap((e) => e.steps.filter((st) => !st.stolen));
  const steal = stealShares(counted).map((v) => Math.round(v * 1000) / 10);
  const lines: string[] = [];
  if (steal.length > 0) {
    const s = spreadOf(steal)!;
    lines.push(
      s.max < 1
        ? `Steal: the hypervisor took under 1 % of the machine's CPU in every ${quietHost ? 'counted ' : ''}step (/proc/stat).`
        : `Steal: the hypervisor took ${s.median} % of the machine's CPU in the median ${quietHost ? 'counted ' : ''}step, ${s.min}–${s.max} % over the ${steal.length} steps (/proc/stat)${s.max >= 5 ? ": the machine was not quiet, and a step near the limit passes or fails with the host's load as much as with the engine's" : ''}.`,
    );
  }
  if (quietHost) {
    const stolen = entries.flatMap((e) => [
      ...e.steps.flatMap((st) => (st.stolen ? [st.stolen] : [])),
      ...(e.atHalf?.stolen ?? []),
    ]);
    // Tenths: a threshold given as 0.5 % reads as such, not as 1 %.
    const tenths = (x: number) => Math.round(x * 1000) / 10;
    const gaveUp = stolen.filter((r) => !r.quiet).length;
    const stillStolen = steal.filter((v) => v >= quietHost.stealShare * 100).length;
    lines.push(
      `Quiet host: a run with ${tenths(quietHost.stealShare)} % or more of the machine's time stolen is not counted; it is run again once a ${quietHost.probeS} s probe with every CPU busy reads less (waiting up to ${quietHost.waitS} s), at most ${quietHost.reruns}× per counted run, the last counted whatever it read.${
        quietHost.reference
          ? ` The low-load reference asks more (every bound of its entry is a multiple of it): from ${tenths(quietHost.reference.stealShare)} % stolen, at most ${quietHost.reference.reruns}×, each after at least ${quietHost.reference.minWaitS} s.`
          : ''
      } ${
        stolen.length === 0
          ? 'No run was stolen from so.'
          : `${stolen.length} run${stolen.length === 1 ? ' was' : 's were'} run again (⌁ below; ${tenths(Math.min(...stolen.map((r) => r.share)))}–${tenths(Math.max(...stolen.map((r) => r.share)))} % stolen), after waits of ${spreadText(spreadOf(stolen.map((r) => r.waitedS)) ?? undefined)} s (median [min–max]; ${stolen.reduce((a, r) => a + r.waitedS, 0)} s in all)${gaveUp > 0 ? `; ${gaveUp} wait${gaveUp === 1 ? '' : 's'} gave up with the host still stolen from` : ''}.`
      }${stillStolen > 0 ? ` ${stillStolen} counted step${stillStolen === 1 ? '' : 's'} still read ${tenths(quietHost.stealShare)} % or more.` : ''}`,
    );
  }
  return lines;
}

/** Whether a step is a verdict of the search: not a low-load run replaced by the next, nor one on a saturated machine. */
export function isVerdict(step: BenchStep): boolean {
  return !step.rerun && !step.saturated;
}

/**
 * The least busy share of the machine over the steps, not counting steal (the hypervisor's share says how loaded the
 * host is, not what ran here); null when none was measured.
 */
export function leastBusy(steps: readonly BenchStep[]): number | null {
  const busy = steps
    .map((st) => (st.cpu ? st.cpu.machineBusy - (st.cpu.machineSteal ?? 0) : Number.NaN))
    .filter(isFiniteNumber);
  return busy.length === 0 ? null : Math.min(...busy);
}

/** An entry's low-load reference: its rate, its figures, and the least busy share of the machine in its runs. */
export interface LowLoadReference extends LowLoad {
  rate: number;
  /** Steal not counted; null: not measured. */
  busy: number | null;
  /** The most of the machine's time stolen in a counted run of it (0..1); null or absent: not measured. */
  steal?: number | null;
  /** Its runs stolen from and run again (not counted). */
  stolenRuns?: number;
  /** The latency bounds the bench set from it (its steps' `latencyBoundMs`); absent: no step judged on them. */
  boundsMs?: { p50: number; p99: number };
}

/** The latency part of the rule a bench applied (benches before `p99AddedMaxMs` bounded the p99 as the p50). */
function latencyRuleText(r: SustainableRule): string {
  const p50 = `${r.latencyFactor} × the low-load step's + ${r.latencySlackMs} ms and at most ${r.latencyAddedCapMs} ms above it`;
  return r.p99AddedMaxMs === undefined
    ? `p50 and p99 under ${p50}`
    : `p50 under ${p50}, p99 at most ${r.p99AddedMaxMs} ms above the low-load step's (bounded, not tight: a tail a few ms longer on a busy machine is not a queue)`;
}

/** The low-load reference of an entry (its leading verdict steps at one rate); null when it has none. */
export function lowLoadReference(e: Pick<BenchEntry, 'steps' | 'lowLoad'>): LowLoadReference | null {
  const from = e.steps.findIndex((st) => !st.saturated);
  const first = e.steps[from];
  if (!first || !e.lowLoad) return null;
  const end = e.steps.findIndex((st, i) => i > from && st.rate !== first.rate);
  const runs = e.steps.slice(from, end === -1 ? undefined : end);
  const counted = runs.filter((st) => !st.stolen);
  const boundsMs = e.steps.find((st) => st.judgement.latencyBoundMs)?.judgement.latencyBoundMs;
  return {
    ...e.lowLoad,
    rate: first.rate,
    busy: leastBusy(counted),
    steal: mostStolen(counted),
    stolenRuns: runs.length - counted.length,
    ...(boundsMs ? { boundsMs } : {}),
  };
}

/** The share of the machine's time stolen in each step that measured it (/proc/stat). */
function stealShares(steps: readonly BenchStep[]): number[] {
  return steps.map((st) => st.cpu?.machineSteal).filter(isFiniteNumber);
}

/** The most of the machine's time stolen in any of the steps; null when none was measured. */
function mostStolen(steps: readonly BenchStep[]): number | null {
  const steal = stealShares(steps);
  return steal.length === 0 ? null : Math.max(...steal);
}

const pct = (share: number | null) => (share === null ? 'unmeasured' : `${Math.round(share * 100)} %`);

/** `machine 99 % busy`, or `machine unmeasured` (steal not counted). */
const machineText = (busy: number | null) => `machine ${pct(busy)}${busy === null ? '' : ' busy'}`;

/** `1000/s (p50/p99 42.2/122.3 ms, machine 99 % busy)`, steal not counted; `, 19 % stolen` from 1 % of it. */
export function lowLoadText(r: LowLoadReference): string {
  const stolen = r.steal != null && r.steal >= 0.01 ? `, ${Math.round(r.steal * 100)} % stolen` : '';
  return `${r.rate}/s (p50/p99 ${r.p50Ms.toFixed(1)}/${r.p99Ms.toFixed(1)} ms, ${machineText(r.busy)}${stolen})`;
}

/** From this share of the machine's time stolen in a counted run of a low-load reference, bench.md says so (from the
 *  bench's own reference share where a bench asked less, `--steal-rerun`); bench.ts runs such a reference again
 *  (REFERENCE_QUIET). */
export const LOW_LOAD_STEAL_WARNING = 0.05;

/** From this busy share (steal not counted) a low-load reference may already hold a queue: bench.md says so. */
export const LOW_LOAD_BUSY_WARNING = 0.9;

/**
 * Every entry's low-load reference in one line (every later bound of the entry is a multiple of it), then a line per
 * entry whose reference had the machine busy from LOW_LOAD_BUSY_WARNING (steal not counted): its latency may already
 * hold a queue, and its bounds are then looser than the rule means. In benches that halved a saturated reference
 * (`saturated` steps), a line per entry says where it moved.
 */
function lowLoadLines(
  entries: readonly BenchEntry[],
  pooledRuns: number,
  quietHost: BenchResult['settings']['quietHost'],
): string[] {
  const refs = entries.flatMap((e) => {
    const ref = lowLoadReference(e);
    return ref ? [{ e, ref }] : [];
  });
  if (refs.length === 0) return [];
  const lines = [
    `Low-load references (each entry's first step, ${pooledRuns} runs pooled; later-half p50/p99; the machine's least busy share in them, steal not counted): ${refs.map(({ e, ref }) => `${e.engine}/${e.workload} ${lowLoadText(ref)}`).join('; ')}.`,
  ];
  for (const { e, ref } of refs) {
    const moved = [...new Set(e.steps.filter((st) => st.saturated).map((st) => st.rate))].map(
      (rate) =>
        `${rate}/s (${pct(leastBusy(e.steps.filter((st) => st.saturated && st.rate === rate)))} busy)`,
    );
    if (moved.length > 0)
      lines.push(
        `Low load moved for ${e.engine}/${e.workload} to ${ref.rate}/s: in its low-load steps at ${moved.join(', ')} the machine was saturated, so the search started again at half the rate each time (the rule of that bench).`,
      );
    if (
      ref.steal != null &&
      ref.steal >= Math.min(quietHost?.reference?.stealShare ?? 1, LOW_LOAD_STEAL_WARNING)
    )
      lines.push(
        `Low load measured on a stolen host for ${e.engine}/${e.workload}: a counted run of its reference read ${Math.round(ref.steal * 100)} % of the machine's time stolen${ref.stolenRuns ? `, still after ${ref.stolenRuns} run${ref.stolenRuns === 1 ? '' : 's'} stolen from and run again` : ''}, so its figures (and every bound of the entry, a multiple of them) are the neighbour's as much as the engine's.`,
      );
    if (ref.busy !== null && ref.busy >= LOW_LOAD_BUSY_WARNING)
      lines.push(
        `Low load may not be low for ${e.engine}/${e.workload}: the machine was ${pct(ref.busy)} busy or more in every run at ${ref.rate}/s (steal not counted), so its latency there may already hold a queue and the bounds set from it be looser than the rule means; \`--reference-rate\` sets a lower one.`,
      );
  }
  return lines;
}

/** Which engines ran with their links through Toxiproxy (a bench runs them direct, as the baselines). */
function linksLine(entries: readonly BenchEntry[]): string {
  const proxied = entries.filter((e) => e.resolvedOptions.proxied === true).map((e) => e.engine);
  return proxied.length === 0
    ? 'Links: every engine direct (no Toxiproxy hop), as the baselines; `:proxied=true` on a spec routes its links through Toxiproxy.'
    : `Links: direct (no Toxiproxy hop), as the baselines, except through Toxiproxy: ${proxied.join(', ')}.`;
}

export function formatBench(result: BenchResult): string {
  const base = result.parallelBaseline;
  const lines = [
    `Sustainable: the run's guarantee held (its checker found nothing lost, duplicated or wrong that the guarantee forbids), backlog (produced − delivered) bounded, ${latencyRuleText(result.settings.rule)}, over ${result.settings.stepS} s measured after ${result.settings.warmupS} s warm-up. ${searchText(result.settings)}`,
    `Latency at 50 %: ${result.settings.halfRuns ?? result.settings.repeats} runs at half the sustainable rate, ${result.settings.stepS} s measured after ${result.settings.halfWarmupS ?? result.settings.warmupS} s warm-up (the engines' start-up excluded); each figure is the median [min–max] over the runs; "unknown" where no run measured it (a latency split is unknown where the processes' clocks disagreed: the runs' summary.json say so in latencySplitUnknown).`,
    `Ratios: "× ${base ?? 'parallel passthrough'}" to the parallel passthrough (one process per input partition${base ? '' : ': not measured'}), "× passthrough" to the single-process one.`,
    ...(result.interrupted
      ? [
          `**${result.interrupted.failure ? 'Stopped by a failed run' : 'Interrupted'}** during ${result.interrupted.entry}/${result.interrupted.workload}: ${result.interrupted.phase === 'search' ? 'its crossing and band are from the runs so far (its band not repeated to the end, not a result' : 'its search had finished (its bracket stands) but not its runs at 50 % (the latency is from those that finished, if any'}; marked "interrupted" below and left out of the goals) and ${result.settings.interleave ? 'every other entry still running stopped there too (interleaved), each marked "interrupted"' : 'the entries after it did not run'}.${result.interrupted.failure ? ` The run ${result.interrupted.runDir ?? ''} failed: ${result.interrupted.failure}` : result.interrupted.runDir ? ` The run cut short (${result.interrupted.runDir}) is not judged.` : ''}`,
        ]
      : []),
    linksLine(result.entries),
    ...(result.settings.interleave
      ? [
          "Interleaved: every entry's search ran at once, the entries taking turns run by run (round-robin), so a change of the host during the bench reached every entry alike; each entry's steps below are in its own order, and the machine was sampled before the first step and after the last only.",
        ]
      : []),
    ...(result.gitSha ? [codeLine(result.gitSha, result.gitShaAtEnd)] : []),
    ...(result.brokerWarmup
      ? [
          `Broker warm-up: ${result.brokerWarmup.seconds} s of the harness alone at ${result.brokerWarmup.rate}/s before the first step, not judged (a fresh broker's JIT would land in the first entry's low-load reference); Kafka used ${result.brokerWarmup.kafkaCores ?? 'unknown'} cores in it.`,
        ]
      : []),
    ...warmupLines(result.entries),
    ...stealLines(result.entries, result.settings.quietHost),
    ...lowLoadLines(result.entries, result.settings.rule.lowLoadRuns, result.settings.quietHost),
    ...machineLines(result.machine),
    '',
    `| engine | guarantee | workload | sustainable events/s [½ passed–under ½) | band [all passed–all failed) | runs passed per rate | fitted ½ crossing [95 %] | × ${base ?? 'parallel passthrough'} | × passthrough | lag from Kafka | rate at 50 % | p50 ms | p99 ms | input p50 / p99 | processing p50 / p99 | delivery p50 / p99 | machine CPU busy % | engine cores |`,
    '| --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const e of result.entries) {
    const h = e.atHalf;
    const bracket = `${e.sustainablePerS} [${e.sustainablePerS}–${e.failedAtPerS ?? `>${result.settings.maxRate}`})`;
    lines.push(
      `| ${e.engine}${e.role === 'harness-only' ? ' (harness alone)' : ''}${e.interrupted ? ' (interrupted)' : ''} | ${e.guarantee} | ${e.workload} | ${bracket} | ${bandText(e, result.settings.maxRate)} | ${tallyText(e)} | ${entryFitText(e, result.settings.startRate)} | ${e.ratioToParallel ?? '-'} | ${e.ratioToPassthrough ?? '-'} | ${e.consumerLagRead ? 'yes' : 'no (not committed)'} | ${h?.rate ?? '-'} | ${spreadText(h?.p50Ms)} | ${spreadText(h?.p99Ms)} | ${pair(h?.inputMs)} | ${pair(h?.processingMs)} | ${pair(h?.deliveryMs)} | ${spreadText(h?.cpuBusyPct)}${h?.cpuStealPct && h.cpuStealPct.max >= 1 ? ` (stolen ${spreadText(h.cpuStealPct)})` : ''} | ${spreadText(h?.engineCores)} |`,
    );
  }
  lines.push('', 'Goals (issue 22), as measured:', '', '| workload | goal | engine | measured | verdict |');
  lines.push('| --- | --- | --- | --- | --- |');
  for (const g of result.goals)
    lines.push(`| ${g.workload} | ${g.goal} | ${g.engine} | ${g.measured} | ${goalVerdictText(g)} |`);
  for (const g of result.goals.filter((x) => x.engine === HARNESS_PIPE && x.met === false))
    lines.push(
      '',
      `The harness is the limit (${g.workload}): the harness alone is not 3 × the fastest engine.`,
    );
  lines.push(
    '',
    `Steps, in the order run (rate → verdict; ↻ the first low-load run, pooled with the next${result.entries.some((e) => e.steps.some((st) => st.saturated)) ? '; ⇣ a low-load run on a saturated machine, replaced by one at half the rate' : ''}${result.entries.some((e) => e.steps.some((st) => st.stolen)) ? '; ⌁ a run stolen from, not counted, run again' : ''}):`,
  );
  for (const e of result.entries) {
    lines.push(
      `- ${e.engine}/${e.workload}${e.machine && !result.settings.interleave ? ` (machine before it: ${sampleText(e.machine)})` : ''}: ${e.steps.map(stepText).join(', ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function stepText(s: BenchStep): string {
  const j = s.judgement;
  const verdict = s.saturated
    ? `⇣ (${j.reason})`
    : s.stolen
      ? `⌁ (${stolenText(s.stolen)})`
      : s.rerun
        ? `↻ (${j.reason})`
        : j.sustainable
          ? '✓'
          : `✗ (${j.reason})`;
  const pooledVerdict = isVerdict(s) && (j.pooledRuns ?? 1) > 1 && j.sustainable ? latencyVerdict(j) : null;
  const pooled = pooledVerdict ? ` (${pooledVerdict.text})` : '';
  return `${s.rate} ${verdict}${pooled}${cpuText(s.cpu, s.wallClockStepMs)}`;
}

/** `19 % stolen; run again after 4 s (probe 2 %)`, or `…after 60 s, the host still 14 % stolen`. */
function stolenText(r: StolenRun): string {
  const probe = Number.isFinite(r.probeShare) ? `${Math.round(r.probeShare * 100)} %` : 'not read';
  return `${Math.round(r.share * 100)} % stolen; run again after ${r.waitedS} s${r.quiet ? ` (probe ${probe})` : `, the host still ${probe} stolen`}`;
}

/** How the search placed the sustainable rate, as the settings say (a bench before @3 searched otherwise). */
function searchText(settings: BenchResult['settings']): string {
  if (settings.bisections !== undefined)
    return `The search doubled, bisected ${settings.bisections}× and repeated the winner ${settings.repeats}× in all (a bench before the band was measured). [a–b): passed at a, failed at b.`;
  return `The search climbs a grid of rates (E12: ~1.2 × apart), bisects to two neighbours, then runs each rate of the band where verdicts turn ${settings.repeats}× in rounds (every rate once per round, rising), widening it until its lowest rate passed every run and its highest failed every run. Sustainable is the ½ crossing: at it and at every tested rate below it, at least half the runs passed; [a–b): b is the next tested rate, where under half passed. The band [all passed–all failed) is its interval over repeats. The fitted ½ crossing reads every run from the start rate up as a draw of a pass probability falling with the rate (logistic in the log rate, maximum likelihood) and gives the rate passed half the time with its 95 % interval (profile likelihood): how far the runs themselves let the figure move; two benches whose intervals are apart did not measure the same thing (the host or its drift, the code, or the bounds each set from its own low-load reference). The low-load reference pools ${settings.rule.lowLoadRuns} runs${referenceText(settings)}.`;
}

/** Where the low-load reference ran, as the bench's settings say. */
function referenceText(settings: BenchResult['settings']): string {
  const { referenceRate, startRate, rule } = settings;
  if (referenceRate !== undefined)
    return referenceRate < startRate
      ? ` at ${referenceRate}/s for every entry, the grid's first rate; the climb goes from it to ${startRate}/s, then on`
      : ` at the start rate, ${startRate}/s, for every entry`;
  return rule.lowLoadHalvings === undefined || rule.lowLoadBusyMax === undefined
    ? ` at the start rate, ${startRate}/s`
    : ` at the start rate, ${startRate}/s; where the machine was ${Math.round(rule.lowLoadBusyMax * 100)} % busy or more in each, it was not low load and the search started again at half the rate, at most ${rule.lowLoadHalvings}×`;
}

/**
 * `[18000–27000)`: every run passed up to the first, every run failed at the second (`-` before @3). Where no rate
 * failed every run, the top says how far the search tested (the band stops widening at 6 rates).
 */
export function bandText(e: Pick<BenchEntry, 'band' | 'tally' | 'failedAtPerS'>, maxRate: number): string {
  if (!e.band) return '-';
  const { allPassedPerS: lo, allFailedPerS: hi } = e.band;
  if (hi !== null) return `[${lo}–${hi})`;
  const tested = Math.max(0, ...(e.tally ?? []).map((t) => t.rate));
  return e.failedAtPerS === null || tested >= maxRate
    ? `[${lo}–>${maxRate})`
    : `[${lo}–?): no rate up to ${tested} failed every run`;
}

/** The entry's fitted crossing: the one it kept, else fitted to its tally (benches before the fit); null: none. */
export function entryFit(e: Pick<BenchEntry, 'fit' | 'tally'>, startRate: number): CrossingFit | null {
  if (e.fit !== undefined) return e.fit;
  return e.tally ? fitCrossing(e.tally, startRate) : null;
}

/** `8513 [6840–11038]` (crossing-fit.ts), or why there is none. */
export function entryFitText(e: Pick<BenchEntry, 'fit' | 'tally'>, startRate: number): string {
  const fit = entryFit(e, startRate);
  if (fit) return fitText(fit);
  if (!e.tally) return '-';
  return e.tally.some((t) => t.rate >= startRate && t.passed < t.runs)
    ? 'none: no run passed'
    : 'none: no run failed';
}

/** `18000 3/3 · 22000 2/3 · 27000 0/3`: the runs of the band's rates (the winner's alone before @3). */
export function tallyText(e: Pick<BenchEntry, 'tally' | 'band' | 'passedAtWinner' | 'runsAtWinner'>): string {
  if (!e.tally || !e.band) return `${e.passedAtWinner}/${e.runsAtWinner} at the winner`;
  const { allPassedPerS: lo, allFailedPerS: hi } = e.band;
  const shown = e.tally.filter((t) => t.rate >= lo && (hi === null || t.rate <= hi));
  return shown.map((t) => `${t.rate} ${t.passed}/${t.runs}`).join(' · ');
}

/** Entries warmed up longer than the settings say (a JVM engine's JIT), one line each. */
function warmupLines(entries: readonly BenchEntry[]): string[] {
  return entries
    .filter((e) => e.warmupS !== undefined)
    .map(
      (e) =>
        `Warm-up: ${e.engine} ${e.warmupS} s before each step and ${e.halfWarmupS} s before each run at 50 % (a JVM compiles its hot paths first; \`--warmup\` sets it for all).`,
    );
}

/** The machine's speed over the bench, and a warning when it changed while the bench ran. */
function machineLines(machine: MachineSpeed | undefined): string[] {
  if (!machine) return [];
  const before = sampleOf(machine, 'before');
  const after = sampleOf(machine, 'after');
  const changed = machineDifferences(before, after, ['before the first step', 'after the last']);
  return [
    `Machine (probes: a CPU loop of ${CPU_LOOP_ROUNDS} × ${CPU_LOOP_STEPS / 1e6} M xorshift steps, dependent random reads over 64 MB, a token round a ring of ${RING_PROCESSES} processes over TCP loopback; medians): before the first step ${sampleText(before)}; after the last ${sampleText(after)}. Each entry's is in its steps line; \`compare\` checks them against another bench's.`,
    ...(changed.length > 0
      ? [
          `The machine changed while the bench ran: ${changed.join('; ')}. Entries measured early and late do not compare; re-run on a quiet machine.`,
        ]
      : []),
  ];
}
