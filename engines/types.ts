/**
 * How engines plug in (ARCHITECTURE.md "Engines plug in through one interface"). An engine deploys a plan
 * (topology, topics, services, workload) as worker processes and reports what it does as EngineEvents.
 * Engines know nothing of scenarios: the plan names the workload module they load in their workers.
 */
import type { EventType } from '../core/events.ts';
import type { EngineEvent, Guarantee, NewEngineEvent, TopologyKind } from '../core/types.ts';
import type { WorkerMessage } from './runtime/control.ts';

export type EngineName =
  | 'passthrough'
  | 'ack-tree'
  | 'barrier-snapshot'
  | 'operator-checkpoint'
  | 'storm'
  | 'flink'
  | 'kafka-streams'
  // Not a registered engine: the bench's harness-only limit (harness/harness-pipe.ts).
  | 'harness-pipe';

export interface ServiceEndpoints {
  kafka: { bootstrap: string };
  redis: { host: string; port: number };
  toxiproxy: { api: string; host: string };
}

/**
 * Where worker processes run and how they reach each other and the services: local processes on loopback, or
 * containers on a docker network (each worker under its own host name, Toxiproxy and the services under theirs).
 * `services` in the plan stay the runner's view (APIs, bootstrap for the harness); this is the workers' view.
 */
export interface Placement {
  launcher: WorkerLauncher;
  /** Interface a worker's mesh endpoint binds to. */
  listenHost: string;
  /** Host name under which worker `id` is reachable (by Toxiproxy, or by peers when links are not proxied). */
  hostOf(id: string): string;
  /** Where Toxiproxy binds a link's proxy, and the host name clients use to reach it. */
  proxy: { listenHost: string; clientHost: string };
  /** Kafka and Redis as workers reach them. */
  kafka: { bootstrap: string };
  redis: { host: string; port: number };
  /**
   * Starts an engine's own processes (JVMs: a Flink TaskManager, a Streams instance, a Storm daemon) where
   * workers go; default (undefined): local processes (`localProcesses`, engines/runtime/processes.ts).
   */
  processes?: ProcessLauncher;
}

/** A process an engine runs itself (not a TypeScript worker): a JVM, with its host-side paths. */
export interface ProcessSpec {
  /** The worker id (`taskmanager[0]`, `coordinator`): its host name under docker (`hostOf`), the log's name. */
  id: string;
  attempt: number;
  /** The program and its arguments as on this host: `[java, ...args]` (a container runs its own `java`). */
  command: string[];
  cwd: string;
  env?: Record<string, string>;
  /**
   * Every host path the process reads (jars, configuration, a model) or writes (the run folder). A container
   * gets each bind-mounted at the same path, so command lines and configuration files need no rewriting.
   */
  paths: { path: string; writable: boolean }[];
  /** Ports it listens on that the runner on this host must reach (a REST API): published 1:1 on loopback. */
  ports?: number[];
}

export interface ProcessHandle extends ProcessControl {
  /** The host's pid of the process (of a container's main process under docker). */
  pid: number;
  /** Its output (stdout; stderr is `stderr`). */
  stdout: NodeJS.ReadableStream;
  stderr: NodeJS.ReadableStream;
  /** Resolves when it ends: the exit code, or the signal that ended it (a `docker kill` reads as SIGKILL). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal (SIGSTOP / SIGCONT pause and resume a container). */
  signal(sig: NodeJS.Signals): void;
  /** Runs a command beside the process (in its container under docker; here, on this host) and says its exit. */
  exec(command: string[]): Promise<{ code: number; output: string }>;
}

export interface ProcessLauncher {
  /** `local` or `docker`. */
  kind: string;
  start(spec: ProcessSpec): Promise<ProcessHandle>;
}

export interface Parallelism {
  source: number;
  features: number;
  score: number;
  sink: number;
}

