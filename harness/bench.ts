/**
 * The throughput benchmark (not a test): for each engine and workload, find the sustainable throughput
 * (harness/sustainable.ts judges each step on backlog and latency; harness/bench-search.ts climbs a grid of rates,
 * bisects, then runs each rate of the band where verdicts turn several times and reports where half the runs pass,
 * with the band as its interval), then measure latency at 50 % of it, repeated. The limits are measured in
 * the same bench: the harness alone (harness-pipe.ts) and a passthrough with the engines' parallelism (one
 * process per input partition), the baseline of the ratios. Absolute numbers on a shared 2-core machine do not
 * travel; the ratios and the goals are what a bench says.
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BadInputError } from '../core/errors.ts';
import { noProgress, type ProgressSink } from '../core/progress.ts';
import type { Guarantee } from '../core/types.ts';
import { getEngine } from '../engines/index.ts';
import type { InfraEndpoints } from '../infra/index.ts';
import { loadScenario } from '../scenarios/schema.ts';
import {
  addRatios,
  BENCH_SCHEMA,
  type BenchEntry,
  type BenchResult,
  type BenchRole,
  type BenchStep,
  benchGoals,
  formatBench,
  isVerdict,
  type LatencyAtHalf,
  LOW_LOAD_STEAL_WARNING,
  type Spread,
  type StolenRun,
  spreadOf,
} from './bench-report.ts';
import {
  outcomeOf,
  type QuietHost,
  type QuietWait,
  quietRun,
  runStep,
  type SearchOutcome,
  searchSustainable,
} from './bench-search.ts';
import { fitCrossing } from './crossing-fit.ts';
import { gitSha } from './environment.ts';
import { HARNESS_PIPE } from './harness-pipe.ts';
import { type MachineSample, machineSpeed, sampleMachine, stealWhileBusy } from './machine-speed.ts';
import { acquireInfra } from './provider.ts';
import { DEFAULT_RESULTS_DIR, runScenario } from './runner.ts';
import type { RunSummary } from './summary.ts';
import { judgeGuarantee, judgeStep, type LowLoad, SUSTAINABLE_RULE } from './sustainable.ts';
import { Turns } from './turns.ts';

export type { BenchEntry, BenchResult, BenchStep } from './bench-report.ts';
export { formatBench } from './bench-report.ts';

export const BENCH_DEFAULTS = {
  startRate: 1000,
  /**
   * The low-load reference, the same for every entry of every bench (bench-search.ts): low enough that no stack
   * here queues at it (bench27a at 250/s: ack-tree p99 51 ms, 85 % busy of which 11 % stolen; a busy share this
   * high at low rates is per-request cost, the same at 1000/s for the parallel passthrough), high enough that its
   * per-second p99 is a percentile of 250 events, not of a handful.
   */
  referenceRate: 250,
  maxRate: 64_000,
  /** 20 s measured: the later half (10 s) spans ten 1 s checkpoints or commits, and a queue growing by 5 % of
   * the rate grows by half a second of input there, twice what the trend test needs to see it. */
  stepS: 20,
  warmupS: 5,
  /** The runs at 50 % warm up longer: their figures are the whole measured window's, not a later half's, and
   * the multi-process engines' start-up lasts up to ~9 s (operator-checkpoint at 16000/s, per-second p99 from
   * the run's start: 433, 125, 62, 168, 265, 128, 458, 246, 94, then 37–103 ms; passthrough settles in 1 s). */
  halfWarmupS: 10,
  /** Runs of each rate in the band, in all: an odd number, so that the ½ crossing has no ties. */
  repeats: 3,
  /** Runs at 50 % of the sustainable rate. */
  halfRuns: 2,
  /**
   * Seconds of the harness alone at 5 × the start rate before the first step, not judged: a fresh broker's JIT and
   * first-use work (bench21a, started 5 min after `infra up`: Kafka used 0.93 cores at 1000/s in the first run,
   * 0.86, 0.66 at 2200/s, 0.43 at 4700/s, 0.27 at 10000/s four minutes later) would otherwise land in the first
   * entry's low-load reference, which sets every later bound of that entry.
   */
  brokerWarmupS: 40,
} as const;

