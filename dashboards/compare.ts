/**
 * `faultline compare A B`: two results side by side, cell by cell, with the change in every figure a
 * reader of the tradeoff report weighs (lost, duplicated, incorrect, p50/p99/p99.9, recovery, throughput),
 * and the `--fail-on` rules judged on it (compare-rules.ts).
 *
 * A side is a run directory, a matrix directory or a folder of runs (loaded by load.ts and grouped into cells
 * by aggregate.ts, exactly as the report does), or a bench result (bench.json: one cell per engine variant and
 * workload, its throughput the sustainable one, its latency at 50 % of it). Cells pair by scenario, engine,
 * guarantee and variant; `ignoreVariant` leaves named variant fields out of the pairing (to compare, say,
 * bufferTimeoutMs=100 with 300), and each pair then shows what differed.
 *
 * The change is B's median − A's median, relative to A's median; with ≥ 2 runs on both sides, a seeded
 * bootstrap interval of it (aggregate.ts). A censored recovery ("> 9.8 s (load ended)") is a lower bound, not
 * a number: it is shown as such and never subtracted.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { BadInputError } from '../core/errors.ts';
import { median } from '../core/stats.ts';
import {
  type BenchResult,
  bandText,
  codeDiffers,
  isVerdict,
  lowLoadReference,
  type MachineSample,
  type MachineSpeed,
  machineDifferences,
  medianSample,
  PROBES,
  parseEngineSpec,
  recoveryOutcome,
  SUSTAINABLE_RULE,
  type SustainableRule,
  sampleOf,
  sampleText,
} from '../harness/index.ts';
import {
  estimate,
  estimateDifference,
  type FigureName,
  figureOf,
  groupRuns,
  type RunGroup,
} from './aggregate.ts';
import {
  type BracketAgreement,
  bracketAgreement,
  bracketStep,
  fitOf,
  type SustainableBracket,
} from './bracket-agreement.ts';
import {
  type FailRule,
  formatterOf,
  judgeRule,
  parseFailRules,
  RULE_FIGURES,
  type RuleFigure,
  type RuleOutcome,
  type SideValues,
} from './compare-rules.ts';
import { type LoadedRun, loadReportInput, loadRun, type SkippedRun } from './load.ts';
import { formatEstimate, formatSeconds } from './tradeoff-table.ts';

export {
  type BracketAgreement,
  bracketAgreement,
  type FittedAgreement,
  fittedAgreement,
  type RatioAgreement,
  ratioAgreement,
  type SustainableBracket,
} from './bracket-agreement.ts';

export const COMPARE_SCHEMA = 'faultline/compare@1';
const BENCH_SCHEMA: BenchResult['schema'] = 'faultline/bench@3';
/** Read with a warning: one search's bracket per entry, its winner repeated and its close calls rerun. */
const BENCH_SCHEMA_BRACKET = 'faultline/bench@2';
/** The scenario name a bench's cells go under (a bench always runs `steady` at many rates). */
export const BENCH_SCENARIO = 'bench';

export const COMPARED_FIGURES = Object.keys(RULE_FIGURES) as RuleFigure[];

/** One cell of one side: what aggregate.ts calls a group (or one bench entry). */
export interface SideCell {
  scenario: string;
  engine: string;
  guarantee: string;
  /** Pairing fields besides the three above: provider, workload, rate, durationS and each engine option. */
  variant: Record<string, unknown>;
  /** What tells this cell from its siblings on the same side, '' when alone (aggregate.ts's variantLabel). */
  variantLabel: string;
  runs: number;
  figures: Record<RuleFigure, SideValues>;
  /** A bench's cell: where its search placed the sustainable rate. */
  bracket?: SustainableBracket;
}

