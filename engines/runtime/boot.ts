/**
 * What every worker process of a multi-process engine is told at start: who it is, where it listens, how to
 * reach each peer, the coordinator, Kafka and Redis (each through its own Toxiproxy proxy), and the run's
 * workload, topics and engine options.
 */
import type { Guarantee, TopologyKind } from '../../core/types.ts';
import type { DeployPlan, Parallelism } from '../types.ts';
import type { LinkAddress } from './proxies.ts';
import type { Instance } from './topology.ts';

/**
 * Processes that run several operator instances (Storm's workers and their executors): which instances this
 * process runs, and which process runs each instance of the topology.
 */
export interface Hosting {
  /** The instances this process runs. */
  executors: Instance[];
  /** Every process id, in order (`worker[0]`, `worker[1]`, …). */
  processes: string[];
  /** Instance id → the id of the process that runs it. */
  hostOf: Record<string, string>;
}

export interface WorkerBoot<Options = Record<string, unknown>> {
  runId: string;
  id: string;
  operator: string;
  instance: number;
  guarantee: Guarantee;
  seed: number;
  listen: LinkAddress;
  /** Address to connect to for each peer this process talks to (a proxy, or the peer itself). */
  peers: Record<string, LinkAddress>;
  kafka: { bootstrap: string; via: LinkAddress | null };
  redis: LinkAddress;
  topics: DeployPlan['topics'];
  workload: DeployPlan['workload'];
  parallelism: Parallelism;
  topology: TopologyKind;
  options: Options;
  /** Set when processes run several instances; otherwise this process is the instance `id`. */
  hosting?: Hosting;
}
