/**
 * flink options: the settings handed to the real cluster and job, with Flink's defaults (barrier-snapshot's
 * FLINK_DEFAULTS, where they mean the same thing: checkpoint interval, timeout, min pause, tolerable failed
 * checkpoints, fixed-delay restart, buffer timeout, heartbeat timeout), the cluster's shape (TaskManagers and
 * slots, each TaskManager a JVM and a faultline worker), and the adapter's own supervision: how long after a
 * TaskManager JVM died it is started again (what Kubernetes or YARN would do for a session cluster).
 */
import { BadInputError } from '../../core/errors.ts';
import { type BarrierSnapshotOptions, FLINK_DEFAULTS } from '../barrier-snapshot/options.ts';
import { parseEngineOptions } from '../runtime/options.ts';

export type FlinkOptions = Pick<
  BarrierSnapshotOptions,
  | 'checkpointIntervalMs'
  | 'checkpointTimeoutMs'
  | 'minPauseMs'
  | 'tolerableFailedCheckpoints'
  | 'restartDelayMs'
  | 'bufferTimeoutMs'
  | 'heartbeatTimeoutS'
> & {
  /** TaskManager JVMs (workers). */
  taskManagers: number;
  /** taskmanager.numberOfTaskSlots */
  slotsPerTaskManager: number;
  /** The KafkaSink's transaction.timeout.ms: at most the broker's transaction.max.timeout.ms. */
  transactionTimeoutMs: number;
  /** How long after a TaskManager JVM exited the adapter starts a new one. */
  supervisorCheckMs: number;
  /** How long the cluster may take to start and run the job. */
  launchTimeoutS: number;
  /**
   * TaskManager data links through Toxiproxy (`link:data->taskmanager[i]`, cluster.ts). Kafka is reached
   * directly all the same: its Java client connects to the addresses the broker advertises, and has no hook
   * (like kafkajs's socket factory) to send them through a proxy.
   */
  proxied: boolean;
};

export const FLINK_ENGINE_DEFAULTS: FlinkOptions = {
  checkpointIntervalMs: FLINK_DEFAULTS.checkpointIntervalMs,
  checkpointTimeoutMs: FLINK_DEFAULTS.checkpointTimeoutMs,
  minPauseMs: FLINK_DEFAULTS.minPauseMs,
  tolerableFailedCheckpoints: FLINK_DEFAULTS.tolerableFailedCheckpoints,
  restartDelayMs: FLINK_DEFAULTS.restartDelayMs,
  bufferTimeoutMs: FLINK_DEFAULTS.bufferTimeoutMs,
  heartbeatTimeoutS: FLINK_DEFAULTS.heartbeatTimeoutS,
  taskManagers: 2,
  slotsPerTaskManager: 2,
  transactionTimeoutMs: 60_000,
  supervisorCheckMs: 1000,
  launchTimeoutS: 120,
  proxied: false,
};

const INTEGER = new Set([
  'tolerableFailedCheckpoints',
  'taskManagers',
  'slotsPerTaskManager',
  'launchTimeoutS',
]);
const AT_LEAST_ONE = new Set(['heartbeatTimeoutS', 'taskManagers', 'slotsPerTaskManager', 'launchTimeoutS']);

export function parseFlinkOptions(raw: Record<string, unknown>, guarantee?: string): FlinkOptions {
  const options = parseEngineOptions('flink', FLINK_ENGINE_DEFAULTS, raw, (k, value, out) => {
    const n = Number(value);
    const min = AT_LEAST_ONE.has(k) ? 1 : 0;
    if (!Number.isFinite(n) || n < min || (INTEGER.has(k) && !Number.isInteger(n))) {
      throw new BadInputError(
        `flink option ${k} must be ${INTEGER.has(k) ? 'an integer' : 'a number'} ≥ ${min}, got ${JSON.stringify(value)}`,
      );
    }
    (out as unknown as Record<string, number>)[k] = n;
  });
  if (guarantee === 'exactly-once' && options.checkpointIntervalMs === 0) {
    // The transactional sink commits when a checkpoint completes: without checkpoints nothing becomes visible.
    throw new BadInputError(
      'flink exactly-once needs checkpoints: checkpointIntervalMs=0 would never commit',
      {
        fix: 'use a checkpoint interval > 0, or --guarantee at-least-once',
      },
    );
  }
  return options;
}

/** Flink's heartbeat.interval for a timeout: its defaults' ratio (10 s of 50 s), so a scaled timeout keeps it. */
export function heartbeatIntervalMs(options: FlinkOptions): number {
  return Math.max(200, Math.round((options.heartbeatTimeoutS * 1000) / 5));
}
