/**
 * Do two benches place an engine's sustainable rate alike (issue 22: within one step of the search)? And where they do
 * not, the steps that disagree, with the figure each verdict turned on, so that a reader sees whether the rule's
 * resolution or the runs' own spread split them.
 */

import { median } from '../core/stats.ts';
import {
  type BenchEntry,
  bandText,
  type CrossingFit,
  entryFit,
  fitsOverlap,
  fitText,
  type LowLoadReference,
  latencyBounds,
  latencyVerdict,
  lowLoadText,
  outcomeOfTally,
  poolTallies,
  type RateTally,
  round3,
  tallyText,
} from '../harness/index.ts';

type LatencyFigure = 'p50' | 'p99';

/** A step of a bench's search, as compare shows it where two benches disagree. */
export interface BracketStep {
  rate: number;
  sustainable: boolean;
  /** `p99 56 ≤ 94 ms`, `p99 102 > 94 ms`, or the rule's own reason when no latency bound decided it. */
  text: string;
  /** The later half's latencies against their bounds (none at the low-load step, which sets the bounds). */
  latency: Partial<Record<LatencyFigure, { ms: number; boundMs: number }>>;
  /** The latency the verdict turned on: the one over its bound, or for a pass the one closest to it. */
  deciding: LatencyFigure | null;
  /** CPU µs the engine's processes and the harness's spent per event offered in the run (absent: not measured). */
  cpuUsPerEvent?: { engine: number; harness: number };
}

export interface SustainableBracket {
  passedPerS: number;
  /** null: no step failed up to the bench's max rate. */
  failedAtPerS: number | null;
  maxRatePerS: number;
  /** Runs at the winning rate that passed, of all its runs (the confirming repeats). */
  passedAtWinner: number;
  runsAtWinner: number;
  /** The interval over repeats (bench@3) as bench.md prints it: `[3900–8200)`. */
  band?: string;
  /** Every step of the search, in the order it ran (absent: not kept). */
  steps?: BracketStep[];
  /** The low-load reference every latency bound of the entry is a multiple of (absent: not kept). */
  lowLoad?: LowLoadReference;
  /** Runs and passes per tested rate (bench@3; absent before). */
  tally?: RateTally[];
  /** The ½ crossing fitted to the runs, with its 95 % interval, and as bench.md prints it (absent: none). */
  fit?: { fit: CrossingFit; text: string };
  /**
   * The same bench's parallel passthrough on the same workload (its bracket), what the entry's ratio is to; absent
   * for the parallel passthrough itself and where the bench did not run it.
   */
  parallel?: { passedPerS: number; failedAtPerS: number | null };
}

/** Two benches' ratios of an entry to their own parallel passthrough, each with the interval its two brackets allow. */
export interface RatioAgreement {
  /** `0.1 [0.084–0.119)`: the ratio of the crossings, and the interval of the ratio of the true rates. */
  a: string;
  b: string;
  /** The two intervals overlap: within the resolution of the searches. */
  consistent: boolean;
  why: string;
}

export interface BracketAgreement {
  /** `12000 [12000–16000), 2/2 at the winner` */
  a: string;
  b: string;
  agree: boolean;
  why: string;
  /** When they disagree: each bench's steps between the two verdicts, and what they say. */
  disputed?: string;
  /** When their low-load references differ (another rate, or bounds more than a grid step apart): both. */
  references?: string;
  /** Both benches' runs added rate by rate (bench@3, same low-load rule): the ½ crossing and band of all of them. */
  pooled?: string;
  /** Where both benches ran a parallel passthrough beside the entry: the entry's ratio to it in each. */
  ratio?: RatioAgreement;
  /** Where both have a fitted crossing: do their 95 % intervals overlap? */
  fitted?: FittedAgreement;
}

/** Two benches' fitted ½ crossings (crossing-fit.ts): whether their difference is within the runs' own spread. */
export interface FittedAgreement {
  /** `8513 [6840–11038]` */
  a: string;
  b: string;
  overlap: boolean;
  why: string;
}

/** A bench entry's fitted crossing, as a bracket keeps it (none: nothing to spread). */
export function fitOf(
  e: Pick<BenchEntry, 'fit' | 'tally'>,
  startRate: number,
): Pick<SustainableBracket, 'fit'> {
  const fit = entryFit(e, startRate);
  return fit ? { fit: { fit, text: fitText(fit) } } : {};
}

/**
 * Whether two fitted crossings' 95 % intervals overlap. Apart, the runs of each bench place the rate passed half the
 * time where the other's cannot: the two did not measure the same thing (the host or its drift over hours, the code,
 * or the latency bounds each set from its own low-load reference: 68 and 78 ms for operator-checkpoint in
 * docs/benches 2026-12-05b and c, on a plateau where its p50 sat at 44–130 ms over three grid steps). Overlapping,
 * their difference is within what their runs can tell, even where the grid figures are steps apart.
 */
