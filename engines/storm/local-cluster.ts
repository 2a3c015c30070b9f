/**
 * The single-node Storm deployment: one JVM running the topology in Storm's LocalCluster (in-process ZooKeeper,
 * nimbus, a supervisor and one worker, every executor in it). This module is the host-side supervisor of that
 * JVM, outside the reach of process faults: it starts it, tells when it has submitted the topology (ready),
 * and after an exit it did not ask for relaunches it `supervisorCheckMs` later, as Storm's supervisor relaunches
 * a dead worker; the KafkaSpout then resumes from the consumer group's committed offsets and Redis keeps
 * whatever state the dead worker had written (not rolled back).
 *
 * Fault targets: with every executor in one worker, each operator instance id (`features[1]`, `source[0]`…)
 * and `worker` name that JVM, so a kill of `features[1]` kills the whole worker (blast radius: every instance),
 * which is what SIGKILL of a Storm worker process does to the executors it hosts.
 * Events (all observed by this parent, which is reliable): worker.started at spawn, worker.serving when the JVM
 * printed that it submitted the topology and every spout task has its partitions, worker.failed on an exit nobody asked for (this parent's exit
 * watch stands in for Storm's supervisor noticing its worker's death), worker.restarting and worker.restarted
 * around a relaunch, worker.stopped at the end; and Storm's own, from the KafkaSpout's tuple listener
 * (SpoutEvents.java): tuple.failed (a fail or a message timeout scheduled a retry), tuple.replayed (tuples
 * emitted again), source.positioned (partitions assigned).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../core/clock.ts';
import { ServiceFailedError, TimeoutError } from '../../core/errors.ts';
import { EV, isEventType } from '../../core/events.ts';
import type { NewEngineEvent } from '../../core/types.ts';
import { placementOf } from '../runtime/placement.ts';
import { readyGate } from '../runtime/ready-gate.ts';
import { topologyFor } from '../runtime/topology.ts';
import type { Deployment, DeployPlan, ProcessControl, WorkerInfo } from '../types.ts';
import type { StormOptions } from './options.ts';
import { STORM_MAIN_CLASS, type StormProgram } from './provision.ts';

/** The fault target naming the worker JVM itself, beside the operator instance ids. */
export const STORM_WORKER = 'worker';
const SUBMITTED = 'faultline-storm: submitted';
const EVENT_PREFIX = 'faultline-event ';

/** A `faultline-event` line's JSON, when it is an event of the vocabulary (anything else is only logged). */
export function parseSpoutEvent(json: string): NewEngineEvent | undefined {
  try {
    const event = JSON.parse(json) as { type?: unknown };
    return isEventType(event.type) ? (event as NewEngineEvent) : undefined;
  } catch {
    return undefined;
  }
}

/** What the topology's main reads (FaultlineTopology.java). */
export function topologyConfig(plan: DeployPlan, options: StormOptions): Record<string, unknown> {
  const placement = placementOf(plan);
  return {
    runId: plan.runId,
    guarantee: plan.guarantee,
    workload: plan.workload.name,
    modelPath: plan.workload.modelPath,
    bootstrap: placement.kafka.bootstrap,
    inputTopic: plan.topics.input,
    outputTopic: plan.topics.output,
    groupId: `fl-${plan.runId}-storm`,
    redisHost: placement.redis.host,
    redisPort: placement.redis.port,
    parallelism: plan.parallelism,
    ...options,
  };
}

