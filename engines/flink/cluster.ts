/**
 * A standalone Flink session cluster on this machine, without flink-dist (issue 21): one JobManager JVM
 * (StandaloneSessionClusterEntrypoint: dispatcher, resource manager, checkpoint coordinator, REST API) and
 * `taskManagers` TaskManager JVMs (TaskManagerRunner, `slotsPerTaskManager` slots each), all started through
 * the module's Launcher (an orphan guard on stdin), with a configuration written into the run's folder:
 * heartbeats, fixed-delay restarts, checkpoints to a local directory, loopback addresses and ports.
 *
 * faultline's terms: each TaskManager JVM is a worker (`taskmanager[i]`); an operator instance id
 * (`features[1]`) names the TaskManager its subtask runs on now (Flink places subtasks, so the target follows
 * the placement the REST API reports); the JobManager is the `coordinator`. This module is the host-side
 * supervisor of the JVMs, outside the reach of process faults: a TaskManager that exits unasked is started
 * again `supervisorCheckMs` later (as Kubernetes or YARN would give a session cluster a new one) under a new
 * resource id; the JobManager is not (no HA: killing it loses the job, the real behaviour).
 *
 * Events: worker.started / worker.failed / worker.restarting / worker.restarted / worker.stopped for the
 * JVMs (this parent sees the exits; a TaskManager's carry its resource id); Flink's own from the JobManager's
 * log (log-signals.ts: job.running, job.restarting, job.cancelled at every state switch, task.restored at every
 * restore) and its REST API (rest-signals.ts: failure.detected at the JobManager's timestamp,
 * checkpoint.completed / aborted, task.started per subtask attempt).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { freeListenPorts, LOOPBACK } from '../../clients/ports.ts';
import { systemClock } from '../../core/clock.ts';
import { BadInputError, ServiceFailedError, TimeoutError } from '../../core/errors.ts';
import type { NewEngineEvent } from '../../core/types.ts';
import { placementOf, processesOf } from '../runtime/placement.ts';
import { type ProcessSlot, stopSlots } from '../runtime/process-slot.ts';
import { currentProcessControl } from '../runtime/processes.ts';
import { createProxies, linkName } from '../runtime/proxies.ts';
import { readyGate } from '../runtime/ready-gate.ts';
import { topologyFor } from '../runtime/topology.ts';
import type { Deployment, DeployPlan, ProcessControl, WorkerInfo } from '../types.ts';
import { jobManagerLogEvent } from './log-signals.ts';
import { type FlinkOptions, heartbeatIntervalMs } from './options.ts';
import type { FlinkProgram } from './provision.ts';
import { createRestSignals, type RestSnapshot, type VertexDetails } from './rest-signals.ts';

export const JOB_MAIN_CLASS = 'dev.faultline.flink.FaultlineJob';
const LAUNCHER = 'dev.faultline.flink.Launcher';
const JOB_MANAGER_MAIN = 'org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint';
const TASK_MANAGER_MAIN = 'org.apache.flink.runtime.taskexecutor.TaskManagerRunner';
const BASH_JAVA_UTILS = 'org.apache.flink.runtime.util.bash.BashJavaUtils';
const COORDINATOR = 'coordinator';
const POLL_MS = 500;
/** How long the jar upload and the job's submission may take on a loaded machine. */
const SUBMIT_TIMEOUT_MS = 60_000;

/** What flink-dist's config.yaml puts on every JVM for Java 17 (env.java.default-opts.all). */
export const JAVA_17_OPENS = [
  '--add-exports=java.base/sun.net.util=ALL-UNNAMED',
  '--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED',
  '--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
  '--add-opens=java.base/java.net=ALL-UNNAMED',
  '--add-opens=java.base/java.io=ALL-UNNAMED',
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=java.base/java.lang.reflect=ALL-UNNAMED',
  '--add-opens=java.base/java.text=ALL-UNNAMED',
  '--add-opens=java.base/java.time=ALL-UNNAMED',
  '--add-opens=java.base/java.util=ALL-UNNAMED',
  '--add-opens=java.base/java.util.concurrent=ALL-UNNAMED',
  '--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED',
  '--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED',
];