/** A bench's sustainable rate as its search found it: passed at `passedPerS`, failed at `failedAtPerS`. */
export interface CompareSide {
  /** As given. */
  input: string;
  /** `matrix quick (12 runs)`, `3 runs`, `bench (4 entries)`. */
  description: string;
  /** What the throughput figure is: mean outputs/s of runs, or a bench's sustainable throughput. */
  throughput: 'outputs/s' | 'sustainable/s';
  cells: SideCell[];
  skipped: SkippedRun[];
  warnings: string[];
  /**
   * A bench's machine: the median of its samples, probe by probe, before the first step, before each entry and after
   * the last (harness/machine-speed.ts); of a bench that kept two, their mean.
   */
  machine?: MachineSample;
  /** The commit a bench ran (absent in benches from before it was kept). */
  gitSha?: string;
  /**
   * The recovery definitions its runs with a fault were measured by (summary.json `recoveryDefinition`; 2 for runs
   * from before it was kept, version 2 or earlier), distinct, ascending. Absent: no run with a fault.
   */
  recoveryDefinitions?: number[];
  /** The rule a bench judged its steps by (bench.json `settings.rule`). */
  rule?: SustainableRule;
}

export interface SideFigure extends SideValues {
  /** Of the values, when every run has one; null otherwise. */
  median: number | null;
  /** As a report prints it: `120 [110–130]`, `> 9.8 s (load ended)`, '—'. */
  text: string;
}

export interface FigureChange {
  figure: RuleFigure;
  a: SideFigure;
  b: SideFigure;
  /** B's median − A's median; null when a side has no number for every run. */
  difference: number | null;
  /** difference / |A's median|; null when A's median is 0 and B's is not, or there is no difference. */
  relative: number | null;
  /** 95 % bootstrap interval of the difference; null unless both sides have ≥ 2 numbers. */
  ci: [number, number] | null;
  /** Why there is no difference (censored recovery, no fault); null when there is one. */
  note: string | null;
}

export interface RuleResult {
  rule: string;
  figure: RuleFigure;
  outcome: Exclude<RuleOutcome, 'not applicable'>;
  why: string;
}

export interface CellChange {
  label: string;
  scenario: string;
  engine: string;
  guarantee: string;
  variantA: Record<string, unknown>;
  variantB: Record<string, unknown>;
  /** The variant fields that differ between A and B (only when pairing ignored them): `bufferTimeoutMs 100 → 300`. */
  variantChange: string[];
  runsA: number;
  runsB: number;
  figures: FigureChange[];
  rules: RuleResult[];
  /** Two benches: do their sustainable brackets agree (issue 22: within one grid step)? */
  sustainable?: BracketAgreement;
}

export interface CellRef {
  label: string;
  runs: number;
}

export interface Comparison {
  schema: typeof COMPARE_SCHEMA;
  a: Omit<CompareSide, 'cells'> & { cells: number };
  b: Omit<CompareSide, 'cells'> & { cells: number };
  /** Variant fields left out of the pairing. */
  ignoredVariant: string[];
  rules: string[];
  cells: CellChange[];
  onlyInA: CellRef[];
  onlyInB: CellRef[];
  /**
   * Two benches on machines of different speed (a probe more than 15 % apart): what that says about their
   * absolute figures. Null when the speeds match or a side was not timed.
   */
  machine: string | null;
  /** Two benches of different code (or one with uncommitted changes): null when both ran one commit or either is unknown. */
  code: string | null;
  /** Two benches that judged their steps by different rules (their bounds): null when alike or either is unknown. */
  rule: string | null;
  /**
   * Two sides whose recovery times were measured by different versions of the definition: what that means for the
   * recovery column (its rules are not judged). Null when alike or a side has no fault.
   */
  recoveryDefinition: string | null;
  /**
   * Why both benches' runs were not pooled rate by rate (cells' `sustainable.pooled` left out): a pooled crossing is
   * one machine's limit over twice the runs, and two machines of different speed, or two commits, have two limits.
   * Null when pooled, or when no paired cell had the tallies to pool.
   */
  pooledWithheld: string | null;
  /** Every failed rule, cell by cell: why the exit code is 1. */
  failures: (RuleResult & { cell: string })[];
  /** Rules that could not be decided on a cell (a censored recovery). They do not fail the comparison. */
  notJudged: (RuleResult & { cell: string })[];
  passed: boolean;
}

export interface CompareOptions {
  a: string;
  b: string;
  /** `--fail-on` text, e.g. `p99:+20%,lost:>0`. */
  failOn?: string;
  ignoreVariant?: readonly string[];
}

