/**
 * Providers: where the services and the engine's workers run. `local` runs Kafka, Redis and Toxiproxy as
 * processes on this host (infra/local) and workers as child processes; `docker` runs all of them as containers
 * on a private network (infra/docker, with testcontainers). Runs, matrices and benches see only this module.
 */
import type { ServiceControl } from '../chaos/index.ts';
import { BadInputError } from '../core/errors.ts';
import type { ProgressSink } from '../core/progress.ts';
import { localPlacement } from '../engines/runtime/placement.ts';
import { localLauncherWith } from '../engines/runtime/worker-launcher.ts';
import type { Placement, ServiceEndpoints } from '../engines/types.ts';
import {
  attachComposeServices,
  attachDockerInfra,
  attachInfra,
  controlService,
  type DockerInfra,
  dockerPlacement,
  ensureImages,
  type InfraEndpoints,
  NETWORK_ENV,
  startDockerInfra,
  startInfra,
} from '../infra/index.ts';

export const PROVIDERS = ['local', 'docker'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Services of either provider, as runs use them (the runner's view). */
export type RunInfra = InfraEndpoints | DockerInfra;

export function providerOf(infra: RunInfra): Provider {
  return 'provider' in infra && infra.provider === 'docker' ? 'docker' : 'local';
}

export function parseProvider(name: string | undefined): Provider {
  const p = name ?? 'local';
  if (!(PROVIDERS as readonly string[]).includes(p))
    throw new BadInputError(`unknown provider "${p}"`, {
      code: 'UNKNOWN_PROVIDER',
      fix: `use one of: ${PROVIDERS.join(', ')}`,
    });
  return p as Provider;
}

/**
 * Services for a run or a matrix: for `local`, the running `infra up` instance or a new one owned by this
 * process; for `docker`, a new set of containers. `own` is set when the caller must stop them.
 */
export async function acquireInfra(
  provider: Provider,
  name: string,
  progress: ProgressSink,
): Promise<{ infra: RunInfra; own?: { stop(): Promise<void> } }> {
  if (provider === 'docker') {
    const composeNetwork = process.env[NETWORK_ENV];
    if (composeNetwork) return { infra: await attachComposeServices(composeNetwork, progress) };
    const running = await attachDockerInfra('default');
    if (running) {
      await ensureImages(progress);
      return { infra: running };
    }
    const infra = await startDockerInfra({ name, progress });
    return { infra, own: infra };
  }
  const running = await attachInfra('default');
  if (running) return { infra: running };
  const own = await startInfra({ name, progress });
  return { infra: own, own };
}

/** Stops, starts, pauses and resumes a service for infrastructure faults. */
export function serviceControl(infra: RunInfra): ServiceControl {
  if ('provider' in infra && infra.provider === 'docker') return infra.control;
  return (service, action) => controlService(infra.instance, service, action);
}

/** Where a run's workers go: undefined (local processes) or containers on the docker network. */
/** The services as a deployment plan names them. */
export function servicesOf(infra: RunInfra): ServiceEndpoints {
  return {
    kafka: { bootstrap: infra.kafka.bootstrap },
    redis: { host: infra.redis.host, port: infra.redis.port },
    toxiproxy: { api: infra.toxiproxy.api, host: infra.toxiproxy.host },
  };
}

export async function placementFor(
  infra: RunInfra,
  runId: string,
  /** Operator workers of the run's topology (the coordinator comes on top). */
  workers: number,
  cpus: number | undefined,
  /** Profile every node worker into this folder (local workers only). */
  cpuProfileDir?: string,
): Promise<Placement | undefined> {
  if (!('provider' in infra && infra.provider === 'docker')) {
    if (cpus !== undefined)
      throw new BadInputError('--cpus limits containers', { fix: 'use it with --provider docker' });
    return cpuProfileDir
      ? localPlacement(servicesOf(infra), localLauncherWith({ cpuProfileDir }))
      : undefined;
  }
  if (cpuProfileDir)
    throw new BadInputError('--cpu-profile profiles local worker processes', {
      fix: 'leave out --provider docker (or profile a container yourself)',
    });
  return dockerPlacement(infra, { runId, cpus, containers: 1 + workers });
}
