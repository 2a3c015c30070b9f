/**
 * A real multi-process Storm cluster on this machine (issue 20, step 2; `-o supervisors=N`, provider local):
 * ZooKeeper (the server classes shaded in storm-shaded-deps), nimbus and N supervisors, each its own JVM, and
 * the topology submitted to nimbus with StormSubmitter. Each supervisor has one slot, so the topology's worker
 * JVMs (one per supervisor by default) land on different supervisors, and a dead worker is relaunched by its
 * supervisor — Storm's own Slot state machine, with Storm's settings (monitor frequency, shutdown sleep) —
 * not by this adapter.
 *
 * `storm.home` is `<runDir>/storm-cluster`: `lib-worker/` (the topology's runtime jars, what a supervisor
 * puts on a worker's classpath), `log4j2/cluster.xml` (daemons) and `worker.xml` (workers and their
 * LogWriters), `conf/<daemon>.yaml` (each daemon's storm.yaml, handed on to its workers as storm.conf.file),
 * `logs/` (daemon logs; `workers-artifacts/<topology>/<port>/worker.log`), `local/<daemon>/` (storm.local.dir).
 *
 * Fault targets: every operator instance id names the worker JVM that hosts it (learnt from the
 * `faultline-placement` line each task prints when prepared), `worker[i]` the worker JVM on supervisor i's
 * slot, `supervisor[i]`, `nimbus` (also `coordinator`) and `zookeeper`. The daemons run under supervision
 * as Storm's docs require (systemd, supervisord): this adapter starts one again `supervisorCheckMs` after it
 * died; a supervisor that comes back finds its workers through its local state.
 *
 * Events, all from Storm's own logs: worker.failed (the supervisor saw a worker's main process exit),
 * worker.heartbeat-timeout (its heartbeat was too old), worker.restarting (the supervisor launches it again),
 * worker.started / worker.restarted (a worker JVM's tasks announced a new pid), the spout's tuple events as
 * in LocalCluster mode; worker.failed / worker.started for the daemons from their process exits.
 */
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { freeListenPorts, LOOPBACK } from '../../clients/ports.ts';
import { systemClock } from '../../core/clock.ts';
import { ServiceFailedError, TimeoutError } from '../../core/errors.ts';
import { EV } from '../../core/events.ts';
import type { NewEngineEvent } from '../../core/types.ts';
import { placementOf, processesOf as placementProcesses } from '../runtime/placement.ts';
import { readyGate } from '../runtime/ready-gate.ts';
import { topologyFor } from '../runtime/topology.ts';
import type {
  Deployment,
  DeployPlan,
  ProcessControl,
  ProcessHandle,
  ProcessLauncher,
  ProcessSpec,
  WorkerInfo,
} from '../types.ts';
import {
  eventJson,
  type InstancePlacement,
  logFollower,
  parsePlacement,
  parseSlotLine,
} from './cluster-logs.ts';
import { parseSpoutEvent, topologyConfig } from './local-cluster.ts';
import type { StormOptions } from './options.ts';
import { STORM_DAEMON_CLASS, STORM_MAIN_CLASS, type StormProgram } from './provision.ts';

const ZOOKEEPER_MAIN = 'org.apache.storm.shade.org.apache.zookeeper.server.ZooKeeperServerMain';
const NIMBUS_MAIN = 'org.apache.storm.daemon.nimbus.Nimbus';
const SUPERVISOR_MAIN = 'org.apache.storm.daemon.supervisor.Supervisor';
const LOG_PATTERN = '%d{HH:mm:ss.SSS} [%t] %-5level %logger{1.} - %msg%n';

/** A log4j2 lookup of a system property, which Storm sets on every daemon and worker command line. */
const sys = (property: string) => `\${sys:${property}}`;