/** Loads both sides, pairs their cells, and judges the rules. */
export function compareResults(opts: CompareOptions): Comparison {
  const rules = opts.failOn === undefined ? [] : parseFailRules(opts.failOn);
  return compareSides(
    loadCompareSide(opts.a),
    loadCompareSide(opts.b),
    rules,
    opts.ignoreVariant ?? [],
    codeDiffers,
  );
}

const FIGURE_OF_RUN: Record<Exclude<RuleFigure, 'recovery'>, FigureName> = {
  lost: 'lost',
  duplicated: 'duplicated',
  incorrect: 'incorrect',
  p50: 'p50Ms',
  p99: 'p99Ms',
  p999: 'p999Ms',
  throughput: 'throughputPerS',
};

/** A run, matrix or folder of runs (load.ts), or a bench result (a folder with bench.json, or the file). */
export function loadCompareSide(input: string): CompareSide {
  const path = resolve(input);
  const benchFile =
    basename(path) === 'bench.json'
      ? path
      : existsSync(path) && statSync(path).isDirectory()
        ? join(path, 'bench.json')
        : null;
  if (benchFile && existsSync(benchFile)) return loadBenchSide(input, benchFile);
  const loaded = loadReportInput([input]);
  const matrices = loaded.matrices.map((m) => `matrix ${m.name}`).join(', ');
  return sideOfRuns(input, loaded.runs, loaded.skipped, matrices);
}

/** A side from loaded runs, grouped into cells as the report groups them. */
export function sideOfRuns(
  input: string,
  runs: readonly LoadedRun[],
  skipped: SkippedRun[] = [],
  from = '',
): CompareSide {
  const cells = groupRuns(runs)
    .flatMap((s) => s.groups)
    .map(cellOfGroup);
  const count = `${runs.length} run${runs.length === 1 ? '' : 's'}`;
  const definitions = [
    ...new Set(
      runs.filter((r) => r.summary.recovery.length > 0).map((r) => r.summary.recoveryDefinition ?? 2),
    ),
  ].sort((x, y) => x - y);
  return {
    input,
    description: from ? `${from} (${count})` : count,
    throughput: 'outputs/s',
    cells,
    skipped,
    warnings: [],
    ...(definitions.length > 0 ? { recoveryDefinitions: definitions } : {}),
  };
}

/**
 * Two sides' recovery definitions (or runs of one side measured by several): a note when they differ, else null.
 * Version 3 (2026-12-06) waits for records lost after the injection and replayed later; version 2 did not, and
 * read an ack-tree kill 4.0 s where version 3 reads 14.0 s in the same run.
 */
export function recoveryDefinitionNote(a: number[] | undefined, b: number[] | undefined): string | null {
  if (!a || !b) return null;
  const all = [...new Set([...a, ...b])];
  if (all.length === 1) return null;
  const text = (v: number[]) =>
    v
      .map((x) => (x === 2 ? '2 (or earlier: a run from before the field was kept)' : String(x)))
      .join(' and ');
  return `A's recovery times were measured by definition ${text(a)}, B's by ${text(b)}: a recovery difference may be the definition's, not the engine's (version 3 waits for records lost after the fault and replayed later; version 2 did not). Recovery rules are not judged.`;
}

function cellOfGroup(g: RunGroup): SideCell {
  const { engineOptions, ...shape } = g.variant;
  const figures = Object.fromEntries(
    COMPARED_FIGURES.map((f) => [
      f,
      f === 'recovery' ? recoveryValues(g.runs) : numbers(g.runs.map((r) => figureOf(r, FIGURE_OF_RUN[f]))),
    ]),
  ) as Record<RuleFigure, SideValues>;
  return {
    scenario: g.scenario,
    engine: g.engine,
    guarantee: g.guarantee,
    variant: { ...shape, ...engineOptions },
    variantLabel: g.variantLabel,
    runs: g.runs.length,
    figures,
  };
}

const numbers = (values: readonly (number | null | undefined)[]): SideValues => ({
  values: values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)),
  atLeast: [],
  never: 0,
  unknown: 0,
});

