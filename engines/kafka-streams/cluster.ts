/**
 * Kafka Streams instances on this machine (issue 21): `instances` JVMs, each a Streams client of the same
 * application (`fl-<run>-kstreams`, also its consumer group), running FaultlineStreams (./java) with a config
 * written into the run's folder. There is no coordinator process: the group coordinator is the broker, which
 * hands the tasks (one per input partition) to the instances and moves a dead one's to the others when its
 * session times out.
 *
 * faultline's terms: each instance JVM is a worker (`instance[i]`); an operator instance id (`features[1]`)
 * names the instance that runs its task now — task 0_p processes input partition p through every operator, so
 * `op[i]` lives in task 0_(i mod partitions), and the target follows the placement the app reports (each task's
 * processor init). This module supervises the JVMs from the host, outside the reach of process faults: an
 * instance that exits unasked is started again `supervisorCheckMs` later (as Kubernetes or systemd would).
 *
 * Events: worker.started / worker.failed / worker.restarting / worker.restarted / worker.stopped for the JVMs
 * (this parent sees the exits), and the app's own (app-signals.ts): its state listener (job.restarting on
 * REBALANCING, job.running on RUNNING with the active tasks, job.cancelled on ERROR), task.started per task
 * opened, task.restored per store restored from its changelog, failure.detected per uncaught error.
 */
