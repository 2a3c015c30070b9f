/**
 * Deploying a multi-process engine: ports for every process, one Toxiproxy proxy per link, boot configs, and
 * the supervisor that starts them. ack-tree, barrier-snapshot and operator-checkpoint differ only in their
 * entries, which links they need, their options and who decides restarts.
 */

import { freeListenPorts } from '../../clients/ports.ts';
import { systemClock } from '../../core/clock.ts';
import type { EngineEvent } from '../../core/types.ts';
import type { Deployment, DeployPlan } from '../types.ts';
import type { WorkerBoot } from './boot.ts';
import { placementOf } from './placement.ts';
import { createProxies, type LinkAddress, type LinkSpec, linkName, type ProxySet } from './proxies.ts';
import { COORDINATOR_ID, createSupervisor, type ProcessDef, type Supervisor } from './supervisor.ts';
import { type Topology, topologyFor } from './topology.ts';

export interface ProcessDeployOptions<Options> {
  plan: DeployPlan;
  /** Validated engine options, given to every process. */
  options: Options;
  entries: { coordinator: string; worker: (operator: string) => string };
  /** Worker → worker pairs that need a link (records, acks, subscriptions). Coordinator links are added. */
  peerLinks: (t: Topology) => [string, string][];
  /** Route links through Toxiproxy (default true): faults need it; the cost is a proxy hop per link. */
  proxied?: boolean;
  autoRestart?: { checkMs: number };
  /** Counts records replayed from engine events (blast radius). */
  replayedBy?: (e: EngineEvent) => number;
}

export interface ProcessDeployment extends Deployment {
  topology: Topology;
  supervisor: Supervisor;
  proxies: ProxySet | null;
}

export async function deployProcesses<Options>(
  opts: ProcessDeployOptions<Options>,
): Promise<ProcessDeployment> {
  const { plan } = opts;
  const placement = placementOf(plan);
  const topology = topologyFor(plan.topology, plan.parallelism);
  const ids = [COORDINATOR_ID, ...topology.instances.map((i) => i.id)];
  // Below the ephemeral range: Toxiproxy binds the link proxies at port 0 before the workers bind these.
  const ports = await freeListenPorts(ids.length);
  /** Where each process is reached (its bind address is `placement.listenHost` on the same port). */
  const listen = new Map(ids.map((id, i) => [id, { host: placement.hostOf(id), port: ports[i]! }]));

  const pairs: [string, string][] = [...opts.peerLinks(topology)];
  for (const i of topology.instances) pairs.push([i.id, COORDINATOR_ID], [COORDINATOR_ID, i.id]);
  const [kafkaHost, kafkaPort] = splitHostPort(placement.kafka.bootstrap);
  const specs: LinkSpec[] = pairs.map(([a, b]) => ({ name: linkName(a, b), upstream: listen.get(b)! }));
  for (const i of topology.instances) {
    specs.push({
      name: linkName(i.id, 'redis'),
      upstream: placement.redis,
    });
    specs.push({ name: linkName(i.id, 'kafka'), upstream: { host: kafkaHost, port: kafkaPort } });
  }
  const proxied = opts.proxied ?? true;
  const proxies = proxied
    ? await createProxies(plan.services.toxiproxy.api, placement.proxy, plan.runId, specs)
    : null;
  const address = (from: string, to: string, direct: LinkAddress): LinkAddress =>
    proxies?.has(linkName(from, to)) ? proxies.address(linkName(from, to)) : direct;

  const bootFor = (id: string): WorkerBoot<Options> => {
    const instance = topology.instances.find((i) => i.id === id);
    const peers: Record<string, LinkAddress> = {};
    for (const [a, b] of pairs) if (a === id) peers[b] = address(a, b, listen.get(b)!);
    const redisDirect = { host: placement.redis.host, port: placement.redis.port };
    return {
      runId: plan.runId,
      id,
      operator: instance?.operator ?? COORDINATOR_ID,
      instance: instance?.instance ?? 0,
      guarantee: plan.guarantee,
      seed: plan.seed,
      listen: { host: placement.listenHost, port: listen.get(id)!.port },
      peers,
      kafka: {
        bootstrap: placement.kafka.bootstrap,
        via: proxies?.has(linkName(id, 'kafka')) ? proxies.address(linkName(id, 'kafka')) : null,
      },
      redis: address(id, 'redis', redisDirect),
      topics: plan.topics,
      workload: plan.workload,
      parallelism: plan.parallelism,
      topology: topology.kind,
      options: opts.options,
    };
  };

  let replayed = 0;
  const onEvent = (e: EngineEvent) => {
    if (opts.replayedBy) replayed += opts.replayedBy(e);
    plan.onEvent(e);
  };
  const coordinatorDef: ProcessDef = {
    id: COORDINATOR_ID,
    operator: COORDINATOR_ID,
    instance: 0,
    entry: opts.entries.coordinator,
  };
  const supervisor = createSupervisor({
    runDir: plan.runDir,
    coordinator: coordinatorDef,
    workers: topology.instances.map((i) => ({
      id: i.id,
      operator: i.operator,
      instance: i.instance,
      entry: opts.entries.worker(i.operator),
    })),
    configFor: (id) => bootFor(id),
    autoRestart: opts.autoRestart,
    onEvent,
    launcher: placement.launcher,
  });
  plan.onEvent({
    at: systemClock.nowUs(),
    type: 'deploy.links',
    links: pairs.length + 2 * topology.instances.length,
    proxied,
  });
  await supervisor.start();
  const stop = async () => {
    if (placement.launcher.kind !== 'local') {
      // Containers: proxies go first, while every peer is alive: Toxiproxy tears a proxy down slowly (and
      // blocks its API) when the far end of a connection vanished with its container.
      await supervisor.stop(async () => {
        await proxies?.removeAll();
      });
    } else {
      // Local processes (profiled ones too, whose placement is local with a profiling launcher): workers first, while their links to Kafka and Redis still work. Without its proxies a
      // worker's graceful shutdown (kafkajs disconnect) retries the broker until the 5 s grace ends in SIGKILL.
      await supervisor.stop();
      await proxies?.removeAll();
    }
  };
  return {
    topology,
    supervisor,
    proxies,
    workers: () => supervisor.workers(),
    faultTargets: () => ({
      processes: supervisor.pids(),
      controls: supervisor.controls(),
      links: Object.fromEntries((proxies?.links() ?? []).map((l) => [l, proxies!.proxyName(l)])),
    }),
    ready: () => supervisor.ready(),
    restartedWorkers: () => supervisor.restartedWorkers(),
    recordsReplayed: () => replayed,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

function splitHostPort(hostPort: string): [string, number] {
  const i = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, i), Number(hostPort.slice(i + 1))];
}