/** The first fault's recovery per run: a time, a lower bound (the load ended first), never or unknown. */
function recoveryValues(runs: readonly LoadedRun[]): SideValues {
  const side: SideValues = { values: [], atLeast: [], never: 0, unknown: 0 };
  for (const run of runs) {
    const entry = run.summary.recovery[0];
    if (entry === undefined) continue;
    const outcome = recoveryOutcome(entry);
    if (outcome === 'measured') side.values.push(entry.recoveredMs!);
    else if (outcome === 'censored' && entry.censoredMs !== undefined) side.atLeast.push(entry.censoredMs);
    else if (outcome === 'never') side.never++;
    else side.unknown++; // the collector was down, or the drain too short to tell: no value
  }
  return side;
}

function loadBenchSide(input: string, file: string): CompareSide {
  let bench: BenchResult;
  try {
    bench = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
  } catch (e) {
    throw new BadInputError(`${file} is not readable JSON: ${(e as Error).message}`, { cause: e });
  }
  if ((bench.schema as string) === 'faultline/bench@1')
    throw new BadInputError(
      `${file} is a faultline/bench@1 result: its steps were judged on the change of p50 within a 10 s step (issue 22), so its sustainable rates do not compare with a ${BENCH_SCHEMA} bench's`,
      { fix: `run \`faultline bench\` again with this version and compare two ${BENCH_SCHEMA} results` },
    );
  const schema = bench.schema as string;
  if ((schema !== BENCH_SCHEMA && schema !== BENCH_SCHEMA_BRACKET) || !Array.isArray(bench.entries))
    throw new BadInputError(
      `${file} is not a faultline bench result (schema ${JSON.stringify(bench.schema)})`,
      {
        fix: `expected schema ${BENCH_SCHEMA} with an entries array, as \`faultline bench\` writes it`,
      },
    );
  const dir = dirname(file);
  const warnings: string[] = [];
  if (bench.gitShaAtEnd)
    warnings.push(
      `${file}: the tree changed while the bench ran (${bench.gitSha} when it started, ${bench.gitShaAtEnd} when it finished): the runs after the change may have run other code`,
    );
  if (bench.settings?.rule?.latencyAddedCapMs === undefined)
    warnings.push(
      `${file} was judged before the cap on added latency (${SUSTAINABLE_RULE.latencyAddedCapMs} ms): engines with a high low-load latency (exactly-once) passed faster steps there`,
    );
  else if (bench.settings.rule.p99AddedMaxMs === undefined)
    warnings.push(
      `${file} was judged before the p99 lost its factor: its p99 had the p50's bound (${SUSTAINABLE_RULE.latencyFactor} × low-load + ${SUSTAINABLE_RULE.latencySlackMs} ms, 63–76 ms for the at-least-once engines), so their steps failed on a busy machine's tail and their crossings sit lower than this version's`,
    );
  if (schema === BENCH_SCHEMA_BRACKET)
    warnings.push(
      `${file} is a ${BENCH_SCHEMA_BRACKET} result: its sustainable rate is one search's bracket (the winner repeated, close calls rerun), not the ½ crossing over repeated runs of the band, so it lands anywhere in the band where verdicts turn and agrees less often with another bench`,
    );
  const cells = bench.entries.map((e): SideCell => {
    const { engine, options } = parseEngineSpec(e.engine);
    const { guarantee: _fromSpec, ...engineOptions } = options;
    // Delivery counts come from the run at 50 % of the sustainable rate, when it can still be read.
    const atHalf = e.atHalf?.runDirs[0] ? benchRun(dir, e.atHalf.runDirs[0], warnings) : null;
    const counts = atHalf?.summary.counts;
    const reference = lowLoadReference(e);
    const parallel = bench.entries.find(
      (p) => p.role === 'parallel-passthrough' && p.workload === e.workload,
    );
    return {
      scenario: BENCH_SCENARIO,
      engine,
      guarantee: e.guarantee,
      variant: { workload: e.workload, ...engineOptions },
      variantLabel: [e.workload, ...Object.entries(engineOptions).map(([k, v]) => `${k}=${String(v)}`)].join(
        ', ',
      ),
      runs: Math.max(1, e.atHalf?.runDirs.length ?? 1),
      bracket: {
        passedPerS: e.sustainablePerS,
        failedAtPerS: e.failedAtPerS,
        maxRatePerS: bench.settings.maxRate,
        passedAtWinner: e.passedAtWinner,
        runsAtWinner: e.runsAtWinner,
        ...(e.band ? { band: bandText(e, bench.settings.maxRate) } : {}),
        ...fitOf(e, bench.settings.startRate),
        // A replaced run (the first low-load one, one on a saturated machine; before @3 also a close call's) is not a verdict.
        steps: e.steps.filter(isVerdict).map(bracketStep),
        ...(reference ? { lowLoad: reference } : {}),
        ...(e.tally ? { tally: e.tally } : {}),
        ...(parallel && parallel !== e
          ? { parallel: { passedPerS: parallel.sustainablePerS, failedAtPerS: parallel.failedAtPerS } }
          : {}),
      },
      figures: {
        lost: numbers([counts?.lost]),
        duplicated: numbers([counts?.duplicated]),
        incorrect: numbers([counts?.incorrect]),
        // Every repeat at 50 %, so the comparison's intervals see the spread.
        p50: numbers(e.atHalf?.p50Ms.values ?? []),
        p99: numbers(e.atHalf?.p99Ms.values ?? []),
        p999: numbers(e.atHalf?.p999Ms.values ?? []),
        recovery: numbers([]),
        throughput: numbers([e.sustainablePerS]),
      },
    };
  });
  return {
    input,
    description: `bench of ${bench.startedAt} (${cells.length} entr${cells.length === 1 ? 'y' : 'ies'})`,
    throughput: 'sustainable/s',
    cells,
    skipped: [],
    warnings,
    ...(bench.machine ? { machine: benchMachine(bench.machine, bench.entries) } : {}),
    ...(bench.gitSha ? { gitSha: bench.gitSha } : {}),
    ...(bench.settings?.rule ? { rule: bench.settings.rule } : {}),
  };
}