export const taskManagerId = (i: number) => `taskmanager[${i}]`;

/**
 * The link that carries every data connection to TaskManager i (proxied): a consumer subtask reads a producer's
 * output partition over a connection it opens to the producer's TaskManager, at the data port that TaskManager
 * advertises. Flink advertises one data port per TaskManager, so a proxy per TaskManager is the finest cut:
 * not per subtask pair (and chained operators, features → score, exchange nothing over the network).
 */
export const dataLinkName = (i: number) => linkName('data', taskManagerId(i));

/**
 * proxied: a Toxiproxy proxy in front of each TaskManager's data port. The TaskManager binds
 * `taskmanager.data.bind-port` and advertises `taskmanager.data.port`, the proxy's (Flink 1.20.3's
 * TaskManagerServices puts the external data port, when set, into the location it registers with the
 * JobManager, and listens on the bind port), so every consumer's connection crosses the proxy.
 */
async function taskManagerDataProxies(plan: DeployPlan, n: number) {
  const at = placementOf(plan).proxy;
  if (at.clientHost !== LOOPBACK) {
    throw new BadInputError(
      `flink's TaskManagers advertise ${LOOPBACK}, but Toxiproxy is reached at ${at.clientHost}`,
      { fix: 'run flink with proxied links against a Toxiproxy on this host (the local provider)' },
    );
  }
  const bindPorts = await freeListenPorts(n);
  const proxies = await createProxies(
    plan.services.toxiproxy.api,
    at,
    plan.runId,
    bindPorts.map((port, i) => ({ name: dataLinkName(i), upstream: { host: LOOPBACK, port } })),
  );
  return { bindPorts, proxies };
}

/**
 * Where the JVMs bind and how they name each other: all on loopback locally; under docker each binds every
 * interface of its container and is reached under its container's alias (each TaskManager gets its own
 * `taskmanager.host` on its command line).
 */
export interface ClusterHosts {
  jobManager: string;
  bind: string;
}

/** The cluster's config.yaml (flat keys): addresses, ports, memory, heartbeats, restarts, checkpoint storage. */
export function clusterConfig(
  options: FlinkOptions,
  ports: { rest: number; rpc: number },
  dir: string,
  hosts: ClusterHosts = { jobManager: LOOPBACK, bind: LOOPBACK },
): Record<string, string | number | boolean> {
  return {
    'jobmanager.rpc.address': hosts.jobManager,
    'jobmanager.rpc.port': ports.rpc,
    'jobmanager.bind-host': hosts.bind,
    'jobmanager.memory.process.size': '640m',
    'rest.address': hosts.jobManager,
    'rest.bind-address': hosts.bind,
    'rest.port': ports.rest,
    'taskmanager.host': LOOPBACK,
    'taskmanager.bind-host': hosts.bind,
    'taskmanager.numberOfTaskSlots': options.slotsPerTaskManager,
    // Small TaskManagers: the heap backend keeps state on the heap, so no managed memory.
    'taskmanager.memory.process.size': '1024m',
    'taskmanager.memory.managed.size': '0m',
    // Spread subtasks over the TaskManagers, so a TaskManager's death hits part of every operator.
    'cluster.evenly-spread-out-slots': true,
    // TaskManagers start beside the JobManager: one that finds its resource manager not up yet retries after
    // this (Flink's default is 10 s, which added 10 s to every start-up here).
    'cluster.registration.error-delay': 1000,
    'heartbeat.interval': heartbeatIntervalMs(options),
    'heartbeat.timeout': options.heartbeatTimeoutS * 1000,
    'restart-strategy.type': 'fixed-delay',
    'restart-strategy.fixed-delay.attempts': 2147483647,
    'restart-strategy.fixed-delay.delay': `${options.restartDelayMs} ms`,
    'state.backend.type': 'hashmap',
    'state.checkpoints.dir': `file://${join(dir, 'checkpoints')}`,
    'state.checkpoints.num-retained': 1,
    'io.tmp.dirs': join(dir, 'tmp'),
    'web.tmpdir': join(dir, 'web'),
    'web.upload.dir': join(dir, 'web'),
    'blob.storage.directory': join(dir, 'blobs'),
    'web.checkpoints.history': 20,
  };
}

