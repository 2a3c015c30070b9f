/**
 * Workers as containers: the docker provider's placement. Each incarnation of a worker is one container of
 * the engine image, started with testcontainers on the instance's network under a stable alias (its peers'
 * proxies point at the alias, so a restarted incarnation is found again). The container runs the same entry a
 * local worker runs; its boot config and its messages travel over the control channel (engines/runtime/
 * control.ts) instead of IPC. Process faults become container faults: `docker kill`, `docker pause` and
 * `docker network disconnect`; a CPU budget per engine is split evenly over its containers.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GenericContainer } from 'testcontainers';
import {
  type Placement,
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
  /** Removals under way, by container id: a second, concurrent removal can leave a stale network endpoint. */
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
        })
        .withCommand(['node', '--import', 'tsx', containerPaths(spec.entry).config, spec.id])
        .withBindMounts(mounts)
        .withLogConsumer((stream) => stream.pipe(log));
      if (cpuPerContainer) c = c.withResourcesQuota({ cpu: cpuPerContainer });
      const started = await c.start();
      const container = dockerode.getContainer(started.getId());
      const pid = ((await container.inspect()).State.Pid as number | undefined) ?? 0;
      let alive = true;
      const exited = container.wait().then(
        (r: { StatusCode: number }) => {
          alive = false;
          // Removed once gone (its output is in the log file already); a stopped run sweeps the rest.
          void removeOnce(container.id);
          return r.StatusCode === 137 ? ('SIGKILL' as const) : r.StatusCode;
        },
        () => {
          alive = false;
          return -1;
        },
      );
      void expected.closed; // the worker stops itself when the channel closes
      const quiet = (p: Promise<unknown>) => p.then(() => {}).catch(() => {});
      const handle: WorkerHandle = {
        id: spec.id,
        pid,
        attempt: spec.attempt,
        exited,
        isAlive: () => alive,
        signal: (sig) => {
          if (sig === 'SIGCONT') void quiet(container.unpause());
          else if (sig === 'SIGSTOP') void quiet(container.pause());
          else void quiet(container.kill({ signal: sig }));
        },
        send: (m) => expected.peer.send(m),
        kill: () => quiet(container.kill()),
        pause: () => quiet(container.pause()),
        resume: () => quiet(container.unpause()),
        async disconnect() {
          await network.disconnect({ Container: container.id, Force: true });
          return async () => {
            if (alive)
              await quiet(network.connect({ Container: container.id, EndpointConfig: { Aliases: [alias] } }));
          };
        },
      };
      return handle;
    },
    async close() {
      await control.close();
      await Promise.all(removals.values());
      // Whatever is left of this run's containers (a worker that would not stop).
      const left = await dockerode.listContainers({
        all: true,
        filters: { label: [`${LABEL_RUN}=${opts.runId}`] },
      });
      await Promise.all(left.map((l) => removeOnce(l.Id)));
    },
  };

  return {
    launcher,
    listenHost: '0.0.0.0',
    hostOf: (id) => containerAlias(opts.runId, id),
    proxy: { listenHost: '0.0.0.0', clientHost: INSIDE.toxiproxy.host },
    kafka: { bootstrap: `${INSIDE.kafka.host}:${INSIDE.kafka.port}` },
    redis: { host: INSIDE.redis.host, port: INSIDE.redis.port },
  };
}