/** The bench's run at 50 %: where bench.json says, else under the bench folder's runs/ (a moved bench). */
function benchRun(dir: string, runDir: string, warnings: string[]): LoadedRun | null {
  for (const candidate of [runDir, join(dir, 'runs', basename(runDir))]) {
    if (existsSync(join(candidate, 'summary.json'))) return loadRun(candidate);
  }
  warnings.push(`${runDir} is not there: its lost, duplicated and incorrect are not compared`);
  return null;
}

export function cellLabel(c: Pick<SideCell, 'scenario' | 'engine' | 'guarantee' | 'variantLabel'>): string {
  return `${c.scenario} · ${c.engine} · ${c.guarantee}${c.variantLabel ? ` (${c.variantLabel})` : ''}`;
}

/** Pairs the cells of A and B, computes every change and judges the rules. */
export function compareSides(
  a: CompareSide,
  b: CompareSide,
  rules: readonly FailRule[],
  ignoreVariant: readonly string[],
  /** Whether two commits differ in code (not docs alone); null, or absent: unknown, so different. */
  codeDiffersOf?: (a: string, b: string) => boolean | null,
): Comparison {
  checkIgnoredFields(ignoreVariant, [...a.cells, ...b.cells]);
  const ignored = new Set(ignoreVariant);
  const keyedA = keyCells(a, ignored, 'A');
  const keyedB = keyCells(b, ignored, 'B');
  const cells: CellChange[] = [];
  for (const [key, cellA] of keyedA) {
    const cellB = keyedB.get(key);
    if (cellB) cells.push(compareCell(key, cellA, cellB, rules));
  }
  const only = (mine: Map<string, SideCell>, other: Map<string, SideCell>) =>
    [...mine.entries()].filter(([k]) => !other.has(k)).map(([, c]) => c);
  const ref = (c: SideCell): CellRef => ({ label: cellLabel(c), runs: c.runs });
  const onlyInA = only(keyedA, keyedB);
  const onlyInB = only(keyedB, keyedA);
  if (cells.length === 0) {
    const list = (side: SideCell[]) => side.map((c) => `\n    ${cellLabel(c)}`).join('') || ' none';
    const fields = fieldsTellingApart(onlyInA, onlyInB);
    throw new BadInputError(
      `no cell of A pairs with a cell of B${fields.length ? ` (they differ in ${fields.join(', ')})` : ''}\n  A:${list(onlyInA)}\n  B:${list(onlyInB)}`,
      {
        fix: fields.length
          ? `to compare across that difference, add --ignore-variant ${fields.join(',')}`
          : 'compare results of the same scenarios, engines and guarantees',
      },
    );
  }
  const summary = ({ cells: list, ...rest }: CompareSide) => ({ ...rest, cells: list.length });
  const machine = machineNote(a.machine, b.machine);
  const code = codeNote(a.gitSha, b.gitSha, codeDiffersOf);
  const rule = ruleNote(a.rule, b.rule);
  const recoveryDefinition = recoveryDefinitionNote(a.recoveryDefinitions, b.recoveryDefinitions);
  if (recoveryDefinition)
    for (const cell of cells)
      for (const r of cell.rules)
        if (r.figure === 'recovery') {
          r.outcome = 'not judged';
          r.why = 'A and B measured recovery by different definitions';
        }
  const withCell = (outcome: RuleResult['outcome']) =>
    cells.flatMap((c) => c.rules.filter((r) => r.outcome === outcome).map((r) => ({ cell: c.label, ...r })));
  const failures = withCell('failed');
  const pooledWithheld = cells.some((c) => c.sustainable?.pooled)
    ? pooledWithheldText(machine !== null, code !== null, rule !== null)
    : null;
  return {
    schema: COMPARE_SCHEMA,
    a: summary(a),
    b: summary(b),
    ignoredVariant: [...ignoreVariant],
    rules: rules.map((r) => r.text),
    cells: pooledWithheld ? cells.map(withoutPooled) : cells,
    onlyInA: onlyInA.map(ref),
    onlyInB: onlyInB.map(ref),
    machine,
    code,
    rule,
    recoveryDefinition,
    pooledWithheld,
    failures,
    notJudged: withCell('not judged'),
    passed: failures.length === 0,
  };
}

