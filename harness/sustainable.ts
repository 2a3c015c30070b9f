/**
 * Sustainable throughput (ARCHITECTURE.md): the highest rate at which the engine keeps up, judged on one step
 * (one steady run at that rate) from its own per-second series, on two things a skeptic can check:
 *
 * - **Backlog**: what the engine has not delivered yet. The harness knows both sides exactly: the events Kafka
 *   acknowledged to the generator (produced, in the second their request was sent: no record is read before it was
 *   sent) and the first deliveries the collector read, per second; backlog(s)
 *   = Σ produced − Σ first deliveries up to s. Where the engine commits its input offsets to Kafka, its consumer
 *   lag (read from Kafka) is judged the same way. By Little's law a backlog of B events at rate R is B / R seconds
 *   in the system, so the bound is stated in seconds of input: max(1 s, 2 × the low-load p50). A step keeps up
 *   when its backlog shows no upward trend over the later half of the measured seconds (it grew by less than a
 *   quarter of the bound there, by the median of the pairwise slopes, which a commit's saw-tooth does not tilt)
 *   and ends below the bound (mean of the last 3 s, which spans a 1 s checkpoint's or commit's saw-tooth).
 * - **Latency**: the median of the per-second p50s over the later half stays under 3 × the engine's low-load p50
 *   + 50 ms, and at most 250 ms above it (the low load is the bench's first step of the same engine, at one fixed
 *   rate for every entry, its own later-half medians, so a start-up transient does not loosen the bound; the 50 ms
 *   keeps a 10 ms baseline from failing on one GC pause). The 250 ms cap is the queueing delay any engine may add: a
 *   factor alone would let an engine whose low-load p50 is 0.6 s (a 1 s checkpoint's commit wait) queue for
 *   1.3 s more and still "keep up", favouring the slow engines. p50 is the queueing signal: an engine whose p99 is
 *   seconds even at low load (ack-tree's replays) would hide a queue behind a p99 bound alone. A step still catching
 *   up at p50 2–3 s fails here and on the backlog's bound, where the old rule (p50 of the last quarter ≤ 2 × the
 *   first quarter's) passed it. The tail: the median per-second p99 stays at most 250 ms above the low-load one
 *   (the same cap), so a tail that grows by stalls of a quarter second fails while the p50 still keeps up.
 *
 *   **Why the p99 has no factor.** ARCHITECTURE.md defines the sustainable rate as the highest at which latency and
 *   lag stay *bounded*, as Karimov et al. do ("Benchmarking Distributed Stream Data Processing Systems", ICDE 2018:
 *   the highest load handled without prolonged backpressure, i.e. without an ever-growing latency); a tail a few
 *   tens of ms longer on a busy machine is bounded. Until 2026-12-05 the p99 had the p50's bound (3 × low-load + 50
 *   ms: 63–76 ms for the at-least-once engines), and that made the verdicts of those engines a draw over a wide band:
 *   operator-checkpoint at 18000–27000/s kept p50 at 13–20 ms while its per-second p99s ranged 36–230 ms within each
 *   run, their median within ±30 ms of a 72 ms bound, so its runs passed 5/6, 2/6 and 1/3 from 18000 to 27000/s
 *   (docs/benches 2026-12-04e and f); the single passthrough passed about half its runs from 22000 to 33000/s. A
 *   pass rate flat at ½ over three grid steps places the ½ crossing anywhere in them, whatever the repeats: a
 *   simulation of the search on those two benches' pooled pass rates (three repeats: 61 % of bench pairs agree on
 *   the passthrough, 65 % on operator-checkpoint; five repeats: 64 and 68 %) put two benches within one step
 *   barely more often with more runs. Re-judged by this rule from the figures they kept, the day's six benches had mixed
 *   verdicts at 34 of the 153 rates they ran 3 or more times, against 66 as judged. The tail is still measured:
 *   every step prints its p99, and the runs at 50 % report it (the goals).
 *
 * And the load itself: if the generator could not produce 95 % of the rate, the step says so and fails (the
 * harness, not the engine, is the limit there).
 *
 * **One run decides one step; the search repeats the rates that matter.** On a saturated machine a step's
 * later-half p99 varies from run to run by more than its distance to the bound (ack-tree at 4000/s, seven runs:
 * 33–102 ms against bounds of 94–118 ms), and a stall of a few seconds lands in the judged half or not. Rerunning
 * the close calls (benches up to bench20) did not make two benches agree: the rates that both pass and fail span
 * up to 1.5 ×. So a verdict here is one run's, and harness/bench-search.ts runs each rate near the limit several
 * times and reports where half the runs pass. The low-load reference alone is pooled over `lowLoadRuns` runs (each
 * judged on the later halves of all so far), since every later bound is a multiple of it (one 20 s step's p99
 * moved it 94 → 118 ms).
 */