/** What the job's main reads (FaultlineJob.java). */
export function jobConfig(plan: DeployPlan, options: FlinkOptions): Record<string, unknown> {
  return {
    jobName: `faultline-${plan.runId}`,
    guarantee: plan.guarantee,
    workload: plan.workload.name,
    modelPath: plan.workload.modelPath,
    bootstrap: placementOf(plan).kafka.bootstrap,
    inputTopic: plan.topics.input,
    outputTopic: plan.topics.output,
    groupId: `fl-${plan.runId}-flink`,
    transactionalIdPrefix: `fl-${plan.runId}-flink`,
    parallelism: plan.parallelism,
    ...options,
  };
}

/**
 * BashJavaUtils GET_TM_RESOURCE_PARAMS output → the TaskManager's JVM memory flags and the dynamic properties
 * that pin the computed memory sizes (what flink-dist's taskmanager.sh passes on).
 */
export function parseTaskManagerParams(stdout: string): { jvm: string[]; dynamic: string[] } {
  const results = stdout
    .split('\n')
    .filter((l) => l.startsWith('BASH_JAVA_UTILS_EXEC_RESULT:'))
    .map((l) => l.slice('BASH_JAVA_UTILS_EXEC_RESULT:'.length).trim());
  if (results.length < 2)
    throw new ServiceFailedError('flink', `BashJavaUtils printed no resource params:\n${stdout}`);
  return { jvm: results[0]!.split(/\s+/).filter(Boolean), dynamic: results[1]!.split(/\s+/).filter(Boolean) };
}

function capture(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(new ServiceFailedError('flink', `${args.at(-3)} exited ${code}:\n${out}`)),
    );
  });
}

/** The config keys BashJavaUtils' TaskManager memory computation reads. */
const MEMORY_KEYS = /^taskmanager\.(memory|cpu)\./;

/**
 * The TaskManager's memory flags, computed by Flink's BashJavaUtils (a JVM start, seconds on a loaded 2-core
 * machine) once per memory configuration and kept beside the build.
 */
async function taskManagerParams(
  program: FlinkProgram,
  jvmBase: string[],
  confDir: string,
  config: Record<string, string | number | boolean>,
): Promise<{ jvm: string[]; dynamic: string[] }> {
  const memory = Object.entries(config).filter(([k]) => MEMORY_KEYS.test(k));
  const key = createHash('sha256').update(JSON.stringify(memory)).digest('hex').slice(0, 12);
  const cached = join(program.home, `tm-resource-params-${key}.json`);
  if (existsSync(cached))
    return JSON.parse(readFileSync(cached, 'utf8')) as { jvm: string[]; dynamic: string[] };
  const params = parseTaskManagerParams(
    await capture(program.java, [
      ...jvmBase,
      '-cp',
      program.classpath,
      BASH_JAVA_UTILS,
      'GET_TM_RESOURCE_PARAMS',
      '--configDir',
      confDir,
    ]),
  );
  writeFileSync(cached, JSON.stringify(params));
  return params;
}

