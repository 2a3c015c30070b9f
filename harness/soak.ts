/**
 * A soak (Jepsen's answer to "hand-written scenarios find the bugs we thought of"): N short runs of one engine
 * and guarantee, each under a random fault schedule drawn from seed S+i, on one shared set of services. Every
 * schedule is written as a scenario file before its run, so a violation is replayed exactly with
 * `faultline run --scenario <file> --seed <seed>`; a violation is then shrunk (delta debugging: halves, then
 * single removals, within a budget of runs) to the smallest schedule that still violates.
 *
 * Results: `<dir>/soak.json` (schema faultline/soak@1, rewritten atomically after every run and every shrink
 * step, so an interrupted soak resumes where it stopped), `schedules/*.yaml` and `runs/<id>/`.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { drawSoakSchedule, SOAK_KINDS, soakTargets, validateSoakKinds } from '../chaos/soak-schedule.ts';
import { BadInputError, isFaultlineError } from '../core/errors.ts';
import { noProgress, type ProgressSink } from '../core/progress.ts';
import { quantile } from '../core/stats.ts';
import type { FaultSpec, Guarantee, Verdict } from '../core/types.ts';
import { getEngine } from '../engines/index.ts';
import { formatScenario, loadScenario, type Scenario } from '../scenarios/schema.ts';
import { acquireInfra, type RunInfra } from './provider.ts';
import { recoveryOutcome } from './recovery.ts';
import { writeJsonAtomic } from './run-files.ts';
import { DEFAULT_RESULTS_DIR, type RunOptions, type RunResult, resolveRun, runScenario } from './runner.ts';
import type { RunSummary } from './summary.ts';

export const SOAK_SCHEMA = 'faultline/soak@1';
/** Shrink runs per violation unless told otherwise. */
export const DEFAULT_SHRINK_RUNS = 6;

export interface SoakSpec {
  engine: string;
  guarantee: Guarantee;
  schedules: number;
  /** Schedule i is drawn from seed + i, and its run uses that seed too. */
  seed: number;
  /** Measured seconds per run for which schedules are drawn (faults start in its first 60 %). */
  durationS: number;
  /**
   * Seconds of load added after it, without new faults (absent: 0): time for the last faults' recoveries to be
   * measured rather than cut off by the end of the load. The schedules are the same with or without it.
   */
  tailS?: number;
  kinds: string[];
  /** The base scenario (load, warm-up, engine options, recovery settings): a catalogue name or a file. */
  scenario: string;
  rate?: number;
  warmupS?: number;
  /** Longest wait for late outputs (the scenario's drain cap). */
  drainS?: number;
  maxFaults: number;
  /** Shrink runs per violation; 0 = no shrinking. */
  shrinkRuns: number;
  engineOptions: Record<string, unknown>;
}

export interface SoakRecovery {
  fault: string;
  recoveredMs: number | null;
  censored?: string;
  reason?: string;
  /** The collector was not reading during the fault's recovery (harness/recovery.ts). */
  unobserved?: string;
  /** Records owed were not read, but the run's drain could not show they never would be (harness/recovery.ts). */
  undecided?: string;
  /** No pre-fault baseline to judge recovery by (harness/recovery.ts). */
  unjudged?: string;
}

export interface SoakAttempt {
  id: string;
  seed: number;
  /** Relative to the soak directory. */
  scheduleFile: string;
  runDir: string;
  faults: FaultSpec[];
  status: 'pending' | 'done' | 'failed';
  verdict?: Verdict;
  /** Why the verdict is not true: the run's notes and errors (unknown and violated runs). */
  reasons?: string[];
  counts?: RunSummary['counts'];
  recovery?: SoakRecovery[];
  /** The collector's incidents in the run (summary.json `collector`), if it had any. */
  collector?: RunSummary['collector'];
  /** That the run's faults happened and the engine reacted (from its summary.json). */
  evidence?: SoakEvidence;
  /** A harness error: the run left no verdict. */
  error?: string;
  seconds?: number;
}