export function fittedAgreement(
  a: CrossingFit,
  b: CrossingFit,
  aText: string,
  bText: string,
): FittedAgreement {
  const ratio = Math.max(a.ratePerS, b.ratePerS) / Math.min(a.ratePerS, b.ratePerS);
  const overlap = fitsOverlap(a, b);
  const apartBy = `${ratio.toFixed(2)} × apart`;
  return {
    a: aText,
    b: bText,
    overlap,
    why: overlap
      ? `${apartBy}, within the runs' own spread (the 95 % intervals overlap)`
      : `${apartBy}, beyond the runs' own spread (the 95 % intervals are apart): the two benches did not measure the same thing (the host or its drift, the code, or the bounds their low-load references set differed)`,
  };
}

/** One step of a bench entry with the figure its verdict turned on. */
export function bracketStep(step: BenchEntry['steps'][number]): BracketStep {
  const j = step.judgement;
  const bounds = j.latencyBoundMs;
  const latency: BracketStep['latency'] = {};
  if (bounds) {
    if (j.lateP50Ms !== null) latency.p50 = { ms: j.lateP50Ms, boundMs: bounds.p50 };
    if (j.lateP99Ms !== null) latency.p99 = { ms: j.lateP99Ms, boundMs: bounds.p99 };
  }
  const cores = step.cpu?.cores;
  const perEvent = (c: number) => (c / step.rate) * 1e6;
  const base = {
    rate: step.rate,
    sustainable: j.sustainable,
    latency,
    ...(cores && step.rate > 0
      ? { cpuUsPerEvent: { engine: perEvent(cores.engine), harness: perEvent(cores.harness) } }
      : {}),
  };
  const verdict = latencyVerdict(j);
  // The low-load step, or a failure on the backlog or the generator: no latency bound decided it.
  if (verdict === null) return { ...base, text: bounds ? j.reason : 'low-load reference', deciding: null };
  return { ...base, text: verdict.text, deciding: verdict.figure };
}

/**
 * Whether two benches' searches placed the sustainable rate alike: the true rate lies in [passed, failed) by each,
 * so the two agree when those intervals overlap (the same answer), or touch (one step of the search apart: a grid
 * step, ~1.2 ×, in a bench@3); apart,
 * they disagree (more than a step). A bracket with nothing failed reaches up to the bench's max rate and beyond.
 */
export function bracketAgreement(a: SustainableBracket, b: SustainableBracket): BracketAgreement {
  const lo = Math.max(a.passedPerS, b.passedPerS);
  const hi = Math.min(a.failedAtPerS ?? Number.POSITIVE_INFINITY, b.failedAtPerS ?? Number.POSITIVE_INFINITY);
  const why =
    lo < hi
      ? `the brackets overlap: both place the sustainable rate in [${lo}–${Number.isFinite(hi) ? hi : `>${Math.min(a.maxRatePerS, b.maxRatePerS)}`})`
      : lo === hi
        ? `one search step apart (the brackets meet at ${lo}/s)`
        : `more than a search step apart: one sustained ${lo}/s, the other failed at ${hi}/s`;
  const references = referencesText(a.lowLoad, b.lowLoad);
  const pooled = references ? null : pooledText(a, b);
  const ratio = ratioAgreement(a, b);
  const fitted = a.fit && b.fit ? fittedAgreement(a.fit.fit, b.fit.fit, a.fit.text, b.fit.text) : null;
  const agreement = {
    a: text(a),
    b: text(b),
    agree: lo <= hi,
    why,
    ...(references ? { references } : {}),
    ...(pooled ? { pooled } : {}),
    ...(ratio ? { ratio } : {}),
    ...(fitted ? { fitted } : {}),
  };
  if (lo <= hi || !a.steps || !b.steps) return agreement;
  return { ...agreement, disputed: disputedSteps(hi, lo, a.steps, b.steps) };
}

/**
 * `1800 [1800–2200), 6/9 at it, band [1200–2700): 1200 6/6 · 1500 2/4 · 1800 6/9 · 2200 4/9 · 2700 0/9`: the ½
 * crossing of both benches' runs together. Where an engine passes and fails over several rates, three runs a rate
 * put one bench's crossing anywhere in that range; the pooled one rests on twice the runs. Two odd counts add up
 * to an even one, which can tie: half passed is a pass, the rule's "at least half" as in one bench. Only where both
 * judged their steps alike (the same low-load rule: the caller leaves it out otherwise), and only a figure where
 * both ran one commit on one machine (compare says when they did not); null without tallies.
 */