/**
 * The quiet host a bench asks for (bench-search.ts QuietHost): a run with `stealShare` of the machine's time stolen
 * or more is run again, at most `reruns` times per counted run, each after waiting up to `waitS` for a probe of
 * `probeS` with every CPU spinning to read less than that share. 10 %: the runs that moved a verdict in
 * bench27a/b read 11–38 % (ack-tree's reference at 250/s: 11 and 19 %, p99 35 and 51 ms against 25–26 ms at
 * 2–3 %); a third of their runs read 5 % or more and a fifth 10 % or more. bench30a (a quieter day) ran 8 of its
 * ~140 runs again, each after one 2 s probe: 16 s of waiting in a 99 min bench.
 */
export const QUIET_HOST = { stealShare: 0.1, reruns: 2, waitS: 60, probeS: 2 } as const;

/**
 * The low-load reference asks more of the host: every later bound of its entry is a multiple of it, so one stolen
 * reference moves every verdict after it. A reference run with `stealShare` of the machine's time stolen or more is
 * run again, at most `reruns` times, each after at least `minWaitS` (then the probe as for any run): steal comes in
 * spells of minutes, and a 2 s probe with every CPU busy read 0–0.5 % stolen between runs that read 11, 18 and
 * 19 % (bench33a, the passthrough's reference at 250/s: its last run counted at 19 %, p99 30.1 ms against 6.2–7.7 ms
 * in three benches before, its bounds 140 ms against 72). 5 %: the references of four benches read 0–2.3 % where
 * nothing was stolen from, and 6.4–8.2 % where their p99 rose (ack-tree's run at 6.4 % had 34.2 ms on its own,
 * 22.4 ms pooled with its other; the parallel passthrough's first run 28.0 ms with 8.2 %). A reference still stolen
 * from after them is counted and said so (bench.md's low-load line, compare).
 */
export const REFERENCE_QUIET = { stealShare: LOW_LOAD_STEAL_WARNING, reruns: 4, minWaitS: 30 } as const;

export interface BenchOptions {
  /** Engines, each optionally with its own options: `barrier-snapshot:checkpointIntervalMs=0:bufferTimeoutMs=10`. */
  engines: string[];
  workloads: string[];
  guarantee?: Guarantee;
  startRate?: number;
  /** The low-load reference's rate, at most the start rate (default BENCH_DEFAULTS'). */
  referenceRate?: number;
  maxRate?: number;
  /** Measured seconds per step (after a warm-up of `warmupS`). */
  stepS?: number;
  warmupS?: number;
  /** Warm-up of the runs at 50 % (their figures span every measured second). */
  halfWarmupS?: number;
  /** Runs of each rate in the band (bench-search.ts). */
  repeats?: number;
  halfRuns?: number;
  /** Unjudged seconds of the harness alone before the first step (0: none). */
  brokerWarmupS?: number;
  /** The quiet host asked for (QUIET_HOST's fields; `stealShare: 1` never reruns). */
  quietHost?: { stealShare?: number; reruns?: number; waitS?: number };
  /** Add the harness pipe and the parallel passthrough when they are not in `engines` (default true). */
  limits?: boolean;
  /**
   * Run every entry's search at once, the entries taking turns run by run (turns.ts), instead of one entry after
   * the other: a change of the host during the bench then reaches every entry alike, and the ratios between
   * entries stay fair. Default false.
   */
  interleave?: boolean;
  engineOptions?: Record<string, unknown>;
  outDir?: string;
  infra?: InfraEndpoints;
  progress?: ProgressSink;
  onStep?: (step: BenchStep & { engine: string; workload: string }) => void;
  /**
   * Ctrl-C: the run under way stops early (runner.ts) and is not judged, no run starts after it, and the bench
   * writes what it measured so far (the entry under way marked interrupted: its bracket unconfirmed if the search
   * was under way, its latency at 50 % partial if those runs were).
   */
  signal?: AbortSignal;
  /** The machine sampled (machine-speed.ts): before the first step, before each entry and after the last step. */
  onMachine?: (sample: MachineSample, where: string) => void;
}