export async function deployFlinkCluster(
  plan: DeployPlan,
  options: FlinkOptions,
  program: FlinkProgram,
): Promise<Deployment> {
  const dir = join(plan.runDir, 'flink');
  const confDir = join(dir, 'conf');
  const logDir = join(plan.runDir, 'workers');
  for (const d of [confDir, logDir, join(dir, 'tmp'), join(dir, 'web'), join(dir, 'checkpoints')])
    mkdirSync(d, { recursive: true });
  const placement = placementOf(plan);
  const processes = processesOf(plan);
  const [rest, rpc] = await freeListenPorts(2);
  const config = clusterConfig(options, { rest: rest!, rpc: rpc! }, dir, {
    jobManager: placement.hostOf(COORDINATOR),
    bind: placement.listenHost,
  });
  writeFileSync(
    join(confDir, 'config.yaml'),
    `${Object.entries(config)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n')}\n`,
  );
  const jobConfigFile = join(dir, 'job.json');
  writeFileSync(jobConfigFile, `${JSON.stringify(jobConfig(plan, options), null, 2)}\n`);
  const api = `http://${LOOPBACK}:${rest}`;
  const emit = (e: NewEngineEvent) => plan.onEvent({ at: systemClock.nowUs(), ...e });
  const instances = topologyFor(plan.topology, plan.parallelism).instances;
  const operators = [...new Set(instances.map((i) => i.operator))];
  const signals = createRestSignals(operators, { jobStatesFromLog: true });
  /** What every Flink JVM gets first: Java 17's opens, the log configuration. */
  const jvmBase = [...JAVA_17_OPENS, `-Dlog4j.configurationFile=file:${program.logConfig}`];
  const tmParams = await taskManagerParams(program, jvmBase, confDir, config);
  const data = options.proxied ? await taskManagerDataProxies(plan, options.taskManagers) : null;
  plan.onEvent({
    at: systemClock.nowUs(),
    type: 'deploy.links',
    links: data?.proxies.links().length ?? 0,
    proxied: options.proxied,
  });

  let stopping = false;
  let failedToStart: Error | undefined;
  const jobManager: ProcessSlot = { id: COORDINATOR, attempt: -1, alive: false };
  const taskManagers: ProcessSlot[] = Array.from({ length: options.taskManagers }, (_, i) => ({
    id: taskManagerId(i),
    attempt: -1,
    alive: false,
  }));
  /** Resource id (as Flink's REST API names a TaskManager) → its slot. */
  const byResourceId = new Map<string, ProcessSlot>();

  /** What the JVMs read (the jars, the log configuration, the model) and write (the run's folder). */
  const paths = [
    { path: program.home, writable: false },
    { path: dirname(plan.workload.modelPath), writable: false },
    { path: plan.runDir, writable: true },
  ];
  /** resourceId: how Flink's REST API (failure.detected, task.started) names this TaskManager JVM. */
  const launch = async (slot: ProcessSlot, args: string[], resourceId?: string) => {
    slot.attempt += 1;
    const attempt = slot.attempt;
    const log = createWriteStream(join(logDir, `${slot.id}.log`), { flags: 'a' });
    // The Launcher's orphan guard holds stdin (engines/runtime/processes.ts: local processes keep it open).
    const proc = await processes.start({
      id: slot.id,
      attempt,
      command: [program.java, ...args],
      cwd: dir,
      paths,
      ports: slot === jobManager ? [rest!] : [],
    });
    slot.child = proc;
    slot.alive = true;
    proc.stdout.pipe(log);
    proc.stderr.pipe(log, { end: false });
    // The JobManager's log has every job state switch and restore, at its own times (log-signals.ts).
    if (slot === jobManager)
      createInterface({ input: proc.stdout }).on('line', (line) => {
        const e = jobManagerLogEvent(line, new Date());
        if (e) plan.onEvent(e);
      });
    emit({
      type: attempt === 0 ? 'worker.started' : 'worker.restarted',
      worker: slot.id,
      attempt,
      pid: proc.pid,
      ...(resourceId ? { resourceId } : {}),
    });
    void proc.exited.then(({ code, signal }) => {
      if (slot.child !== proc) return;
      slot.alive = false;
      if (stopping) return;
      emit({ type: 'worker.failed', worker: slot.id, attempt, code, signal });
      if (slot === jobManager) {
        // No HA: the job is gone with its JobManager (the real behaviour, reported as the run's result).
        failedToStart ??= new ServiceFailedError('flink', `the JobManager exited (${signal ?? code})`);
        return;
      }
      emit({
        type: 'worker.restarting',
        worker: slot.id,
        attempt: attempt + 1,
        inMs: options.supervisorCheckMs,
      });
      slot.restartTimer = setTimeout(() => {
        if (!stopping) void startTaskManager(slot).catch((e: Error) => failStart(e));
      }, options.supervisorCheckMs);
    });
  };

  const startTaskManager = (slot: ProcessSlot) => {
    const index = taskManagers.indexOf(slot);
    const resourceId = `tm${index}-${slot.attempt + 1}`;
    const dataPorts = data
      ? [
          '-D',
          `taskmanager.data.bind-port=${data.bindPorts[index]}`,
          '-D',
          `taskmanager.data.port=${data.proxies.address(dataLinkName(index)).port}`,
        ]
      : [];
    byResourceId.set(resourceId, slot);
    return launch(
      slot,
      [
        ...jvmBase,
        ...tmParams.jvm,
        '-cp',
        program.classpath,
        LAUNCHER,
        TASK_MANAGER_MAIN,
        '--configDir',
        confDir,
        '-D',
        `taskmanager.resource-id=${resourceId}`,
        '-D',
        `taskmanager.host=${placement.hostOf(slot.id)}`,
        ...dataPorts,
        ...tmParams.dynamic,
      ],
      resourceId,
    );
  };

  const launched = launch(jobManager, [
    ...jvmBase,
    '-Xmx320m',
    '-Xms320m',
    '-XX:MaxMetaspaceSize=256m',
    '-cp',
    program.classpath,
    LAUNCHER,
    JOB_MANAGER_MAIN,
    '--configDir',
    confDir,
  ]).then(() => Promise.all(taskManagers.map(startTaskManager)));

  /** A REST call; polls give up after 5 s, the submission (the job's main runs in the JobManager) after 60 s. */
  const call = async <T>(path: string, init?: RequestInit, timeoutMs = 5000): Promise<T> => {
    const res = await fetch(`${api}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    if (!res.ok)
      throw new ServiceFailedError('flink', `${init?.method ?? 'GET'} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };

  let jobId: string | undefined;
  let serving = false;
  const launchMs = options.launchTimeoutS * 1000;
  const gate = readyGate(
    launchMs,
    () =>
      new TimeoutError('flink: the cluster running the job', launchMs, { fix: `read the logs in ${logDir}` }),
  );
  const failStart = (e: Error) => {
    failedToStart ??= e;
    gate.fail(e);
  };

  /** Starts the job once the cluster has every TaskManager's slots. */
  const submit = async () => {
    const deadline = Date.now() + options.launchTimeoutS * 1000;
    const wanted = options.taskManagers * options.slotsPerTaskManager;
    for (;;) {
      if (stopping || failedToStart) return;
      try {
        const overview = await call<{ 'slots-total': number }>('/overview');
        if (overview['slots-total'] >= wanted) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline)
        throw new TimeoutError('flink: the cluster starting', options.launchTimeoutS * 1000);
      await new Promise((r) => setTimeout(r, 250));
    }
    const form = new FormData();
    form.append(
      'jarfile',
      new Blob([readFileSync(program.jobJar)], { type: 'application/x-java-archive' }),
      'faultline-flink.jar',
    );
    const uploaded = await call<{ filename: string }>(
      '/jars/upload',
      { method: 'POST', body: form },
      SUBMIT_TIMEOUT_MS,
    );
    const jarId = uploaded.filename.split('/').pop()!;
    const started = await call<{ jobid: string }>(
      `/jars/${jarId}/run`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ entryClass: JOB_MAIN_CLASS, programArgsList: [jobConfigFile] }),
      },
      SUBMIT_TIMEOUT_MS,
    );
    jobId = started.jobid;
  };

  const snapshot = async (): Promise<RestSnapshot> => {
    const job = await call<RestSnapshot['job']>(`/jobs/${jobId}`);
    const [vertices, checkpoints, exceptions] = await Promise.all([
      Promise.all(job.vertices.map((v) => call<VertexDetails>(`/jobs/${jobId}/vertices/${v.id}`))),
      call<RestSnapshot['checkpoints']>(`/jobs/${jobId}/checkpoints`).catch(() => undefined),
      call<RestSnapshot['exceptions']>(`/jobs/${jobId}/exceptions?maxExceptions=20`).catch(() => undefined),
    ]);
    return { job, vertices, checkpoints, exceptions };
  };

  let pollTimer: NodeJS.Timeout | undefined;
  const poll = async () => {
    if (stopping || !jobId) return;
    try {
      const s = await snapshot();
      for (const e of signals.observe(s, systemClock.nowUs())) plan.onEvent(e);
      serving = signals.running(s);
      if (serving) gate.open();
    } catch {
      // The JobManager is busy or gone; the next poll tells.
      serving = false;
    }
    if (!stopping) pollTimer = setTimeout(() => void poll(), POLL_MS);
  };
  void launched
    .then(submit)
    .then(() => poll())
    .catch((e: Error) => failStart(e));

  /** The TaskManager an operator instance (or a TaskManager id) names now. */
  const slotOf = (id: string): ProcessSlot | undefined => {
    if (id === COORDINATOR) return jobManager;
    const tm = taskManagers.find((t) => t.id === id);
    if (tm) return tm;
    const where = signals.placement().get(id)?.taskManager;
    const placed = where ? byResourceId.get(where) : undefined;
    if (placed) return placed;
    // Not placed yet (before the first poll): Flink spreads subtask i over the TaskManagers in turn.
    const instance = instances.find((i) => i.id === id)?.instance;
    return instance === undefined ? undefined : taskManagers[instance % taskManagers.length];
  };
  const live = (id: string) => {
    const slot = slotOf(id);
    return slot?.alive ? slot.child : undefined;
  };
  const controlOf = (id: string): ProcessControl =>
    currentProcessControl(() => live(id), processes.kind !== 'local');
  const targetIds = [...instances.map((i) => i.id), ...taskManagers.map((t) => t.id), COORDINATOR];

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearTimeout(pollTimer);
    gate.fail(new Error('flink: stopped before the job ran'));
    await stopSlots([...taskManagers, jobManager], 5000, emit);
    await data?.proxies.removeAll();
  };

  return {
    workers(): WorkerInfo[] {
      return instances.map((i) => {
        const slot = slotOf(i.id);
        const placed = signals.placement().get(i.id);
        return {
          id: i.id,
          operator: i.operator,
          instance: i.instance,
          pid: slot?.alive ? (slot.child?.pid ?? null) : null,
          attempt: placed?.attempt ?? 0,
          alive: slot?.alive ?? false,
          // Without its JobManager (no HA) nothing is being restarted: the job is gone.
          starting: jobManager.alive && (!serving || placed?.status !== 'RUNNING'),
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
        links: Object.fromEntries((data?.proxies.links() ?? []).map((l) => [l, data!.proxies.proxyName(l)])),
      };
    },
    ready() {
      if (failedToStart) return Promise.reject(failedToStart);
      return gate.wait();
    },
    // Every subtask that Flink deployed again (attempt > 0): a failover restarts the whole pipelined region.
    restartedWorkers: () =>
      instances.filter((i) => (signals.placement().get(i.id)?.attempt ?? 0) > 0).map((i) => i.id),
    // Not measured yet. A count from the REST API's source metrics was tried and dropped: after one restart it
    // said 7086 where ~2000 were expected, most likely because the metric store is keyed by subtask index, so a
    // new attempt's first readings still show the dead attempt's counters.
    recordsReplayed: () => null,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
