/**
 * The docker provider's services: Kafka (KRaft), Redis and Toxiproxy as containers on a private bridge network,
 * started with testcontainers from faultline's images. Workers on the same network reach them by name
 * (`kafka:9092`, `redis:6379`, `toxiproxy`); the runner on the host reaches them through ports published 1:1 on
 * loopback, so a service restarted in place keeps its address.
 *
 * Ryuk (testcontainers' reaper) cannot be pulled without a registry, so it is disabled and every container
 * and network carries `faultline.instance` and `faultline.owner` (the owning pid) labels instead: whatever a
 * dead owner left behind is swept at the next start, and `stop()` removes the rest.
 */
import type Dockerode from 'dockerode';
import { Redis } from 'ioredis';
import {
  type ContainerRuntimeClient,
  GenericContainer,
  getContainerRuntimeClient,
  Wait,
} from 'testcontainers';
import type { ServiceControl } from '../../chaos/targets.ts';
import { createKafka } from '../../clients/kafka.ts';
import { freePorts, LOOPBACK } from '../../clients/ports.ts';
import { retryUntil } from '../../core/clock.ts';
import { HarnessError, MissingToolError } from '../../core/errors.ts';
import { noProgress, type ProgressSink, timed } from '../../core/progress.ts';
import type { InfraEndpoints } from '../local/instance.ts';
import { isAlive } from '../local/processes.ts';
import { KAFKA_VERSION, TOXIPROXY_VERSION } from '../local/provision.ts';
import { buildImages, IMAGES, missingImages } from './images.ts';

// No Ryuk here (no registry to pull it from): faultline sweeps by label.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

export const LABEL_INSTANCE = 'faultline.instance';
export const LABEL_OWNER = 'faultline.owner';
export const LABEL_RUN = 'faultline.run';
/** On service containers: which service it is (`kafka`, `redis`, `toxiproxy`); docker-compose.yml sets it too. */
export const LABEL_SERVICE = 'faultline.service';
/** Set inside docker-compose: the stack's network, whose services the runner uses instead of starting its own. */
export const NETWORK_ENV = 'FAULTLINE_DOCKER_NETWORK';

/** Names inside the network. */
export const INSIDE = {
  kafka: { host: 'kafka', port: 9092 },
  redis: { host: 'redis', port: 6379 },
  toxiproxy: { host: 'toxiproxy', port: 8474 },
} as const;

export interface DockerInfra extends InfraEndpoints, AsyncDisposable {
  provider: 'docker';
  name: string;
  /** The bridge network every container of the instance is on. */
  network: string;
  /** The network's gateway: the host's address as containers see it. */
  gateway: string;
  labels: Record<string, string>;
  client: ContainerRuntimeClient;
  control: ServiceControl;
  stop(): Promise<void>;
}

export interface StartDockerInfraOptions {
  name?: string;
  owner?: number | null;
  progress?: ProgressSink;
  kafkaHeap?: string;
}

/** The container runtime, or a clear error saying how to get one. */
export async function dockerClient(): Promise<ContainerRuntimeClient> {
  try {
    return await getContainerRuntimeClient();
  } catch (e) {
    throw new MissingToolError(
      `a Docker engine (${(e as Error).message.split('\n')[0]})`,
      'install docker.io and start dockerd (or set DOCKER_HOST), then retry',
      e,
    );
  }
}