import { median } from '../core/stats.ts';
import type { SecondRow } from './collector.ts';
import type { ConsumerLagSample } from './consumer-lag.ts';

/** The rule's constants, in one place so that bench.md can print them. */
export const SUSTAINABLE_RULE = {
  /** The generator must produce this share of the target rate. */
  producedShare: 0.95,
  /** Backlog bound, seconds of input: at least this... */
  backlogMinS: 1,
  /** ...or this many low-load p50s (Little's law: the low-load time in the system). */
  backlogP50s: 2,
  /** Growth over the later half that counts as an upward trend, as a share of the bound. */
  trendShare: 0.25,
  /** Seconds averaged for the backlog's end value. */
  endSeconds: 3,
  /** The p50's bound: this many low-load p50s plus the slack... */
  latencyFactor: 3,
  latencySlackMs: 50,
  /** ...and at most this much above the low-load p50, whatever the factor allows. */
  latencyAddedCapMs: 250,
  /** The p99's bound: at most this much above the low-load p99 (no factor: the tail must stay bounded, not tight). */
  p99AddedMaxMs: 250,
  /** Runs pooled for the low-load reference. */
  lowLoadRuns: 2,
} as const;

/**
 * The rule as a bench applied it (bench.json `settings.rule`). Benches from 7850088 to the fixed reference rate
 * also kept the busy share from which their search halved the low-load reference, and how often it might; benches
 * before 2026-12-05 have no `p99AddedMaxMs` (their p99 had the p50's bound).
 */
export type SustainableRule = {
  readonly [K in Exclude<keyof typeof SUSTAINABLE_RULE, 'p99AddedMaxMs'>]: number;
} & {
  readonly p99AddedMaxMs?: number;
  readonly lowLoadBusyMax?: number;
  readonly lowLoadHalvings?: number;
};

/** The p50's bound from the low-load p50: min(factor × low + slack, low + cap). */
export function latencyBound(lowMs: number): number {
  const r = SUSTAINABLE_RULE;
  return Math.min(r.latencyFactor * lowMs + r.latencySlackMs, lowMs + r.latencyAddedCapMs);
}

/** A step's latency bounds from the low-load figures: the p50's (`latencyBound`), the p99's low + p99AddedMaxMs. */
export function latencyBounds(low: LowLoad): { p50: number; p99: number } {
  return { p50: latencyBound(low.p50Ms), p99: low.p99Ms + SUSTAINABLE_RULE.p99AddedMaxMs };
}

function latencyBoundText(name: 'p50' | 'p99', lowMs: number): string {
  const r = SUSTAINABLE_RULE;
  if (name === 'p99') return `low-load p99 ${lowMs.toFixed(0)} + ${r.p99AddedMaxMs}`;
  return r.latencyFactor * lowMs + r.latencySlackMs <= lowMs + r.latencyAddedCapMs
    ? `${r.latencyFactor} × low-load p50 ${lowMs.toFixed(0)} + ${r.latencySlackMs}`
    : `low-load p50 ${lowMs.toFixed(0)} + ${r.latencyAddedCapMs} (the cap on added latency)`;
}

export interface StepInput {
  rows: readonly SecondRow[];
  targetRate: number;
  /** The measured seconds: [fromS, toS) since run start (after the warm-up). */
  fromS: number;
  toS: number;
  /** This engine's later-half p50 and p99 (ms) at the bench's low-load step; null when this step is it. */
  lowLoad: LowLoad | null;
  /** Consumer lag read from Kafka; null when the engine commits no offsets there. */
  consumerLag?: readonly ConsumerLagSample[] | null;
  /** How often the engine commits (ms): its Kafka lag trails by up to that much input. */
  commitIntervalMs?: number;
  /** The same step's earlier runs (same rate and seconds): their later halves join this run's in the latency
   *  medians. Their backlog and lag were judged on their own. */
  pooledRows?: readonly (readonly SecondRow[])[];
}

