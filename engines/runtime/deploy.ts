/**
 * Deploying a multi-process engine: ports for every process, one Toxiproxy proxy per link, boot configs, and
 * the supervisor that starts them. ack-tree, barrier-snapshot and operator-checkpoint differ only in their
 * entries, which links they need, their options and who decides restarts.
 */

import { freeListenPorts } from '../../clients/ports.ts';
import { systemClock } from '../../core/clock.ts';
import type { EngineEvent } from '../../core/types.ts';
import type { Deployment, DeployPlan } from '../types.ts';
import type { Hosting, WorkerBoot } from './boot.ts';
import { placementOf } from './placement.ts';
import { createProxies, type LinkAddress, type LinkSpec, linkName, type ProxySet } from './proxies.ts';
import { COORDINATOR_ID, createSupervisor, type ProcessDef, type Supervisor } from './supervisor.ts';
import { type Instance, type Topology, topologyFor } from './topology.ts';

export interface ProcessDeployOptions<Options> {
  plan: DeployPlan;
  /** Validated engine options, given to every process. */
  options: Options;
  entries: { coordinator: string; worker: (operator: string) => string };
  /**
   * Process → process pairs that need a link (records, acks, subscriptions), by process id (`features[1]`, or
   * `worker[0]` when `hosts` groups instances). Coordinator links are added.
   */
  peerLinks: (t: Topology, processes: readonly string[]) => [string, string][];
  /**
   * Several instances per process (Storm's workers running executors): the processes and the instances each
   * runs. Every instance id then names its process as a fault target too (kill `features[1]`: its worker dies,
   * with every executor in it). Default: one process per instance, named after it.
   */
  hosts?: (t: Topology) => { id: string; executors: Instance[] }[];
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
  const hosts = opts.hosts?.(topology);
  /** The worker processes: one per instance, or the hosts with what each runs. */
  const processes: ProcessDef[] = hosts
    ? hosts.map((h, k) => ({
        id: h.id,
        operator: 'worker',
        instance: k,
        entry: opts.entries.worker('worker'),
      }))
    : topology.instances.map((i) => ({ ...i, entry: opts.entries.worker(i.operator) }));
  const processIds = processes.map((p) => p.id);
  const hostOf: Record<string, string> = Object.fromEntries(
    hosts ? hosts.flatMap((h) => h.executors.map((e) => [e.id, h.id])) : processIds.map((id) => [id, id]),
  );
  const hostingOf = (id: string): Hosting | undefined =>
    hosts && {
      executors: hosts.find((h) => h.id === id)?.executors ?? [],
      processes: processIds,
      hostOf,
    };
  const ids = [COORDINATOR_ID, ...processIds];
  // Below the ephemeral range: Toxiproxy binds the link proxies at port 0 before the workers bind these.
  const ports = await freeListenPorts(ids.length);
  /** Where each process is reached (its bind address is `placement.listenHost` on the same port). */
  const listen = new Map(ids.map((id, i) => [id, { host: placement.hostOf(id), port: ports[i]! }]));

  const pairs: [string, string][] = [...opts.peerLinks(topology, processIds)];
  for (const id of processIds) pairs.push([id, COORDINATOR_ID], [COORDINATOR_ID, id]);
  const [kafkaHost, kafkaPort] = splitHostPort(placement.kafka.bootstrap);
  const specs: LinkSpec[] = pairs.map(([a, b]) => ({ name: linkName(a, b), upstream: listen.get(b)! }));
  for (const id of processIds) {
    specs.push({ name: linkName(id, 'redis'), upstream: placement.redis });
    specs.push({ name: linkName(id, 'kafka'), upstream: { host: kafkaHost, port: kafkaPort } });
  }
  const proxied = opts.proxied ?? true;
  const proxies = proxied
    ? await createProxies(plan.services.toxiproxy.api, placement.proxy, plan.runId, specs)
    : null;
  const address = (from: string, to: string, direct: LinkAddress): LinkAddress =>
    proxies?.has(linkName(from, to)) ? proxies.address(linkName(from, to)) : direct;

  const bootFor = (id: string): WorkerBoot<Options> => {
    const def = processes.find((p) => p.id === id);
    const hosting = hostingOf(id);
    const peers: Record<string, LinkAddress> = {};
    for (const [a, b] of pairs) if (a === id) peers[b] = address(a, b, listen.get(b)!);
    const redisDirect = { host: placement.redis.host, port: placement.redis.port };
    return {
      runId: plan.runId,
      id,
      operator: def?.operator ?? COORDINATOR_ID,
      instance: def?.instance ?? 0,
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
      ...(hosting ? { hosting } : {}),
    };
  };

  const withInstances = byInstance(hostOf);
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
    workers: processes,
    configFor: (id) => bootFor(id),
    autoRestart: opts.autoRestart,
    onEvent,
    launcher: placement.launcher,
  });
  plan.onEvent({
    at: systemClock.nowUs(),
    type: 'deploy.links',
    links: pairs.length + 2 * processIds.length,
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
      processes: withInstances(supervisor.pids()),
      controls: withInstances(supervisor.controls()),
      links: Object.fromEntries((proxies?.links() ?? []).map((l) => [l, proxies!.proxyName(l)])),
    }),
    ready: () => supervisor.ready(),
    restartedWorkers: () => supervisor.restartedWorkers(),
    recordsReplayed: () => replayed,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * Process ids → their pid or control, with every instance a process runs under its own id as well (only when
 * processes run several: otherwise each instance is its process already).
 */
function byInstance(hostOf: Record<string, string>) {
  return <T>(byProcess: Record<string, T>): Record<string, T> => {
    const out = { ...byProcess };
    for (const [instance, host] of Object.entries(hostOf))
      if (!(instance in out)) out[instance] = byProcess[host]!;
    return out;
  };
}

function splitHostPort(hostPort: string): [string, number] {
  const i = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, i), Number(hostPort.slice(i + 1))];
}