function checkIgnoredFields(ignoreVariant: readonly string[], cells: readonly SideCell[]): void {
  const known = new Set(cells.flatMap((c) => Object.keys(c.variant)));
  for (const field of ignoreVariant) {
    if (!known.has(field))
      throw new BadInputError(`--ignore-variant ${field}: no cell has a variant field of that name`, {
        fix: `variant fields of these results: ${[...known].sort().join(', ')}`,
      });
  }
}

/** The variant fields in which two values of `variant` differ. */
function differingFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return fields.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/** The variant fields that keep unpaired cells of the same scenario, engine and guarantee apart. */
function fieldsTellingApart(onlyInA: readonly SideCell[], onlyInB: readonly SideCell[]): string[] {
  const fields = new Set<string>();
  for (const x of onlyInA)
    for (const y of onlyInB)
      if (x.scenario === y.scenario && x.engine === y.engine && x.guarantee === y.guarantee)
        for (const k of differingFields(x.variant, y.variant)) fields.add(k);
  return [...fields].sort();
}

/** Cells by pairing key; two cells of one side that only an ignored field told apart cannot be paired. */
function keyCells(side: CompareSide, ignored: ReadonlySet<string>, name: string): Map<string, SideCell> {
  const keyed = new Map<string, SideCell>();
  for (const cell of side.cells) {
    const variant = Object.entries(cell.variant)
      .filter(([k]) => !ignored.has(k))
      .sort(([x], [y]) => x.localeCompare(y));
    const key = JSON.stringify([cell.scenario, cell.engine, cell.guarantee, variant]);
    const twin = keyed.get(key);
    if (twin)
      throw new BadInputError(
        `${name} (${side.input}) has two cells that differ only in ignored variant fields: ${cellLabel(twin)} and ${cellLabel(cell)}`,
        { fix: 'ignore fewer variant fields, or compare results that hold one of those cells' },
      );
    keyed.set(key, cell);
  }
  return keyed;
}