export async function startDockerInfra(opts: StartDockerInfraOptions = {}): Promise<DockerInfra> {
  const progress = opts.progress ?? noProgress;
  const name = opts.name ?? 'default';
  const client = await dockerClient();
  await sweepDockerOrphans(client);
  await ensureImages(progress);
  const dockerode = client.container.dockerode;
  const labels = {
    [LABEL_INSTANCE]: name,
    ...(opts.owner === null ? {} : { [LABEL_OWNER]: String(opts.owner ?? process.pid) }),
  };
  const existing = await dockerode.listContainers({
    all: true,
    filters: { label: [`${LABEL_INSTANCE}=${name}`] },
  });
  if (existing.length > 0)
    throw new HarnessError(`a docker infra instance "${name}" is already running`, {
      fix: `stop it first (docker rm -f $(docker ps -aq --filter label=${LABEL_INSTANCE}=${name}))`,
    });

  const networkName = `fl-${name}`;
  const network = await dockerode.createNetwork({ Name: networkName, Driver: 'bridge', Labels: labels });
  const info = await network.inspect();
  const gateway: string = info.IPAM?.Config?.[0]?.Gateway ?? '';
  const started: Dockerode.Container[] = [];
  const removeAll = async () => {
    await Promise.all(started.map((c) => c.remove({ force: true, v: true }).catch(() => {})));
    // Any container still on the network (a run's worker being removed) keeps it busy for a moment.
    await retryUntil(
      `removing network ${networkName}`,
      () =>
        network.remove().then(
          () => true,
          (e: { statusCode?: number }) => (e.statusCode === 404 ? true : undefined),
        ),
      { timeoutMs: 10_000, intervalMs: 250 },
    ).catch(() => {});
  };
  try {
    const [kafkaPort, redisPort, toxiproxyPort] = await freePorts(3);
    const container = (image: string, alias: string) =>
      new GenericContainer(image)
        .withName(`fl-${name}-${alias}`)
        .withNetworkMode(networkName)
        .withNetworkAliases(alias)
        .withLabels({ ...labels, [LABEL_SERVICE]: alias });
    const startOne = async (what: string, c: GenericContainer) =>
      timed(progress, `Starting ${what} (container)`, async () => {
        const s = await c.start();
        started.push(dockerode.getContainer(s.getId()));
        return s;
      });

    await Promise.all([
      startOne(
        'Redis',
        container(IMAGES.redis, 'redis')
          .withExposedPorts({ container: INSIDE.redis.port, host: redisPort! })
          .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/)),
      ),
      startOne(
        'Toxiproxy',
        container(IMAGES.toxiproxy, 'toxiproxy')
          .withExposedPorts({ container: INSIDE.toxiproxy.port, host: toxiproxyPort! })
          .withWaitStrategy(Wait.forHttp('/version', INSIDE.toxiproxy.port)),
      ),
    ]);
    await startOne(
      `Kafka ${KAFKA_VERSION} (KRaft)`,
      container(IMAGES.kafka, 'kafka')
        .withEnvironment({
          FL_KAFKA_INTERNAL_HOST: INSIDE.kafka.host,
          FL_KAFKA_EXTERNAL_HOST: LOOPBACK,
          FL_KAFKA_EXTERNAL_PORT: String(kafkaPort),
          FL_KAFKA_HEAP: opts.kafkaHeap ?? '512m',
        })
        .withExposedPorts({ container: kafkaPort!, host: kafkaPort! })
        .withWaitStrategy(Wait.forListeningPorts())
        .withStartupTimeout(120_000),
    );
    const endpoints = hostEndpoints(name, {
      kafka: kafkaPort!,
      redis: redisPort!,
      toxiproxy: toxiproxyPort!,
    });
    await timed(progress, 'Waiting for Kafka to serve', () => kafkaServes(endpoints.kafka.bootstrap));
    endpoints.redis.version = await redisServes(endpoints.redis.host, endpoints.redis.port);

    const control = serviceControl(client, labels, endpoints);
    const stop = async () => {
      await removeAll();
    };
    return {
      ...endpoints,
      provider: 'docker',
      name,
      network: networkName,
      gateway,
      labels,
      client,
      control,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (e) {
    await removeAll();
    throw e;
  }
}

/** The services as the runner on the host reaches them: through ports published 1:1 on loopback. */
function hostEndpoints(
  name: string,
  ports: { kafka: number; redis: number; toxiproxy: number },
): Omit<InfraEndpoints, 'redis'> & { redis: InfraEndpoints['redis'] } {
  return {
    instance: name,
    kafka: {
      bootstrap: `${LOOPBACK}:${ports.kafka}`,
      host: LOOPBACK,
      port: ports.kafka,
      version: KAFKA_VERSION,
    },
    redis: {
      host: LOOPBACK,
      port: ports.redis,
      url: `redis://${LOOPBACK}:${ports.redis}`,
      version: 'unknown',
    },
    toxiproxy: {
      api: `http://${LOOPBACK}:${ports.toxiproxy}`,
      // Proxies bind inside the Toxiproxy container; workers reach them as `toxiproxy:<port>`.
      host: '0.0.0.0',
      port: ports.toxiproxy,
      version: TOXIPROXY_VERSION,
    },
  };
}

