/**
 * An infra instance: Kafka, Redis and Toxiproxy started together under one name, with a state file so that
 * `status` and `down` (or a later process) find them. `startInfra` is the programmatic API the CLI, the test
 * global setup and the harness share.
 *
 * Instances started for one process (tests, a run without `infra up`) record that owner's pid; any instance
 * whose owner is dead is swept at the next start, so a crashed run leaves nothing behind for long.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts, isPortFree } from '../../clients/ports.ts';
import { BadInputError, PortInUseError } from '../../core/errors.ts';
import { noProgress, type ProgressSink, timed } from '../../core/progress.ts';
import { instancesDir } from './paths.ts';
import { isAlive, isOurProcess, processesMentioning, stopProcess, tailFile } from './processes.ts';
import { provision } from './provision.ts';
import {
  kafkaReady,
  redisVersion,
  type ServiceName,
  type ServiceState,
  startKafka,
  startRedis,
  startToxiproxy,
  toxiproxyVersion,
} from './services.ts';

export interface InfraEndpoints {
  /** The instance these endpoints belong to (its state file lets faults stop and restart a service). */
  instance: string;
  kafka: { bootstrap: string; host: string; port: number; version: string };
  redis: { host: string; port: number; url: string; version: string };
  toxiproxy: { api: string; host: string; port: number; version: string };
}

export interface StartedInfra extends InfraEndpoints, AsyncDisposable {
  name: string;
  dir: string;
  /** True when this call started the services (false: an already running instance was reused). */
  started: boolean;
  status(): Promise<InfraStatus>;
  stop(): Promise<void>;
}

export interface ServiceHealth {
  name: ServiceName;
  healthy: boolean;
  pid: number;
  port: number;
  version: string;
  logFile: string;
  /** Why it is not healthy, with the tail of its log. */
  problem?: string;
}

export interface InfraStatus {
  name: string;
  dir: string;
  healthy: boolean;
  services: ServiceHealth[];
}

export interface StartInfraOptions {
  /** Instance name; the CLI uses "default". Tests and runs use a unique one. */
  name?: string;
  /** Pid whose death makes this instance garbage (sweepable); null for a long-lived `infra up` instance. */
  owner?: number | null;
  ports?: { kafka?: number; kafkaController?: number; redis?: number; toxiproxy?: number };
  kafkaHeap?: string;
  progress?: ProgressSink;
}

interface InstanceFile {
  schema: 'faultline/infra-instance@1';
  name: string;
  owner: number | null;
  createdAt: string;
  services: ServiceState[];
}

const STOP_GRACE_MS: Record<ServiceName, number> = { kafka: 15_000, redis: 5_000, toxiproxy: 5_000 };

export async function startInfra(opts: StartInfraOptions = {}): Promise<StartedInfra> {
  const progress = opts.progress ?? noProgress;
  const name = opts.name ?? 'default';
  if (!/^[A-Za-z0-9._-]+$/.test(name))
    throw new BadInputError(`bad infra instance name "${name}"`, {
      fix: 'use letters, digits, ".", "_" or "-"',
    });
  await sweepOrphans(progress);

  const dir = join(instancesDir(), name);
  const existing = readInstance(name);
  if (existing) {
    const status = await statusOf(existing, dir);
    if (status.healthy) {
      progress({ message: `infra "${name}" is already running`, state: 'info' });
      return handle(existing, dir, false);
    }
    progress({ message: `infra "${name}" was left half-running; cleaning it up`, state: 'info' });
    await stopInstance(existing, dir);
  }

  const ports = await choosePorts(opts.ports ?? {});
  const bin = await provision(progress);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file: InstanceFile = {
    schema: 'faultline/infra-instance@1',
    name,
    owner: opts.owner === undefined ? process.pid : opts.owner,
    createdAt: new Date().toISOString(),
    services: [],
  };
  const record = (s: ServiceState) => {
    file.services.push(s);
    writeInstance(dir, file);
  };
  writeInstance(dir, file);
  try {
    record(
      await timed(progress, `Starting Redis on port ${ports.redis}`, () => startRedis(bin, dir, ports.redis)),
    );
    record(
      await timed(progress, `Starting Toxiproxy on port ${ports.toxiproxy}`, () =>
        startToxiproxy(bin, dir, ports.toxiproxy),
      ),
    );
    record(
      await timed(progress, `Starting Kafka ${bin.kafkaVersion} (KRaft) on port ${ports.kafka}`, () =>
        startKafka(bin, dir, ports.kafka, ports.kafkaController, { heap: opts.kafkaHeap }),
      ),
    );
  } catch (e) {
    // Nothing half-started survives a failed start. Keep the logs for the user: they are named in the error.
    await stopServices(file.services);
    rmSync(join(dir, 'state.json'), { force: true });
    throw e;
  }
  return handle(file, dir, true);
}