export interface LowLoad {
  p50Ms: number;
  p99Ms: number;
}

export interface QueueJudgement {
  /** Events at the end (mean of the last seconds) and the bound they must stay under. */
  endEvents: number;
  boundEvents: number;
  /** Growth over the later half (the Theil–Sen slope), events per second. */
  slopePerS: number;
  /** Per measured second (null: not read that second). */
  series: (number | null)[];
  ok: boolean;
  reason: string;
}

export interface StepJudgement {
  sustainable: boolean;
  reason: string;
  /** Mean events produced (acknowledged by Kafka) and first deliveries per second over the measured seconds. */
  producedPerS: number;
  deliveredPerS: number;
  backlog: QueueJudgement;
  /** null: the engine commits no offsets to Kafka, so there is no lag to read (not made up). */
  consumerLag: QueueJudgement | null;
  /** Median per-second p50 and p99 (ms) over the later half, and their bounds (null: the low-load step). */
  lateP50Ms: number | null;
  lateP99Ms: number | null;
  latencyBoundMs: { p50: number; p99: number } | null;
  /** The low-load figures the bounds were set from (absent in benches before this field). */
  lowLoadMs?: LowLoad | null;
  /** Runs whose later halves the latency medians pool (1: this run alone). Absent in benches before pooling. */
  pooledRuns?: number;
  /** What a failed step failed on (absent when it passed, and in benches before this field). */
  failedOn?: 'generator' | 'output' | 'backlog' | 'consumer lag' | 'p50' | 'p99' | 'guarantee';
}

const mean = (v: readonly number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);

/**
 * The trend of y per step: the Theil–Sen slope, the median of the slopes between every pair of points (0 for fewer
 * than two). A least-squares line is tilted by where a saw-tooth's teeth fall: an exactly-once engine's backlog
 * steps by up to a checkpoint's worth of input at each commit, and over ten seconds a least-squares fit read
 * +0.26 to +0.39 of the bound on series that stayed level or fell (bench27a/b: seven of their 243 steps failed so, e.g.
 * operator-checkpoint EO at 6800/s sitting at 0.15 s of input with teeth to 0.65 s). The median of the pairwise
 * slopes ignores up to ~29 % of outlying points, and a queue that grows still tilts every pair.
 */
export function slope(y: readonly number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < y.length; i++)
    for (let j = i + 1; j < y.length; j++) slopes.push((y[j]! - y[i]!) / (j - i));
  return median(slopes) ?? 0;
}

/** A queue (backlog or lag) over the measured seconds against its bound. */
export function judgeQueue(
  series: readonly (number | null)[],
  boundEvents: number,
  what: string,
): QueueJudgement {
  const later = series.slice(Math.floor(series.length / 2)).filter((v): v is number => v !== null);
  const known = series.filter((v): v is number => v !== null);
  const endEvents = mean(known.slice(-SUSTAINABLE_RULE.endSeconds));
  const slopePerS = slope(later);
  const base = {
    endEvents: Math.round(endEvents),
    boundEvents: Math.round(boundEvents),
    slopePerS,
    series: [...series],
  };
  // A lag Kafka did not give (no commit yet, a failed read) is not judged rather than guessed.
  if (later.length < 2)
    return { ...base, ok: true, reason: `${what} not read in the later half: not judged` };
  const growth = slopePerS * (later.length - 1);
  if (growth > SUSTAINABLE_RULE.trendShare * boundEvents)
    return {
      ...base,
      ok: false,
      reason: `${what} grows: +${growth.toFixed(0)} events over the later ${later.length} s (> ${SUSTAINABLE_RULE.trendShare} × bound ${boundEvents.toFixed(0)})`,
    };
  if (endEvents > boundEvents)
    return {
      ...base,
      ok: false,
      reason: `${what} ends at ${endEvents.toFixed(0)} events > bound ${boundEvents.toFixed(0)}`,
    };
  return {
    ...base,
    ok: true,
    reason: `${what} bounded (${endEvents.toFixed(0)} ≤ ${boundEvents.toFixed(0)})`,
  };
}

