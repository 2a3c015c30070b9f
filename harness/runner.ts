/**
 * One run: the scenario as plain data in, the same data plus measured results out (Jepsen's shape).
 *
 *   resolve: validate everything (no directory is created for bad input)
 *   → provision: infra (the running `infra up` instance, or an ephemeral one owned by this process), topics
 *   → execute: engine.deploy → collector → nemesis + open-loop load → heal every fault → drain
 *   → analyse: checker + reference scorer + recovery (a failure here gives the verdict "unknown", not a lost run)
 *   → summarise: summary.json, always, once the load ran
 *
 * The drain: when the load ends every fault is healed, then the collector keeps reading until nothing new has
 * arrived for the engine's replay horizon (its own timeout replays or restore replays could still come), up
 * to a cap; what arrives then counts (late duplicates, late first deliveries).
 *
 * Every resource the run creates (topics, Redis keys, workers, an ephemeral infra) carries the run id and is
 * removed by one cleanup stack in a `finally`; faults are always healed.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createNemesis, type TargetResolver, validateFaultKinds, validateFaults } from '../chaos/nemesis.ts';
import { expandRandomFaults } from '../chaos/schedule.ts';
import { createKafka, createTopicsWithLeaders } from '../clients/kafka.ts';
import { systemClock, WALL_CLOCK_STEP_MS, wallClockDriftMs, wallClockStepText } from '../core/clock.ts';
import { BadInputError, HarnessError, isFaultlineError } from '../core/errors.ts';
import { noProgress, type ProgressSink, timed } from '../core/progress.ts';
import {
  type EngineEvent,
  FAN_OUT_BRANCHES,
  type Guarantee,
  mergeVerdicts,
  type TopologyKind,
} from '../core/types.ts';
import { type AnyModelArtefact, trainerOf } from '../core/workload.ts';
import { getEngine } from '../engines/index.ts';
import { topologyFor } from '../engines/runtime/topology.ts';
import type { Deployment, DeployPlan, Engine } from '../engines/types.ts';
import type { InfraEndpoints } from '../infra/local/index.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { loadScenario } from '../scenarios/schema.ts';
import { defaultModelPath, getWorkload } from '../scenarios/workloads/index.ts';
import { createAccounting } from './branch-checker.ts';
import { deliveryCounts, SAMPLE_LIMIT, verdictFor, verdictWithOpenDrain } from './checker.ts';
import { collectorIncidentsNote, createCollector, type SecondRow } from './collector.ts';
import { type ConsumerLagSample, readConsumerLag } from './consumer-lag.ts';
import { saturationNote, startCpuAccount } from './cpu-account.ts';
import {
  type CountedCpu,
  formatProfiles,
  monotonicUs,
  type ProfileWindow,
  profileHarness,
  readProfiles,
} from './cpu-profile.ts';
import { drainOutput, MIN_QUIET_MS, RECOVERY_STEP_TYPES } from './drain.ts';
import { describeEnvironment } from './environment.ts';
import { startGeneratorThread } from './generator-thread.ts';
import { HARNESS_PIPE, harnessPipe } from './harness-pipe.ts';
import { IdSet } from './id-set.ts';
import { summarizeMs } from './latency.ts';
import { auditNote, auditOutput } from './output-audit.ts';
import {
  acquireInfra,
  type Provider,
  placementFor,
  providerOf,
  type RunInfra,
  serviceControl,
  servicesOf,
} from './provider.ts';
import {
  DETECTION_EVENT_TYPES,
  RECOVERY_DEFINITION,
  type RecoveryEntry,
  type RecoveryInput,
  recoveryTimes,
} from './recovery.ts';
import { openRunFiles } from './run-files.ts';
import { modelFor, referenceScores } from './run-model.ts';
import { createSchedule, firstIdAtOrAfter } from './schedule.ts';
import { type RunError, type RunModel, type RunSummary, SUMMARY_SCHEMA } from './summary.ts';

const WORKLOAD_MODULE = fileURLToPath(new URL('../scenarios/workloads/index.ts', import.meta.url));
/** How long teardown waits for a consumer group whose member did not leave (its session timeout and more). */
const GROUP_SESSION_WAIT_MS = 15_000;
const RECOVERY_STEPS = new Set<string>(RECOVERY_STEP_TYPES);
export const DEFAULT_RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

