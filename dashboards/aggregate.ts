/**
 * Groups runs into the report's cells (scenario → engine × guarantee × variant) and summarises the repeats of
 * every figure by its median and a 95 % confidence interval.
 *
 * The interval is a percentile bootstrap of the median, with a fixed seed (core/rng.ts), 10 000 resamples:
 * it needs no normality (lost counts are mostly 0 with the odd large value; latency is skewed), it copes with
 * "never recovered" (+∞), and it is an interval for the median, which is the figure we show. Its weakness:
 * with very few repeats it cannot be wider than [min, max] and covers less than 95 % (for n = 3 it is
 * [min, max] almost always). n = 1 gives no interval (null). The seed is forked per group and figure, so a
 * figure's interval does not depend on what else is in the report. `faultline compare` uses the same bootstrap
 * for the difference of two cells' medians, each side resampled on its own.
 *
 * A variant is what makes runs of the same scenario, engine and guarantee not repeats of each other: rate,
 * measured duration, workload and engine options. Latency histograms of repeats are added (HdrHistogram),
 * never their percentiles averaged, for the percentile curve.
 */
import { createRng, type Rng } from '../core/rng.ts';
import { median } from '../core/stats.ts';
import { mergeVerdicts, type Verdict } from '../core/types.ts';
import { createLatencyHistogram, type Histogram } from '../harness/index.ts';
import type { LoadedRun } from './load.ts';

export const BOOTSTRAP_SEED = 'faultline-report-bootstrap';
export const BOOTSTRAP_RESAMPLES = 10_000;
export const CONFIDENCE_LEVEL = 0.95;

/** Repeats of one figure. `values` leaves out runs where the figure does not apply (e.g. no fault). */
export interface Estimate {
  n: number;
  values: number[];
  median: number | null;
  /** 95 % bootstrap interval of the median; null for n < 2. */
  ci: [number, number] | null;
}

export const FIGURES = [
  'lost',
  'duplicated',
  'incorrect',
  'p50Ms',
  'p99Ms',
  'p999Ms',
  'maxMs',
  'throughputPerS',
  'targetPerS',
  /** recoveredMs of the first fault; +∞ when it never recovered; not applicable without faults. */
  'recoveryMs',
  'detectedMs',
  'firstOutputMs',
  'workersRestarted',
  'workersTotal',
  'recordsReplayed',
] as const;
export type FigureName = (typeof FIGURES)[number];

/** One figure of one run; null = does not apply to this run. */
export function figureOf(run: LoadedRun, figure: FigureName): number | null {
  const s = run.summary;
  const first = s.recovery[0];
  const never = (ms: number | null | undefined) =>
    first === undefined ? null : (ms ?? Number.POSITIVE_INFINITY);
  switch (figure) {
    case 'lost':
      return s.counts.lost;
    case 'duplicated':
      return s.counts.duplicated;
    case 'incorrect':
      return s.counts.incorrect;
    case 'p50Ms':
      return s.latencyMs.p50;
    case 'p99Ms':
      return s.latencyMs.p99;
    case 'p999Ms':
      return s.latencyMs.p999;
    case 'maxMs':
      return s.latencyMs.max;
    case 'throughputPerS':
      return s.throughput.meanPerS;
    case 'targetPerS':
      return s.throughput.targetPerS;
    case 'recoveryMs':
      return never(first?.recoveredMs);
    case 'detectedMs':
      return never(first?.detectedMs);
    case 'firstOutputMs':
      return never(first?.firstOutputMs);
    case 'workersRestarted':
      return s.blastRadius.workersRestarted;
    case 'workersTotal':
      return s.blastRadius.workersTotal;
    case 'recordsReplayed':
      return s.blastRadius.recordsReplayed;
  }
}

/** Percentile bootstrap interval of the median; null for fewer than two values. */
export function bootstrapMedianCi(
  values: readonly number[],
  rng: Rng,
  resamples = BOOTSTRAP_RESAMPLES,
  level = CONFIDENCE_LEVEL,
): [number, number] | null {
  const n = values.length;
  if (n < 2) return null;
  if (values.every((v) => v === values[0])) return [values[0]!, values[0]!];
  const medians = new Float64Array(resamples);
  const sample = new Array<number>(n);
  for (let r = 0; r < resamples; r++) medians[r] = resampledMedian(values, sample, rng);
  return percentileInterval(medians, level);
}

/**
 * Percentile bootstrap interval of median(b) − median(a): each side is resampled on its own (the runs of A and
 * B are independent, not pairs), 10 000 times with a seeded rng, and the central `level` of the differences is
 * the interval. Null unless both sides have two values or more, and for values that are not finite (a
 * "never recovered" has no difference). Two constant sides give the point interval of their difference.
 */
