/**
 * Workers as containers: the docker provider's placement. Each incarnation of a worker is one container of
 * the engine image, started with testcontainers on the instance's network under a stable alias (its peers'
 * proxies point at the alias, so a restarted incarnation is found again). The container runs the same entry a
 * local worker runs; its boot config and its messages travel over the control channel (engines/runtime/
 * control.ts) instead of IPC. Process faults become container faults: `docker kill`, `docker pause` and
 * `docker network disconnect`; a CPU budget per engine is split evenly over its containers.
 *
 * The real engines' own processes (JVMs: `Placement.processes`) are containers too, one per process, of the
 * `jvm` image, under the same aliases and with the same faults. Their jars (the project's build cache), their
 * configuration and the run's folder are bind-mounted AT THE SAME PATHS as on the host, so the engine's command
 * lines and configuration files need no path rewriting; the run's folder is shared by every container of the
 * run as a shared file system would be (checkpoints, logs).
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type Dockerode from 'dockerode';
import { GenericContainer } from 'testcontainers';
import { LOOPBACK } from '../../clients/ports.ts';
import { clockOffsetEnv } from '../../core/clock.ts';
import {
  type Placement,
  type ProcessControl,
  type ProcessHandle,
  type ProcessLauncher,
  type ProcessSpec,
  startControlServer,
  type WorkerHandle,
  type WorkerLauncher,
} from '../../engines/index.ts';
import { IMAGES } from './images.ts';
import { type DockerInfra, INSIDE, LABEL_RUN } from './services.ts';

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** Where the engine image keeps the repository's files. */
export const IMAGE_ROOT = '/app';

export interface DockerPlacementOptions {
  runId: string;
  /** CPUs for the whole engine, split evenly over `containers` (Docker's NanoCpus); undefined: no limit. */
  cpus?: number;
  /** How many containers the engine will run (coordinator included), to split `cpus`. */
  containers: number;
}

/** DNS-safe, unique per run: `fl-<8 hex of the run id>-features-1`. */
export function containerAlias(runId: string, id: string): string {
  const tag = createHash('sha256').update(runId).digest('hex').slice(0, 8);
  return `fl-${tag}-${id.replace(/[^a-zA-Z0-9]+/g, '-').replace(/-+$/, '')}`;
}

/** Where files from outside the repository (a dataset given with --data) appear in a worker container. */
export const HOST_MOUNT = '/mnt/host';

/**
 * Rewrites host paths in a worker's config for the container: files of this repository live under /app in
 * the image; the folder of any other existing file is bind-mounted read-only under /mnt/host.
 */
export function containerPaths<T>(
  config: T,
  repoRoot = REPO_ROOT,
): { config: T; mounts: { source: string; target: string; mode: 'ro' }[] } {
  const mounts = new Map<string, { source: string; target: string; mode: 'ro' }>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (v === repoRoot || v.startsWith(repoRoot + sep))
        return `${IMAGE_ROOT}/${relative(repoRoot, v).split(sep).join('/')}`.replace(/\/$/, '');
      if (v.startsWith('/') && v.length > 1 && existsSync(v)) {
        const dir = statSync(v).isDirectory() ? v : dirname(v);
        mounts.set(dir, { source: dir, target: `${HOST_MOUNT}${dir}`, mode: 'ro' });
        return `${HOST_MOUNT}${v}`;
      }
      return v;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { config: walk(config) as T, mounts: [...mounts.values()] };
}