/**
 * An engine's options in a bench: its links direct (`proxied=false`) unless the spec says `proxied=true`. The
 * baselines (harness pipe, passthrough) have no Toxiproxy hop; an engine paying one per link (~0.3 cores at 3000
 * events/s) would be measured against them with a handicap. Engines without the option are left as they are.
 */
export function benchEngineOptions(
  engine: string,
  options: Record<string, unknown>,
): Record<string, unknown> {
  if ('proxied' in options) return options;
  const direct = { ...options, proxied: false };
  const parse = getEngine(engine).parseOptions;
  if (!parse) return options;
  try {
    parse(direct);
    return direct;
  } catch {
    return options; // the engine has no such option (or refuses the others: its run says why)
  }
}

/** The engine list with the limits in front: the harness alone, then passthrough with one process per partition. */
export function withLimits(engines: readonly string[], partitions: number): string[] {
  const parallel = `passthrough:instances=${partitions}`;
  const has = (pred: (e: { engine: string; options: Record<string, unknown> }) => boolean) =>
    engines.some((spec) => pred(parseEngineSpec(spec)));
  return [
    ...(has((e) => e.engine === HARNESS_PIPE) ? [] : [HARNESS_PIPE]),
    ...(has((e) => e.engine === 'passthrough' && e.options.instances === partitions) ? [] : [parallel]),
    ...engines,
  ];
}