export function judgeStep(input: StepInput): StepJudgement {
  const { rows, targetRate, fromS, toS, lowLoad } = input;
  // Backlog from the run's start: events produced during warm-up and not yet delivered are backlog too.
  const fromStart = measuredSeconds(rows, 0, toS);
  const backlogAt: number[] = [];
  let produced = 0;
  let delivered = 0;
  for (const r of fromStart) {
    produced += r.produced;
    delivered += r.firstDeliveries;
    backlogAt.push(produced - delivered);
  }
  const measured = fromStart.slice(fromS);
  const producedPerS = mean(measured.map((r) => r.produced));
  const deliveredPerS = mean(measured.map((r) => r.firstDeliveries));
  const pooled = input.pooledRows ?? [];
  const later = [measured, ...pooled.map((p) => measuredSeconds(p, fromS, toS))].flatMap((m) =>
    m.slice(Math.floor(m.length / 2)),
  );
  const ms = (v: (number | null)[]) => median(v.filter((x): x is number => x !== null).map((x) => x / 1000));
  const lateP50Ms = ms(later.map((r) => r.p50Us));
  const lateP99Ms = ms(later.map((r) => r.p99Us));
  const pooledRuns = 1 + pooled.length;
  const referenceP50Ms = lowLoad?.p50Ms ?? lateP50Ms ?? 0;
  const boundS = Math.max(
    SUSTAINABLE_RULE.backlogMinS,
    (SUSTAINABLE_RULE.backlogP50s * referenceP50Ms) / 1000,
  );
  const backlog = judgeQueue(backlogAt.slice(fromS), boundS * targetRate, 'backlog');
  let consumerLag: QueueJudgement | null = null;
  if (input.consumerLag) {
    const lagAt = new Map(input.consumerLag.map((l) => [l.second, l.lag]));
    // The lag trails by up to one commit interval of input.
    const lagBound = (boundS + (input.commitIntervalMs ?? 0) / 1000) * targetRate;
    consumerLag = judgeQueue(
      measured.map((r) => lagAt.get(r.second) ?? null),
      lagBound,
      'consumer lag',
    );
  }
  const latencyBoundMs = lowLoad === null ? null : latencyBounds(lowLoad);
  const base = {
    producedPerS,
    deliveredPerS,
    backlog,
    consumerLag,
    lateP50Ms,
    lateP99Ms,
    latencyBoundMs,
    lowLoadMs: lowLoad,
    pooledRuns,
  };
  const fail = (failedOn: StepJudgement['failedOn'], reason: string): StepJudgement => ({
    ...base,
    sustainable: false,
    failedOn,
    reason,
  });
  const pooledText = pooledRuns > 1 ? ` over ${pooledRuns} runs` : '';
  if (producedPerS < SUSTAINABLE_RULE.producedShare * targetRate)
    return fail(
      'generator',
      `the generator produced ${producedPerS.toFixed(0)}/s < ${SUSTAINABLE_RULE.producedShare * 100} % of ${targetRate}/s: the load was not offered (the generator, or the engine taking the CPU it shares with it, is the limit at this rate; the harness alone's figure says which)`,
    );
  if (lateP99Ms === null) return fail('output', 'no output in the later half');
  if (!backlog.ok) return fail('backlog', backlog.reason);
  if (consumerLag && !consumerLag.ok) return fail('consumer lag', consumerLag.reason);
  if (lowLoad !== null && latencyBoundMs !== null) {
    const over = (name: 'p50' | 'p99', late: number, low: number, b: number) =>
      `${name} ${late.toFixed(0)} ms in the ${pooledRuns > 1 ? 'later halves' : 'later half'}${pooledText} > ${latencyBoundText(name, low)} = ${b.toFixed(0)} ms`;
    // Both over: the reason names the one further over its bound (what a rerun would have to turn).
    const worst = worstOver(lateP50Ms, lateP99Ms, latencyBoundMs);
    if (worst === 'p50') return fail('p50', over('p50', lateP50Ms!, lowLoad.p50Ms, latencyBoundMs.p50));
    if (worst === 'p99') return fail('p99', over('p99', lateP99Ms, lowLoad.p99Ms, latencyBoundMs.p99));
  }
  const latencyText =
    latencyBoundMs === null
      ? `, low-load reference${pooledText}`
      : `, p50 ${lateP50Ms?.toFixed(0)} ≤ ${latencyBoundMs.p50.toFixed(0)} ms, p99 ${lateP99Ms.toFixed(0)} ≤ ${latencyBoundMs.p99.toFixed(0)} ms${pooledText}`;
  return {
    ...base,
    sustainable: true,
    reason: `${backlog.reason}${consumerLag ? `, ${consumerLag.reason}` : ''}${latencyText}`,
  };
}