export interface RunOptions {
  /** A registered engine's name, or (tests) an engine object that is not in the registry. */
  engine: string | Engine;
  /** Catalogue name, file path, or an already loaded scenario. */
  scenario: string | Scenario;
  guarantee?: Guarantee;
  workload?: string;
  /** Overrides the scenario's topology (`faultline run --topology fan-out`). */
  topology?: TopologyKind;
  rate?: number;
  durationS?: number;
  warmupS?: number;
  drainS?: number;
  seed?: number;
  /** Results root; the run writes `<outDir>/<runId>/`. */
  outDir?: string;
  runId?: string;
  dataPath?: string;
  modelPath?: string;
  engineOptions?: Record<string, unknown>;
  /** Leave the run's Kafka topics in place (for tests that read them afterwards); default false. */
  keepTopics?: boolean;
  /** Services to use; default: the running `infra up` instance, else an ephemeral one (of `provider`). */
  infra?: RunInfra;
  /** Where services and workers run when `infra` is not given: local processes (default) or docker. */
  provider?: Provider;
  /** Docker: CPUs for the engine's containers together (split evenly); default no limit. */
  cpus?: number;
  /**
   * Run every node worker under V8's CPU profiler: `profiles/<worker>.<attempt>/*.cpuprofile` in the run's folder
   * and `profiles/summary.txt`, each process's hottest functions over the measured load window
   * (harness/cpu-profile.ts). Local workers only.
   */
  cpuProfile?: boolean;
  progress?: ProgressSink;
  /** Called about once a second while the load runs. */
  onTick?: (tick: RunTick) => void;
  /**
   * Aborted (Ctrl-C): the load stops where it is, faults are healed, the drain is cut short, and the run is
   * analysed and summarised as far as it got (an error "interrupted", exit 3), then cleaned up.
   */
  signal?: AbortSignal;
  /**
   * Read the engine's consumer lag from Kafka once a second while the load runs (the bench), for an engine
   * that commits its offsets there (Engine.committedOffsets); default false.
   */
  sampleConsumerLag?: boolean;
  /** For tests of the analysis: replaces the workload's reference scorer (e.g. one that fails). */
  referenceScores?: (acked: IdSet, size: number) => Float64Array;
}

export interface RunTick {
  second: number;
  attempted: number;
  acked: number;
  delivered: number;
  ratePerS: number;
  p99Ms: number | null;
  phase: 'warmup' | 'load' | 'drain';
}

export interface RunResult {
  dir: string;
  summary: RunSummary;
  /** The per-second time series (also in timeseries.csv). */
  series: readonly SecondRow[];
  /**
   * Consumer lag read from Kafka once a second (`sampleConsumerLag`); null when not asked for, or when the
   * engine commits no offsets to Kafka (it keeps them in a checkpoint): then there is no such figure.
   */
  consumerLag: ConsumerLagSample[] | null;
}

interface ResolvedRun {
  runId: string;
  engine: Engine;
  scenario: Scenario;
  guarantee: Guarantee;
  workloadName: string;
  topology: TopologyKind;
  rate: number;
  durationS: number;
  warmupS: number;
  drainS: number;
  seed: number;
  modelPath: string;
  /** A linear model, or an H2O GBM for an engine that `scoresMojo`. */
  model: AnyModelArtefact;
  dataPath?: string;
  engineOptions: Record<string, unknown>;
  outDir: string;
}

/** Validates the request; everything that can be wrong with the input fails here, before any side effect. */
export async function resolveRun(opts: RunOptions): Promise<ResolvedRun> {
  const engine =
    opts.engine === HARNESS_PIPE
      ? harnessPipe
      : typeof opts.engine === 'string'
        ? getEngine(opts.engine)
        : opts.engine;
  const scenario = typeof opts.scenario === 'string' ? loadScenario(opts.scenario) : opts.scenario;
  const guarantee = opts.guarantee ?? scenario.guarantee ?? engine.defaultGuarantee;
  if (!engine.guarantees.includes(guarantee)) {
    throw new BadInputError(`engine ${engine.name} does not offer guarantee "${guarantee}"`, {
      fix: `use one of: ${engine.guarantees.join(', ')}`,
    });
  }
  const topology = opts.topology ?? scenario.topology ?? 'chain';
  if (!engine.topologies.includes(topology)) {
    throw new BadInputError(
      `engine ${engine.name} does not support topology "${topology}" (it supports: ${engine.topologies.join(', ')})`,
      { fix: `use --topology ${engine.topologies[0]}, or an engine that supports ${topology}` },
    );
  }
  const workloadName = opts.workload ?? scenario.workload;
  const workload = getWorkload(workloadName);
  const positive = (name: string, v: number | undefined, fallback: number) => {
    const value = v ?? fallback;
    if (!Number.isFinite(value) || value <= 0)
      throw new BadInputError(`--${name} must be a positive number, got ${value}`);
    return value;
  };
  const rate = positive('rate', opts.rate, scenario.rate);
  const durationS = positive('duration', opts.durationS, scenario.durationS);
  const warmupS = opts.warmupS ?? scenario.warmupS;
  if (!Number.isFinite(warmupS) || warmupS < 0)
    throw new BadInputError(`--warmup must be ≥ 0, got ${warmupS}`);
  const drainS = positive('drain', opts.drainS, scenario.drainS);
  const seed = opts.seed ?? scenario.seed;
  if (!Number.isInteger(seed) || seed < 0)
    throw new BadInputError(`--seed must be a non-negative integer, got ${seed}`);
  const modelPath = resolve(opts.modelPath ?? defaultModelPath(workloadName));
  const model = modelFor(engine, modelPath, workloadName, topology);
  // Reading the data file now surfaces a missing titanic.csv as bad input, not as a worker crash.
  await workload.source({ seed, dataPath: opts.dataPath });
  // Fault kinds and parameters need no deployment: a scenario with an unknown kind fails here, before any service.
  validateFaultKinds([
    ...scenario.faults,
    ...expandRandomFaults(scenario.random, opts.seed ?? scenario.seed),
  ]);
  const engineOptions = { ...(scenario.engineOptions[engine.name] ?? {}), ...(opts.engineOptions ?? {}) };
  engine.parseOptions?.(engineOptions, guarantee);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return {
    runId: opts.runId ?? `${stamp}-${engine.name}-${scenario.name}-${randomBytes(2).toString('hex')}`,
    engine,
    scenario,
    guarantee,
    workloadName,
    topology,
    rate,
    durationS,
    warmupS,
    drainS,
    seed,
    modelPath,
    model,
    dataPath: opts.dataPath,
    engineOptions,
    outDir: resolve(opts.outDir ?? DEFAULT_RESULTS_DIR),
  };
}