/**
 * A held verdict means little if the faults never happened: what a run's summary.json shows of them. A fault
 * enters `faults` only once its injection succeeded; `detected` counts the faults an engine's detection event
 * followed (a worker declared failed, a job restarting, a timeout firing: harness/recovery.ts `detectedMs`; with
 * overlapping faults one event may follow two).
 */
export interface SoakEvidence {
  /** Injected faults per kind. */
  injected: Record<string, number>;
  /** Of those, per kind, the faults an engine detection event followed. */
  detected: Record<string, number>;
  workersRestarted: number;
}

export interface SoakShrink {
  /** Each attempt runs a subset of the violation's faults (`kept`: their indices). */
  attempts: (SoakAttempt & { kept: number[] })[];
  /** Indices of the smallest schedule that violated (the whole schedule until a smaller one did). */
  smallest: number[];
  /** true once delta debugging ended (1-minimal or the budget was spent). */
  finished: boolean;
  budgetSpent: boolean;
}

export interface SoakRun extends SoakAttempt {
  index: number;
  shrink?: SoakShrink;
}

export interface SoakFile {
  schema: typeof SOAK_SCHEMA;
  startedAt: string;
  spec: SoakSpec;
  runs: SoakRun[];
  /** Seconds spent running (all sessions of a resumed soak). */
  wallS: number;
}

export interface SoakOptions {
  spec: SoakSpec;
  /** The soak folder; an existing one with soak.json is resumed. Default results/soak-<engine>-<stamp>. */
  dir?: string;
  infra?: RunInfra;
  progress?: ProgressSink;
  infraProgress?: ProgressSink;
  onRun?: (run: SoakAttempt, phase: 'start' | 'end' | 'skip', what: string) => void;
  /** Aborted: the running run is cut short and kept (summary marked interrupted); the rest stays pending. */
  signal?: AbortSignal;
  /** Runs one schedule (tests of the soak's bookkeeping replace it); default `runScenario`. */
  runner?: (opts: RunOptions) => Promise<Pick<RunResult, 'summary'>>;
}

/** Checks everything a soak needs before anything is written; returns the base scenario. */
export async function validateSoak(spec: SoakSpec): Promise<Scenario> {
  const engine = getEngine(spec.engine);
  if (engine.guarantees.every((g) => g === 'none'))
    throw new BadInputError(`engine ${engine.name} keeps no guarantee, so a soak has nothing to check`, {
      fix: 'soak ack-tree, barrier-snapshot or operator-checkpoint',
    });
  if (!Number.isInteger(spec.schedules) || spec.schedules < 1)
    throw new BadInputError(`--schedules must be an integer ≥ 1, got ${spec.schedules}`);
  if (!Number.isInteger(spec.seed) || spec.seed < 0)
    throw new BadInputError(`--seed must be a non-negative integer, got ${spec.seed}`);
  if (!(spec.durationS > 0)) throw new BadInputError(`--duration must be positive, got ${spec.durationS}`);
  if (!((spec.tailS ?? 0) >= 0))
    throw new BadInputError(`--tail must be 0 or more seconds, got ${spec.tailS}`);
  if (!Number.isInteger(spec.maxFaults) || spec.maxFaults < 1)
    throw new BadInputError(`--max-faults must be an integer ≥ 1, got ${spec.maxFaults}`);
  if (!Number.isInteger(spec.shrinkRuns) || spec.shrinkRuns < 0)
    throw new BadInputError(`--shrink-runs must be an integer ≥ 0, got ${spec.shrinkRuns}`);
  validateSoakKinds(spec.kinds);
  const base = loadScenario(spec.scenario);
  // The first schedule through the runner's own validation (guarantee, engine options, fault kinds, model).
  await resolveRun({
    engine: spec.engine,
    guarantee: spec.guarantee,
    scenario: scheduleScenario(spec, base, spec.seed, scheduleOf(spec, base, spec.seed)),
    seed: spec.seed,
  });
  return base;
}