/** A log4j2 configuration writing everything at INFO to `<dir>/<logfile.name>`. */
function log4jXml(file: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Configuration monitorInterval="0" shutdownHook="disable">
  <Appenders>
    <File name="A1" fileName="${file}" append="true" immediateFlush="true">
      <PatternLayout pattern="${LOG_PATTERN}"/>
    </File>
  </Appenders>
  <Loggers>
    <Logger name="org.apache.storm.shade.org.apache.zookeeper" level="WARN"/>
    <Logger name="org.apache.zookeeper" level="WARN"/>
    <Logger name="org.apache.kafka" level="WARN"/>
    <Root level="INFO"><AppenderRef ref="A1"/></Root>
  </Loggers>
</Configuration>
`;
}

/**
 * The cluster's layout and ports: pure, so a test can read what a deployment would write. `hostOf` names a
 * daemon's host (`zookeeper`, `nimbus`, `supervisor[i]`): loopback locally, its container's alias under docker.
 */
export function clusterLayout(
  home: string,
  options: StormOptions,
  ports: number[],
  hostOf: (daemon: string) => string = () => LOOPBACK,
) {
  const n = options.supervisors;
  const [zookeeper, nimbus, ...rest] = ports;
  const supervisors = Array.from({ length: n }, (_, i) => ({
    name: `supervisor[${i}]`,
    file: `supervisor-${i}`,
    thriftPort: rest[2 * i]!,
    slotPort: rest[2 * i + 1]!,
  }));
  const common = {
    'storm.zookeeper.servers': [hostOf('zookeeper')],
    'storm.zookeeper.port': zookeeper,
    'nimbus.seeds': [hostOf('nimbus')],
    'nimbus.thrift.port': nimbus,
    'storm.log.dir': join(home, 'logs'),
    // Storm's default asks for a heap of 128 MB per executor; a small machine runs several workers.
    'worker.childopts': '-Xmx384m -XX:+UseSerialGC',
    // Nimbus's metrics store (RocksDB, ~75 MB) goes with the local state, removed at the end of the run.
    'storm.metricstore.rocksdb.location': join(home, 'local', 'nimbus-metrics'),
  };
  const confs: Record<string, Record<string, unknown>> = {
    nimbus: {
      ...common,
      'storm.local.hostname': hostOf('nimbus'),
      'storm.local.dir': join(home, 'local', 'nimbus'),
    },
  };
  for (const s of supervisors) {
    confs[s.file] = {
      ...common,
      'storm.local.hostname': hostOf(s.name),
      'storm.local.dir': join(home, 'local', s.file),
      'supervisor.slots.ports': [s.slotPort],
      'supervisor.thrift.port': s.thriftPort,
    };
  }
  return { zookeeperPort: zookeeper!, nimbusPort: nimbus!, supervisors, confs };
}

/** Ports a cluster needs: ZooKeeper, nimbus, and per supervisor its thrift port and its one slot. */
export const clusterPortCount = (options: StormOptions) => 2 + 2 * options.supervisors;

function loopbackPortOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: LOOPBACK, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const isAlive = (pid: number | null | undefined): pid is number => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Pids of every process whose command line names this storm.home and all of `marks`: daemons, LogWriters,
 * workers. Under docker too: a container's processes are this host's processes (their command lines name the
 * same paths, mounted where they are on the host).
 */
function processesOf(home: string, ...marks: string[]): number[] {
  const wanted = [`-Dstorm.home=${home}`, ...marks];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (wanted.every((m) => args.includes(m))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * The innermost pid of a process (`NSpid` in /proc/<pid>/status: the pid its own pid namespace gives it, the
 * one a JVM in a container reports), or null when it is gone.
 */
export function innermostPid(status: string): number | null {
  const line = status.split('\n').find((l) => l.startsWith('NSpid:'));
  const last = line?.trim().split(/\s+/).at(-1);
  return last && /^\d+$/.test(last) ? Number(last) : null;
}

/**
 * This host's pid of the worker JVM on slot `port` that calls itself `pid`. Locally the same number; in a
 * supervisor's container the JVM reports its pid inside the container, so the host's process is found by
 * its command line (storm.home and `-Dworker.port=<port>`, which only that slot's processes carry) and its
 * innermost pid. Chosen over `docker exec <supervisor> kill`: the host's pid is signalled at once (no exec
 * round trip in the fault's timing), SIGSTOP pauses that one JVM (a `docker pause` would freeze its
 * supervisor too), and liveness is a signal 0, as locally.
 */
function hostPidOf(home: string, port: number, pid: number, local: boolean): number | null {
  if (local) return pid;
  for (const candidate of processesOf(home, `-Dworker.port=${port}`)) {
    try {
      if (innermostPid(readFileSync(`/proc/${candidate}/status`, 'utf8')) === pid) return candidate;
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

interface Daemon {
  name: string;
  main: string;
  args: string[];
  heapMb: number;
  conf?: string;
  proc?: ProcessHandle;
  attempt: number;
  restartTimer?: NodeJS.Timeout;
}

export async function deployStormCluster(
  plan: DeployPlan,
  options: StormOptions,
  program: StormProgram,
): Promise<Deployment> {
  const home = join(plan.runDir, 'storm-cluster');
  const logs = join(home, 'logs');
  const workersDir = join(plan.runDir, 'workers');
  for (const d of [home, logs, workersDir, join(home, 'conf'), join(home, 'log4j2'), join(home, 'zookeeper')])
    mkdirSync(d, { recursive: true });
  if (!existsSync(join(home, 'lib-worker'))) symlinkSync(program.libs, join(home, 'lib-worker'));
  writeFileSync(
    join(home, 'log4j2', 'cluster.xml'),
    log4jXml(`${sys('storm.log.dir')}/${sys('logfile.name')}`),
  );
  writeFileSync(
    join(home, 'log4j2', 'worker.xml'),
    log4jXml([sys('workers.artifacts'), sys('storm.id'), sys('worker.port'), sys('logfile.name')].join('/')),
  );
  const placement = placementOf(plan);
  const processes = placementProcesses(plan);
  const local = processes.kind === 'local';
  const layout = clusterLayout(
    home,
    options,
    await freeListenPorts(clusterPortCount(options)),
    placement.hostOf,
  );
  // YAML is a superset of JSON.
  for (const [file, conf] of Object.entries(layout.confs))
    writeFileSync(join(home, 'conf', `${file}.yaml`), `${JSON.stringify(conf, null, 2)}\n`);
  const workerCount = options.workers ?? options.supervisors;
  const configFile = join(home, 'topology.json');
  writeFileSync(
    configFile,
    `${JSON.stringify(
      {
        ...topologyConfig(plan, options),
        workers: workerCount,
        nimbusHost: placement.hostOf('nimbus'),
        nimbusPort: layout.nimbusPort,
        // The workers' watchdog (Placement.java) looks for this runner's pid: not visible from a container,
        // whose processes go with the run's containers instead.
        ...(local ? { ownerPid: process.pid } : {}),
      },
      null,
      2,
    )}\n`,
  );

  const instances = topologyFor(plan.topology, plan.parallelism).instances;
  const slotIndex = new Map(layout.supervisors.map((s, i) => [s.slotPort, i]));
  const stormWorker = (port: number) => `worker[${slotIndex.get(port) ?? port}]`;
  const emit = (e: NewEngineEvent) => plan.onEvent({ at: systemClock.nowUs(), ...e });

  let stopping = false;
  let submitted = false;
  let serving = false;
  let replayed = 0;
  const positioned = new Set<string>();
  const placements = new Map<string, InstancePlacement & { attempt: number }>();
  /** Slot port → the worker JVM's pid, and how many JVMs that slot has had. */
  const slots = new Map<number, { pid: number; attempt: number }>();
  const gate = readyGate(
    options.launchTimeoutS * 1000,
    () =>
      new TimeoutError('storm: the cluster running the topology', options.launchTimeoutS * 1000, {
        fix: `read the logs in ${logs}`,
      }),
  );

  const checkServing = () => {
    if (serving || !submitted) return;
    if (instances.some((i) => !isAlive(placements.get(i.id)?.pid))) return;
    if (positioned.size < plan.parallelism.source) return;
    serving = true;
    emit({ type: 'worker.serving', worker: 'topology', attempt: 0 });
    gate.open();
  };

  const onPlacement = (reported: InstancePlacement) => {
    const p = { ...reported, pid: hostPidOf(home, reported.port, reported.pid, local) ?? 0 };
    const before = placements.get(p.instance);
    if (before?.pid === p.pid) return;
    placements.set(p.instance, { ...p, attempt: before ? before.attempt + 1 : 0 });
    const slot = slots.get(p.port);
    if (slot?.pid !== p.pid) {
      const attempt = slot ? slot.attempt + 1 : 0;
      slots.set(p.port, { pid: p.pid, attempt });
      const worker = stormWorker(p.port);
      emit({ type: 'worker.started', worker, attempt, pid: p.pid, port: p.port });
      if (attempt > 0) emit({ type: 'worker.restarted', worker, attempt, pid: p.pid, port: p.port });
    }
    checkServing();
  };
  const onWorkerLine = (line: string) => {
    const placement = parsePlacement(line);
    if (placement) return onPlacement(placement);
    const json = eventJson(line);
    const event = json === undefined ? undefined : parseSpoutEvent(json);
    if (!event) return;
    if (event.type === EV.tupleReplayed) replayed += Number(event.count ?? 0);
    if (event.type === EV.sourcePositioned && event.worker) positioned.add(event.worker);
    emit(event);
    checkServing();
  };
  const onSupervisorLine = (supervisor: string, line: string) => {
    const news = parseSlotLine(line);
    if (!news) return;
    const worker = stormWorker(news.port);
    const attempt = slots.get(news.port)?.attempt ?? 0;
    if (news.kind === 'exited') {
      emit({ type: 'worker.failed', worker, attempt, port: news.port, detectedBy: supervisor });
    } else if (news.kind === 'heartbeat-timeout') {
      emit({ type: 'worker.heartbeat-timeout', worker, attempt, port: news.port, detectedBy: supervisor });
    } else if (slots.has(news.port)) {
      emit({ type: 'worker.restarting', worker, attempt: attempt + 1, port: news.port, by: supervisor });
    }
  };
  const supervisorLogs = layout.supervisors.map((s) => [join(logs, `${s.file}.log`), s.name] as const);
  const supervisorOf = new Map(supervisorLogs);
  const follower = logFollower(
    () => {
      const files: string[] = supervisorLogs.map(([f]) => f);
      const artifacts = join(logs, 'workers-artifacts');
      if (existsSync(artifacts)) {
        for (const topology of readdirSync(artifacts)) {
          for (const port of readdirSync(join(artifacts, topology))) {
            files.push(join(artifacts, topology, port, 'worker.log'));
          }
        }
      }
      return files;
    },
    (file, line) => {
      const supervisor = supervisorOf.get(file);
      if (supervisor) onSupervisorLine(supervisor, line);
      else onWorkerLine(line);
    },
  );
  const poller = setInterval(() => {
    try {
      follower.poll();
    } catch {
      // a log rotated or removed under us: the next poll reads what is there
    }
  }, 250);

  // ---- the daemons
  const classpath = program.classpath;
  const daemonArgs = (d: Daemon) => [
    `-Xmx${d.heapMb}m`,
    '-XX:+UseSerialGC',
    `-Dstorm.home=${home}`,
    `-Dstorm.log.dir=${logs}`,
    ...(d.conf ? [`-Dstorm.conf.file=${join(home, 'conf', `${d.conf}.yaml`)}`] : []),
    `-Dlog4j.configurationFile=${join(home, 'log4j2', 'cluster.xml')}`,
    `-Dlogfile.name=${d.conf ?? d.name}.log`,
    '-Dzookeeper.admin.enableServer=false',
    '-cp',
    classpath,
    STORM_DAEMON_CLASS,
    d.main,
    ...d.args,
  ];
  const daemons: Daemon[] = [
    {
      name: 'zookeeper',
      main: ZOOKEEPER_MAIN,
      args: [String(layout.zookeeperPort), join(home, 'zookeeper')],
      heapMb: 128,
      attempt: -1,
    },
    { name: 'nimbus', main: NIMBUS_MAIN, args: [], heapMb: 384, conf: 'nimbus', attempt: -1 },
    ...layout.supervisors.map((s) => ({
      name: s.name,
      main: SUPERVISOR_MAIN,
      args: [],
      heapMb: 256,
      conf: s.file,
      attempt: -1,
    })),
  ];
  /** What the JVMs read (jars, the model) and write (the run's folder: storm.home is in it). */
  const paths: ProcessSpec['paths'] = [
    { path: program.home, writable: false },
    { path: program.libs, writable: false },
    { path: dirname(plan.workload.modelPath), writable: false },
    { path: plan.runDir, writable: true },
  ];
  const start = async (d: Daemon) => {
    d.attempt += 1;
    const out = createWriteStream(join(workersDir, `${d.conf ?? d.name}.out`), { flags: 'a' });
    // stdin stays open: Daemon.java halts the JVM when it closes (this runner died; runtime/processes.ts).
    const proc = await processes.start({
      id: d.name,
      attempt: d.attempt,
      command: [program.java, ...daemonArgs(d)],
      cwd: home,
      paths,
    });
    proc.stdout.pipe(out);
    proc.stderr.pipe(out, { end: false });
    d.proc = proc;
    emit({ type: 'worker.started', worker: d.name, attempt: d.attempt, pid: proc.pid });
    if (d.attempt > 0) emit({ type: 'worker.restarted', worker: d.name, attempt: d.attempt, pid: proc.pid });
    void proc.exited.then(({ code, signal }) => {
      if (stopping) return;
      emit({ type: 'worker.failed', worker: d.name, attempt: d.attempt, code, signal });
      emit({
        type: 'worker.restarting',
        worker: d.name,
        attempt: d.attempt + 1,
        inMs: options.supervisorCheckMs,
      });
      d.restartTimer = setTimeout(() => {
        if (!stopping) void start(d).catch((e: Error) => gate.fail(e));
      }, options.supervisorCheckMs);
    });
  };
  const daemonPid = (name: string) => {
    const pid = daemons.find((d) => d.name === name)?.proc?.pid;
    return isAlive(pid) ? pid : null;
  };

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(poller);
    for (const d of daemons) clearTimeout(d.restartTimer);
    gate.fail(new Error('storm: stopped before the topology ran'));
    // Everything that names this storm.home: the daemons, and the LogWriter and worker JVMs the supervisors
    // started (in the supervisors' process groups, but a relaunched supervisor's workers may not be).
    for (let round = 0; round < 20; round++) {
      const pids = processesOf(home);
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGCONT');
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    // Local state (blob copies, nimbus's metrics store) is of no use after the run; the logs stay.
    rmSync(join(home, 'local'), { recursive: true, force: true });
    for (const d of daemons) emit({ type: 'worker.stopped', worker: d.name, attempt: d.attempt });
    for (const [port, s] of slots)
      emit({ type: 'worker.stopped', worker: stormWorker(port), attempt: s.attempt });
  };

  const deployment: Deployment = {
    workers(): WorkerInfo[] {
      return instances.map((i) => {
        const p = placements.get(i.id);
        const alive = isAlive(p?.pid);
        return {
          id: i.id,
          operator: i.operator,
          instance: i.instance,
          pid: alive ? p!.pid : null,
          attempt: p?.attempt ?? 0,
          alive,
          starting: !alive || !serving,
        };
      });
    },
    faultTargets() {
      const processes: Record<string, number | null> = {};
      for (const i of instances) {
        const pid = placements.get(i.id)?.pid;
        processes[i.id] = isAlive(pid) ? pid : null;
      }
      for (const [port, s] of slots) processes[stormWorker(port)] = isAlive(s.pid) ? s.pid : null;
      for (const d of daemons) processes[d.name] = daemonPid(d.name);
      processes.coordinator = daemonPid('nimbus');
      // A daemon is its process (its container under docker); a worker JVM is a pid on this host (hostPidOf).
      const daemonOf = (id: string) => daemons.find((d) => d.name === (id === 'coordinator' ? 'nimbus' : id));
      const controls = Object.fromEntries(
        Object.entries(processes).map(([id, pid]) => {
          const daemon = daemonOf(id)?.proc;
          return [id, pid === null ? null : (daemon ?? signalControl(pid))];
        }),
      );
      return { processes, controls, links: {} };
    },
    ready: () => gate.wait(),
    restartedWorkers: () =>
      instances.filter((i) => (placements.get(i.id)?.attempt ?? 0) > 0).map((i) => i.id),
    recordsReplayed: () => replayed,
    stop,
    [Symbol.asyncDispose]: stop,
  };

  try {
    const [zookeeper, nimbus] = daemons as [Daemon, Daemon];
    /** A port of a daemon open: from here locally, inside its container under docker (bash's /dev/tcp). */
    const portOpen = async (d: Daemon, port: number) =>
      local
        ? loopbackPortOpen(port)
        : ((await d.proc?.exec(['bash', '-c', `exec 3<>/dev/tcp/${LOOPBACK}/${port}`]))?.code ?? 1) === 0;
    await start(zookeeper);
    await waitFor(
      () => portOpen(zookeeper, layout.zookeeperPort),
      'ZooKeeper listening',
      options.launchTimeoutS,
    );
    await Promise.all(daemons.slice(1).map(start));
    await waitFor(() => portOpen(nimbus, layout.nimbusPort), 'nimbus listening', options.launchTimeoutS);
    await submit(
      processes,
      { program, configFile, logDir: workersDir, paths, cwd: home },
      options.launchTimeoutS,
    );
    submitted = true;
    emit({ type: 'worker.started', worker: 'topology', attempt: 0, workers: workerCount });
    checkServing();
  } catch (e) {
    gate.fail(e as Error);
    await stop();
    throw e;
  }
  return deployment;
}

function signalControl(pid: number): ProcessControl {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // gone already
    }
  };
  return {
    kill: async () => signal('SIGKILL'),
    pause: async () => signal('SIGSTOP'),
    resume: async () => signal('SIGCONT'),
  };
}

async function waitFor(probe: () => Promise<boolean>, what: string, timeoutS: number): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new TimeoutError(`storm: ${what}`, timeoutS * 1000);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * StormSubmitter in a short-lived JVM: uploads the topology jar to nimbus and submits. Nimbus may take a few
 * seconds after it listens to become leader (it must win the ZooKeeper election first): retried until the
 * launch timeout.
 */
async function submit(
  processes: ProcessLauncher,
  job: {
    program: StormProgram;
    configFile: string;
    logDir: string;
    paths: ProcessSpec['paths'];
    cwd: string;
  },
  timeoutS: number,
) {
  const { program } = job;
  const deadline = Date.now() + timeoutS * 1000;
  for (let attempt = 0; ; attempt++) {
    const logFile = join(job.logDir, 'submit.log');
    const out = createWriteStream(logFile, { flags: 'a' });
    // Where the cluster runs (a container on the run's network under docker: nimbus is reached by its name).
    const child = await processes.start({
      id: 'submit',
      attempt,
      command: [
        program.java,
        '-Xmx256m',
        `-Dstorm.jar=${program.topologyJar}`,
        '-cp',
        program.classpath,
        STORM_MAIN_CLASS,
        job.configFile,
      ],
      cwd: job.cwd,
      paths: job.paths,
    });
    child.stdout.pipe(out);
    child.stderr.pipe(out, { end: false });
    const { code } = await child.exited;
    if (code === 0) return;
    if (Date.now() > deadline) {
      throw new ServiceFailedError(
        'storm',
        `submitting the topology failed ${attempt + 1} times; see ${logFile}`,
      );
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
