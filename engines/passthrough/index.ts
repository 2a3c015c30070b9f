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

export const passthrough: Engine = {
  name: 'passthrough',
  description: 'baseline: one process, Kafka → score → Kafka, no fault tolerance',
  guarantees: ['none'],
  defaultGuarantee: 'none',
  // One process that copies input to output: it has no operators to fan out.
  topologies: ['chain'],
  parseOptions(raw) {
    const keys = Object.keys(raw);
    if (keys.length > 0) throw new BadInputError(`passthrough has no options (got ${keys.join(', ')})`);
    return {};
  },
  deploy: (plan) => deployPassthrough(plan, WORKER_ENTRY),
};

/**
 * One unsupervised worker process running `entry` with the passthrough config (plus `extra`): the baseline,
 * and the harness's self-test engine, which is the baseline with deliberate defects.
 */
export async function deployPassthrough(
  plan: DeployPlan,
  entry: string,
  extra: Record<string, unknown> = {},
): Promise<Deployment> {
  const id = 'passthrough[0]';
  let readyResolve!: () => void;
  const readyPromise = new Promise<void>((r) => {
    readyResolve = r;
  });
  const placement = placementOf(plan);
  const config: PassthroughConfig = {
    runId: plan.runId,
    workload: plan.workload,
    topics: plan.topics,
    services: { kafka: placement.kafka, redis: placement.redis },
    ...extra,
  };
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
  let stopping = false;
  void worker.exited.then((how) => {
    if (!stopping)
      plan.onEvent({ at: systemClock.nowUs(), type: 'worker.failed', worker: id, attempt: 0, exit: how });
  });
  const stop = async () => {
    stopping = true;
    await stopWorker(worker);
    await placement.launcher.close();
  };
  return {
    workers: (): WorkerInfo[] => [
      {
        id,
        operator: 'passthrough',
        instance: 0,
        pid: worker.pid,
        attempt: 0,
        alive: worker.isAlive(),
        starting: false,
      },
    ],
    ready: () =>
      Promise.race([
        readyPromise,
        worker.exited.then((how) => {
          throw new HarnessError(
            `passthrough worker exited (${how}) before it was ready; see ${join(plan.runDir, 'workers', `${id}.log`)}`,
          );
        }),
        systemClock.sleep(READY_TIMEOUT_MS).then(() => {
          throw new HarnessError(`passthrough worker not ready after ${READY_TIMEOUT_MS} ms`);
        }),
      ]),
    faultTargets: () => ({
      processes: { [id]: worker.isAlive() ? worker.pid : null },
      controls: { [id]: worker.isAlive() ? worker : null },
      links: {},
    }),
    restartedWorkers: () => [],
    recordsReplayed: () => 0,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