/** The instance named `name` if its state file exists. */
export function readInstance(name = 'default'): InstanceFile | undefined {
  const path = join(instancesDir(), name, 'state.json');
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as InstanceFile;
    return parsed.schema === 'faultline/infra-instance@1' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Attach to a running instance (used by runs when `infra up` was done beforehand). */
export async function attachInfra(name = 'default'): Promise<StartedInfra | undefined> {
  const file = readInstance(name);
  if (!file) return undefined;
  const dir = join(instancesDir(), name);
  const status = await statusOf(file, dir);
  return status.healthy ? handle(file, dir, false) : undefined;
}

export async function infraStatus(name = 'default'): Promise<InfraStatus | undefined> {
  const file = readInstance(name);
  return file ? statusOf(file, join(instancesDir(), name)) : undefined;
}

/** Stops the named instance. Returns false when there was nothing to stop. */
export async function stopInfra(name = 'default'): Promise<boolean> {
  const file = readInstance(name);
  if (!file) return false;
  await stopInstance(file, join(instancesDir(), name));
  return true;
}

function handle(file: InstanceFile, dir: string, started: boolean): StartedInfra {
  const svc = (n: ServiceName) => file.services.find((s) => s.name === n)!;
  const kafka = svc('kafka');
  const redis = svc('redis');
  const toxi = svc('toxiproxy');
  const stop = () => stopInstance(file, dir);
  return {
    name: file.name,
    instance: file.name,
    dir,
    started,
    kafka: {
      bootstrap: `${kafka.host}:${kafka.port}`,
      host: kafka.host,
      port: kafka.port,
      version: kafka.version,
    },
    redis: {
      host: redis.host,
      port: redis.port,
      url: `redis://${redis.host}:${redis.port}`,
      version: redis.version,
    },
    toxiproxy: {
      api: `http://${toxi.host}:${toxi.port}`,
      host: toxi.host,
      port: toxi.port,
      version: toxi.version,
    },
    status: () => statusOf(file, dir),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function statusOf(file: InstanceFile, dir: string): Promise<InfraStatus> {
  const services = await Promise.all(
    (['redis', 'toxiproxy', 'kafka'] as const).map(async (name): Promise<ServiceHealth> => {
      const s = file.services.find((x) => x.name === name);
      if (!s)
        return { name, healthy: false, pid: 0, port: 0, version: '', logFile: '', problem: 'never started' };
      const base = { name, pid: s.pid, port: s.port, version: s.version, logFile: s.logFile };
      if (!isOurProcess(s.pid, s.marker)) {
        return {
          ...base,
          healthy: false,
          problem: `process ${s.pid} is not running. Last log lines:\n${await tailFile(s.logFile)}`,
        };
      }
      try {
        if (name === 'redis') await redisVersion(s.host, s.port);
        else if (name === 'toxiproxy') await toxiproxyVersion(s.host, s.port);
        else await kafkaReady(`${s.host}:${s.port}`);
        return { ...base, healthy: true };
      } catch (e) {
        return { ...base, healthy: false, problem: `running but not answering: ${(e as Error).message}` };
      }
    }),
  );
  return { name: file.name, dir, healthy: services.every((s) => s.healthy), services };
}

async function stopInstance(file: InstanceFile, dir: string): Promise<void> {
  await stopServices(file.services);
  // Whatever still runs from this folder was never recorded (a broker a racing restart started): stop it too.
  await stopStrays(straysUnder(dir));
  rmSync(dir, { recursive: true, force: true });
}

async function stopServices(services: ServiceState[]): Promise<void> {
  // Kafka first (it is a client of nothing here, but it is the slowest), then the rest in parallel.
  await Promise.all(services.map((s) => stopProcess(s.pid, s.marker, STOP_GRACE_MS[s.name])));
}

/** What a service's command line holds, to tell a service process from any other naming the folder. */
const SERVICE_COMMANDS: [ServiceName, string][] = [
  ['kafka', 'kafka.Kafka '],
  ['redis', 'redis-server'],
  ['toxiproxy', 'toxiproxy-server'],
];

/** A service process found by its command line rather than through a state file. */
export interface StrayProcess {
  pid: number;
  service: ServiceName;
  /** Where it was found: the path inside an instance folder its command line names. */
  marker: string;
}

/**
 * Service processes that name a path inside `dir` (Kafka's config, Redis's data folder) but are not among
 * `recorded`: a second broker a racing restart started, or the services of an instance whose folder was removed
 * while they ran. No state file knows them, so only this finds them.
 */
function straysUnder(dir: string, recorded: ServiceState[] = []): StrayProcess[] {
  const known = new Set(recorded.map((s) => s.pid));
  return serviceProcessesUnder(dir)
    .filter((p) => !known.has(p.pid))
    .map(({ pid, service }) => ({ pid, service, marker: `${dir}/` }));
}

function serviceProcessesUnder(dir: string): { pid: number; service: ServiceName; cmdline: string }[] {
  return processesMentioning(`${dir}/`).flatMap(({ pid, cmdline }) => {
    const service = SERVICE_COMMANDS.find(([, text]) => cmdline.includes(text))?.[0];
    return service ? [{ pid, service, cmdline }] : [];
  });
}

async function stopStrays(strays: StrayProcess[]): Promise<void> {
  await Promise.all(strays.map((s) => stopProcess(s.pid, s.marker, STOP_GRACE_MS[s.service])));
}

/**
 * Leftovers the next start sweeps: an instance whose owner died (a crashed test run, a killed `faultline run` or
 * soak), or service processes still running for an instance folder that is gone.
 */
export interface Orphan {
  name: string;
  dir: string;
  /** The dead owner's pid; null when the instance's folder (and its state file) no longer exists. */
  owner: number | null;
  createdAt: string | null;
  /** Its recorded services whose processes still run (pid and port each). */
  running: { name: string; pid: number; port: number }[];
  /** Service processes no state file records (see `straysUnder`). */
  strays: StrayProcess[];
}

/** The instances `sweepOrphans` would stop and remove, without touching them (for `infra status`). */
export function listOrphans(): Orphan[] {
  const root = instancesDir();
  if (!existsSync(root)) return [];
  const orphans: Orphan[] = [];
  for (const name of readdirSync(root).sort()) {
    const file = readInstance(name);
    if (!file || file.owner === null || isAlive(file.owner)) continue;
    const dir = join(root, name);
    orphans.push({
      name,
      dir,
      owner: file.owner,
      createdAt: file.createdAt,
      running: file.services
        .filter((s) => isOurProcess(s.pid, s.marker))
        .map((s) => ({ name: s.name, pid: s.pid, port: s.port })),
      strays: straysUnder(dir, file.services),
    });
  }
  return [...orphans, ...folderlessOrphans(root)];
}

/** Service processes of instances whose folder is gone, one orphan per instance name. */
function folderlessOrphans(root: string): Orphan[] {
  const byName = new Map<string, StrayProcess[]>();
  for (const { pid, service, cmdline } of serviceProcessesUnder(root)) {
    // The instance is the first path component after the root in the process's command line.
    const name = cmdline.slice(cmdline.indexOf(`${root}/`) + root.length + 1).split(/[/\s]/)[0];
    if (!name || existsSync(join(root, name, 'state.json'))) continue;
    const marker = `${join(root, name)}/`;
    byName.set(name, [...(byName.get(name) ?? []), { pid, service, marker }]);
  }
  return [...byName].map(([name, strays]) => ({
    name,
    dir: join(root, name),
    owner: null,
    createdAt: null,
    running: [],
    strays,
  }));
}

/** Instances whose owner process died (a crashed test run, a killed `faultline run`) are stopped and removed. */
export async function sweepOrphans(progress: ProgressSink = noProgress): Promise<string[]> {
  const root = instancesDir();
  if (!existsSync(root)) return [];
  const swept: string[] = [];
  for (const name of readdirSync(root)) {
    const file = readInstance(name);
    const dir = join(root, name);
    if (!file) {
      if (!existsSync(join(dir, 'state.json'))) continue;
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (file.owner !== null && !isAlive(file.owner)) {
      progress({
        message: `sweeping leftovers of infra "${name}" (owner ${file.owner} is gone)`,
        state: 'info',
      });
      await stopInstance(file, dir);
      swept.push(name);
    }
  }
  for (const orphan of folderlessOrphans(root)) {
    const pids = orphan.strays.map((s) => `${s.service} pid ${s.pid}`).join(', ');
    progress({
      message: `stopping ${pids}: still running for removed infra "${orphan.name}"`,
      state: 'info',
    });
    await stopStrays(orphan.strays);
    swept.push(orphan.name);
  }
  return swept;
}

async function choosePorts(asked: NonNullable<StartInfraOptions['ports']>) {
  const names = ['kafka', 'kafkaController', 'redis', 'toxiproxy'] as const;
  for (const n of names) {
    const p = asked[n];
    if (p === undefined) continue;
    if (!Number.isInteger(p) || p < 1 || p > 65535)
      throw new BadInputError(`port for ${n} must be 1..65535, got ${p}`);
    if (!(await isPortFree(p))) throw new PortInUseError(n, p);
  }
  const free = await freePorts(4);
  return {
    kafka: asked.kafka ?? free[0]!,
    kafkaController: asked.kafkaController ?? free[1]!,
    redis: asked.redis ?? free[2]!,
    toxiproxy: asked.toxiproxy ?? free[3]!,
  };
}

function writeInstance(dir: string, file: InstanceFile): void {
  const tmp = join(dir, 'state.json.tmp');
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(tmp, join(dir, 'state.json'));
}

/**
 * Infrastructure faults: pause (SIGSTOP) / resume (SIGCONT) a service, or stop it and start it again on the
 * same ports and data directory (a broker restart; Redis comes back empty, as a non-persistent Redis does).
 */
export async function controlService(
  instance: string,
  service: ServiceName,
  action: 'pause' | 'resume' | 'stop' | 'start',
): Promise<void> {
  // One action at a time per service: overlapping restarts (a start still waiting for the broker while the next
  // fault stops or starts it) would otherwise each spawn a broker, and the state file keep only one of them.
  const key = `${instance}/${service}`;
  const previous = serviceActions.get(key) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(() => applyServiceAction(instance, service, action));
  serviceActions.set(key, next);
  try {
    await next;
  } finally {
    if (serviceActions.get(key) === next) serviceActions.delete(key);
  }
}

const serviceActions = new Map<string, Promise<void>>();

async function applyServiceAction(
  instance: string,
  service: ServiceName,
  action: 'pause' | 'resume' | 'stop' | 'start',
): Promise<void> {
  const file = readInstance(instance);
  const dir = join(instancesDir(), instance);
  const s = file?.services.find((x) => x.name === service);
  if (!file || !s) throw new BadInputError(`infra instance "${instance}" has no running ${service}`);
  if (action === 'pause' || action === 'resume') {
    if (isOurProcess(s.pid, s.marker)) process.kill(s.pid, action === 'pause' ? 'SIGSTOP' : 'SIGCONT');
    return;
  }
  if (action === 'stop') {
    await stopProcess(s.pid, s.marker, STOP_GRACE_MS[service]);
    return;
  }
  if (isOurProcess(s.pid, s.marker)) return;
  // A copy of this service that no state file records (another process's racing restart) would hold the port.
  await stopStrays(straysUnder(dir, file.services).filter((x) => x.service === service));
  const bin = await provision();
  const fresh =
    service === 'redis'
      ? await startRedis(bin, dir, s.port)
      : service === 'toxiproxy'
        ? await startToxiproxy(bin, dir, s.port)
        : await startKafka(bin, dir, s.port, s.ports[1]!, {});
  file.services = file.services.map((x) => (x.name === service ? fresh : x));
  writeInstance(dir, file);
}