export function defaultSoakSpec(partial: Partial<SoakSpec> & { engine: string }): SoakSpec {
  return {
    guarantee: getEngine(partial.engine).defaultGuarantee,
    schedules: 10,
    seed: 1,
    durationS: 20,
    kinds: [...SOAK_KINDS],
    scenario: 'steady',
    maxFaults: 4,
    shrinkRuns: DEFAULT_SHRINK_RUNS,
    engineOptions: {},
    ...partial,
  };
}

function scheduleOf(spec: SoakSpec, base: Scenario, seed: number): FaultSpec[] {
  return drawSoakSchedule(seed, {
    kinds: spec.kinds,
    targets: soakTargets(base.parallelism),
    durationS: spec.durationS,
    maxFaults: spec.maxFaults,
  });
}

/** The scenario one schedule runs: the base scenario's load and settings, this soak's shape, these faults. */
function scheduleScenario(spec: SoakSpec, base: Scenario, seed: number, faults: FaultSpec[]): Scenario {
  return {
    ...base,
    name: `soak-${seed}`,
    description: `soak of ${spec.engine} (${spec.guarantee}): schedule of seed ${seed}`,
    rate: spec.rate ?? base.rate,
    durationS: spec.durationS + (spec.tailS ?? 0),
    warmupS: spec.warmupS ?? base.warmupS,
    drainS: spec.drainS ?? base.drainS,
    seed,
    guarantee: spec.guarantee,
    engineOptions: { [spec.engine]: { ...(base.engineOptions[spec.engine] ?? {}), ...spec.engineOptions } },
    faults,
    random: undefined,
  };
}

/** The command that replays one attempt exactly (its schedule file and seed). */
export function replayCommand(spec: SoakSpec, dir: string, attempt: SoakAttempt): string {
  return `npx faultline run --engine ${spec.engine} --guarantee ${spec.guarantee} --scenario ${join(dir, attempt.scheduleFile)} --seed ${attempt.seed}`;
}

