/**
 * ack-tree options, with Apache Storm's defaults (topology.message.timeout.secs = 30, max.spout.pending
 * unbounded, one acker per worker, KafkaSpout offset commit period 30 s, supervisor check every 3 s,
 * nimbus.task.timeout.secs = 30). Tests and catalogue scenarios scale them down explicitly.
 */
import { BadInputError } from '../../core/errors.ts';
import { parseEngineOptions } from '../runtime/options.ts';

export interface AckTreeOptions {
  /** topology.message.timeout.secs: a tuple tree not completed within T..2T is failed and replayed. */
  messageTimeoutS: number;
  /** topology.max.spout.pending per spout task; null = unbounded. */
  maxSpoutPending: number | null;
  /** topology.acker.executors; null = one per worker. 0 is at-most-once (Storm's "no ackers"). */
  ackers: number | null;
  /** KafkaSpout offset.commit.period.ms. */
  commitIntervalMs: number;
  /** How often the supervisor notices a dead worker and restarts it. */
  supervisorCheckMs: number;
  /** nimbus.task.timeout.secs: a worker silent this long is restarted. */
  heartbeatTimeoutS: number;
  /** How long a send to an unresponsive peer may block before the message is dropped. */
  sendTimeoutMs: number;
  /** Route every link through its own Toxiproxy proxy. */
  proxied: boolean;
}

export const STORM_DEFAULTS: AckTreeOptions = {
  messageTimeoutS: 30,
  maxSpoutPending: null,
  ackers: null,
  commitIntervalMs: 30_000,
  supervisorCheckMs: 3_000,
  heartbeatTimeoutS: 30,
  sendTimeoutMs: 2_000,
  proxied: true,
};

export function parseAckTreeOptions(raw: Record<string, unknown>): AckTreeOptions {
  return parseEngineOptions('ack-tree', STORM_DEFAULTS, raw, (k, value, out) => {
    if (
      (k === 'maxSpoutPending' || k === 'ackers') &&
      (value === null || value === 'null' || value === 'unbounded')
    ) {
      out[k] = null;
      return;
    }
    const n = Number(value);
    const integer =
      k === 'messageTimeoutS' || k === 'maxSpoutPending' || k === 'ackers' || k === 'heartbeatTimeoutS';
    if (
      !Number.isFinite(n) ||
      n < 0 ||
      (integer && !Number.isInteger(n)) ||
      (k === 'messageTimeoutS' && n < 1)
    ) {
      throw new BadInputError(
        `ack-tree option ${k} must be ${integer ? 'an integer' : 'a number'} ≥ ${k === 'messageTimeoutS' ? 1 : 0}, got ${JSON.stringify(value)}`,
        {
          fix:
            k === 'messageTimeoutS'
              ? 'Storm takes whole seconds ≥ 1 (topology.message.timeout.secs)'
              : undefined,
        },
      );
    }
    (out as unknown as Record<string, number>)[k] = n;
  });
}