export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const s = {
    startRate: opts.startRate ?? BENCH_DEFAULTS.startRate,
    // Untold, the reference is the default's, or the start rate where that is lower.
    referenceRate:
      opts.referenceRate ??
      Math.min(BENCH_DEFAULTS.referenceRate, opts.startRate ?? BENCH_DEFAULTS.startRate),
    maxRate: opts.maxRate ?? BENCH_DEFAULTS.maxRate,
    stepS: opts.stepS ?? BENCH_DEFAULTS.stepS,
    warmupS: opts.warmupS ?? BENCH_DEFAULTS.warmupS,
    halfWarmupS: opts.halfWarmupS ?? BENCH_DEFAULTS.halfWarmupS,
    repeats: opts.repeats ?? BENCH_DEFAULTS.repeats,
    halfRuns: opts.halfRuns ?? BENCH_DEFAULTS.halfRuns,
    brokerWarmupS: opts.brokerWarmupS ?? BENCH_DEFAULTS.brokerWarmupS,
  };
  for (const [k, v] of Object.entries(s)) {
    const least = ['warmupS', 'halfWarmupS', 'brokerWarmupS'].includes(k) ? 0 : 1;
    if (!Number.isInteger(v) || v < least)
      throw new BadInputError(
        `bench ${k} must be a ${least === 0 ? 'non-negative' : 'positive'} integer, got ${v}`,
      );
  }
  if (s.referenceRate > s.startRate || s.startRate > s.maxRate)
    throw new BadInputError(
      `bench rates must rise: the reference rate (${s.referenceRate}/s) at most the start rate (${s.startRate}/s), the start at most the max rate (${s.maxRate}/s); lower --reference-rate or raise --start-rate`,
    );
  const quiet = {
    stealShare: opts.quietHost?.stealShare ?? QUIET_HOST.stealShare,
    reruns: opts.quietHost?.reruns ?? QUIET_HOST.reruns,
    waitS: opts.quietHost?.waitS ?? QUIET_HOST.waitS,
  };
  if (!(quiet.stealShare > 0 && quiet.stealShare <= 1))
    throw new BadInputError(
      `bench --steal-rerun must be above 0 and at most 100 (% of the machine's time stolen), got ${quiet.stealShare * 100}; 100 never runs a stolen run again`,
    );
  for (const k of ['reruns', 'waitS'] as const)
    if (!Number.isInteger(quiet[k]) || quiet[k] < 0)
      throw new BadInputError(`bench quiet-host ${k} must be a non-negative integer, got ${quiet[k]}`);
  const partitions = loadScenario('steady').parallelism.source;
  const specs = opts.limits === false ? opts.engines : withLimits(opts.engines, partitions);
  // Bad specs fail here, before any run.
  for (const spec of specs) {
    const { engine } = parseEngineSpec(spec);
    if (engine !== HARNESS_PIPE) getEngine(engine);
  }
  const startedAt = new Date().toISOString();
  // The commit the bench ran is the one checked out now; the tree is read again at the end, and a change said.
  const ranSha = gitSha();
  const stamp = startedAt.replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const dir = join(resolve(opts.outDir ?? DEFAULT_RESULTS_DIR), `bench-${stamp}`);
  mkdirSync(dir, { recursive: true });
  const entries: BenchEntry[] = [];
  let interrupted: BenchResult['interrupted'];
  // One set of services for every step: the running `infra up` instance, else one started for this bench.
  const acquired = opts.infra
    ? { infra: opts.infra, own: undefined }
    : await acquireInfra('local', `bench-${stamp}`, opts.progress ?? noProgress);
  // The machine's speed before the first step, before each entry and after the last (machine-speed.ts).
  const sample = async (where: string) => {
    const taken = await sampleMachine((err) =>
      (opts.progress ?? noProgress)({ message: `machine probe: ${err.message}`, state: 'info' }),
    );
    opts.onMachine?.(taken, where);
    return taken;
  };
  const speedBefore = await sample('before the first step');
  const referenceQuiet = referenceQuietOf(quiet);
  // After a stolen run: at least `minWaitS`, then probe until the host reads under `share` or the wait runs out
  // (Ctrl-C ends it; no run starts after).
  const waitQuiet = async (share: number, minWaitS = 0): Promise<QuietWait> => {
    const started = Date.now();
    // Ctrl-C cuts the wait short; the loop below then gives up.
    if (minWaitS > 0) await sleep(minWaitS * 1000, undefined, { signal: opts.signal }).catch(() => undefined);
    for (;;) {
      const stealShare = await stealWhileBusy(QUIET_HOST.probeS * 1000);
      const waitedS = Math.round((Date.now() - started) / 1000);
      if (!(stealShare >= share)) return { waitedS, stealShare, quiet: true };
      if (waitedS >= minWaitS + quiet.waitS || opts.signal?.aborted)
        return { waitedS, stealShare, quiet: false };
      (opts.progress ?? noProgress)({
        message: `waiting for a quiet host: ${Math.round(stealShare * 100)} % of the CPU time stolen (${waitedS}/${minWaitS + quiet.waitS} s)`,
        state: 'info',
      });
    }
  };
  let brokerWarmup: BenchResult['brokerWarmup'];
  try {
    if (s.brokerWarmupS > 0) {
      const rate = Math.min(s.maxRate, 5 * s.startRate);
      const r = await runScenario({
        engine: HARNESS_PIPE,
        scenario: 'steady',
        workload: opts.workloads[0]!,
        rate,
        durationS: s.brokerWarmupS,
        warmupS: 0,
        drainS: 2,
        outDir: join(dir, 'runs'),
        runId: 'broker-warmup',
        engineOptions: {},
        infra: acquired.infra,
        progress: opts.progress ?? noProgress,
        signal: opts.signal,
      }).catch((err: unknown) => {
        if (opts.signal?.aborted) return null; // the first step says the bench was interrupted
        throw err;
      });
      if (r)
        brokerWarmup = {
          rate,
          seconds: s.brokerWarmupS,
          runDir: r.dir,
          kafkaCores: finite(r.summary.cpu?.cores.kafka, (c) => Math.round(c * 100) / 100) ?? null,
        };
    }
    /**
     * One entry: its search and its runs at 50 %. `gate` runs each of its runs and probes when it is the entry's
     * turn (interleaved: the entries take turns, run by run), or at once.
     */
    /** The first error an interleaved entry threw (the others stop at their next run). */
    let crashed: Error | undefined;
    const runEntry = async (
      spec: string,
      workload: string,
      gate: <T>(fn: () => Promise<T>) => Promise<T>,
    ): Promise<BenchEntry> => {
      // Interleaved entries share the bench's first sample: a probe before each would land between other entries' runs.
      const machine =
        opts.interleave || entries.length === 0
          ? speedBefore
          : await gate(() => sample(`before ${spec}/${workload}`));
      /** Why this entry stopped short, if it did (Ctrl-C, a failed run: its own or, interleaved, another entry's). */
      let cut: BenchResult['interrupted'];
      const { engine, options: parsed } = parseEngineSpec(spec);
      const role: BenchRole =
        engine === HARNESS_PIPE
          ? 'harness-only'
          : engine === 'passthrough' && parsed.instances === partitions
            ? 'parallel-passthrough'
            : 'engine';
      // `guarantee=` in a variant picks the run's guarantee; every other key is an engine option.
      const { guarantee: variantGuarantee, ...variantOptions } = parsed;
      const guarantee =
        engine === HARNESS_PIPE ? undefined : ((variantGuarantee as Guarantee | undefined) ?? opts.guarantee);
      const steps: BenchStep[] = [];
      let runs = 0;
      let first: RunSummary | null = null;
      let resolvedOptions: Record<string, unknown> = {};
      let consumerLagRead = false;
      let lowLoad: LowLoad | null = null;
      // Untold, the warm-ups rise to what the engine needs (a JVM's JIT: engines/types.ts benchWarmupS).
      const needs = engine === HARNESS_PIPE ? 0 : (getEngine(engine).benchWarmupS ?? 0);
      const warmupS = opts.warmupS ?? Math.max(s.warmupS, needs);
      const halfWarmupS = opts.halfWarmupS ?? Math.max(s.halfWarmupS, needs);
      const step = async (rate: number, stepWarmupS = warmupS) => {
        // No run starts after Ctrl-C (or, interleaved, after another entry's run failed); a run cut short by it
        // is not a step: its figures stop mid-load.
        if (opts.signal?.aborted || interrupted || crashed) throw new BenchInterrupted(null);
        const runId = `${spec.replace(/[^A-Za-z0-9-]+/g, '_')}-${workload}-${rate}-${runs++}`;
        const r = await gate(() =>
          runScenario({
            engine,
            scenario: 'steady',
            workload,
            guarantee,
            rate,
            durationS: s.stepS,
            warmupS: stepWarmupS,
            drainS: 5,
            outDir: join(dir, 'runs'),
            runId,
            engineOptions:
              engine === HARNESS_PIPE
                ? {}
                : benchEngineOptions(engine, { ...opts.engineOptions, ...variantOptions }),
            infra: acquired.infra,
            progress: opts.progress ?? noProgress,
            sampleConsumerLag: true,
            signal: opts.signal,
          }),
        ).catch((err: unknown) => {
          // A run stopped mid-deploy may fail on the way: with Ctrl-C behind it, that is the interruption.
          // Otherwise the run failed (the harness, not a verdict): the bench stops and keeps what it measured.
          throw opts.signal?.aborted
            ? new BenchInterrupted(null)
            : new BenchInterrupted(
                join(dir, 'runs', runId),
                err instanceof Error ? err : new Error(String(err)),
              );
        });
        if (opts.signal?.aborted) throw new BenchInterrupted(r.dir);
        return r;
      };
      const quietHost: QuietHost<Awaited<ReturnType<typeof step>>> = {
        stolen: (r) => r.summary.cpu?.machineSteal ?? Number.NaN,
        share: quiet.stealShare,
        reruns: quiet.reruns,
        waitQuiet: () => gate(() => waitQuiet(quiet.stealShare)),
      };
      const referenceQuietHost: typeof quietHost = {
        ...quietHost,
        share: referenceQuiet.stealShare,
        reruns: referenceQuiet.reruns,
        waitQuiet: () =>
          gate(() => {
            (opts.progress ?? noProgress)({
              message: `the low-load reference was stolen from: waiting ${referenceQuiet.minWaitS} s before it runs again`,
              state: 'info',
            });
            return waitQuiet(referenceQuiet.stealShare, referenceQuiet.minWaitS);
          }),
      };
      /**
       * One step of the search: a run judged on its own (sustainable.ts), the low-load reference twice, judged on
       * the later halves of both; a stolen run is run again once the host is quiet. Every run is listed; one that
       * is not a verdict (the reference's first, a stolen one) is marked `rerun`, a stolen one `stolen` too.
       */
      const judged = async (rate: number): Promise<boolean> => {
        const reference = lowLoad === null;
        const committed = engine === HARNESS_PIPE ? null : getEngine(engine).committedOffsets;
        const judgement = await runStep(
          async () => {
            const r = await step(rate);
            if (first === null) {
              first = r.summary;
              resolvedOptions = readResolvedOptions(r.dir);
            }
            if (r.consumerLag) consumerLagRead = true;
            return r;
          },
          (r, earlier) =>
            judgeGuarantee(
              judgeStep({
                rows: r.series,
                targetRate: rate,
                fromS: warmupS,
                toS: warmupS + s.stepS,
                // The first step is the low-load reference of every later one.
                lowLoad,
                consumerLag: r.consumerLag,
                commitIntervalMs: committed?.(resolvedOptions, r.summary.guarantee)?.intervalMs,
                pooledRows: earlier.map((e) => e.series),
              }),
              r.summary,
            ),
          reference,
          SUSTAINABLE_RULE.lowLoadRuns,
          (r, judgement, replaced) => {
            const st: BenchStep = {
              rate,
              judgement,
              runDir: r.dir,
              ...(r.summary.cpu ? { cpu: r.summary.cpu } : {}),
              ...(r.summary.wallClockStepMs ? { wallClockStepMs: r.summary.wallClockStepMs } : {}),
              ...(replaced ? { rerun: true as const } : {}),
              ...(replaced?.by === 'stolen' ? { stolen: stolenRun(replaced.stealShare, replaced.wait) } : {}),
            };
            steps.push(st);
            opts.onStep?.({ ...st, engine: spec, workload });
          },
          reference ? referenceQuietHost : quietHost,
        );
        if (reference && judgement.lateP50Ms !== null && judgement.lateP99Ms !== null)
          lowLoad = { p50Ms: judgement.lateP50Ms, p99Ms: judgement.lateP99Ms };
        return judgement.sustainable;
      };
      let outcome: SearchOutcome;
      let atHalf: LatencyAtHalf | null = null;
      try {
        outcome = await searchSustainable(judged, s);
      } catch (err) {
        if (!(err instanceof BenchInterrupted)) throw err;
        cut = { entry: spec, workload, phase: 'search', ...err.where() };
        interrupted ??= cut;
        outcome = outcomeSoFar(steps);
      }
      if (outcome.sustainablePerS > 0 && !cut) {
        const rate = Math.round(outcome.sustainablePerS / 2);
        const summaries: RunSummary[] = [];
        const runDirs: string[] = [];
        const stolen: (StolenRun & { runDir: string })[] = [];
        try {
          for (let i = 0; i < s.halfRuns; i++) {
            const r = await quietRun(
              () => step(rate, halfWarmupS),
              quietHost,
              (run, share, wait) => stolen.push({ runDir: run.dir, ...stolenRun(share, wait) }),
            );
            summaries.push(r.summary);
            runDirs.push(r.dir);
          }
        } catch (err) {
          if (!(err instanceof BenchInterrupted)) throw err;
          cut = { entry: spec, workload, phase: 'latency at 50 %', ...err.where() };
          interrupted ??= cut;
        }
        // The runs at 50 % that finished are figures; an interrupted one is not among them.
        if (summaries.length > 0)
          atHalf = {
            ...latencyAtHalf(rate, summaries, runDirs),
            ...(stolen.length > 0 ? { stolen } : {}),
          };
      }
      const firstSummary = first as RunSummary | null;
      return {
        engine: spec,
        role,
        workload,
        ...(warmupS !== s.warmupS || halfWarmupS !== s.halfWarmupS ? { warmupS, halfWarmupS } : {}),
        guarantee: firstSummary?.guarantee ?? guarantee ?? 'none',
        resolvedOptions,
        machine,
        lowLoad,
        consumerLagRead,
        ...outcome,
        fit: fitCrossing(outcome.tally, s.startRate),
        steps,
        atHalf,
        ratioToParallel: null,
        ratioToPassthrough: null,
        ...(cut ? { interrupted: true as const } : {}),
      };
    };
    for (const workload of opts.workloads) {
      if (interrupted) break;
      if (opts.interleave) {
        const turns = new Turns(specs.length);
        // An entry that throws (not a run's failure: a fault of the bench itself) stops the others at their next
        // run, and is thrown once they stopped.
        const settled = await Promise.allSettled(
          specs.map((spec, k) =>
            runEntry(spec, workload, (fn) => turns.run(k, fn)).catch((err: unknown) => {
              crashed ??= err instanceof Error ? err : new Error(String(err));
              throw err;
            }),
          ),
        );
        if (crashed) throw crashed;
        for (const r of settled) if (r.status === 'fulfilled') entries.push(r.value);
        continue;
      }
      for (const spec of specs) {
        entries.push(await runEntry(spec, workload, (fn) => fn()));
        if (interrupted) break;
      }
    }
  } finally {
    await acquired.own?.stop().catch(() => {});
  }
  const speedAfter = await sample('after the last step');
  const shaAtEnd = gitSha();
  addRatios(entries);
  const result: BenchResult = {
    schema: BENCH_SCHEMA,
    startedAt,
    finishedAt: new Date().toISOString(),
    gitSha: ranSha,
    ...(shaAtEnd !== ranSha ? { gitShaAtEnd: shaAtEnd } : {}),
    dir,
    settings: {
      ...s,
      rule: SUSTAINABLE_RULE,
      quietHost: { ...quiet, probeS: QUIET_HOST.probeS, reference: referenceQuiet },
      ...(opts.interleave ? { interleave: true } : {}),
    },
    machine: machineSpeed(speedBefore, speedAfter),
    ...(brokerWarmup ? { brokerWarmup } : {}),
    parallelBaseline: entries.find((e) => e.role === 'parallel-passthrough')?.engine ?? null,
    entries,
    // An interrupted entry's bracket is the search's so far, not a result: the goals leave it out.
    goals: benchGoals(entries.filter((e) => !e.interrupted)),
    ...(interrupted ? { interrupted } : {}),
  };
  writeFileSync(join(dir, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, 'bench.md'), formatBench(result));
  return result;
}