export async function runSoak(opts: SoakOptions): Promise<{ dir: string; file: SoakFile }> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const dir = resolve(opts.dir ?? join(DEFAULT_RESULTS_DIR, `soak-${opts.spec.engine}-${stamp}`));
  const path = join(dir, 'soak.json');
  let file: SoakFile;
  if (existsSync(path)) {
    file = JSON.parse(readFileSync(path, 'utf8')) as SoakFile;
    const s = file.spec;
    if (
      file.schema !== SOAK_SCHEMA ||
      s.engine !== opts.spec.engine ||
      s.guarantee !== opts.spec.guarantee ||
      s.seed !== opts.spec.seed
    )
      throw new BadInputError(
        `${dir} holds a soak of ${s.engine} (${s.guarantee}) from seed ${s.seed}, not this one`,
        { fix: 'choose another --out folder, or resume with the same --engine, --guarantee and --seed' },
      );
    backfillSoakEvidence(file, dir);
    // More schedules than before extend the soak; the rest of its spec stays as it was.
    for (let i = file.runs.length; i < opts.spec.schedules; i++) file.runs.push(newRun(file.spec, i));
    file.spec.schedules = Math.max(file.spec.schedules, opts.spec.schedules);
  } else {
    await validateSoak(opts.spec);
    file = {
      schema: SOAK_SCHEMA,
      startedAt: new Date().toISOString(),
      spec: opts.spec,
      runs: Array.from({ length: opts.spec.schedules }, (_, i) => newRun(opts.spec, i)),
      wallS: 0,
    };
  }
  mkdirSync(join(dir, 'runs'), { recursive: true });
  mkdirSync(join(dir, 'schedules'), { recursive: true });
  const spec = file.spec;
  const base = loadScenario(spec.scenario);
  let sessionStart = Date.now();
  const save = () => {
    const now = Date.now();
    file.wallS = Math.round((file.wallS + (now - sessionStart) / 1000) * 10) / 10;
    sessionStart = now;
    writeJsonAtomic(path, file);
  };
  save();

  let infra = opts.infra;
  let own: { stop(): Promise<void> } | undefined;
  const infraFor = async () => {
    if (!infra) {
      const acquired = await acquireInfra(
        'local',
        `soak-${spec.engine}-${process.pid}`,
        opts.infraProgress ?? opts.progress ?? noProgress,
      );
      infra = acquired.infra;
      own = acquired.own;
    }
    return infra;
  };
  const runner = opts.runner ?? runScenario;
  /** Runs `a` unless it has a verdict; a schedule whose run failed (a harness error) runs again on resume. */
  const attempt = async (a: SoakAttempt, what: string, retryFailed = false) => {
    if (a.status === 'done' || (a.status === 'failed' && !retryFailed)) {
      opts.onRun?.(a, 'skip', what);
      return;
    }
    writeFileSync(
      join(dir, a.scheduleFile),
      formatScenario(
        scheduleScenario(spec, base, a.seed, a.faults),
        `faultline soak: ${what}. Replay: ${replayCommand(spec, dir, a)}`,
      ),
    );
    opts.onRun?.(a, 'start', what);
    const started = Date.now();
    // A run cut short before its summary (or a failed one) is run again from scratch.
    rmSync(join(dir, a.runDir), { recursive: true, force: true });
    try {
      const { summary } = await runner({
        engine: spec.engine,
        guarantee: spec.guarantee,
        scenario: join(dir, a.scheduleFile),
        seed: a.seed,
        outDir: join(dir, 'runs'),
        runId: a.id,
        infra: await infraFor(),
        progress: opts.progress ?? noProgress,
        signal: opts.signal,
      });
      recordSummary(a, summary);
      // An interrupted run has no settled verdict: it stays pending and runs again on resume.
      if (opts.signal?.aborted) a.status = 'pending';
    } catch (e) {
      a.status = 'failed';
      a.error = (e as Error).message;
      if (isFaultlineError(e) && e.exitCode === 2) throw e;
    }
    a.seconds = Math.round((Date.now() - started) / 100) / 10;
    save();
    opts.onRun?.(a, 'end', what);
  };

  try {
    for (const run of file.runs) {
      if (opts.signal?.aborted) break;
      await attempt(run, `schedule ${run.index + 1} of ${file.runs.length} (seed ${run.seed})`, true);
      if (run.verdict === false && spec.shrinkRuns > 0) {
        await shrink(run, spec, (a, what) => attempt(a, what), save, opts.signal);
      }
    }
  } finally {
    save();
    await own?.stop().catch(() => {});
  }
  return { dir, file };
}

function newRun(spec: SoakSpec, index: number): SoakRun {
  const seed = spec.seed + index;
  const base = loadScenario(spec.scenario);
  const id = `seed-${seed}`;
  return {
    index,
    id,
    seed,
    scheduleFile: `schedules/${id}.yaml`,
    runDir: `runs/${id}`,
    faults: scheduleOf(spec, base, seed),
    status: 'pending',
  };
}

function recordSummary(a: SoakAttempt, summary: RunSummary): void {
  a.status = 'done';
  a.verdict = summary.verdict.guaranteeHeld;
  a.counts = summary.counts;
  a.recovery = summary.recovery.map((r) => ({
    fault: r.fault,
    recoveredMs: r.recoveredMs,
    ...(r.censored ? { censored: r.censored } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.unobserved ? { unobserved: r.unobserved } : {}),
    ...(r.undecided ? { undecided: r.undecided } : {}),
    ...(r.unjudged ? { unjudged: r.unjudged } : {}),
  }));
  if (summary.collector) a.collector = summary.collector;
  else delete a.collector;
  a.evidence = evidenceOf(summary);
  // The run's own errors (a fault not injected, an analysis that failed) first: they are why a verdict is unknown.
  const notes = summary.verdict.notes;
  if (a.verdict !== true)
    a.reasons = [
      ...notes.filter((n) => n.startsWith('error (')),
      ...notes.filter((n) => !n.startsWith('error (')),
    ];
  else delete a.reasons;
  delete a.error;
}

