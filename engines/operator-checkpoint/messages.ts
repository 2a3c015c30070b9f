/**
 * What the master and the workers say to each other, what flows between operators, and where state lives in
 * Redis (every key under the run id, so the runner's sweep removes it).
 */
import type { StageRecord } from '../runtime/stage-record.ts';
import type { ControlMessage } from '../runtime/worker-host.ts';
import type { Segment } from './buffer-server.ts';

/** Master → worker, in answer to `oc.register`: deploy the operator (OperatorDeployInfo). */
export interface DeployMessage extends ControlMessage {
  type: 'oc.deploy';
  attempt: number;
  /** The application's window start time. */
  startMs: number;
  /** Checkpoint to restore (INITIAL_CHECKPOINT: from scratch). */
  recovery: number;
  /** First window to process: recovery + 1, or the next live window (AT_MOST_ONCE redeploy). */
  startWindow: number;
  committed: number;
}

/** Worker → master, inside every heartbeat (`oc` field). */
export interface HeartbeatReport {
  attempt: number;
  /** The operator runs (it was deployed by a master, maybe by one that has since restarted). */
  deployed: boolean;
  /** The recovery checkpoint the master last named. */
  recovery: number;
  /** Last window the operator ended. */
  window: number;
  /** Checkpoints saved and not older than the recovery checkpoint the master last named. */
  checkpoints: number[];
}

/** Downstream → upstream: serve my partition from this position on (replaces my previous subscription). */
export interface SubscribeMessage extends ControlMessage {
  type: 'oc.subscribe';
  /** The subscriber's attempt (a restarted subscriber needs the replay again). */
  attempt: number;
  epoch: number;
  w: number;
  i: number;
  begun: boolean;
}

/** A data frame from a buffer server to one subscriber. */
export interface DataFrame<R> {
  /** The subscription it belongs to. */
  e: number;
  g: Segment<R>[];
}

/** What flows between operators (the runtime's stage record). */
export type Tuple = StageRecord;

export function redisKeys(runId: string) {
  const base = `fl:${runId}:oc`;
  return {
    /** The master's start time and committed window. */
    master: `${base}:master`,
    /** An operator's checkpointed state at a window. */
    checkpoint: (operator: string, w: number) => `${base}:ckpt:${operator}:${w}`,
    /** Hash window → Kafka offset ranges of an input operator (WindowDataManager). */
    windowData: (operator: string) => `${base}:wdm:${operator}`,
  };
}
