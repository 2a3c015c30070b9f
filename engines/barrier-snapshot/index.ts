/**
 * barrier-snapshot: Apache Flink's fault tolerance. A checkpoint coordinator injects barriers at the sources;
 * tasks align them, snapshot their state to checkpoint storage and acknowledge; a checkpoint completes when
 * every task acknowledged it; a two-phase-commit sink makes output visible only then. Any failure cancels and
 * restarts every task from the latest completed checkpoint. See PROTOCOLS.md, "barrier-snapshot".
 */
import { fileURLToPath } from 'node:url';
import { BadInputError } from '../../core/errors.ts';
import { EV } from '../../core/events.ts';
import type { EngineEvent } from '../../core/types.ts';
import { deployProcesses } from '../runtime/deploy.ts';
import { dataLinks } from '../runtime/topology.ts';
import type { Engine } from '../types.ts';
import { flinkHorizon, parseBarrierSnapshotOptions } from './options.ts';

const entry = (file: string) => fileURLToPath(new URL(file, import.meta.url));
/** How long starting the new attempt's workers may take on a loaded 2-core machine: processes ~3 s, containers
 * more (a docker-compose run drained 4 s after a kill and stopped before the redeployed containers wrote). */
const REDEPLOY_ALLOWANCE_MS = 8000;

export const barrierSnapshot: Engine = {
  name: 'barrier-snapshot',
  description: 'Apache Flink: aligned checkpoint barriers, state snapshots, 2PC Kafka sink, global restart',
  guarantees: ['exactly-once', 'at-least-once'],
  defaultGuarantee: 'exactly-once',
  // Fan-out: features emits to a score and a challenger task; the sink aligns barriers over both branches'
  // channels; a failure anywhere restarts every task (one pipelined region), as on the chain.
  topologies: ['chain', 'fan-out'],
  parseOptions: parseBarrierSnapshotOptions,
  // After a failure the job restarts after the restart delay, redeploys every task (seconds on 2 cores) and
  // replays from the last checkpoint; a transactional sink makes that output visible at the next checkpoint.
  replayHorizonMs(raw) {
    const o = parseBarrierSnapshotOptions(raw);
    return o.restartDelayMs + o.checkpointIntervalMs + REDEPLOY_ALLOWANCE_MS;
  },
  // A restore starts from the latest completed checkpoint (with none, from the beginning); a hung task fails
  // the job after the heartbeat timeout.
  horizon: (raw) => flinkHorizon(parseBarrierSnapshotOptions(raw)),
  async deploy(plan) {
    const options = parseBarrierSnapshotOptions(plan.options);
    const transactional =
      options.sink === 'transactional' || (options.sink === 'auto' && plan.guarantee === 'exactly-once');
    if (transactional && options.checkpointIntervalMs === 0) {
      // Transactions commit on checkpoint completion: without checkpoints nothing would ever become visible.
      throw new BadInputError(
        'the transactional sink needs checkpoints: checkpointIntervalMs=0 would never commit',
        {
          fix: 'use -o sink=plain (at-least-once output) or a checkpoint interval > 0',
        },
      );
    }
    return deployProcesses({
      plan,
      options,
      entries: { coordinator: entry('./job-manager.ts'), worker: () => entry('./task.ts') },
      peerLinks: dataLinks,
      proxied: options.proxied,
      // No autoRestart: the job manager decides (cancel all, restart delay, redeploy all).
      replayedBy: replayCounter(),
    });
  },
};

/**
 * Records re-read after a restore: per source partition, the last read position reported before the failure
 * minus the restored offset (a lower bound: progress is reported every 500 ms).
 */
function replayCounter(): (e: EngineEvent) => number {
  const progress = new Map<string, number>();
  return (e) => {
    const offsets = e.offsets as Record<string, number> | undefined;
    if (!offsets) return 0;
    let replayed = 0;
    for (const [partition, offset] of Object.entries(offsets)) {
      const key = `${e.worker}/${partition}`;
      if (e.type === EV.sourcePositioned && (e.attempt ?? 0) > 0)
        replayed += Math.max(0, (progress.get(key) ?? offset) - offset);
      progress.set(key, offset);
    }
    return replayed;
  };
}