function evidenceOf(summary: RunSummary): SoakEvidence {
  const injected: Record<string, number> = {};
  const detected: Record<string, number> = {};
  for (const f of summary.faults) injected[f.kind] = (injected[f.kind] ?? 0) + 1;
  for (const r of summary.recovery) {
    const kind = r.fault.split(' ')[0]!;
    if (r.detectedMs !== null) detected[kind] = (detected[kind] ?? 0) + 1;
  }
  return { injected, detected, workersRestarted: summary.blastRadius.workersRestarted };
}

/**
 * Evidence for the finished runs of a soak written before it was recorded, from their summary.json (kept in
 * the soak folder); a run whose summary is gone stays without (and is counted as such).
 */
export function backfillSoakEvidence(file: SoakFile, dir: string): void {
  for (const r of file.runs) {
    if (r.status !== 'done' || r.evidence) continue;
    const path = join(dir, r.runDir, 'summary.json');
    if (existsSync(path)) r.evidence = evidenceOf(JSON.parse(readFileSync(path, 'utf8')) as RunSummary);
  }
}

/**
 * Delta debugging (Zeller's ddmin) over the violation's faults: split the schedule into n parts, keep a part
 * that still violates, else a complement that still violates (n − 1 parts), else split finer (2n), until single
 * faults were tried or the budget of runs is spent. Outcomes are kept in soak.json, so a resumed soak replays
 * the search from its record instead of running again. Only a verdict `false` counts as "still violates".
 */
async function shrink(
  run: SoakRun,
  spec: SoakSpec,
  attempt: (a: SoakAttempt, what: string) => Promise<void>,
  save: () => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  run.shrink ??= {
    attempts: [],
    smallest: run.faults.map((_, i) => i),
    finished: false,
    budgetSpent: false,
  };
  const s = run.shrink;
  if (s.finished) return;
  const key = (kept: number[]) => kept.join(',');
  const violates = async (kept: number[]): Promise<boolean | 'budget' | 'interrupted'> => {
    let a = s.attempts.find((x) => key(x.kept) === key(kept));
    if (!a) {
      if (s.attempts.length >= spec.shrinkRuns) return 'budget';
      const n = s.attempts.length + 1;
      const id = `${run.id}-shrink-${n}`;
      a = {
        id,
        seed: run.seed,
        scheduleFile: `schedules/${id}.yaml`,
        runDir: `runs/${id}`,
        faults: kept.map((i) => run.faults[i]!),
        status: 'pending',
        kept,
      };
      s.attempts.push(a);
      save();
    }
    if (a.status === 'pending') {
      if (signal?.aborted) return 'interrupted';
      await attempt(a, `shrinking seed ${run.seed}: ${kept.length} of ${run.faults.length} faults`);
      if (a.status === 'pending') return 'interrupted';
    }
    return a.verdict === false;
  };

  const ended = await ddmin(s.smallest, violates, (smaller) => {
    s.smallest = smaller;
    save();
  });
  if (ended === 'interrupted') return;
  s.budgetSpent = ended === 'budget';
  s.finished = true;
  save();
}

export type Probe = (kept: number[]) => Promise<boolean | 'budget' | 'interrupted'>;

/**
 * Zeller's ddmin over a list of fault indices: split into n parts; keep a part that still fails (n = 2), else a
 * complement that still fails (n − 1), else split finer (2n) until the parts are single items. Ends 'minimal'
 * (no single removal fails any more), or when the probe says 'budget' or 'interrupted'.
 */