export async function runScenario(opts: RunOptions): Promise<RunResult> {
  const progress = opts.progress ?? noProgress;
  const run = await resolveRun(opts);
  const dir = join(run.outDir, run.runId);
  if (existsSync(dir))
    throw new BadInputError(`results directory ${dir} already exists`, {
      fix: 'choose another --run-id or --out',
    });

  const cleanups: (() => Promise<unknown>)[] = [];
  let infra: RunInfra;
  /** Services started for this run alone: stopped last. */
  let ownInfra: { stop(): Promise<void> } | undefined;
  if (opts.infra) infra = opts.infra;
  else {
    const acquired = await acquireInfra(opts.provider ?? 'local', `run-${run.runId}`, progress);
    infra = acquired.infra;
    ownInfra = acquired.own;
  }
  const provider = providerOf(infra);

  let files: ReturnType<typeof openRunFiles> | undefined;
  let deployment: Deployment | undefined;
  let profileDir: string | undefined;
  let harnessProfile: Awaited<ReturnType<typeof profileHarness>> | undefined;
  /** The measured load window on the profiles' clock: what the profile summary reads. */
  let profileWindow: ProfileWindow | undefined;
  /** The CPU /proc counted over the same window, set beside the profiles' samples. */
  let profiledCpu: CountedCpu | undefined;
  try {
    // The harness's own client errors (a broker restart makes many) belong with the run, not on the terminal.
    const kafkaLog = (line: string) => {
      mkdirSync(dir, { recursive: true });
      appendFileSync(join(dir, 'harness-kafka.log'), line);
    };
    const kafka = createKafka(infra.kafka.bootstrap, `fl-${run.runId}-harness`, {}, kafkaLog);
    const topics = {
      input: `fl.${run.runId}.in`,
      output: `fl.${run.runId}.out`,
      partitions: run.scenario.parallelism.source,
    };
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(async () => {
      // Every topic of the run (engines add their own, e.g. a sink's transaction markers).
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(`fl.${run.runId}.`));
      if (!opts.keepTopics && mine.length)
        await admin.deleteTopics({ topics: mine, timeout: 10_000 }).catch(() => {});
      // And every consumer group of the run (the collector's, sources' per attempt, 2PC restore readers): by
      // now their members have left. A shared Kafka would otherwise keep them until offsets retention.
      // A member that did not leave (a worker killed at the end of its grace) keeps its group non-empty until its
      // session times out (10 s for the engines' consumers): retry until then.
      const runGroups = async () =>
        (await admin.listGroups()).groups
          .map((g) => g.groupId)
          .filter((g) => g.startsWith(`fl-${run.runId}-`));
      const deadline = Date.now() + GROUP_SESSION_WAIT_MS;
      for (let groups = await runGroups(); groups.length > 0; groups = await runGroups()) {
        await admin.deleteGroups(groups).catch(() => {});
        if (Date.now() > deadline) break;
        if ((await runGroups()).length > 0) await systemClock.sleep(1000);
      }
      await admin.disconnect();
    });
    cleanups.push(() => deleteRedisKeys(infra, `fl:${run.runId}:*`));
    await createTopicsWithLeaders(admin, [
      { topic: topics.input, numPartitions: topics.partitions },
      { topic: topics.output, numPartitions: topics.partitions },
    ]);

    const operatorWorkers = topologyFor(run.topology, run.scenario.parallelism).instances.length;
    profileDir = opts.cpuProfile ? join(dir, 'profiles') : undefined;
    if (profileDir) harnessProfile = await profileHarness();
    const placement = await placementFor(infra, run.runId, operatorWorkers, opts.cpus, profileDir);
    if (placement) cleanups.push(() => placement.launcher.close());
    const runDir = dir;
    const eventsBuffer: EngineEvent[] = [];
    let lastRecoveryUs: number | undefined;
    const onEvent = (e: EngineEvent) => {
      eventsBuffer.push(e);
      if (RECOVERY_STEPS.has(e.type)) lastRecoveryUs = Math.max(lastRecoveryUs ?? 0, e.at);
      files?.event(e);
    };
    const plan: DeployPlan = {
      runId: run.runId,
      runDir,
      guarantee: run.guarantee,
      seed: run.seed,
      workload: {
        name: run.workloadName,
        module: WORKLOAD_MODULE,
        dataPath: opts.dataPath,
        modelPath: run.modelPath,
      },
      topics,
      services: servicesOf(infra),
      placement,
      parallelism: run.scenario.parallelism,
      topology: run.topology,
      options: run.engineOptions,
      onEvent,
    };

    // Targets resolve at injection time: a restarted worker has a new pid.
    const resolver = (): TargetResolver => ({
      processes: () => deployment?.faultTargets().processes ?? {},
      links: () => deployment?.faultTargets().links ?? {},
      toxiproxyApi: infra.toxiproxy.api,
      controls: () => deployment?.faultTargets().controls ?? {},
      services: serviceControl(infra),
    });
    const faults = [...run.scenario.faults, ...expandRandomFaults(run.scenario.random, run.seed)];
    const runErrors: RunError[] = [];

    const startMs = Date.now();
    const driftAtStartMs = wallClockDriftMs();
    files = openRunFiles(dir);
    const scenarioJson = {
      ...run.scenario,
      engine: run.engine.name,
      guarantee: run.guarantee,
      workload: run.workloadName,
      rate: run.rate,
      durationS: run.durationS,
      warmupS: run.warmupS,
      drainS: run.drainS,
      seed: run.seed,
      modelPath: run.modelPath,
      engineOptions: run.engineOptions,
      // With the engine's defaults filled in: what the run really used.
      resolvedEngineOptions: run.engine.parseOptions?.(run.engineOptions, run.guarantee) ?? run.engineOptions,
      // `chain` or `fan-out` (what the report's claims read), and its edges.
      topology: run.topology,
      edges: topologyFor(run.topology, run.scenario.parallelism).edges,
      runId: run.runId,
    };
    files.writeJson('scenario.json', scenarioJson);
    const environment = {
      ...describeEnvironment(infra, provider),
      ...(opts.cpus === undefined ? {} : { engineCpus: opts.cpus }),
    };
    files.writeJson('environment.json', environment);

    deployment = await timed(progress, `Deploying ${run.engine.name} (${run.guarantee})`, async () => {
      const d = await run.engine.deploy(plan);
      deployment = d;
      await d.ready();
      return d;
    });
    try {
      validateFaults(faults, resolver());
    } catch (e) {
      // Bad input found only now (targets come from the deployment): leave nothing half-written.
      await deployment.stop();
      deployment = undefined;
      await files.close();
      files = undefined;
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }

    // The load: warm-up + measured duration, open loop.
    const scheduleSpec = { rate: run.rate, durationS: run.warmupS + run.durationS };
    const schedule = createSchedule(scheduleSpec);
    const branches = run.topology === 'fan-out' ? FAN_OUT_BRANCHES : null;
    const checker = createAccounting({ expectedIds: schedule.count, branches });
    const acked = new IdSet(schedule.count);
    const runStartUs = systemClock.nowUs() + 3_000_000; // room for the collector to join
    /**
     * Events Kafka acknowledged to the generator, per second of their send (the bench's backlog). By the send,
     * not the ack: the collector can read a record before its ack reaches this thread, and a count by the ack
     * then made the backlog (produced − delivered) negative for a moment. Nothing is read before it was sent.
     */
    const producedBySecond: number[] = [];
    const harnessOnly = run.engine === harnessPipe;
    const warmupEndUs = runStartUs + run.warmupS * 1e6;
    const toMonotonicUs = (wallUs: number) => wallUs - systemClock.nowUs() + monotonicUs();
    profileWindow = {
      fromUs: toMonotonicUs(warmupEndUs),
      toUs: toMonotonicUs(runStartUs + (run.warmupS + run.durationS) * 1e6),
    };
    files.setOrigin(runStartUs / 1000);
    const untrusted: { id: number; why: string }[] = [];
    /** The generator's own schedule, the same expression it stamps events with; null for an id it never had. */
    const intendedUs = (id: number) =>
      id >= 0 && id < schedule.count ? Math.round(runStartUs + schedule.offsetUs(id)) : null;
    const collector = createCollector({
      kafka: (extra) => createKafka(infra.kafka.bootstrap, `fl-${run.runId}-collector`, extra, kafkaLog),
      topic: topics.output,
      groupId: `fl-${run.runId}-collector`,
      runStartUs,
      warmupEndUs,
      intendedUs,
      observe: (id, score, readUs, branch) =>
        checker.observe(id, score, (readUs - runStartUs) / 1000, branch),
      onUntrusted: (id, why, branch) => {
        checker.observeUnexpected(id, branch);
        if (untrusted.length < SAMPLE_LIMIT) untrusted.push({ id, why });
      },
      onSecond: (row, interval) => files?.second(row, interval),
      producedIn: (second) => producedBySecond[second] ?? 0,
      onIncident: ({ atUs, ...rest }) => onEvent({ at: atUs, ...rest }),
    });
    await timed(progress, 'Starting the collector', () => collector.start());
    cleanups.unshift(() => collector.stop());

    const workload = getWorkload(run.workloadName);
    const source = await workload.source({ seed: run.seed, dataPath: opts.dataPath });
    // On a thread of its own: producing does not delay the collector's reads (generator-thread.ts).
    const generator = startGeneratorThread({
      bootstrap: infra.kafka.bootstrap,
      clientId: `fl-${run.runId}-generator`,
      // The harness alone: output-shaped records straight to the output topic (harness-pipe.ts).
      topic: harnessOnly ? topics.output : topics.input,
      outputShaped: harnessOnly,
      workload: run.workloadName,
      seed: run.seed,
      ...(opts.dataPath ? { dataPath: opts.dataPath } : {}),
      schedule: scheduleSpec,
      startUs: runStartUs,
      ...(profileDir ? { profileDir } : {}),
      onAcked: (from, to, _atUs, sentUs) => {
        for (let id = from; id < to; id++) acked.add(id);
        const second = Math.max(0, Math.floor((sentUs - runStartUs) / 1e6));
        producedBySecond[second] = (producedBySecond[second] ?? 0) + (to - from);
      },
      onFailed: (from, to, e) =>
        onEvent({ at: systemClock.nowUs(), type: 'generator.send-failed', from, to, error: e.message }),
      log: kafkaLog,
    });
    const nemesis = createNemesis(faults, resolver(), {
      onFault: (r, phase) => {
        const now = systemClock.nowUs();
        // An injection is placed when it began: a `docker kill` or a Toxiproxy call takes a while to return,
        // and the engine may notice the fault before that. `tookMs` keeps how long the action took.
        const at = phase === 'inject' ? runStartUs + Math.round(r.at * 1e6) : now;
        onEvent({
          at,
          type: `fault.${phase}`,
          kind: r.kind,
          target: r.target,
          fromS: r.at,
          untilS: r.until,
          ...(phase === 'inject' ? { tookMs: Math.round((now - at) / 1000) } : {}),
        });
      },
      onError: (e, info) => {
        onEvent({
          at: runStartUs + Math.round(info.at * 1e6),
          type: 'fault.error',
          phase: info.phase,
          kind: info.kind,
          target: info.target,
          error: e.message,
        });
        runErrors.push({ phase: `fault ${info.phase}`, error: `${info.kind} ${info.target}: ${e.message}` });
      },
      onSkip: (info) => {
        onEvent({
          at: runStartUs + Math.round(info.at * 1e6),
          type: 'fault.skipped',
          kind: info.kind,
          target: info.target,
          reason: info.error,
        });
      },
    });
    cleanups.unshift(() => nemesis.healAll());
    nemesis.start(warmupEndUs, runStartUs);

    let phase: RunTick['phase'] = 'warmup';
    let lastDelivered = 0;
    const ticker = setInterval(() => {
      const now = systemClock.nowUs();
      const second = Math.floor((now - runStartUs) / 1e6);
      if (phase === 'warmup' && now >= warmupEndUs) phase = 'load';
      const rows = collector.rows();
      const last = rows.at(-1);
      const delivered = checker.deliveredCount();
      const s = generator.stats();
      opts.onTick?.({
        second,
        attempted: s.attempted,
        acked: s.acked,
        delivered,
        ratePerS: delivered - lastDelivered,
        p99Ms: last?.p99Us != null ? last.p99Us / 1000 : null,
        phase,
      });
      lastDelivered = delivered;
    }, 1000);
    cleanups.unshift(async () => clearInterval(ticker));

    const committed = opts.sampleConsumerLag
      ? (run.engine.committedOffsets?.(run.engineOptions, run.guarantee) ?? null)
      : null;
    const consumerLag: ConsumerLagSample[] | null = committed ? [] : null;
    let lagSampling = Promise.resolve();
    const lagTicker = committed
      ? setInterval(() => {
          const second = Math.floor((systemClock.nowUs() - runStartUs) / 1e6);
          // One read at a time: a slow admin call skips a second rather than piling up.
          lagSampling = lagSampling.then(() =>
            readConsumerLag(admin, run.runId, committed.groupInfix, topics.input)
              .then((lag) => void consumerLag!.push({ second, lag }))
              .catch(() => void consumerLag!.push({ second, lag: null })),
          );
        }, 1000)
      : undefined;
    cleanups.unshift(async () => clearInterval(lagTicker));

    // Where the CPU goes over the measured seconds (after the warm-up, to the load's end).
    let cpuAccount: ReturnType<typeof startCpuAccount> | undefined;
    const cpuStart = setTimeout(
      () => {
        cpuAccount = startCpuAccount({
          enginePids: () => (deployment?.workers() ?? []).flatMap((w) => (w.pid === null ? [] : [w.pid])),
        });
      },
      Math.max(0, (warmupEndUs - systemClock.nowUs()) / 1000),
    );
    cleanups.unshift(async () => clearTimeout(cpuStart));

    const interrupt = () => generator.stop();
    opts.signal?.addEventListener('abort', interrupt, { once: true });
    if (opts.signal?.aborted) interrupt();
    const genStats = await generator.run();
    clearTimeout(cpuStart);
    const cpu = cpuAccount?.stop();
    if (cpu)
      profiledCpu = { wallS: cpu.wallS, engineCores: cpu.cores.engine, harnessCores: cpu.cores.harness };
    clearInterval(lagTicker);
    await lagSampling;
    opts.signal?.removeEventListener('abort', interrupt);
    const loadEndS = run.warmupS + run.durationS;
    // When the load really ended: an interrupt stops it early, and a recovery is censored at that, not at the plan.
    let loadEndedS = loadEndS;
    if (opts.signal?.aborted) {
      const atS = Math.max(0, (systemClock.nowUs() - runStartUs) / 1e6);
      loadEndedS = Math.min(atS, loadEndS);
      runErrors.push({
        phase: 'interrupted',
        error: `interrupted at ${atS.toFixed(1)} s of ${loadEndS} s: ${genStats.attempted} of ${schedule.count} events were sent`,
      });
    }
    // Heal first: a fault still active when the load ends would otherwise show up as loss.
    phase = 'drain';
    await nemesis.healAll();
    const drain = await drainOutput({
      delivered: () => checker.deliveredCount(),
      quietMs: Math.max(MIN_QUIET_MS, run.engine.replayHorizonMs?.(run.engineOptions) ?? MIN_QUIET_MS),
      capS: run.drainS,
      progress,
      signal: opts.signal,
      starting: () =>
        deployment
          ?.workers()
          .filter((w) => w.starting)
          .map((w) => w.id) ?? [],
      lastRecoveryUs: () => lastRecoveryUs,
      reading: () => collector.reading(),
    });
    clearInterval(ticker);
    await timed(progress, 'Stopping the collector', () => collector.stop());

    // ---- analyse: whatever fails here, the run's files and a summary with the verdict "unknown" remain.
    const analysisErrors: RunError[] = [];
    const notes: string[] = nemesis
      .skipped()
      .map(
        (s) =>
          `${s.kind} ${s.target} at ${s.at.toFixed(1)} s was skipped: the target was not running (being restarted); not a fault of this run`,
      );
    const wallClockStepMs = Math.round(wallClockDriftMs() - driftAtStartMs);
    if (Math.abs(wallClockStepMs) >= WALL_CLOCK_STEP_MS)
      notes.push(
        `the wall clock stepped ${wallClockStepText(wallClockStepMs)} during the run (a paused virtual machine, or NTP): no process's clock followed it (all stamp the machine's monotonic clock), so no latency moved`,
      );
    /** Reference scores per branch ('' on a chain): each fan-out branch is checked against its own scorer. */
    const expectedScores = new Map<string, Float64Array>();
    try {
      await timed(progress, 'Checking outputs against the reference scorer', async () => {
        for (const branch of branches?.map((b) => b.branch) ?? ['']) {
          expectedScores.set(
            branch,
            opts.referenceScores
              ? opts.referenceScores(acked, schedule.count)
              : harnessOnly
                ? new Float64Array(schedule.count).fill(Number.NaN) // nothing scored: no reference
                : await referenceScores(run, workload, source, acked, schedule.count, branch),
          );
        }
      });
    } catch (e) {
      expectedScores.clear();
      analysisErrors.push({ phase: 'reference scorer', error: (e as Error).message });
      notes.push('incorrect: unknown, the reference scorer failed');
    }
    const result = checker.finish({
      attempted: genStats.attempted,
      acked,
      expected: (branch, id) => expectedScores.get(branch)?.[id] ?? Number.NaN,
    });
    const counts = deliveryCounts(result);
    // The evidence behind a loss, and behind any count after the collector's own trouble: a second reader.
    let audit: { note: string; unknown: boolean } | undefined;
    if ((counts.lost > 0 || collector.health()) && !opts.signal?.aborted)
      audit = await timed(progress, 'Auditing the output topic with an independent reader', () =>
        auditOutput({
          kafka,
          topic: topics.output,
          groupId: `fl-${run.runId}-audit`,
          trusted: (id, t) => intendedUs(id) === t,
          collectorRead: (branch, id) => collector.read(branch, id),
        }),
      ).then(
        (a) => auditNote(a, counts.lost),
        (e: Error) => ({
          note: `the output audit failed (${e.message}): the collector's reads stand unchecked`,
          unknown: false,
        }),
      );
    const settled = verdictFor(run.guarantee, counts);
    // Outputs the collector missed are like outputs still to come: what they could change is not established.
    const verdict =
      drain.endedBy === 'quiet' && !audit?.unknown
        ? settled
        : verdictWithOpenDrain(run.guarantee, counts, settled);
    notes.unshift(...verdict.notes);
    if (audit) notes.push(audit.note);
    if (drain.endedBy === 'cap')
      notes.push(
        drain.readerDown
          ? `the drain reached its cap (${drain.durationMs} ms) with the collector's Kafka consumer down: outputs it did not read may be missing`
          : drain.stillStarting
            ? `the drain reached its cap (${drain.durationMs} ms) while ${drain.stillStarting.join(', ')} ${drain.stillStarting.length > 1 ? 'were' : 'was'} still being restarted: late outputs may be missing`
            : `the drain reached its cap (${drain.durationMs} ms) while output was still arriving: late outputs may be missing`,
      );
    const collectorNote = collectorIncidentsNote(collector.incidents(), runStartUs);
    if (collectorNote) notes.push(collectorNote);
    if (untrusted.length > 0)
      notes.push(
        `outputs that are no trusted delivery of their id count as unexpected (e.g. id ${untrusted[0]!.id}: ${untrusted[0]!.why})`,
      );
    if (result.deliveredUnacked > 0)
      notes.push(
        `${result.deliveredUnacked} ids were delivered although Kafka never acknowledged them to the generator`,
      );
    if (result.unattributed > 0)
      notes.push(
        `${result.unattributed} outputs count as unexpected on no branch (their branch is missing or unknown, or they are no trusted delivery)`,
      );
    if (collector.malformed() > 0) notes.push(`${collector.malformed()} output messages were not valid JSON`);
    const lagP99 = genStats.lag.totalCount ? genStats.lag.getValueAtPercentile(99) / 1000 : 0;
    if (lagP99 > 100)
      notes.push(
        `the load generator fell behind its schedule (p99 lag ${lagP99.toFixed(1)} ms): latency includes that delay`,
      );
    const saturated = cpu && saturationNote(cpu);
    if (saturated) notes.push(saturated);

    const rows = collector.rows();
    const measured = rows.filter((r) => r.second >= run.warmupS && r.second < run.warmupS + run.durationS);
    // Outputs per record: one on a chain, one per branch on a fan-out. Throughput and recovery's rate test are in
    // records per second, as the target is.
    const outputsPerRecord = branches?.length ?? 1;
    const meanPerS = measured.length
      ? measured.reduce((a, r) => a + r.outputs, 0) / measured.length / outputsPerRecord
      : 0;
    const latency = summarizeMs(collector.total);
    const split = collector.split.fields(notes);
    const faultRecords = nemesis.records();
    const allowLoss = run.guarantee === 'at-most-once' || run.guarantee === 'none';
    let recovery: RecoveryEntry[] = [];
    try {
      recovery = recoveryTimes({
        series: rows.map((r) => ({ second: r.second, outputs: r.outputs, p99Us: r.p99Us })),
        // The series counts outputs: a fan-out's target is one output per record and branch.
        targetRate: run.rate * outputsPerRecord,
        faults: faultRecords,
        events: eventsBuffer,
        runStartUs,
        loadEndS: loadEndedS,
        outputTimesUs: collector.firstReadsUs(),
        readerGapsUs: collector.gapsUs(),
        // What never arrived is "never" only after a drain that ended quiet and reads the audit trusts.
        ...(drain.endedBy === 'quiet' && !audit?.unknown
          ? {}
          : {
              deliveryOpen:
                drain.endedBy === 'interrupted'
                  ? 'the run was interrupted during its drain'
                  : drain.endedBy === 'cap'
                    ? `the drain reached its cap (${drain.durationMs} ms) while output was still arriving`
                    : 'an independent read of the output found deliveries the collector never read',
            }),
        backlogDeliveredAtS: (atS) => {
          // Ids intended before the injection: offsetUs is increasing, so a binary search finds the first after.
          const cut = firstIdAtOrAfter(schedule, atS * 1e6);
          const ms = checker.backlogDeliveredAt(cut, acked, allowLoss);
          return ms === null ? null : Math.max(atS, ms / 1000);
        },
        ...recoverySettings(run.scenario),
        detectionEventTypes: [...DETECTION_EVENT_TYPES, ...(run.engine.detectionEvents ?? [])],
      });
    } catch (e) {
      analysisErrors.push({ phase: 'recovery', error: (e as Error).message });
    }
    const workers = deployment.workers();
    const summary: RunSummary = {
      schema: SUMMARY_SCHEMA,
      runId: run.runId,
      startedAt: new Date(startMs).toISOString(),
      runStartUs,
      engine: run.engine.name,
      guarantee: run.guarantee,
      workload: run.workloadName,
      model: runModel(run),
      scenario: run.scenario.name,
      seed: run.seed,
      rate: run.rate,
      durationS: run.durationS,
      warmupS: run.warmupS,
      counts,
      ...(branches ? { topology: run.topology, branches: result.branches } : {}),
      latencyMs: withoutCount(latency),
      ...split,
      ...(Math.abs(wallClockStepMs) >= WALL_CLOCK_STEP_MS ? { wallClockStepMs } : {}),
      throughput: { targetPerS: run.rate, meanPerS: Math.round(meanPerS * 10) / 10 },
      generator: {
        attempted: genStats.attempted,
        acked: genStats.acked,
        failed: genStats.failed,
        lagP99Ms: lagP99,
        lagMaxMs: genStats.lag.totalCount ? genStats.lag.maxValue / 1000 : 0,
      },
      faults: faultRecords,
      recovery,
      recoveryDefinition: RECOVERY_DEFINITION,
      blastRadius: {
        workersTotal: workers.length,
        workersRestarted: deployment.restartedWorkers().length,
        recordsReplayed: deployment.recordsReplayed(),
        restartedWorkers: deployment.restartedWorkers(),
      },
      ...(run.engine.horizon ? { horizon: run.engine.horizon(run.engineOptions) } : {}),
      drain,
      ...(cpu ? { cpu } : {}),
      ...(collector.health() ? { collector: collector.health() } : {}),
      ...(opts.signal?.aborted ? { interrupted: true as const } : {}),
      errors: [...runErrors, ...analysisErrors],
      verdict: {
        // A fault that could not be injected, or an analysis that failed: the evidence is incomplete.
        guaranteeHeld:
          runErrors.length + analysisErrors.length > 0
            ? mergeVerdicts(verdict.guaranteeHeld, 'unknown')
            : verdict.guaranteeHeld,
        notes: [...notes, ...[...runErrors, ...analysisErrors].map((e) => `error (${e.phase}): ${e.error}`)],
      },
      environment: {
        gitSha: environment.gitSha,
        node: environment.node,
        kafka: environment.kafka,
        redis: environment.redis,
        toxiproxy: environment.toxiproxy,
        cpus: environment.cpus,
        provider: environment.provider,
      },
    };
    files.writeJson('samples.json', { ...result.samples, untrusted });
    files.writeJson('summary.json', summary);
    return { dir, summary, series: rows, consumerLag };
  } catch (e) {
    if (isFaultlineError(e)) throw e;
    throw new HarnessError(`run ${run.runId} failed: ${(e as Error).message}`, { cause: e });
  } finally {
    await timed(progress, 'Stopping the engine and removing topics and state', async () => {
      if (profileDir) await harnessProfile?.stop(profileDir).catch(() => {});
      if (deployment) await deployment.stop().catch(() => {});
      // The workers wrote their profiles as they exited.
      if (profileDir && existsSync(profileDir))
        writeFileSync(
          join(profileDir, 'summary.txt'),
          formatProfiles(readProfiles(profileDir, 8, profileWindow), 5, profiledCpu),
        );
      for (const c of cleanups) await c().catch(() => {});
      await ownInfra?.stop().catch(() => {});
      await files?.close();
    });
  }
}

async function deleteRedisKeys(infra: InfraEndpoints, pattern: string): Promise<void> {
  const redis = new Redis({ host: infra.redis.host, port: infra.redis.port, maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The scenario's recovery settings, in recoveryTimes' terms (absent ones keep the defaults). */
function recoverySettings(
  scenario: Scenario,
): Pick<RecoveryInput, 'windowS' | 'rateTolerance' | 'p99Factor'> {
  return { ...scenario.recovery };
}

function withoutCount<T extends { count: number }>({ count: _count, ...rest }: T): Omit<T, 'count'> {
  return rest;
}

/** The model a run scores with, as its summary and report name it. */
function runModel(run: ResolvedRun): RunModel {
  return {
    path: run.modelPath,
    trainer: trainerOf(run.model),
    kind: run.model.kind,
    ...(run.model.h2o ? { h2oVersion: run.model.h2o.version } : {}),
  };
}
