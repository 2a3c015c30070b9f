/**
 * ack-tree options, with Apache Storm's defaults (topology.message.timeout.secs = 30, max.spout.pending
 * unbounded, one acker per worker, KafkaSpout offset commit period 30 s, supervisor check every 3 s,
 * nimbus.task.timeout.secs = 30, nimbus.task.launch.secs = 120, topology.producer.batch.size = 1 (no batching;
 * topology.batch.flush.interval.millis = 1 when batching), and KafkaSpoutConfig.DEFAULT_RETRY_SERVICE:
 * exponential back-off with initial delay 0 s, delay period 2 ms, max delay 10 s, retries unbounded; a bolt's
 * Redis client times out after Jedis' 2 s). Tests and catalogue scenarios scale them down explicitly: the
 * catalogue's 5 s message and heartbeat timeouts come with a 1 s commit period (equal horizons across engines)
 * and a max retry delay of 1667 ms (Storm's 10 s is a third of its 30 s timeout); the initial delay and period
 * are left at Storm's values.
 */
import { BadInputError } from '../../core/errors.ts';
import { parseEngineOptions } from '../runtime/options.ts';

export interface AckTreeOptions {
  /** topology.message.timeout.secs: a tuple tree not completed within T..2T is failed and replayed. */
  messageTimeoutS: number;
  /** topology.max.spout.pending per spout task; null = unbounded. */
  maxSpoutPending: number | null;
  /**
   * topology.acker.executors; null = one per worker. 0 is at-most-once (Storm's "no ackers"). A worker runs at
   * most one acker here: more ackers than worker processes act as one per worker.
   */
  ackers: number | null;
  /**
   * topology.workers: worker processes, each running several executors (Storm's EvenScheduler deals them out,
   * assignment.ts) that pass tuples in memory; a kill of one executor's process kills its whole worker. null = one
   * process per executor, named after it (`features[1]`), every hop between processes (faultline's default, so
   * fault targets name operators; Storm's own default is 1).
   */
  workers: number | null;
  /** KafkaSpout offset.commit.period.ms. */
  commitIntervalMs: number;
  /** Retry back-off (KafkaSpoutRetryExponentialBackoff initialDelay): the wait before a tuple's first retry. */
  retryInitialDelayMs: number;
  /** Retry back-off delayPeriod: retry n ≥ 2 waits retryDelayPeriodMs · 2^(n−1), at most retryMaxDelayMs. */
  retryDelayPeriodMs: number;
  /** Retry back-off maxDelay: the longest wait before a retry. */
  retryMaxDelayMs: number;
  /**
   * Retry back-off maxRetries: a tuple that failed more often is acked and committed without output (data loss);
   * null = retry forever (Storm's Integer.MAX_VALUE).
   */
  maxRetries: number | null;
  /**
   * The feature bolt's state-store client timeout: a Redis call without an answer in this time throws and the
   * bolt fails its input tuples explicitly (Jedis' default socket timeout, Protocol.DEFAULT_TIMEOUT, is 2 s).
   * 0 waits for ever (the tuples then time out instead).
   */
  stateTimeoutMs: number;
  /** How often the supervisor notices a dead worker and restarts it. */
  supervisorCheckMs: number;
  /**
   * nimbus.task.launch.secs: a worker whose process died and is being relaunched has this long to heartbeat
   * before nimbus reassigns it (instead of nimbus.task.timeout.secs, which would fire on the dead process's
   * silence while the relaunch is still starting).
   */
  launchTimeoutS: number;
  /** nimbus.task.timeout.secs: a worker silent this long is restarted. */
  heartbeatTimeoutS: number;
  /** How long a send to an unresponsive peer may block before the message is dropped. */
  sendTimeoutMs: number;
  /**
   * topology.producer.batch.size: tuples (and acker messages) an executor holds per destination before sending
   * them in one transfer. 1 (Storm's default) sends at once: lowest latency, one transfer per emit.
   */
  producerBatchSize: number;
  /**
   * topology.batch.flush.interval.millis: how often partly filled batches are flushed (Storm's flush tuple).
   * Only used when producerBatchSize > 1, as in Storm.
   */
  batchFlushIntervalMs: number;
  /** Route every link through its own Toxiproxy proxy. */
  proxied: boolean;
}

export const STORM_DEFAULTS: AckTreeOptions = {
  messageTimeoutS: 30,
  maxSpoutPending: null,
  ackers: null,
  workers: null,
  commitIntervalMs: 30_000,
  retryInitialDelayMs: 0,
  retryDelayPeriodMs: 2,
  retryMaxDelayMs: 10_000,
  maxRetries: null,
  stateTimeoutMs: 2_000,
  supervisorCheckMs: 3_000,
  launchTimeoutS: 120,
  heartbeatTimeoutS: 30,
  sendTimeoutMs: 2_000,
  producerBatchSize: 1,
  batchFlushIntervalMs: 1,
  proxied: true,
};

export function parseAckTreeOptions(raw: Record<string, unknown>): AckTreeOptions {
  return parseEngineOptions('ack-tree', STORM_DEFAULTS, raw, (k, value, out) => {
    if (
      (k === 'maxSpoutPending' || k === 'ackers' || k === 'maxRetries' || k === 'workers') &&
      (value === null || value === 'null' || value === 'unbounded')
    ) {
      out[k] = null;
      return;
    }
    const n = Number(value);
    const integer =
      k === 'messageTimeoutS' ||
      k === 'maxSpoutPending' ||
      k === 'ackers' ||
      k === 'workers' ||
      k === 'heartbeatTimeoutS' ||
      k === 'launchTimeoutS' ||
      k === 'maxRetries' ||
      k === 'producerBatchSize';
    const min =
      k === 'messageTimeoutS' || k === 'producerBatchSize' || k === 'batchFlushIntervalMs' || k === 'workers'
        ? 1
        : 0;
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      throw new BadInputError(
        `ack-tree option ${k} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${JSON.stringify(value)}`,
        {
          fix:
            k === 'messageTimeoutS'
              ? 'Storm takes whole seconds ≥ 1 (topology.message.timeout.secs)'
              : k === 'batchFlushIntervalMs'
                ? 'partly filled batches must be flushed: Storm without flush tuples (0) leaves them waiting until they fill'
                : undefined,
        },
      );
    }
    (out as unknown as Record<string, number>)[k] = n;
  });
}

/**
 * How long after the last input a Storm topology may still deliver on its own: a failed tuple tree is failed
 * T..2T after it was emitted (rotating map of two buckets) and replayed once its retry back-off has passed (at
 * most the max delay); a dead worker is noticed within the supervisor's check period.
 */
export function stormReplayHorizonMs(
  o: Pick<AckTreeOptions, 'messageTimeoutS' | 'retryMaxDelayMs' | 'supervisorCheckMs'>,
): number {
  return 2 * o.messageTimeoutS * 1000 + o.retryMaxDelayMs + o.supervisorCheckMs;
}