export async function ddmin(
  all: number[],
  fails: Probe,
  onSmaller: (kept: number[]) => void = () => {},
): Promise<'minimal' | 'budget' | 'interrupted'> {
  let current = [...all];
  let n = 2;
  search: while (current.length > 1) {
    const parts = split(current, Math.min(n, current.length));
    const candidates = [
      ...parts,
      ...(parts.length > 2 ? parts.map((p) => current.filter((i) => !p.includes(i))) : []),
    ];
    for (const [ci, candidate] of candidates.entries()) {
      const outcome = await fails(candidate);
      if (outcome === 'interrupted' || outcome === 'budget') return outcome;
      if (outcome) {
        current = candidate;
        onSmaller(candidate);
        n = ci < parts.length ? 2 : Math.max(n - 1, 2);
        continue search;
      }
    }
    if (n >= current.length) break;
    n = Math.min(n * 2, current.length);
  }
  return 'minimal';
}

/** `items` in `n` contiguous parts of nearly equal size. */
function split(items: number[], n: number): number[][] {
  const parts: number[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = start + Math.ceil((items.length - start) / (n - i));
    parts.push(items.slice(start, end));
    start = end;
  }
  return parts;
}

export interface SoakTotals {
  runs: number;
  held: number;
  violated: number;
  unknown: number;
  harnessErrors: number;
  pending: number;
}

export function soakTotals(file: SoakFile): SoakTotals {
  const t: SoakTotals = { runs: 0, held: 0, violated: 0, unknown: 0, harnessErrors: 0, pending: 0 };
  for (const r of file.runs) {
    if (r.status === 'pending') t.pending++;
    else if (r.status === 'failed') t.harnessErrors++;
    else {
      t.runs++;
      if (r.verdict === true) t.held++;
      else if (r.verdict === false) t.violated++;
      else t.unknown++;
    }
  }
  return t;
}

export interface SoakEvidenceTotals {
  /** Finished runs with evidence, and those without (their summary.json gone). */
  runs: number;
  missing: number;
  /** Per kind, over the runs with evidence: faults the schedules held, injected, followed by a detection. */
  kinds: { kind: string; scheduled: number; injected: number; detected: number }[];
  runsRestarting: number;
}

/** The evidence summed over a soak's finished runs (not its shrink runs). */
export function soakEvidence(file: SoakFile): SoakEvidenceTotals {
  const t: SoakEvidenceTotals = { runs: 0, missing: 0, kinds: [], runsRestarting: 0 };
  const kind = (k: string) => {
    const row = t.kinds.find((x) => x.kind === k) ?? { kind: k, scheduled: 0, injected: 0, detected: 0 };
    if (!t.kinds.includes(row)) t.kinds.push(row);
    return row;
  };
  for (const k of file.spec.kinds) kind(k);
  for (const r of file.runs) {
    if (r.status !== 'done') continue;
    const e = r.evidence;
    if (!e) {
      t.missing++;
      continue;
    }
    t.runs++;
    if (e.workersRestarted > 0) t.runsRestarting++;
    for (const f of r.faults) kind(f.kind).scheduled++;
    for (const [k, n] of Object.entries(e.injected)) kind(k).injected += n;
    for (const [k, n] of Object.entries(e.detected)) kind(k).detected += n;
  }
  return t;
}