function pooledText(a: SustainableBracket, b: SustainableBracket): string | null {
  if (!a.tally || !b.tally) return null;
  const o = outcomeOfTally(poolTallies([a.tally, b.tally]));
  const maxRatePerS = Math.min(a.maxRatePerS, b.maxRatePerS);
  return `${text({ ...o, passedPerS: o.sustainablePerS, maxRatePerS, band: bandText(o, maxRatePerS) })}: ${tallyText(o)}`;
}

const ratioBound = (x: number) => (Number.isFinite(x) ? String(round3(x)) : '∞');

/**
 * The entry's sustainable rate over its bench's parallel passthrough's: what compares across two machines, where the
 * absolute rates do not. Each bench knows both true rates to their brackets, [passed–failed), so the ratio of the true
 * rates lies in [passed / parallel's failed – failed / parallel's passed): about 1.2² ≈ 1.44 × wide on the E12 grid.
 * Two benches' ratios are consistent when those intervals overlap, and apart otherwise, also where they only touch
 * (half-open, they share no ratio; their crossings' ratios are then about 1.44 × apart). Null unless both benches ran
 * a parallel passthrough beside the entry.
 */
export function ratioAgreement(a: SustainableBracket, b: SustainableBracket): RatioAgreement | null {
  const [x, y] = [ratioInterval(a), ratioInterval(b)];
  if (!x || !y) return null;
  const lo = Math.max(x.lo, y.lo);
  const hi = Math.min(x.hi, y.hi);
  const [lower, higher] = x.hi <= y.lo ? (['A', 'B'] as const) : (['B', 'A'] as const);
  const [below, above] = lower === 'A' ? [x.hi, y.lo] : [y.hi, x.lo];
  return {
    a: x.text,
    b: y.text,
    consistent: lo < hi,
    why:
      lo < hi
        ? `both put it in [${ratioBound(lo)}–${ratioBound(hi)})`
        : `more than the searches' resolution apart: ${lower}'s under ${ratioBound(below)}, ${higher}'s at least ${ratioBound(above)}`,
  };
}

function ratioInterval(x: SustainableBracket): { lo: number; hi: number; text: string } | null {
  const p = x.parallel;
  if (!p || p.passedPerS <= 0) return null;
  const lo = x.passedPerS / (p.failedAtPerS ?? Number.POSITIVE_INFINITY);
  const hi = (x.failedAtPerS ?? Number.POSITIVE_INFINITY) / p.passedPerS;
  return { lo, hi, text: `${round3(x.passedPerS / p.passedPerS)} [${ratioBound(lo)}–${ratioBound(hi)})` };
}

/** `12000 [12000–15000), 2/3 at it, band [10000–18000)`: a bracket as compare prints it (`at the winner` before @3). */
function text(x: SustainableBracket): string {
  return `${x.passedPerS} [${x.passedPerS}–${x.failedAtPerS ?? `>${x.maxRatePerS}`}), ${x.passedAtWinner}/${x.runsAtWinner} at ${x.band ? `it, band ${x.band}` : 'the winner'}`;
}

/**
 * Both low-load references, where they differ enough to split the verdicts: another rate (the search moved one off
 * a saturated machine), or a latency bound more than a grid step (1.2 ×) apart. Every latency bound is set from the
 * reference, so two benches with different references did not apply the same rule to their steps. The bounds are
 * the ones each bench applied (its steps kept them), else the current rule's.
 */
function referencesText(a: LowLoadReference | undefined, b: LowLoadReference | undefined): string | null {
  if (!a || !b) return null;
  const [boundsA, boundsB] = [a.boundsMs ?? latencyBounds(a), b.boundsMs ?? latencyBounds(b)];
  const apart = (['p50', 'p99'] as const).filter(
    (f) => Math.max(boundsA[f], boundsB[f]) > 1.2 * Math.min(boundsA[f], boundsB[f]),
  );
  if (a.rate === b.rate && apart.length === 0) return null;
  const shown = apart.length ? apart : (['p99'] as const);
  const bounds = shown
    .map((f) => `their ${f} bounds were ${boundsA[f].toFixed(0)} and ${boundsB[f].toFixed(0)} ms`)
    .join(', ');
  return `A's low-load reference was at ${lowLoadText(a)}, B's at ${lowLoadText(b)}: ${bounds} (every latency bound is set from the reference), so the two did not judge their steps alike`;
}

/**
 * The steps of both benches from the lower failure `hi` to the higher pass `lo`, and the spread of the figure
 * that failed there. By construction a rate failed below one that passed: the verdict is not monotone in the rate
 * across the two benches, so either the figure varies from run to run by more than its gap to the bound, or the
 * two benches did not measure the same system.
 */