/** The latency figure furthest over its bound (by ratio), or null when neither is over. */
function worstOver(
  p50Ms: number | null,
  p99Ms: number | null,
  bound: { p50: number; p99: number },
): 'p50' | 'p99' | null {
  const r50 = p50Ms === null ? 0 : p50Ms / bound.p50;
  const r99 = p99Ms === null ? 0 : p99Ms / bound.p99;
  if (Math.max(r50, r99) <= 1) return null;
  return r50 >= r99 ? 'p50' : 'p99';
}

/**
 * A judged step's latency against its bounds in a few words: the figure that decided it (the one over its bound
 * furthest, or for a pass the one closest to it), e.g. "p99 93 ≤ 120 ms over 3 runs"; null when no latency bound
 * decided it (the low-load step; a failure on the backlog, the lag or the generator).
 */
export function latencyVerdict(j: StepJudgement): { figure: 'p50' | 'p99'; text: string } | null {
  const b = j.latencyBoundMs;
  if (!b) return null;
  const over = worstOver(j.lateP50Ms, j.lateP99Ms, b);
  if (!j.sustainable && over === null) return null;
  const r50 = j.lateP50Ms === null ? -1 : j.lateP50Ms / b.p50;
  const r99 = j.lateP99Ms === null ? -1 : j.lateP99Ms / b.p99;
  if (r50 < 0 && r99 < 0) return null;
  const figure = over ?? (r50 >= r99 ? 'p50' : 'p99');
  const ms = figure === 'p50' ? j.lateP50Ms! : j.lateP99Ms!;
  const runs = (j.pooledRuns ?? 1) > 1 ? ` over ${j.pooledRuns} runs` : '';
  return { figure, text: `${figure} ${ms.toFixed(0)} ${over ? '>' : '≤'} ${b[figure].toFixed(0)} ms${runs}` };
}

/** The rows of the measured seconds [fromS, toS), a second without a row counting as one with nothing in it. */
function measuredSeconds(rows: readonly SecondRow[], fromS: number, toS: number): SecondRow[] {
  const bySecond = new Map(rows.map((r) => [r.second, r]));
  const out: SecondRow[] = [];
  for (let s = fromS; s < toS; s++)
    out.push(
      bySecond.get(s) ?? {
        second: s,
        outputs: 0,
        firstDeliveries: 0,
        produced: 0,
        p50Us: null,
        p99Us: null,
        maxUs: null,
      },
    );
  return out;
}

/**
 * A step whose run broke its guarantee (the checker found records lost at-least-once, duplicated exactly-once, or
 * wrong results) is not sustainable, whatever its latency: a rate the engine carries by dropping or repeating
 * records is not one it sustains. An unknown verdict (the checker could not decide) leaves the judgement as it is.
 */
export function judgeGuarantee(
  j: StepJudgement,
  run: {
    guarantee: string;
    verdict: { guaranteeHeld: boolean | 'unknown' };
    counts: { lost: number; duplicated: number; incorrect: number };
  },
): StepJudgement {
  if (run.verdict.guaranteeHeld !== false) return j;
  const { lost, duplicated, incorrect } = run.counts;
  return {
    ...j,
    sustainable: false,
    failedOn: 'guarantee',
    reason: `the run broke its ${run.guarantee} guarantee (lost ${lost}, duplicated ${duplicated}, incorrect ${incorrect})`,
  };
}