/** Recovery over a soak's faults (finished runs, not shrink runs): outcomes and the measured times' spread. */
export interface SoakRecoveryTotals {
  /** Faults whose recovery was measured (a healthy window was reached). */
  recovered: number;
  /** Load ended first (a lower bound). */
  censored: number;
  /** Records intended before the fault (or after it, before a window) never arrived, and the drain ended quiet. */
  never: number;
  /**
   * No figure: the collector was not reading during the recovery, records owed were not read by a run whose
   * drain could not show they never would be, or there was no pre-fault baseline to judge by (harness/recovery.ts
   * `unobserved`, `undecided`, `unjudged`).
   */
  unknown: number;
  /** Seconds, ascending. */
  measuredS: number[];
  /** Seconds: min, p50, p90, max of the measured recoveries; null without any. */
  quantilesS: { min: number; p50: number; p90: number; max: number } | null;
}

export function soakRecovery(file: SoakFile): SoakRecoveryTotals {
  const recoveries = file.runs.flatMap((r) => (r.status === 'done' ? (r.recovery ?? []) : []));
  const measuredS = recoveries.flatMap((r) => (r.recoveredMs === null ? [] : [r.recoveredMs / 1000]));
  measuredS.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    recovered: measuredS.length,
    censored: recoveries.filter((r) => recoveryOutcome(r) === 'censored').length,
    never: recoveries.filter((r) => recoveryOutcome(r) === 'never').length,
    unknown: recoveries.filter((r) => recoveryOutcome(r) === 'unknown').length,
    measuredS,
    quantilesS: measuredS.length
      ? {
          min: round(measuredS[0]!),
          p50: round(quantile(measuredS, 0.5)),
          p90: round(quantile(measuredS, 0.9)),
          max: round(measuredS.at(-1)!),
        }
      : null,
  };
}

/** "faults injected 170 of 173 scheduled: kill 33 of 34, 33 detected by the engine; …": the evidence as text, or null without any run that has it. */
export function formatSoakEvidence(e: SoakEvidenceTotals): string | null {
  if (e.runs === 0) return null;
  const scheduled = e.kinds.reduce((a, k) => a + k.scheduled, 0);
  const injected = e.kinds.reduce((a, k) => a + k.injected, 0);
  const kinds = e.kinds
    .filter((k) => k.scheduled > 0)
    .map(
      (k, i) =>
        `${k.kind} ${k.injected}${k.injected === k.scheduled ? '' : ` of ${k.scheduled}`}, ${k.detected} detected${i === 0 ? ' by the engine' : ''}`,
    );
  return (
    `faults injected ${injected} of ${scheduled} scheduled: ${kinds.join('; ')}. ` +
    `The engine restarted workers in ${e.runsRestarting} of ${e.runs} runs` +
    (e.missing ? `; ${e.missing} run${e.missing === 1 ? ' has' : 's have'} no summary to show it` : '')
  );
}

/** "66 measured (min …, median …, p90 …, max …), 59 censored (…), …": the recovery outcomes as one line. */
export function formatSoakRecovery(r: Omit<SoakRecoveryTotals, 'measuredS'>): string {
  const q = r.quantilesS;
  return (
    `${r.recovered} measured` +
    (q ? ` (min ${q.min} s, median ${q.p50} s, p90 ${q.p90} s, max ${q.max} s)` : '') +
    `, ${r.censored} censored (the load ended first), ${r.never} never (records owed never arrived)` +
    (r.unknown
      ? `, ${r.unknown} unknown (the collector was not reading, the drain ended too soon to tell, or no pre-fault baseline)`
      : '') +
    (r.censored && q
      ? '; the measured spread leaves out the censored ones, slower than the load left time for (--tail gives them time)'
      : '')
  );
}

/** A fault as one line: `kill features[1] at 3.2 s`, `latency link:a->b at 1 s for 2.5 s (latency 500)`. */
export function describeFault(f: FaultSpec): string {
  const params = Object.entries(f.params)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `${f.kind} ${f.target} at ${f.at} s${f.for === undefined ? '' : ` for ${f.for} s`}${params ? ` (${params})` : ''}`;
}