function disputedSteps(hi: number, lo: number, a: BracketStep[], b: BracketStep[]): string {
  const inRange = (steps: BracketStep[]) => steps.filter((s) => s.rate >= hi && s.rate <= lo);
  const list = (steps: BracketStep[]) =>
    steps.length ? steps.map((s) => `${s.rate} ${s.sustainable ? '✓' : '✗'} (${s.text})`).join(', ') : 'none';
  const steps = [...inRange(a), ...inRange(b)];
  const parts = [`at ${hi}–${lo}/s, in the order run, A ran ${list(inRange(a))}; B ran ${list(inRange(b))}`];
  const both = [...new Set(steps.map((s) => s.rate))]
    .filter(
      (r) =>
        steps.some((s) => s.rate === r && s.sustainable) && steps.some((s) => s.rate === r && !s.sustainable),
    )
    .sort((x, y) => x - y);
  if (both.length) parts.push(`${both.map((r) => `${r}/s`).join(' and ')} both passed and failed`);
  // The figure the failures turned on, and how far it ranged over every step here that measured it.
  const failed = steps.find((s) => !s.sustainable && s.deciding)?.deciding;
  const measured = failed ? steps.flatMap((s) => (s.latency[failed] ? [s.latency[failed]] : [])) : [];
  if (failed && measured.length > 1) {
    const range = (v: number[]) => {
      const [min, max] = [Math.min(...v), Math.max(...v)].map((x) => x.toFixed(0));
      return min === max ? `${min} ms` : `${min}–${max} ms`;
    };
    parts.push(
      `${failed} there ranged ${range(measured.map((m) => m.ms))} against bounds of ${range(measured.map((m) => m.boundMs))}`,
    );
  }
  const cpu = cpuPerEventText(inRange(a), inRange(b));
  return `${parts.join('; ')}. A rate failed below one that passed: the step's figure varies from run to run by more than its gap to the bound there, or the two benches did not measure the same system${cpu ? `. ${cpu}` : ''}`;
}

/** From this ratio of the harness's CPU per event at one rate (same engine), one bench's host was slower there. */
const CPU_PER_EVENT_APART = 1.15;

/**
 * Which of the two it was, where both ran a rate with its CPU measured: the engine's and the harness's CPU per event
 * (each bench's median over its runs there). The verdict rests on the harness's: it generates and collects the same
 * events whatever the engine's queue holds, in one commit's code, so a host on which it spends more per event is
 * slower there, whatever its probes read before the entry; the engine's own cost moves with its state too (a queue,
 * its batches). docs/benches 2026-12-04e and f, the single passthrough at 27000/s: the harness spent 24.4 µs per
 * event in three failed runs and 19.5 µs in the other's three passes, steal 0 in all. Alike within 15 %, the CPU
 * shows no slower host, and says no more: the harness alone crossed at 68000/s in benches b and d and at 100000/s
 * in e and f, spending 14.0–15.2 µs per event at 100000/s in all four; the slower hosts cost latency (ring hop
 * 64–70 against 48–53 µs), not CPU.
 */
function cpuPerEventText(a: BracketStep[], b: BracketStep[]): string | null {
  const perRate = (steps: BracketStep[], rate: number) => {
    const at = steps.flatMap((s) => (s.rate === rate && s.cpuUsPerEvent ? [s.cpuUsPerEvent] : []));
    if (!at.length) return null;
    return { engine: median(at.map((c) => c.engine))!, harness: median(at.map((c) => c.harness))! };
  };
  const rates = [...new Set(a.map((s) => s.rate))]
    .filter((r) => b.some((s) => s.rate === r))
    .sort((x, y) => x - y);
  const rows = rates.flatMap((rate) => {
    const [x, y] = [perRate(a, rate), perRate(b, rate)];
    return x && y ? [{ rate, x, y, ratio: x.harness / y.harness }] : [];
  });
  if (!rows.length) return null;
  const us = (c: { engine: number; harness: number }) =>
    `${c.engine.toFixed(1)} + ${c.harness.toFixed(1)} µs`;
  const apart = rows.filter((r) => Math.max(r.ratio, 1 / r.ratio) >= CPU_PER_EVENT_APART);
  const verdict = apart.length
    ? `a slower host there: at ${apart.map((r) => `${r.rate}/s the harness spent ${Math.max(r.ratio, 1 / r.ratio).toFixed(2)} × as much per event on ${r.ratio >= 1 ? 'A' : 'B'}'s`).join(', ')}`
    : `the harness's alike within ${Math.round((CPU_PER_EVENT_APART - 1) * 100)} %: no slower host in the CPU it took (a host's latency can still differ: the probes)`;
  return `CPU per event there (engine + harness, each bench's median over its runs): ${rows.map((r) => `${r.rate}/s A ${us(r.x)}, B ${us(r.y)}`).join('; ')}: ${verdict}`;
}