export function bootstrapMedianDifferenceCi(
  a: readonly number[],
  b: readonly number[],
  rng: Rng,
  resamples = BOOTSTRAP_RESAMPLES,
  level = CONFIDENCE_LEVEL,
): [number, number] | null {
  if (a.length < 2 || b.length < 2) return null;
  if (![...a, ...b].every(Number.isFinite)) return null;
  const constant = (v: readonly number[]) => v.every((x) => x === v[0]);
  if (constant(a) && constant(b)) return [b[0]! - a[0]!, b[0]! - a[0]!];
  const differences = new Float64Array(resamples);
  const sampleA = new Array<number>(a.length);
  const sampleB = new Array<number>(b.length);
  for (let r = 0; r < resamples; r++)
    differences[r] = resampledMedian(b, sampleB, rng) - resampledMedian(a, sampleA, rng);
  return percentileInterval(differences, level);
}

/** The median of one resample with replacement of `values`, drawn into `sample` (as long as `values`). */
function resampledMedian(values: readonly number[], sample: number[], rng: Rng): number {
  for (let i = 0; i < values.length; i++) sample[i] = values[rng.int(values.length)]!;
  return median(sample)!;
}

/** The central `level` of bootstrap statistics (sorts them in place). */
function percentileInterval(statistics: Float64Array, level: number): [number, number] {
  statistics.sort();
  const alpha = (1 - level) / 2;
  const lo = statistics[Math.floor(alpha * statistics.length)]!;
  const hi = statistics[Math.ceil((1 - alpha) * statistics.length) - 1]!;
  return [lo, hi];
}

/** Median and interval of one figure over repeats; `label` names the figure for its own seeded stream. */
export function estimate(values: readonly (number | null)[], label: string): Estimate {
  const present = values.filter((v): v is number => v !== null && !Number.isNaN(v));
  return {
    n: present.length,
    values: present,
    median: median(present),
    ci: bootstrapMedianCi(present, createRng(BOOTSTRAP_SEED).fork(label)),
  };
}

/**
 * B's median − A's median (null when a side has no value or a median that is not finite) and its bootstrap
 * interval (null with fewer than two values on a side).
 */
export interface DifferenceEstimate {
  difference: number | null;
  ci: [number, number] | null;
}

/** The change from A's repeats to B's, seeded by `label` like `estimate`, so it is the same on every call. */
export function estimateDifference(
  a: readonly number[],
  b: readonly number[],
  label: string,
): DifferenceEstimate {
  const ma = median(a);
  const mb = median(b);
  return {
    difference: ma !== null && mb !== null && Number.isFinite(ma + mb) ? mb - ma : null,
    ci: bootstrapMedianDifferenceCi(a, b, createRng(BOOTSTRAP_SEED).fork(`${label}/difference`)),
  };
}

/** A point of an HdrHistogram-style percentile curve: x = 1 / (1 − p) goes on a log axis. */
export interface CurvePoint {
  percentile: number;
  x: number;
  ms: number;
}

/**
 * Percentiles 1 − 10^(−k/10) (0, 20.6, 36.9 … 90, … 99, … 99.9 …) up to where the histogram still has a
 * value beyond it, then the maximum at 1 − 1/count, as HdrHistogram's percentile distribution plots do.
 */
export function latencyCurve(h: Histogram): CurvePoint[] {
  const count = h.totalCount;
  if (count === 0) return [];
  const points: CurvePoint[] = [];
  const last = 1 - 1 / count;
  for (let k = 0; ; k++) {
    const p = 1 - 10 ** (-k / 10);
    if (p >= last) break;
    points.push({ percentile: p * 100, x: 1 / (1 - p), ms: h.getValueAtPercentile(p * 100) / 1000 });
  }
  points.push({ percentile: last * 100, x: count, ms: h.maxValue / 1000 });
  return points;
}

/** Adds histograms (repeats of one cell): the only right way to combine latency distributions. */
export function mergeHistograms(histograms: readonly (Histogram | null)[]): Histogram | null {
  const present = histograms.filter((h): h is Histogram => h !== null && h.totalCount > 0);
  if (present.length === 0) return null;
  const merged = createLatencyHistogram();
  for (const h of present) merged.add(h);
  return merged;
}

/** What distinguishes runs that are not repeats of each other. */
export interface Variant {
  /** Where it ran: local processes or docker containers. */
  provider: string;
  workload: string;
  rate: number;
  durationS: number;
  engineOptions: Record<string, unknown>;
}

export interface RunGroup {
  key: string;
  scenario: string;
  engine: string;
  guarantee: string;
  variant: Variant;
  /** Only what differs from the other groups of the same scenario, engine and guarantee; '' when alone. */
  variantLabel: string;
  /** `engine · guarantee` and the variant label, if any. */
  label: string;
  runs: LoadedRun[];
  figures: Record<FigureName, Estimate>;
  verdicts: { held: number; violated: number; unknown: number; merged: Verdict };
  /** Histogram of all repeats added; null when no run had a readable hlog. */
  latency: Histogram | null;
  latencyCurve: CurvePoint[];
}

export interface ScenarioGroups {
  scenario: string;
  description: string | undefined;
  groups: RunGroup[];
}

