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

/**
 * The master's record in Redis: the application's window start time, the committed window and each operator's
 * recovery checkpoint (what Apex's STRAM keeps of its physical plan in its checkpointed state and journal,
 * FSRecoveryHandler). A restarted master deploys a registering operator from its recovery checkpoint here.
 * The master writes it before it announces the committed window or deletes a checkpoint older than a
 * recovery checkpoint, so what it names still exists.
 */
export interface MasterRecord {
  startMs: number;
  committed: number;
  /** Operator instance id → recovery checkpoint; absent in a record written before any was known. */
  recovery?: Record<string, number>;
}

/** Reads the master's record; throws naming the key's content if it is not one. */
export function parseMasterRecord(text: string): MasterRecord {
  const r = JSON.parse(text) as Partial<MasterRecord>;
  const isWindow = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
  const recovery = r.recovery;
  if (
    typeof r.startMs !== 'number' ||
    !isWindow(r.committed) ||
    (recovery !== undefined &&
      (typeof recovery !== 'object' || recovery === null || !Object.values(recovery).every(isWindow)))
  )
    throw new Error(
      `the master's record in Redis is not {startMs, committed, recovery}: ${text.slice(0, 200)}`,
    );
  return { startMs: r.startMs, committed: r.committed!, ...(recovery ? { recovery } : {}) };
}

export function redisKeys(runId: string) {
  const base = `fl:${runId}:oc`;
  return {
    /** The master's record (MasterRecord). */
    master: `${base}:master`,
    /** An operator's checkpointed state at a window. */
    checkpoint: (operator: string, w: number) => `${base}:ckpt:${operator}:${w}`,
    /** Hash window → Kafka offset ranges of an input operator (WindowDataManager). */
    windowData: (operator: string) => `${base}:wdm:${operator}`,
  };
}