function compareCell(key: string, a: SideCell, b: SideCell, rules: readonly FailRule[]): CellChange {
  const figures = COMPARED_FIGURES.map((f) => compareFigure(`${key}/${f}`, f, a.figures[f], b.figures[f]));
  const results: RuleResult[] = [];
  for (const rule of rules) {
    const change = figures.find((f) => f.figure === rule.figure)!;
    const judged = judgeRule(rule, {
      a: change.a,
      b: change.b,
      difference: change.difference,
      ci: change.ci,
      medianA: change.a.median,
    });
    if (judged.outcome !== 'not applicable')
      results.push({ rule: rule.text, figure: rule.figure, outcome: judged.outcome, why: judged.why });
  }
  const shown = (v: unknown) => (v === undefined ? 'default' : String(v));
  return {
    label: cellLabel(a.variantLabel === b.variantLabel ? a : { ...a, variantLabel: '' }),
    scenario: a.scenario,
    engine: a.engine,
    guarantee: a.guarantee,
    variantA: a.variant,
    variantB: b.variant,
    variantChange: differingFields(a.variant, b.variant).map(
      (k) => `${k} ${shown(a.variant[k])} → ${shown(b.variant[k])}`,
    ),
    runsA: a.runs,
    runsB: b.runs,
    figures,
    rules: results,
    ...(a.bracket && b.bracket ? { sustainable: bracketAgreement(a.bracket, b.bracket) } : {}),
  };
}

function compareFigure(label: string, figure: RuleFigure, a: SideValues, b: SideValues): FigureChange {
  const sideA = sideFigure(`${label}/a`, figure, a);
  const sideB = sideFigure(`${label}/b`, figure, b);
  if (sideA.median === null || sideB.median === null) {
    return {
      figure,
      a: sideA,
      b: sideB,
      difference: null,
      relative: null,
      ci: null,
      note: noDifference(figure, a, b),
    };
  }
  const { difference, ci } = estimateDifference(a.values, b.values, label);
  const relative =
    difference === null
      ? null
      : sideA.median !== 0
        ? difference / Math.abs(sideA.median)
        : difference === 0
          ? 0
          : null;
  return { figure, a: sideA, b: sideB, difference, relative, ci, note: null };
}

const observed = (s: SideValues) => s.values.length + s.atLeast.length + s.never + s.unknown;

function noDifference(figure: RuleFigure, a: SideValues, b: SideValues): string {
  const what = figure === 'recovery' ? 'no fault' : `no ${figure}`;
  if (observed(a) === 0 && observed(b) === 0) return `${what} in A or B`;
  if (observed(a) === 0) return `${what} in A`;
  if (observed(b) === 0) return `${what} in B`;
  return 'not a number (load ended first, never, or unknown): not subtracted';
}

function sideFigure(label: string, figure: RuleFigure, s: SideValues): SideFigure {
  const numeric = s.values.length > 0 && s.atLeast.length === 0 && s.never === 0 && s.unknown === 0;
  const format = formatterOf(figure);
  const parts: string[] = [];
  if (s.values.length) parts.push(formatEstimate(estimate(s.values, label), format));
  if (s.atLeast.length) {
    const bound = formatSeconds(Math.min(...s.atLeast));
    parts.push(
      `${s.values.length || s.atLeast.length > 1 ? `${s.atLeast.length}× ` : ''}> ${bound} (load ended)`,
    );
  }
  if (s.never) parts.push(`${s.values.length || s.atLeast.length || s.never > 1 ? `${s.never}× ` : ''}never`);
  if (s.unknown) parts.push(`${observed(s) > 1 ? `${s.unknown}× ` : ''}unknown`);
  return { ...s, median: numeric ? median(s.values) : null, text: parts.join(', ') || '—' };
}

/**
 * Every sample a bench took, in one: before the first step, each entry's own (an interleaved bench's entries and
 * the first share the first sample: counted once), after the last.
 */
function benchMachine(speed: MachineSpeed, entries: BenchResult['entries']): MachineSample {
  const before = sampleOf(speed, 'before');
  const own = entries.flatMap((e) => (e.machine && !sameSample(e.machine, before) ? [e.machine] : []));
  return medianSample([before, ...own, sampleOf(speed, 'after')]);
}

/** An entry's sample that is the first one (every probe the bench kept reads the same). */
const sameSample = (entry: MachineSample, first: MachineSample) =>
  PROBES.every((p) => first[p] === undefined || entry[p] === first[p]);

