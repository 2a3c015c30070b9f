/**
 * barrier-snapshot options with Apache Flink's defaults: checkpoint timeout 10 min, max 1 concurrent
 * checkpoint, min pause 0, tolerable failed checkpoints 0, fixed-delay restart after 1 s, network buffer
 * timeout 100 ms, 32 KiB network buffers, heartbeat timeout 50 s. Flink has no default checkpoint interval; ours is explicit (1 s).
 */
import { BadInputError } from '../../core/errors.ts';
import { parseEngineOptions, secondsText } from '../runtime/options.ts';
import type { ReplayHorizon } from '../types.ts';

export interface BarrierSnapshotOptions {
  /** execution.checkpointing.interval; 0 turns checkpointing off (to measure its cost). */
  checkpointIntervalMs: number;
  /** execution.checkpointing.timeout */
  checkpointTimeoutMs: number;
  /** execution.checkpointing.min-pause */
  minPauseMs: number;
  /** execution.checkpointing.tolerable-failed-checkpoints */
  tolerableFailedCheckpoints: number;
  /** restart-strategy.fixed-delay.delay */
  restartDelayMs: number;
  /** execution.buffer-timeout: output is flushed when a buffer is full or after this long; 0 = every record. */
  bufferTimeoutMs: number;
  /**
   * taskmanager.memory.segment-size (32 KiB): a channel's buffer is sent as soon as this many bytes of records are
   * in it, without waiting for the buffer timeout.
   */
  networkBufferBytes: number;
  /** heartbeat.timeout, seconds */
  heartbeatTimeoutS: number;
  /** Completed checkpoints kept in checkpoint storage (state.checkpoints.num-retained). */
  retainedCheckpoints: number;
  /** The Kafka sink: two-phase commit with transactions, or plain at-least-once writes. Default by guarantee. */
  sink: 'transactional' | 'plain' | 'auto';
  /** Transactional producers in the sink's pool (FlinkKafkaProducer's kafkaProducersPoolSize). */
  producerPoolSize: number;
  proxied: boolean;
}

export const FLINK_DEFAULTS: BarrierSnapshotOptions = {
  checkpointIntervalMs: 1000,
  checkpointTimeoutMs: 600_000,
  minPauseMs: 0,
  tolerableFailedCheckpoints: 0,
  restartDelayMs: 1000,
  bufferTimeoutMs: 100,
  networkBufferBytes: 32_768,
  heartbeatTimeoutS: 50,
  retainedCheckpoints: 1,
  sink: 'auto',
  producerPoolSize: 5,
  proxied: true,
};

export function parseBarrierSnapshotOptions(raw: Record<string, unknown>): BarrierSnapshotOptions {
  return parseEngineOptions('barrier-snapshot', FLINK_DEFAULTS, raw, (key, value, out) => {
    if (key === 'sink') {
      if (value !== 'transactional' && value !== 'plain' && value !== 'auto') {
        throw new BadInputError(
          `barrier-snapshot option sink must be transactional, plain or auto, got ${JSON.stringify(value)}`,
        );
      }
      out.sink = value;
    } else {
      const n = Number(value);
      const min =
        key === 'retainedCheckpoints' ||
        key === 'producerPoolSize' ||
        key === 'heartbeatTimeoutS' ||
        key === 'networkBufferBytes'
          ? 1
          : 0;
      if (!Number.isFinite(n) || n < min) {
        throw new BadInputError(
          `barrier-snapshot option ${key} must be a number ≥ ${min}, got ${JSON.stringify(value)}`,
        );
      }
      (out as unknown as Record<string, number>)[key] = n;
    }
  });
}

/**
 * Flink's replay horizon, for the model and the real thing alike: a restore starts from the latest completed
 * checkpoint (with none, from the beginning); a hung task fails the job after the heartbeat timeout.
 */
export function flinkHorizon(
  o: Pick<BarrierSnapshotOptions, 'checkpointIntervalMs' | 'heartbeatTimeoutS'>,
): ReplayHorizon {
  const every = o.checkpointIntervalMs;
  return {
    restorePointMs: every > 0 ? every : null,
    detectionMs: o.heartbeatTimeoutS * 1000,
    text: `${every > 0 ? `checkpoint ${secondsText(every)}` : 'no checkpoints'} · heartbeat timeout ${o.heartbeatTimeoutS} s`,
  };
}
