/**
 * passthrough: the baseline engine. One worker process does everything (Kafka → score → Kafka), with no
 * acking, no checkpoints and no windows, so its throughput and latency are the limit the fault-tolerant
 * engines are compared to. If its worker dies it is not restarted: it guarantees nothing.
 */

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../core/clock.ts';
import { BadInputError, HarnessError } from '../../core/errors.ts';
import { placementOf } from '../runtime/placement.ts';
import { stopWorker } from '../runtime/worker-launcher.ts';
import type { Deployment, DeployPlan, Engine, WorkerInfo } from '../types.ts';
import type { PassthroughConfig } from './serve.ts';

const WORKER_ENTRY = fileURLToPath(new URL('./worker.ts', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

export interface PassthroughOptions {
  /**
   * Worker processes in one consumer group: 1 (the default, the single-process baseline whose figures earlier
   * benches report) or one per input partition (the bench's parallel baseline, as parallel as the engines).
   */
  instances: number;
}

export function parsePassthroughOptions(raw: Record<string, unknown>): PassthroughOptions {
  const { instances = 1, ...rest } = raw;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw new BadInputError(`passthrough has no option ${unknown.join(', ')}`, {
      fix: 'its only option is instances=N (worker processes, at most one per input partition)',
    });
  if (typeof instances !== 'number' || !Number.isInteger(instances) || instances < 1)
    throw new BadInputError(`passthrough instances must be a positive integer, got ${String(instances)}`, {
      fix: 'use -o instances=N with N ≥ 1 (e.g. the input partitions, 2 in the catalogue scenarios)',
    });
  return { instances };
}

export const passthrough: Engine = {
  name: 'passthrough',
  description: 'baseline: Kafka → score → Kafka in one process (instances=N: N processes, one group)',
  guarantees: ['none'],
  defaultGuarantee: 'none',
  // Processes that copy input to output: no operators to fan out.
  topologies: ['chain'],
  parseOptions: (raw) => parsePassthroughOptions(raw),
  // kafkajs auto-commits the resolved offsets after every batch (its runner's autoCommitOffsets after eachBatch;
  // serve.ts's autoCommitInterval of 1 s only adds commits between batches): the lag trails by one batch.
  committedOffsets: () => ({ groupInfix: 'passthrough', intervalMs: 0 }),
  deploy: (plan) =>
    deployPassthrough(plan, WORKER_ENTRY, {}, parsePassthroughOptions(plan.options).instances),
};

/**
 * Unsupervised worker processes running `entry` with the passthrough config (plus `extra`), all in one
 * consumer group, which splits the input partitions between them: the baseline, and the harness's self-test
 * engine, which is the baseline with deliberate defects.
 */
export async function deployPassthrough(
  plan: DeployPlan,
  entry: string,
  extra: Record<string, unknown> = {},
  instances = 1,
): Promise<Deployment> {
  if (instances > plan.topics.partitions)
    throw new BadInputError(
      `passthrough instances=${instances} but the input topic has ${plan.topics.partitions} partitions: ${instances - plan.topics.partitions} workers would sit idle`,
      { fix: `use instances=${plan.topics.partitions} (one per input partition) or fewer` },
    );
  const placement = placementOf(plan);
  const config: PassthroughConfig = {
    runId: plan.runId,
    workload: plan.workload,
    topics: plan.topics,
    services: { kafka: placement.kafka, redis: placement.redis },
    ...extra,
  };
  let stopping = false;
  const workers = await Promise.all(
    Array.from({ length: instances }, async (_, instance) => {
      const id = `passthrough[${instance}]`;
      let readyResolve!: () => void;
      const ready = new Promise<void>((r) => {
        readyResolve = r;
      });
      const worker = await placement.launcher.launch(
        { id, entry, config, attempt: 0 },
        {
          logDir: join(plan.runDir, 'workers'),
          onMessage: (m) => {
            if (m.type === 'ready') readyResolve();
            else if (m.type === 'event') plan.onEvent(m.event);
          },
        },
      );
      plan.onEvent({
        at: systemClock.nowUs(),
        type: 'worker.started',
        worker: id,
        attempt: 0,
        pid: worker.pid,
      });
      void worker.exited.then((how) => {
        if (!stopping)
          plan.onEvent({ at: systemClock.nowUs(), type: 'worker.failed', worker: id, attempt: 0, exit: how });
      });
      return { id, instance, worker, ready };
    }),
  );
  const stop = async () => {
    stopping = true;
    await Promise.all(workers.map((w) => stopWorker(w.worker)));
    await placement.launcher.close();
  };
  const readyOne = ({ id, worker, ready }: (typeof workers)[number]) =>
    Promise.race([
      ready,
      worker.exited.then((how) => {
        throw new HarnessError(
          `passthrough worker exited (${how}) before it was ready; see ${join(plan.runDir, 'workers', `${id}.log`)}`,
        );
      }),
      systemClock.sleep(READY_TIMEOUT_MS).then(() => {
        throw new HarnessError(`${id} not ready after ${READY_TIMEOUT_MS} ms`);
      }),
    ]);
  return {
    workers: (): WorkerInfo[] =>
      workers.map(({ id, instance, worker }) => ({
        id,
        operator: 'passthrough',
        instance,
        pid: worker.pid,
        attempt: 0,
        alive: worker.isAlive(),
        starting: false,
      })),
    ready: async () => {
      await Promise.all(workers.map(readyOne));
    },
    faultTargets: () => ({
      processes: Object.fromEntries(workers.map((w) => [w.id, w.worker.isAlive() ? w.worker.pid : null])),
      controls: Object.fromEntries(workers.map((w) => [w.id, w.worker.isAlive() ? w.worker : null])),
      links: {},
    }),
    restartedWorkers: () => [],
    recordsReplayed: () => 0,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