/** Why both benches' runs are not pooled: machines of different speed, different code or rules; null when they may be. */
function pooledWithheldText(otherSpeed: boolean, otherCode: boolean, otherRule: boolean): string | null {
  const why = [
    otherSpeed ? 'ran on machines of different speed' : '',
    otherCode ? 'ran different code' : '',
    otherRule ? 'judged their steps by different rules' : '',
  ].filter(Boolean);
  return why.length
    ? `Both benches' runs are not pooled rate by rate: the two ${why.join(' and ')} (below), and a crossing pooled over two limits is the limit of neither.`
    : null;
}

function withoutPooled(cell: CellChange): CellChange {
  if (!cell.sustainable?.pooled) return cell;
  const { pooled: _, ...sustainable } = cell.sustainable;
  return { ...cell, sustainable };
}

/** Two benches' machines: a note when a probe differs by more than SPEED_TOLERANCE, else null. */
export function machineNote(a: MachineSample | undefined, b: MachineSample | undefined): string | null {
  if (a === undefined || b === undefined) return null;
  const differs = machineDifferences(a, b, ["on A's machine", "on B's machine"]);
  return differs.length > 0
    ? `The two benches ran on machines of different speed: ${differs.join('; ')} (A: ${sampleText(a)}; B: ${sampleText(b)}). Their absolute rates and latencies do not compare; the ratios within each bench (× the parallel passthrough) do, and disagreeing brackets may be the machine, not the engine.`
    : null;
}

/** The rule's latency bounds in words (a rule without `p99AddedMaxMs` bounded the p99 as the p50). */
function boundsText(r: SustainableRule): string {
  const p50 = `${r.latencyFactor} × low-load + ${r.latencySlackMs} ms, at most +${r.latencyAddedCapMs ?? '∞'} ms`;
  return r.p99AddedMaxMs === undefined
    ? `p50 and p99 ≤ ${p50}`
    : `p50 ≤ ${p50}, p99 ≤ low-load + ${r.p99AddedMaxMs} ms`;
}

/**
 * Two benches' rules: a note when they bounded their steps differently (the same steps pass under one and fail
 * under the other, so their crossings are not one measure), else null (or unknown). The search's own settings
 * (repeats, grid) are the benches' settings, not the rule, and compare shows them as bands.
 */
export function ruleNote(a: SustainableRule | undefined, b: SustainableRule | undefined): string | null {
  if (a === undefined || b === undefined) return null;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof SustainableRule)[];
  if (keys.every((k) => a[k] === b[k])) return null;
  const [ta, tb] = [boundsText(a), boundsText(b)];
  const bounds = ta === tb ? '' : ` (A: ${ta}; B: ${tb})`;
  const others = keys.filter((k) => a[k] !== b[k] && !LATENCY_KEYS.has(k));
  const rest = others.length ? `${bounds ? ', and' : ''} in ${others.join(', ')}` : '';
  return `The two benches judged their steps by different rules${bounds}${rest}: the same run passes under one and fails under the other, so their crossings are not one measure.`;
}

const LATENCY_KEYS = new Set<string>([
  'latencyFactor',
  'latencySlackMs',
  'latencyAddedCapMs',
  'p99AddedMaxMs',
]);

/**
 * Two benches' commits: a note when they differ in code or either had uncommitted changes, else null (or unknown).
 * Two commits apart by docs alone (`differs` says false: a bench's write-up) ran the same code.
 */
export function codeNote(
  a: string | undefined,
  b: string | undefined,
  differs?: (a: string, b: string) => boolean | null,
): string | null {
  if (a === undefined || b === undefined || a === 'unknown' || b === 'unknown') return null;
  const dirty = [a, b].some((sha) => sha.endsWith('-dirty'));
  if (!dirty && (a === b || differs?.(a, b) === false)) return null;
  const short = (sha: string) => sha.replace(/^([0-9a-f]{10})[0-9a-f]*/, '$1');
  return `The two benches ran ${a === b ? 'the same commit with uncommitted changes' : 'different code'} (A ${short(a)}, B ${short(b)}): a disagreement may be the code, not the machine or the rule.`;
}
