/**
 * Starting each service on loopback and waiting until it is really ready:
 * Kafka answers a metadata request, Redis answers PING, Toxiproxy answers GET /version.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from '../../clients/kafka.ts';
import { LOOPBACK } from '../../clients/ports.ts';
import { retryUntil } from '../../core/clock.ts';
import { ServiceFailedError } from '../../core/errors.ts';
import { isOurProcess, type SpawnedService, spawnDetached, tailFile } from './processes.ts';
import type { Binaries } from './provision.ts';

export type ServiceName = 'kafka' | 'redis' | 'toxiproxy';

export interface ServiceState extends SpawnedService {
  name: ServiceName;
  host: string;
  port: number;
  /** Extra ports the service holds (Kafka's controller listener). */
  ports: number[];
  version: string;
  dataDir: string;
}

const READY_TIMEOUT_MS = 60_000;

export async function startRedis(bin: Binaries, dir: string, port: number): Promise<ServiceState> {
  const dataDir = join(dir, 'redis');
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(dir, 'redis.log');
  const args = [
    '--port',
    String(port),
    '--bind',
    LOOPBACK,
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dataDir,
  ];
  args.push('--protected-mode', 'no', '--daemonize', 'no', '--set-proc-title', 'no');
  const proc = spawnDetached(bin.redisServer, args, { logFile, marker: `--port ${port} ` });
  const state: ServiceState = {
    name: 'redis',
    host: LOOPBACK,
    port,
    ports: [port],
    version: '',
    dataDir,
    ...proc,
  };
  state.version = await waitReady(state, () => redisVersion(LOOPBACK, port));
  return state;
}

export async function startToxiproxy(bin: Binaries, dir: string, port: number): Promise<ServiceState> {
  const logFile = join(dir, 'toxiproxy.log');
  const proc = spawnDetached(bin.toxiproxyServer, ['-host', LOOPBACK, '-port', String(port)], {
    logFile,
    marker: `-port ${port} `,
  });
  const state: ServiceState = {
    name: 'toxiproxy',
    host: LOOPBACK,
    port,
    ports: [port],
    version: '',
    dataDir: dir,
    ...proc,
  };
  state.version = await waitReady(state, () => toxiproxyVersion(LOOPBACK, port));
  return state;
}

export async function startKafka(
  bin: Binaries,
  dir: string,
  port: number,
  controllerPort: number,
  opts: { heap?: string; partitions?: number } = {},
): Promise<ServiceState> {
  const dataDir = join(dir, 'kafka-data');
  mkdirSync(dataDir, { recursive: true });
  const config = join(dir, 'kafka.properties');
  writeFileSync(config, kafkaProperties(port, controllerPort, dataDir, opts.partitions ?? 2));
  const log4j = join(dir, 'kafka-log4j.properties');
  writeFileSync(log4j, readFileSync(new URL('kafka-log4j.properties', KAFKA_TEMPLATES), 'utf8'));
  const classpath = `${bin.kafkaLibs}/*`;
  // Format once per data dir; a restart (kafka-restart fault) must keep the cluster id and the data.
  const format = existsSync(join(dataDir, 'meta.properties'))
    ? { status: 0, stderr: '', stdout: '' }
    : spawnSync(
        bin.java,
        [
          '-cp',
          classpath,
          `-Dlog4j.configuration=file:${log4j}`,
          'kafka.tools.StorageTool',
          'format',
          // `=`: an id may start with '-' (ours never does, one given by hand might), which argparse reads as an option.
          `--cluster-id=${clusterId()}`,
          '-c',
          config,
          '--ignore-formatted',
        ],
        { encoding: 'utf8' },
      );
  if (format.status !== 0) {
    throw new ServiceFailedError(
      'kafka',
      `formatting storage in ${dataDir} failed:\n${(format.stderr || format.stdout).slice(-2000)}`,
    );
  }
  const heap = opts.heap ?? '512m';
  const args = [`-Xmx${heap}`, `-Xms${heap}`, '-XX:+UseSerialGC', '-Djava.awt.headless=true'];
  args.push(`-Dlog4j.configuration=file:${log4j}`, '-cp', classpath, 'kafka.Kafka', config);
  const proc = spawnDetached(bin.java, args, { logFile: join(dir, 'kafka.log'), marker: config });
  const state: ServiceState = {
    name: 'kafka',
    host: LOOPBACK,
    port,
    ports: [port, controllerPort],
    version: bin.kafkaVersion,
    dataDir,
    ...proc,
  };
  await waitReady(state, () => kafkaReady(`${LOOPBACK}:${port}`));
  return state;
}