export interface DeployPlan {
  runId: string;
  /** Worker logs go to `<runDir>/workers/`. */
  runDir: string;
  guarantee: Guarantee;
  seed: number;
  workload: {
    name: string;
    /** Absolute path of a module exporting `getWorkload(name)`; workers import it. */
    module: string;
    dataPath?: string;
    modelPath: string;
  };
  topics: { input: string; output: string; partitions: number };
  services: ServiceEndpoints;
  /** Where workers run; default: local processes (`localPlacement(services)`). */
  placement?: Placement;
  parallelism: Parallelism;
  /** The operator graph (engines/runtime/topology.ts); default `chain`. Only one of the engine's `topologies`. */
  topology?: TopologyKind;
  /** Engine-specific options (message timeout, checkpoint interval, window size…), validated by the engine. */
  options: Record<string, unknown>;
  /** Every engine event, as it happens (the runner appends them to events.jsonl). */
  onEvent: (event: EngineEvent) => void;
}

export interface WorkerInfo {
  /** e.g. `features[1]` */
  id: string;
  operator: string;
  instance: number;
  pid: number | null;
  attempt: number;
  alive: boolean;
  /** Being (re)started: a restart is under way or the process runs but has not said it is ready yet. */
  starting: boolean;
}

/**
 * What process faults do to one worker: signals for a local process; `docker kill`, `docker pause` and a
 * network disconnect for a container.
 */