/** The low-load reference's quiet host (REFERENCE_QUIET), never laxer than every run's; `stealShare: 1` (100 %)
 *  still never runs a stolen run again. */
export function referenceQuietOf(quiet: { stealShare: number; reruns: number }): {
  stealShare: number;
  reruns: number;
  minWaitS: number;
} {
  return {
    stealShare: quiet.stealShare >= 1 ? 1 : Math.min(quiet.stealShare, REFERENCE_QUIET.stealShare),
    reruns: Math.max(quiet.reruns, REFERENCE_QUIET.reruns),
    minWaitS: REFERENCE_QUIET.minWaitS,
  };
}

/** A run stolen from, as bench.json keeps it: its share, then the wait for a quiet host before the next run. */
function stolenRun(share: number, wait: QuietWait): StolenRun {
  return { share, waitedS: wait.waitedS, probeShare: wait.stealShare, quiet: wait.quiet };
}

/** Latency at 50 % over its repeats: each figure as median [min–max]. */
export function latencyAtHalf(
  rate: number,
  summaries: readonly Pick<
    RunSummary,
    'latencyMs' | 'inputLatencyMs' | 'processingLatencyMs' | 'deliveryLatencyMs' | 'cpu'
  >[],
  runDirs: string[],
): LatencyAtHalf {
  const of = (pick: (x: (typeof summaries)[number]) => number | null | undefined): Spread =>
    spreadOf(summaries.map(pick).filter((v): v is number => typeof v === 'number')) ?? {
      median: Number.NaN,
      min: Number.NaN,
      max: Number.NaN,
      values: [],
    };
  return {
    rate,
    p50Ms: of((x) => x.latencyMs.p50),
    p99Ms: of((x) => x.latencyMs.p99),
    p999Ms: of((x) => x.latencyMs.p999),
    maxMs: of((x) => x.latencyMs.max),
    inputMs: { p50: of((x) => x.inputLatencyMs?.p50), p99: of((x) => x.inputLatencyMs?.p99) },
    processingMs: { p50: of((x) => x.processingLatencyMs?.p50), p99: of((x) => x.processingLatencyMs?.p99) },
    deliveryMs: { p50: of((x) => x.deliveryLatencyMs?.p50), p99: of((x) => x.deliveryLatencyMs?.p99) },
    cpuBusyPct: of((x) => finite(x.cpu?.machineBusy, (b) => Math.round(b * 1000) / 10)),
    cpuStealPct: of((x) => finite(x.cpu?.machineSteal, (b) => Math.round(b * 1000) / 10)),
    engineCores: of((x) => finite(x.cpu?.cores.engine, (c) => Math.round(c * 100) / 100)),
    runDirs,
  };
}