/** What a fault does to one container, and how it is removed (once: a second, concurrent removal can leave a stale network endpoint). */
function containerOps(dockerode: Dockerode, network: Dockerode.Network) {
  const removals = new Map<string, Promise<void>>();
  const removeOnce = (id: string) => {
    if (!removals.has(id))
      removals.set(
        id,
        dockerode
          .getContainer(id)
          .remove({ force: true })
          .catch(() => {}),
      );
    return removals.get(id)!;
  };
  const quiet = (p: Promise<unknown>) => p.then(() => {}).catch(() => {});
  /** kill / pause / resume / disconnect of one container, and signals (SIGSTOP / SIGCONT: pause / unpause). */
  const control = (
    container: Dockerode.Container,
    alias: string,
    isAlive: () => boolean,
  ): ProcessControl & { signal(sig: NodeJS.Signals): void } => ({
    signal: (sig) => {
      if (sig === 'SIGCONT') void quiet(container.unpause());
      else if (sig === 'SIGSTOP') void quiet(container.pause());
      else void quiet(container.kill({ signal: sig }));
    },
    kill: () => quiet(container.kill()),
    pause: () => quiet(container.pause()),
    resume: () => quiet(container.unpause()),
    async disconnect() {
      await network.disconnect({ Container: container.id, Force: true });
      return async () => {
        if (isAlive())
          await quiet(network.connect({ Container: container.id, EndpointConfig: { Aliases: [alias] } }));
      };
    },
  });
  /**
   * A started container's host pid and its end: the container's exit status (-1: lost track of it); it is
   * removed once gone (its output is in the log already), and a stopped run sweeps the rest.
   */
  const watch = async (container: Dockerode.Container) => {
    const pid = ((await container.inspect()).State.Pid as number | undefined) ?? 0;
    let alive = true;
    const status = container.wait().then(
      (r: { StatusCode: number }) => r.StatusCode,
      () => -1,
    );
    void status.then(() => {
      alive = false;
      void removeOnce(container.id);
    });
    return { pid, status, isAlive: () => alive };
  };
  return { removeOnce, removals, control, watch };
}

/** A container's exit status as a process's: 128 + n is signal n (137: SIGKILL, a `docker kill`). */
export function exitOf(status: number): { code: number | null; signal: NodeJS.Signals | null } {
  if (status > 128) {
    const sig = Object.entries(constants.signals).find(([, n]) => n === status - 128)?.[0];
    if (sig) return { code: null, signal: sig as NodeJS.Signals };
  }
  return { code: status, signal: null };
}

/**
 * The bind mounts for a process's host paths, each at its own path; a path inside another mounted with the
 * same or less access is dropped (docker refuses a duplicate mount point), writable wins over read-only.
 */
export function samePathBinds(paths: ProcessSpec['paths']): string[] {
  const access = new Map<string, boolean>();
  for (const p of paths) {
    const path = resolve(p.path);
    access.set(path, (access.get(path) ?? false) || p.writable);
  }
  const covered = (path: string, writable: boolean) =>
    [...access].some(
      ([other, w]) =>
        other !== path && path.startsWith(other === '/' ? '/' : other + sep) && (w || !writable),
    );
  return [...access]
    .filter(([path, writable]) => !covered(path, writable))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, writable]) => `${path}:${path}:${writable ? 'rw' : 'ro'}`);
}