export interface ProcessControl {
  kill(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Cuts the worker off the network (containers only); resolves with the reconnect. */
  disconnect?(): Promise<() => Promise<void>>;
}

/** What a fault can act on in a deployment, by the names scenarios use. */
export interface FaultTargets {
  /** Worker ids and `coordinator` → current pid (null while not running). */
  processes: Record<string, number | null>;
  /** Worker ids and `coordinator` → how to kill, pause or cut off its current incarnation. */
  controls: Record<string, ProcessControl | null>;
  /** `link:a->b` → the Toxiproxy proxy carrying that link. */
  links: Record<string, string>;
}

export interface Deployment extends AsyncDisposable {
  workers(): WorkerInfo[];
  faultTargets(): FaultTargets;
  /** Resolves when every worker is consuming/serving; the runner starts the load after it. */
  ready(): Promise<void>;
  /** Workers restarted at least once since deploy (blast radius). */
  restartedWorkers(): string[];
  /** Records the engine replayed (ack-tree replays, recomputed windows); null when it cannot count them. */
  recordsReplayed(): number | null;
  stop(): Promise<void>;
}

/**
 * What decides how much an engine replays and how soon it reacts, so that cross-engine figures are read against
 * the settings that made them: duplicates and recovery time mostly follow these two numbers.
 */
export interface ReplayHorizon {
  /**
   * How far back a restore or replay starts at most: the checkpoint interval (barrier-snapshot), the checkpoint
   * period in windows (operator-checkpoint), the spout's offset-commit period (ack-tree); null: from the
   * beginning (no checkpoints).
   */
  restorePointMs: number | null;
  /**
   * How long a silent failure goes unanswered: the heartbeat timeout (a hung worker), and for ack-tree also the
   * message timeout (a lost tuple is replayed T..2T after it was emitted); the larger of an engine's timeouts.
   */
  detectionMs: number;
  /** The settings behind both, for a table cell: "checkpoint 2 s · heartbeat timeout 5 s". */
  text: string;
}

/** The bench warm-up of the JVM engines (storm, flink, kafka-streams): see `Engine.benchWarmupS`. */
export const JVM_BENCH_WARMUP_S = 20;

export interface Engine {
  name: EngineName;
  description: string;
  guarantees: readonly Guarantee[];
  defaultGuarantee: Guarantee;
  /** The topologies it can deploy (a capability: the runner refuses any other before a run starts). */
  topologies: readonly TopologyKind[];
  /**
   * Scores an H2O GBM model file (kind gradient-boosting) from its MOJO through h2o-genmodel in its own JVM
   * (a capability: without it the runner refuses such a model before a run starts; linear models every engine
   * scores). The checker's reference scores then come from the same MOJO (infra/h2o/mojo-scorer.ts).
   */
  scoresMojo?: boolean;
  /**
   * Event types that, for this engine, also say it noticed a failure, beyond the shared list
   * (harness/recovery.ts DETECTION_EVENT_TYPES): a system whose reaction to a failure is the only signal of
   * its detection (Kafka Streams: the group coordinator expires a silent member, the survivors rebalance).
   */
  detectionEvents?: readonly EventType[];
  /**
   * Validates engine options (unknown keys, bad values, and with the run's guarantee the combinations it
   * cannot keep) before a run starts; throws BadInputError.
   */
  parseOptions?(raw: Record<string, unknown>, guarantee?: Guarantee): unknown;
  /**
   * The replay horizon (ms) with these options: how long after the last input the engine may still deliver
   * records again on its own (timeout replays, a restore from a checkpoint after a late failure detection).
   * The drain waits this long without new output before it counts; without it, 1 s.
   */
  replayHorizonMs?(options: Record<string, unknown>): number;
  /** The settings that bound replay and failure detection with these options, compared across engines. */
  horizon?(options: Record<string, unknown>): ReplayHorizon;
  /**
   * Where the engine commits its input offsets to Kafka with these options: its consumer groups are the run's
   * groups whose id starts with `fl-<runId>-<groupInfix>`, committed about every `intervalMs`. Absent or null:
   * it keeps its offsets elsewhere (a checkpoint in Redis) or commits none, so no consumer lag can be read from
   * Kafka for it (the bench then judges on the harness's backlog alone and says so).
   */
  committedOffsets?(
    options: Record<string, unknown>,
    guarantee: Guarantee,
  ): { groupInfix: string; intervalMs: number } | null;
  /**
   * The warm-up (s) a bench step of this engine needs at least, when the bench is not told one: a JVM engine's
   * JIT compiles its hot paths in the first tens of seconds, and a step measured before that measures the
   * compiler (the real Storm at 4000/s: p50 118 ms after a 5 s warm-up, 7.5 ms after 20 s).
   */
  benchWarmupS?: number;
  deploy(plan: DeployPlan): Promise<Deployment>;
}

/** What a worker imports from `plan.workload.module` (scenarios/workloads/index.ts provides it). */
export interface WorkloadKit {
  getWorkload(name: string): import('../core/workload.ts').Workload;
  loadModel(path: string, workloadName: string): import('../core/workload.ts').ModelArtefact;
  runPipelineStep<S>(
    workload: import('../core/workload.ts').Workload<unknown, unknown, S>,
    model: import('../core/workload.ts').ModelArtefact,
    state: S | undefined,
    body: unknown,
  ): { state: S; features: number[]; score: number };
}

export interface WorkerSpec<Config> {
  /** e.g. `features[1]`; also the log file name. */
  id: string;
  /** Absolute path of the worker's TypeScript entry. */
  entry: string;
  config: Config;
  attempt: number;
}

export interface WorkerHandle extends ProcessControl {
  id: string;
  pid: number;
  attempt: number;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  exited: Promise<number | NodeJS.Signals>;
  isAlive(): boolean;
  signal(sig: NodeJS.Signals): void;
  send(message: unknown): void;
}

/**
 * Starts worker processes: as local OS processes (`localLauncher`) or as containers (infra/docker). The
 * supervisor and the engines see only handles.
 */
export interface WorkerLauncher {
  /** `local` or `docker`: recorded in the environment and in events. */
  kind: string;
  launch<Config>(
    spec: WorkerSpec<Config>,
    opts: { logDir: string; onMessage: (m: WorkerMessage) => void },
  ): Promise<WorkerHandle>;
  /** Frees what the launcher holds for the deployment (a control server, exited containers). */
  close(): Promise<void>;
}

export interface WorkerContext<Config> {
  id: string;
  attempt: number;
  config: Config;
  /** Sends an engine event to the parent (timestamped here if `at` is missing). */
  emit(event: NewEngineEvent): void;
  /** Tells the parent this worker is serving. */
  ready(): void;
  /** Raw message to the parent (a coordinator asks its supervisor to restart workers this way). */
  toParent(message: WorkerMessage): void;
  /** Messages from the parent (the supervisor tells a coordinator about worker exits this way). */
  onParentMessage(handler: (message: unknown) => void): void;
  /** Aborted on SIGTERM/SIGINT: the worker should finish and return. */
  signal: AbortSignal;
}