/** The soak's result as text: totals, violations (seed, schedule, replay, shrunk schedule), unknowns, errors. */
export function formatSoak(file: SoakFile, dir: string): string {
  const spec = file.spec;
  const t = soakTotals(file);
  const lines = [
    '',
    `soak ${spec.engine} · ${spec.guarantee} · ${file.runs.length} schedule${file.runs.length === 1 ? '' : 's'} from seed ${spec.seed} · ${spec.durationS} s each${spec.tailS ? ` + ${spec.tailS} s without new faults` : ''} · kinds ${spec.kinds.join(', ')}`,
    `  runs ${t.runs}   held ${t.held}   violated ${t.violated}   unknown ${t.unknown}   harness errors ${t.harnessErrors}` +
      `${t.pending ? `   not run ${t.pending}` : ''}   wall time ${(file.wallS / 60).toFixed(1)} min`,
  ];
  const violations = file.runs.filter((r) => r.verdict === false);
  if (violations.length) lines.push('', '  VIOLATIONS');
  for (const r of violations) {
    const c = r.counts;
    lines.push(
      `  seed ${r.seed}: ${c ? `lost ${c.lost}, duplicated ${c.duplicated}, unexpected ${c.unexpected}, incorrect ${c.incorrect}` : ''}`,
      ...r.faults.map((f) => `      ${describeFault(f)}`),
      `    replay: ${replayCommand(spec, dir, r)}`,
    );
    if (r.shrink) {
      const s = r.shrink;
      const smallest = s.smallest.map((i) => r.faults[i]!);
      const last = s.attempts.find((a) => a.kept.join(',') === s.smallest.join(','));
      const how = `${s.attempts.length} shrink run${s.attempts.length === 1 ? '' : 's'}${s.budgetSpent ? ', budget spent' : s.finished ? '' : ', unfinished'}`;
      if (s.smallest.length < r.faults.length && last)
        lines.push(
          `    shrunk to ${smallest.length} of ${r.faults.length} faults (${how}):`,
          ...smallest.map((f) => `      ${describeFault(f)}`),
          `    replay: ${replayCommand(spec, dir, last)}`,
        );
      else lines.push(`    no smaller schedule violated (${how})`);
    }
  }
  const unknown = file.runs.filter((r) => r.status === 'done' && r.verdict === 'unknown');
  if (unknown.length) lines.push('', '  UNKNOWN');
  for (const r of unknown)
    lines.push(`  seed ${r.seed}: ${(r.reasons ?? []).join('; ') || 'no reason recorded'}`);
  const failed = file.runs.filter((r) => r.status === 'failed');
  if (failed.length) lines.push('', '  HARNESS ERRORS');
  for (const r of failed) lines.push(`  seed ${r.seed}: ${r.error}`);
  const troubled = file.runs.filter((r) => r.status === 'done' && r.collector);
  if (troubled.length) {
    const crashes = troubled.reduce((a, r) => a + r.collector!.crashes, 0);
    const replaced = troubled.reduce((a, r) => a + r.collector!.replacements, 0);
    const stuck = troubled.filter((r) => !r.collector!.readAgain).map((r) => r.seed);
    lines.push(
      '',
      `  the collector's Kafka consumer crashed or stalled in ${troubled.length} run${troubled.length === 1 ? '' : 's'} ` +
        `(seeds ${troubled.map((r) => r.seed).join(', ')}; ${crashes} crash${crashes === 1 ? '' : 'es'}, ${replaced} replaced); ` +
        (stuck.length ? `it never read again in seeds ${stuck.join(', ')}` : 'it read on in every one'),
    );
  }
  const evidence = formatSoakEvidence(soakEvidence(file));
  if (evidence) lines.push('', `  evidence: ${evidence}`);
  if (t.runs) lines.push(`  recovery: ${formatSoakRecovery(soakRecovery(file))}`);
  const shown = relative(process.cwd(), dir);
  lines.push('', `  ${shown && !shown.startsWith('..') ? shown : dir}`, '');
  return lines.join('\n');
}
