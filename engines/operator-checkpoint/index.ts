/**
 * operator-checkpoint: Apache Apex's design. A master (STRAM) fixes the window start time; window generators
 * at the sources cut the stream into streaming windows; every operator checkpoints its state to Redis every
 * CHECKPOINT_WINDOW_COUNT windows (every window in EXACTLY_ONCE) and keeps its output in a buffer server in
 * its own worker. On a failure the master redeploys only the failed worker's operators and everything
 * downstream of them, each from its recovery checkpoint; upstream buffer servers replay the windows after
 * it. At-least-once by default (duplicates downstream of a recovery), at-most-once (AT_MOST_ONCE operators:
 * redeployed ones skip to the live window), exactly-once as Apex documents it: AT_LEAST_ONCE operators and
 * the exactly-once output operator (one Kafka transaction per window, windows already written skipped).
 * Per-operator processing modes are an option (`processingModes`), validated by Apex's DAG rule. See
 * PROTOCOLS.md.
 */
import { fileURLToPath } from 'node:url';
import { EV } from '../../core/events.ts';
import { deployProcesses } from '../runtime/deploy.ts';
import { secondsText } from '../runtime/options.ts';
import { dataLinks } from '../runtime/topology.ts';
import type { Engine } from '../types.ts';
import { parseOperatorCheckpointOptions } from './options.ts';

const entry = (file: string) => fileURLToPath(new URL(file, import.meta.url));
/** How long a redeployed worker may take to start on a loaded 2-core machine: a process ~3 s, a container more
 * (a docker-compose run drained 4 s after an Apex kill and stopped before the redeployed containers wrote). */
const REDEPLOY_ALLOWANCE_MS = 8000;

export const operatorCheckpoint: Engine = {
  name: 'operator-checkpoint',
  description:
    'Apache Apex: streaming windows, per-operator checkpoints, buffer servers; only the failed part redeploys',
  guarantees: ['at-least-once', 'at-most-once', 'exactly-once'],
  defaultGuarantee: 'at-least-once',
  // Fan-out: features' buffer server keeps a partition per score and per challenger instance, the sink aligns
  // windows over both branches' ports; a failure restarts its downstream closure only (a branch and the sink).
  topologies: ['chain', 'fan-out'],
  parseOptions: parseOperatorCheckpointOptions,
  // A redeployed operator starts again from its recovery checkpoint (up to a checkpoint period back) once its
  // worker process is up; upstream buffer servers replay the windows after it.
  replayHorizonMs(raw) {
    const o = parseOperatorCheckpointOptions(raw);
    return o.checkpointWindowCount * o.windowMs + REDEPLOY_ALLOWANCE_MS;
  },
  // A redeployed operator restarts from its recovery checkpoint, at most a checkpoint period back; a hung
  // worker is declared lost after the heartbeat timeout.
  horizon(raw) {
    const o = parseOperatorCheckpointOptions(raw);
    const period = o.checkpointWindowCount * o.windowMs;
    return {
      restorePointMs: period,
      detectionMs: o.heartbeatTimeoutS * 1000,
      text: `checkpoint ${o.checkpointWindowCount} × ${o.windowMs} ms windows = ${secondsText(period)} · heartbeat timeout ${o.heartbeatTimeoutS} s`,
    };
  },
  async deploy(plan) {
    const options = parseOperatorCheckpointOptions(plan.options, plan.guarantee);
    return deployProcesses({
      plan,
      options,
      entries: { coordinator: entry('./stram.ts'), worker: () => entry('./worker.ts') },
      // Data goes upstream → downstream; subscriptions (with the window to replay from) go the other way.
      peerLinks: (t) =>
        dataLinks(t).flatMap(([a, b]): [string, string][] => [
          [a, b],
          [b, a],
        ]),
      proxied: options.proxied,
      // The master decides restarts (redeploy of the downstream closure); the supervisor only executes them.
      replayedBy: (e) => (e.type === EV.replayFrom ? Number(e.records ?? 0) : 0),
    });
  },
};