import { appendFileSync, createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { createKafka } from '../../clients/kafka.ts';
import { systemClock } from '../../core/clock.ts';
import { TimeoutError } from '../../core/errors.ts';
import type { NewEngineEvent } from '../../core/types.ts';
import { placementOf, processesOf } from '../runtime/placement.ts';
import { type ProcessSlot, stopSlots } from '../runtime/process-slot.ts';
import { currentProcessControl } from '../runtime/processes.ts';
import { readyGate } from '../runtime/ready-gate.ts';
import { topologyFor } from '../runtime/topology.ts';
import type { Deployment, DeployPlan, ProcessControl, WorkerInfo } from '../types.ts';
import { createAppSignals, instanceId, parseAppLine, taskOf } from './app-signals.ts';
import type { KafkaStreamsOptions } from './options.ts';
import type { StreamsProgram } from './provision.ts';

export const APP_MAIN_CLASS = 'dev.faultline.kstreams.FaultlineStreams';
/** Heap of each instance: its state is small (a few KB per key) and RocksDB keeps its blocks off the heap. */
const JVM_FLAGS = ['-Xms64m', '-Xmx256m', '-XX:+UseSerialGC'];
/** The JIT option's flags (options.ts `jit`). */
const JIT_FLAGS = { c1: ['-XX:TieredStopAtLevel=1'], full: [] } as const;

export const applicationId = (runId: string) => `fl-${runId}-kstreams`;

/** What the app's main reads (FaultlineStreams.java), for instance `instance`. */
export function appConfig(
  plan: DeployPlan,
  options: KafkaStreamsOptions,
  instance: number,
  stateDir: string,
): Record<string, unknown> {
  return {
    applicationId: applicationId(plan.runId),
    instance,
    guarantee: plan.guarantee,
    workload: plan.workload.name,
    modelPath: plan.workload.modelPath,
    bootstrap: placementOf(plan).kafka.bootstrap,
    inputTopic: plan.topics.input,
    outputTopic: plan.topics.output,
    stateDir,
    threads: options.threads,
    commitIntervalMs: options.commitIntervalMs,
    standbyReplicas: options.standbyReplicas,
    sessionTimeoutMs: options.sessionTimeoutMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
  };
}

/** An instance's slot: its index among the app's instances too. */
interface InstanceSlot extends ProcessSlot {
  index: number;
}

export async function deployStreamsApp(
  plan: DeployPlan,
  options: KafkaStreamsOptions,
  program: StreamsProgram,
): Promise<Deployment> {
  const dir = join(plan.runDir, 'kafka-streams');
  const logDir = join(plan.runDir, 'workers');
  mkdirSync(logDir, { recursive: true });
  const partitions = plan.topics.partitions;
  const emit = (e: NewEngineEvent) => plan.onEvent({ at: systemClock.nowUs(), ...e });
  const operatorInstances = topologyFor(plan.topology, plan.parallelism).instances;
  const signals = createAppSignals(options.instances, partitions);
  const configFiles = Array.from({ length: options.instances }, (_, i) => {
    const stateDir = join(dir, `state-${i}`);
    mkdirSync(stateDir, { recursive: true });
    const file = join(dir, `instance-${i}.json`);
    writeFileSync(file, `${JSON.stringify(appConfig(plan, options, i, stateDir), null, 2)}\n`);
    return file;
  });

  let stopping = false;
  let serving = false;
  const launchMs = options.launchTimeoutS * 1000;
  const gate = readyGate(
    launchMs,
    () =>
      new TimeoutError('kafka-streams: every instance running with its tasks', launchMs, {
        fix: `read the logs in ${logDir}`,
      }),
  );
  const slots: InstanceSlot[] = Array.from({ length: options.instances }, (_, i) => ({
    index: i,
    id: instanceId(i),
    attempt: -1,
    alive: false,
  }));

  const checkServing = () => {
    if (serving || !signals.running()) return;
    serving = true;
    // Tasks opened from here on are restarts (the first assignment may move a task once while instances join).
    signals.markBaseline();
    gate.open();
  };

  const processes = processesOf(plan);
  /** What the JVMs read (the jars, the model) and write (the run's folder: config, state, tmp). */
  const paths = [
    { path: program.home, writable: false },
    { path: dirname(plan.workload.modelPath), writable: false },
    { path: plan.runDir, writable: true },
  ];
  const failStart = (e: Error) => gate.fail(e);
  const start = async (slot: InstanceSlot) => {
    slot.attempt += 1;
    const attempt = slot.attempt;
    const log = createWriteStream(join(logDir, `${slot.id}.log`), { flags: 'a' });
    // stdin stays open: the app halts when it closes (this runner died; engines/runtime/processes.ts).
    // Its own temp folder: RocksDB unpacks its native library (14 MB) there at every start and a killed JVM
    // never deletes it; the folder goes at stop.
    const tmp = join(dir, `tmp-${slot.index}`);
    mkdirSync(tmp, { recursive: true });
    const proc = await processes.start({
      id: slot.id,
      attempt,
      command: [
        program.java,
        ...JVM_FLAGS,
        ...JIT_FLAGS[options.jit],
        `-Djava.io.tmpdir=${tmp}`,
        '-cp',
        program.classpath,
        APP_MAIN_CLASS,
        configFiles[slot.index]!,
      ],
      cwd: dir,
      paths,
    });
    slot.child = proc;
    slot.alive = true;
    proc.stderr.pipe(log);
    createInterface({ input: proc.stdout }).on('line', (line) => {
      log.write(`${line}\n`);
      const parsed = parseAppLine(line);
      if (!parsed || slot.child !== proc) return;
      const event = signals.observe(slot.index, parsed);
      if (event) plan.onEvent({ ...event, attempt });
      checkServing();
    });
    emit({
      type: attempt === 0 ? 'worker.started' : 'worker.restarted',
      worker: slot.id,
      attempt,
      pid: proc.pid,
    });
    void proc.exited.then(({ code, signal }) => {
      if (slot.child !== proc) return;
      slot.alive = false;
      signals.exited(slot.index);
      if (stopping) return;
      emit({ type: 'worker.failed', worker: slot.id, attempt, code, signal });
      emit({
        type: 'worker.restarting',
        worker: slot.id,
        attempt: attempt + 1,
        inMs: options.supervisorCheckMs,
      });
      slot.restartTimer = setTimeout(() => {
        if (!stopping) void start(slot).catch(failStart);
      }, options.supervisorCheckMs);
    });
  };
  for (const slot of slots) void start(slot).catch(failStart);

  /** The instance a worker id names now: `instance[i]`, or the one running the operator instance's task. */
  const slotOf = (id: string): InstanceSlot | undefined => {
    const own = slots.find((s) => s.id === id);
    if (own) return own;
    const instance = operatorInstances.find((i) => i.id === id)?.instance;
    if (instance === undefined) return undefined;
    const task = taskOf(instance, partitions);
    // Not placed yet (before the first assignment): the assignor spreads tasks over the instances in turn.
    return slots[signals.ownerOf(task) ?? (instance % partitions) % slots.length];
  };
  const controlOf = (id: string): ProcessControl =>
    currentProcessControl(() => {
      const slot = slotOf(id);
      return slot?.alive ? slot.child : undefined;
    }, processes.kind !== 'local');
  const targetIds = [...operatorInstances.map((i) => i.id), ...slots.map((s) => s.id)];

  /** The application's internal topics (the store's changelog) go with the run. */
  const deleteInternalTopics = async () => {
    // Its client errors go to the run's folder, not the user's terminal.
    const admin = createKafka(
      plan.services.kafka.bootstrap,
      `${applicationId(plan.runId)}-admin`,
      {},
      (line) => appendFileSync(join(dir, 'admin-kafka.log'), line),
    ).admin();
    await admin.connect();
    try {
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${applicationId(plan.runId)}-`));
      if (mine.length) await admin.deleteTopics({ topics: mine, timeout: 10_000 });
    } finally {
      await admin.disconnect();
    }
  };

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    gate.fail(new Error('kafka-streams: stopped before the app ran'));
    // SIGTERM: the app's shutdown hook closes the client (commits, leaves the group).
    await stopSlots(slots, 15_000, emit);
    for (const s of slots) rmSync(join(dir, `tmp-${s.index}`), { recursive: true, force: true });
    await deleteInternalTopics().catch(() => {});
  };

  /** Operator instances whose task was opened again since the app first ran (moved or restarted). */
  const restarted = () =>
    operatorInstances.filter((i) => signals.restarts(taskOf(i.instance, partitions)) > 0).map((i) => i.id);

  return {
    workers(): WorkerInfo[] {
      return operatorInstances.map((i) => {
        const slot = slotOf(i.id);
        const task = taskOf(i.instance, partitions);
        const owner = signals.ownerOf(task);
        return {
          id: i.id,
          operator: i.operator,
          instance: i.instance,
          pid: slot?.alive ? (slot.child?.pid ?? null) : null,
          attempt: signals.restarts(task),
          alive: slot?.alive ?? false,
          // Its task is not running: not open anywhere, or its instance is not RUNNING (rebalancing, restoring).
          starting: owner === undefined || signals.state(owner) !== 'RUNNING',
        };
      });
    },
    faultTargets() {
      return {
        processes: Object.fromEntries(
          targetIds.map((id) => {
            const slot = slotOf(id);
            return [id, slot?.alive ? (slot.child?.pid ?? null) : null];
          }),
        ),
        controls: Object.fromEntries(targetIds.map((id) => [id, slotOf(id)?.alive ? controlOf(id) : null])),
        links: {},
      };
    },
    ready: () => gate.wait(),
    restartedWorkers: restarted,
    // Not measured: Streams does not say how many input records a task reprocessed after it restarted from the
    // last commit (task.restored's `records` are changelog records, the store's state, not input).
    recordsReplayed: () => null,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