/** The order a reader expects: the baseline first, then the engines as the talk introduces them. */
export const ENGINE_ORDER = ['passthrough', 'ack-tree', 'barrier-snapshot', 'operator-checkpoint'];
export const GUARANTEE_ORDER = ['exactly-once', 'at-least-once', 'at-most-once', 'none'];
/** The catalogue's order: no faults first, then by kind of fault. */
export const SCENARIO_ORDER = [
  'steady',
  'kill-worker',
  'pause-worker',
  'slow-network',
  'partition-link',
  'redis-outage',
  'slow-state-store',
  'kafka-restart',
  'coordinator-kill',
  'random-chaos',
];

export function variantOf(run: LoadedRun): Variant {
  const options = run.scenario.engineOptions ?? {};
  return {
    provider: run.environment.provider ?? 'local',
    workload: run.summary.workload,
    rate: run.summary.rate,
    durationS: run.summary.durationS,
    engineOptions: Object.fromEntries(Object.entries(options).sort(([a], [b]) => a.localeCompare(b))),
  };
}

export function groupRuns(runs: readonly LoadedRun[]): ScenarioGroups[] {
  const byKey = new Map<string, LoadedRun[]>();
  for (const run of runs) {
    const s = run.summary;
    const key = JSON.stringify([s.scenario, s.engine, s.guarantee, variantOf(run)]);
    byKey.set(key, [...(byKey.get(key) ?? []), run]);
  }
  const groups = [...byKey.entries()].map(([key, members]) => buildGroup(key, members));
  labelVariants(groups);
  const scenarios = [...new Set(groups.map((g) => g.scenario))].sort(byOrder(SCENARIO_ORDER));
  return scenarios.map((scenario) => {
    const mine = groups.filter((g) => g.scenario === scenario).sort(compareGroups);
    const description = mine
      .flatMap((g) => g.runs)
      .map((r) => r.scenario.description)
      .find((d) => typeof d === 'string');
    return { scenario, description, groups: mine };
  });
}

function buildGroup(key: string, runs: LoadedRun[]): RunGroup {
  const first = runs[0]!.summary;
  const figures = Object.fromEntries(
    FIGURES.map((f) => [
      f,
      estimate(
        runs.map((r) => figureOf(r, f)),
        `${key}/${f}`,
      ),
    ]),
  ) as Record<FigureName, Estimate>;
  const verdictsOf = runs.map((r) => r.summary.verdict.guaranteeHeld);
  const latency = mergeHistograms(runs.map((r) => r.latency));
  return {
    key,
    scenario: first.scenario,
    engine: first.engine,
    guarantee: first.guarantee,
    variant: variantOf(runs[0]!),
    variantLabel: '',
    label: `${first.engine} · ${first.guarantee}`,
    runs,
    figures,
    verdicts: {
      held: verdictsOf.filter((v) => v === true).length,
      violated: verdictsOf.filter((v) => v === false).length,
      unknown: verdictsOf.filter((v) => v === 'unknown').length,
      merged: mergeVerdicts(...verdictsOf),
    },
    latency,
    latencyCurve: latency ? latencyCurve(latency) : [],
  };
}

/** Names each group's variant by what differs among its siblings (same scenario, engine, guarantee). */
function labelVariants(groups: RunGroup[]): void {
  const siblings = new Map<string, RunGroup[]>();
  for (const g of groups) {
    const k = `${g.scenario}\u0000${g.engine}\u0000${g.guarantee}`;
    siblings.set(k, [...(siblings.get(k) ?? []), g]);
  }
  for (const family of siblings.values()) {
    if (family.length < 2) continue;
    const differs = (pick: (v: Variant) => unknown) =>
      new Set(family.map((g) => JSON.stringify(pick(g.variant)))).size > 1;
    const optionKeys = [...new Set(family.flatMap((g) => Object.keys(g.variant.engineOptions)))].sort();
    const differingOptions = optionKeys.filter((k) => differs((v) => v.engineOptions[k]));
    for (const g of family) {
      const parts: string[] = [];
      if (differs((v) => v.provider)) parts.push(g.variant.provider);
      if (differs((v) => v.workload)) parts.push(g.variant.workload);
      if (differs((v) => v.rate)) parts.push(`${g.variant.rate}/s`);
      if (differs((v) => v.durationS)) parts.push(`${g.variant.durationS} s`);
      for (const k of differingOptions) {
        const value = g.variant.engineOptions[k];
        parts.push(`${k}=${value === undefined ? 'default' : String(value)}`);
      }
      g.variantLabel = parts.join(', ');
      if (g.variantLabel) g.label = `${g.engine} · ${g.guarantee} (${g.variantLabel})`;
    }
  }
}

function byOrder(order: readonly string[]) {
  const rank = (s: string) => {
    const i = order.indexOf(s);
    return i < 0 ? order.length : i;
  };
  return (a: string, b: string) => rank(a) - rank(b) || a.localeCompare(b);
}

function compareGroups(a: RunGroup, b: RunGroup): number {
  return (
    byOrder(ENGINE_ORDER)(a.engine, b.engine) ||
    byOrder(GUARANTEE_ORDER)(a.guarantee, b.guarantee) ||
    a.variant.rate - b.variant.rate ||
    a.variantLabel.localeCompare(b.variantLabel, undefined, { numeric: true })
  );
}