/** Polls `probe` until it answers; fails fast with the log tail when the process died. */
async function waitReady<T>(state: ServiceState, probe: () => Promise<T>): Promise<T> {
  return retryUntil(
    `${state.name} ready`,
    async () => {
      if (!isOurProcess(state.pid, state.marker)) {
        throw new ServiceFailedError(
          state.name,
          `exited while starting (port ${state.port}). Last log lines:\n${await tailFile(state.logFile)}`,
        );
      }
      return probe();
    },
    {
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 250,
      onTimeout: (last) =>
        last instanceof ServiceFailedError
          ? last
          : new ServiceFailedError(state.name, `not ready after ${READY_TIMEOUT_MS} ms`, { cause: last }),
    },
  ).catch(async (e) => {
    if (e instanceof ServiceFailedError && e.message.includes('Last log lines')) throw e;
    throw new ServiceFailedError(
      state.name,
      `${e.message}. Last log lines:\n${await tailFile(state.logFile)}`,
      { cause: e },
    );
  });
}

export async function redisVersion(host: string, port: number): Promise<string> {
  const redis = new Redis({
    host,
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    if ((await redis.ping()) !== 'PONG') throw new Error('PING did not answer PONG');
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    redis.disconnect();
  }
}

export async function toxiproxyVersion(host: string, port: number): Promise<string> {
  const res = await fetch(`http://${host}:${port}/version`, { signal: AbortSignal.timeout(1000) });
  if (!res.ok) throw new Error(`GET /version answered ${res.status}`);
  const text = (await res.text()).trim();
  try {
    const parsed = JSON.parse(text) as { version?: string };
    return parsed.version ?? text;
  } catch {
    return text;
  }
}

export async function kafkaReady(bootstrap: string): Promise<true> {
  const kafka = new Kafka({
    clientId: 'faultline-infra',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('metadata lists no broker');
    return true;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * A base64url-encoded 16-byte UUID, as Kafka wants. Like Kafka's own `Uuid.randomUuid()`, never one that
 * starts with '-' (1 in 64 do): command-line tools read it as an option ("--cluster-id: expected one argument").
 */
export function clusterId(
  random: () => Uint8Array = () => crypto.getRandomValues(new Uint8Array(16)),
): string {
  for (;;) {
    const id = Buffer.from(random()).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The one source of the broker's settings, shared with the kafka image's kafka-entry.sh. */
const KAFKA_TEMPLATES = new URL('../docker/images/', import.meta.url);

export function kafkaProperties(
  port: number,
  controllerPort: number,
  dataDir: string,
  partitions: number,
): string {
  const values: Record<string, string> = {
    CONTROLLER_PORT: String(controllerPort),
    LISTENERS: `PLAINTEXT://${LOOPBACK}:${port},CONTROLLER://${LOOPBACK}:${controllerPort}`,
    ADVERTISED_LISTENERS: `PLAINTEXT://${LOOPBACK}:${port}`,
    PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    INTER_BROKER_LISTENER: 'PLAINTEXT',
    LOG_DIRS: dataDir,
    PARTITIONS: String(partitions),
  };
  return readFileSync(new URL('kafka-server.properties', KAFKA_TEMPLATES), 'utf8').replace(
    /@([A-Z_]+)@/g,
    (_, name: string) => values[name] ?? `@${name}@`,
  );
}