export function deployLocalCluster(
  plan: DeployPlan,
  options: StormOptions,
  program: StormProgram,
): Deployment {
  const dir = join(plan.runDir, 'storm');
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(plan.runDir, 'workers'), { recursive: true });
  const configFile = join(dir, 'topology.json');
  writeFileSync(configFile, `${JSON.stringify(topologyConfig(plan, options), null, 2)}\n`);
  const logFile = join(plan.runDir, 'workers', `${STORM_WORKER}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const instances = topologyFor(plan.topology, plan.parallelism).instances;
  const emit = (e: NewEngineEvent) => plan.onEvent({ at: systemClock.nowUs(), ...e });

  let child: ChildProcess | undefined;
  let attempt = -1;
  let alive = false;
  let serving = false;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  const gate = readyGate(
    options.launchTimeoutS * 1000,
    () =>
      new TimeoutError('storm: the worker JVM submitting the topology', options.launchTimeoutS * 1000, {
        fix: `read ${logFile}`,
      }),
  );

  let replayed = 0;
  let submitted = false;
  const positioned = new Set<string>();
  const markServing = (lineAttempt: number) => {
    serving = true;
    emit({ type: 'worker.serving', worker: STORM_WORKER, attempt: lineAttempt });
    gate.open();
  };
  /**
   * A line of the JVM's stdout: the topology's submission, or one of the spout's events (SpoutEvents.java).
   * Serving (ready) once submitted and every spout task has its partitions: the spouts start polling seconds
   * after the submission, and load sent before that would only wait in Kafka.
   */
  const onLine = (line: string, lineAttempt: number) => {
    if (line.startsWith(EVENT_PREFIX)) {
      const event = parseSpoutEvent(line.slice(EVENT_PREFIX.length));
      if (!event) return;
      if (event.type === EV.tupleReplayed) replayed += Number(event.count ?? 0);
      if (event.type === EV.sourcePositioned && event.worker) positioned.add(event.worker);
      emit({ ...event, attempt: lineAttempt });
    } else if (line.startsWith(SUBMITTED)) {
      submitted = true;
    } else {
      return;
    }
    if (!serving && submitted && positioned.size >= plan.parallelism.source) markServing(lineAttempt);
  };

  const launch = () => {
    attempt += 1;
    serving = false;
    submitted = false;
    positioned.clear();
    const proc = spawn(
      program.java,
      ['-Xmx768m', '-cp', program.classpath, STORM_MAIN_CLASS, configFile],
      // stdin stays open: the JVM exits when it closes (this runner died). Its own process group, so a
      // terminal's Ctrl-C reaches the runner, which stops it in order.
      { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], detached: true },
    );
    child = proc;
    alive = true;
    const thisAttempt = attempt;
    emit({ type: 'worker.started', worker: STORM_WORKER, attempt, pid: proc.pid });
    if (attempt > 0) emit({ type: 'worker.restarted', worker: STORM_WORKER, attempt, pid: proc.pid });
    let partial = '';
    proc.stdout?.on('data', (d: Buffer) => {
      log.write(d);
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line, thisAttempt);
    });
    proc.stderr?.on('data', (d: Buffer) => log.write(d));
    proc.on('exit', (code, signal) => {
      alive = false;
      const wasServing = serving;
      serving = false;
      if (stopping) return;
      if (!wasServing && thisAttempt === 0) {
        // A first start that never submitted: a build or configuration fault, which a relaunch repeats.
        stopping = true;
        const error = new ServiceFailedError(
          'storm',
          `the worker JVM exited (${signal ?? code}) before submitting the topology; see ${logFile}`,
        );
        gate.fail(error);
        return;
      }
      emit({ type: 'worker.failed', worker: STORM_WORKER, attempt: thisAttempt, code, signal });
      emit({
        type: 'worker.restarting',
        worker: STORM_WORKER,
        attempt: thisAttempt + 1,
        inMs: options.supervisorCheckMs,
      });
      restartTimer = setTimeout(launch, options.supervisorCheckMs);
    });
  };

  const signal = (sig: NodeJS.Signals) => {
    if (alive && child?.pid) {
      try {
        process.kill(child.pid, sig);
      } catch {
        // gone already
      }
    }
  };
  const control: ProcessControl = {
    kill: async () => signal('SIGKILL'),
    pause: async () => signal('SIGSTOP'),
    resume: async () => signal('SIGCONT'),
  };
  const ids = [...instances.map((i) => i.id), STORM_WORKER];

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearTimeout(restartTimer);
    gate.fail(new Error('storm: stopped before the topology was submitted'));
    const proc = child;
    if (proc && alive) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      signal('SIGCONT');
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    emit({ type: 'worker.stopped', worker: STORM_WORKER, attempt });
    await new Promise((resolve) => log.end(resolve));
  };

  launch();
  return {
    workers(): WorkerInfo[] {
      return instances.map((i) => ({
        id: i.id,
        operator: i.operator,
        instance: i.instance,
        pid: alive ? (child?.pid ?? null) : null,
        attempt,
        alive,
        starting: !serving,
      }));
    },
    faultTargets() {
      const pid = alive ? (child?.pid ?? null) : null;
      return {
        processes: Object.fromEntries(ids.map((id) => [id, pid])),
        controls: Object.fromEntries(ids.map((id) => [id, alive ? control : null])),
        links: {},
      };
    },
    ready: () => gate.wait(),
    restartedWorkers: () => (attempt > 0 ? instances.map((i) => i.id) : []),
    // Tuples the KafkaSpout emitted again after a failure (its tuple listener's count).
    recordsReplayed: () => replayed,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