/** `f(v)` of a measured figure; undefined for one not measured (absent, or NaN / null from /proc unread). */
function finite(v: number | null | undefined, f: (x: number) => number): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? f(v) : undefined;
}

function readResolvedOptions(runDir: string): Record<string, unknown> {
  try {
    const scenario = JSON.parse(readFileSync(join(runDir, 'scenario.json'), 'utf8')) as {
      resolvedEngineOptions?: Record<string, unknown>;
    };
    return scenario.resolvedEngineOptions ?? {};
  } catch {
    return {};
  }
}

/** `name[:key=value]...` → the engine and its options for this variant. */
export function parseEngineSpec(spec: string): { engine: string; options: Record<string, unknown> } {
  const [engine, ...pairs] = spec.split(':');
  const options: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new BadInputError(`bad engine variant "${spec}": expected name:key=value[:key=value]`);
    const raw = pair.slice(eq + 1);
    const n = Number(raw);
    options[pair.slice(0, eq)] =
      raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(n) ? n : raw;
  }
  return { engine: engine!, options };
}

/**
 * Thrown out of a step when the bench was interrupted (`runDir`: the run cut short, null if none had started) or a
 * run failed (`failure`; `runDir`: that run's folder).
 */
class BenchInterrupted extends Error {
  constructor(
    readonly runDir: string | null,
    readonly failure?: Error,
  ) {
    super(failure ? `a run failed: ${failure.message}` : 'bench interrupted');
  }

  /** Where the bench stopped, as BenchResult.interrupted keeps it. */
  where(): { runDir: string | null; failure?: string } {
    return { runDir: this.runDir, ...(this.failure ? { failure: this.failure.message } : {}) };
  }
}

/**
 * An interrupted search's outcome from the verdicts it reached (a low-load run the next one replaced, or one on a
 * saturated machine, left out): the
 * ½ crossing and band of the runs so far, not a result (its band was not repeated to the end).
 */
export function outcomeSoFar(steps: readonly BenchStep[]): SearchOutcome {
  return outcomeOf(steps.filter(isVerdict).map((st) => ({ rate: st.rate, ok: st.judgement.sustainable })));
}