/**
 * A long-lived instance (`faultline infra up --provider docker`), found by its labels: runs and matrices use
 * it instead of starting their own. Undefined when it is not running.
 */
export async function attachDockerInfra(name = 'default'): Promise<DockerInfra | undefined> {
  const client = await dockerClient();
  const dockerode = client.container.dockerode;
  const found = await dockerode.listContainers({ filters: { label: [`${LABEL_INSTANCE}=${name}`] } });
  const hostPort = (service: string, containerPort: number) => {
    const c = found.find((x) => x.Labels[LABEL_SERVICE] === service);
    return c?.Ports.find((p) => p.PrivatePort === containerPort)?.PublicPort;
  };
  // Kafka's EXTERNAL listener is published on the same port number inside and out.
  const kafka = found
    .find((x) => x.Labels[LABEL_SERVICE] === 'kafka')
    ?.Ports.find((p) => p.PublicPort && p.PublicPort === p.PrivatePort)?.PublicPort;
  const redis = hostPort('redis', INSIDE.redis.port);
  const toxiproxy = hostPort('toxiproxy', INSIDE.toxiproxy.port);
  if (!kafka || !redis || !toxiproxy) return undefined;
  const networkName = `fl-${name}`;
  const info = await dockerode.getNetwork(networkName).inspect();
  const labels = { [LABEL_INSTANCE]: name };
  const endpoints = hostEndpoints(name, { kafka, redis, toxiproxy });
  endpoints.redis.version = await redisServes(endpoints.redis.host, endpoints.redis.port);
  const stop = () => stopDockerInfra(name).then(() => {});
  return {
    ...endpoints,
    provider: 'docker',
    name,
    network: networkName,
    gateway: info.IPAM?.Config?.[0]?.Gateway ?? '',
    labels,
    client,
    control: serviceControl(client, labels, endpoints),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Removes an instance's containers and network; false when there was none. */
export async function stopDockerInfra(name = 'default'): Promise<boolean> {
  const dockerode = (await dockerClient()).container.dockerode;
  const filters = { label: [`${LABEL_INSTANCE}=${name}`] };
  const containers = await dockerode.listContainers({ all: true, filters });
  await Promise.all(
    containers.map((c) =>
      dockerode
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => {}),
    ),
  );
  const networks = await dockerode.listNetworks({ filters });
  for (const n of networks)
    await dockerode
      .getNetwork(n.Id)
      .remove()
      .catch(() => {});
  return containers.length + networks.length > 0;
}

/** Infrastructure faults on service containers: docker pause/unpause, stop/start (same ports, same data). */
function serviceControl(
  client: ContainerRuntimeClient,
  labels: Record<string, string>,
  endpoints: Pick<InfraEndpoints, 'kafka' | 'redis'>,
): ServiceControl {
  const dockerode = client.container.dockerode;
  return async (service, action) => {
    const [found] = await dockerode.listContainers({
      all: true,
      filters: {
        label: [`${LABEL_INSTANCE}=${labels[LABEL_INSTANCE]}`, `${LABEL_SERVICE}=${service}`],
      },
    });
    if (!found) throw new HarnessError(`no ${service} container in ${labels[LABEL_INSTANCE]}`);
    const c = dockerode.getContainer(found.Id);
    if (action === 'pause') await c.pause();
    else if (action === 'resume') await c.unpause();
    else if (action === 'stop') await c.stop({ t: 10 });
    else {
      await c.start();
      if (service === 'kafka') await kafkaServes(endpoints.kafka.bootstrap);
      else await redisServes(endpoints.redis.host, endpoints.redis.port);
    }
  };
}

/**
 * Inside docker-compose: the services the stack started, reached by their names on its network (the runner
 * is a container there too). Compose owns them: `stop()` leaves them running.
 */
export async function attachComposeServices(
  network: string,
  progress: ProgressSink = noProgress,
): Promise<DockerInfra> {
  const client = await dockerClient();
  // No docker CLI in here: ask the engine through the socket.
  const present = await client.container.dockerode
    .getImage(IMAGES.engine)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (!present)
    throw new HarnessError(`image ${IMAGES.engine} is missing`, {
      fix: 'npx faultline images build --offline',
    });
  const labels = { [LABEL_INSTANCE]: network };
  const endpoints = {
    instance: network,
    kafka: {
      bootstrap: `${INSIDE.kafka.host}:${INSIDE.kafka.port}`,
      host: INSIDE.kafka.host,
      port: INSIDE.kafka.port,
      version: KAFKA_VERSION,
    },
    redis: {
      host: INSIDE.redis.host,
      port: INSIDE.redis.port,
      url: `redis://${INSIDE.redis.host}:${INSIDE.redis.port}`,
      version: 'unknown',
    },
    toxiproxy: {
      api: `http://${INSIDE.toxiproxy.host}:${INSIDE.toxiproxy.port}`,
      host: '0.0.0.0',
      port: INSIDE.toxiproxy.port,
      version: TOXIPROXY_VERSION,
    },
  };
  await timed(progress, `Waiting for the stack's Kafka (${endpoints.kafka.bootstrap})`, () =>
    kafkaServes(endpoints.kafka.bootstrap),
  );
  endpoints.redis.version = await redisServes(endpoints.redis.host, endpoints.redis.port);
  await retryUntil(
    `Toxiproxy at ${endpoints.toxiproxy.api}`,
    async () =>
      (await fetch(`${endpoints.toxiproxy.api}/version`).catch(() => null))?.ok ? true : undefined,
    { timeoutMs: 30_000 },
  );
  const stop = async () => {};
  return {
    ...endpoints,
    provider: 'docker',
    name: network,
    network,
    gateway: '',
    labels,
    client,
    control: serviceControl(client, labels, endpoints),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * Images are built, not pulled, and rebuilt from the sources each time (docker's layer cache makes that a
 * no-op when nothing changed): an image built by an older faultline would otherwise keep its old files (the
 * Kafka image's entry script once passed a cluster id starting with '-' to kafka-storage).
 */
export async function ensureImages(progress: ProgressSink): Promise<void> {
  const missing = await missingImages();
  const services = missing.filter((m) => m !== IMAGES.engine);
  if (services.length > 0)
    throw new HarnessError(`faultline's images are missing: ${services.join(', ')}`, {
      fix: 'build them: npx faultline images build --offline (no registry) or npx faultline images build',
    });
  await buildImages({ offline: await hasOfflineBases(), keepBases: true, progress });
}

async function hasOfflineBases(): Promise<boolean> {
  const client = await dockerClient();
  const images = await client.container.dockerode.listImages({
    filters: { reference: ['faultline/node-base'] },
  });
  return images.length > 0;
}

async function kafkaServes(bootstrap: string): Promise<void> {
  // Connection errors while the broker starts are the expected answer to this probe, not news: not logged.
  const kafka = createKafka(bootstrap, 'fl-docker-infra', { retry: { retries: 0 } }, () => undefined);
  await retryUntil(
    `Kafka at ${bootstrap}`,
    async () => {
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.describeCluster();
        return true;
      } catch {
        return undefined;
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
}

async function redisServes(host: string, port: number): Promise<string> {
  const redis = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    let version = 'unknown';
    await retryUntil(
      `Redis at ${host}:${port}`,
      async () => {
        try {
          if (redis.status !== 'ready') await redis.connect().catch(() => {});
          const info = await redis.info('server');
          version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
          return true;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    return version;
  } finally {
    redis.disconnect();
  }
}

/** Removes containers and networks whose owning process has died (what Ryuk would have done). */
export async function sweepDockerOrphans(client?: ContainerRuntimeClient): Promise<string[]> {
  const dockerode = (client ?? (await dockerClient())).container.dockerode;
  const dead = (labels: Record<string, string> | undefined) => {
    const owner = Number(labels?.[LABEL_OWNER]);
    return Number.isInteger(owner) && owner > 0 && !isAlive(owner);
  };
  const containers = await dockerode.listContainers({ all: true, filters: { label: [LABEL_OWNER] } });
  const swept: string[] = [];
  for (const c of containers.filter((c) => dead(c.Labels))) {
    await dockerode
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => {});
    swept.push(c.Names[0]?.replace(/^\//, '') ?? c.Id);
  }
  const networks = await dockerode.listNetworks({ filters: { label: [LABEL_OWNER] } });
  for (const n of networks.filter((n) => dead(n.Labels))) {
    await dockerode
      .getNetwork(n.Id)
      .remove()
      .catch(() => {});
    swept.push(n.Name);
  }
  return swept;
}