export async function dockerPlacement(infra: DockerInfra, opts: DockerPlacementOptions): Promise<Placement> {
  // The runner inside a container (docker-compose) says where workers find it; on the host, the gateway.
  const advertised = process.env.FAULTLINE_CONTROL_HOST;
  const control = await startControlServer({
    listenHost: advertised ? '0.0.0.0' : infra.gateway,
    advertisedHost: advertised ?? infra.gateway,
  });
  const dockerode = infra.client.container.dockerode;
  const network = dockerode.getNetwork(infra.network);
  const labels = { ...infra.labels, [LABEL_RUN]: opts.runId };
  const cpuPerContainer = opts.cpus ? opts.cpus / Math.max(1, opts.containers) : undefined;
  const ops = containerOps(dockerode, network);

  const launcher: WorkerLauncher = {
    kind: 'docker',
    async launch(spec, { logDir, onMessage }) {
      const alias = containerAlias(opts.runId, spec.id);
      const { config, mounts } = containerPaths(spec.config);
      const expected = control.expect(spec.id, spec.attempt, { config, onMessage });
      mkdirSync(logDir, { recursive: true });
      const log = createWriteStream(join(logDir, `${spec.id}.log`), { flags: 'a' });
      let c = new GenericContainer(IMAGES.engine)
        .withName(`${alias}-a${spec.attempt}`)
        .withNetworkMode(infra.network)
        .withNetworkAliases(alias)
        .withLabels(labels)
        .withEnvironment({
          FAULTLINE_CONTROL: JSON.stringify({ ...control.address(), id: spec.id, attempt: spec.attempt }),
          // The harness's clock (the machine's monotonic clock, which containers share; core/clock.ts).
          ...clockOffsetEnv(),
        })
        .withCommand(['node', '--import', 'tsx', containerPaths(spec.entry).config, spec.id])
        .withBindMounts(mounts)
        .withLogConsumer((stream) => stream.pipe(log));
      if (cpuPerContainer) c = c.withResourcesQuota({ cpu: cpuPerContainer });
      const started = await c.start();
      const container = dockerode.getContainer(started.getId());
      const { pid, status, isAlive } = await ops.watch(container);
      const exited = status.then((code) => (code === 137 ? ('SIGKILL' as const) : code));
      void expected.closed; // the worker stops itself when the channel closes
      const handle: WorkerHandle = {
        id: spec.id,
        pid,
        attempt: spec.attempt,
        exited,
        isAlive,
        send: (m) => expected.peer.send(m),
        ...ops.control(container, alias, isAlive),
      };
      return handle;
    },
    async close() {
      await control.close();
      await Promise.all(ops.removals.values());
      // Whatever is left of this run's containers (a worker or a JVM that would not stop).
      const left = await dockerode.listContainers({
        all: true,
        filters: { label: [`${LABEL_RUN}=${opts.runId}`] },
      });
      await Promise.all(left.map((l) => ops.removeOnce(l.Id)));
    },
  };

  const processes: ProcessLauncher = {
    kind: 'docker',
    async start(spec) {
      const alias = containerAlias(opts.runId, spec.id);
      const ports = spec.ports ?? [];
      const container = await dockerode.createContainer({
        name: `${alias}-a${spec.attempt}`,
        Image: IMAGES.jvm,
        // The image's own java; the arguments as on the host (the paths they name are mounted where they are).
        Cmd: ['java', ...spec.command.slice(1)],
        WorkingDir: spec.cwd,
        // The harness's clock too (the JVMs stamp on it: core/clock.ts), as a local process inherits it.
        Env: Object.entries({ ...clockOffsetEnv(), ...spec.env }).map(([k, v]) => `${k}=${v}`),
        // As this runner's user: what the JVM writes into the run's folder is the runner's, as locally.
        User: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
        Labels: labels,
        // stdin open and never attached: the JVMs' orphan guards (they halt when stdin closes) see no EOF.
        // A runner that dies leaves the container to the label sweep of the next start, as a worker's.
        OpenStdin: true,
        ExposedPorts: Object.fromEntries(ports.map((p) => [`${p}/tcp`, {}])),
        HostConfig: {
          NetworkMode: infra.network,
          Binds: samePathBinds(spec.paths),
          // 1:1 on loopback: the runner reaches the port where a local process would have it.
          PortBindings: Object.fromEntries(
            ports.map((p) => [`${p}/tcp`, [{ HostIp: LOOPBACK, HostPort: String(p) }]]),
          ),
          ...(cpuPerContainer ? { NanoCpus: Math.round(cpuPerContainer * 1e9) } : {}),
        },
        NetworkingConfig: { EndpointsConfig: { [infra.network]: { Aliases: [alias] } } },
      });
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      dockerode.modem.demuxStream(stream, stdout, stderr);
      stream.on('end', () => {
        stdout.end();
        stderr.end();
      });
      await container.start();
      const { pid, status, isAlive } = await ops.watch(container);
      const handle: ProcessHandle = {
        pid,
        stdout,
        stderr,
        exited: status.then(exitOf),
        ...ops.control(container, alias, isAlive),
        async exec(command) {
          const run = await container.exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
          const out = await run.start({});
          let output = '';
          const collect = new PassThrough();
          collect.on('data', (d: Buffer) => {
            output += d.toString();
          });
          dockerode.modem.demuxStream(out, collect, collect);
          await new Promise((r) => out.on('end', r));
          const { ExitCode } = await run.inspect();
          return { code: ExitCode ?? -1, output };
        },
      };
      return handle;
    },
  };

  return {
    launcher,
    processes,
    listenHost: '0.0.0.0',
    hostOf: (id) => containerAlias(opts.runId, id),
    proxy: { listenHost: '0.0.0.0', clientHost: INSIDE.toxiproxy.host },
    kafka: { bootstrap: `${INSIDE.kafka.host}:${INSIDE.kafka.port}` },
    redis: { host: INSIDE.redis.host, port: INSIDE.redis.port },
  };
}
