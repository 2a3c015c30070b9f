/**
 * barrier-snapshot's control vocabulary, as a typed union (what Flink's RPCs between JobMaster and TaskExecutor
 * and the in-band CheckpointBarrier carry). Handlers switch on `type` and get typed fields; a misspelt type or a
 * missing field does not compile.
 */
import type { ControlMessage } from '../runtime/worker-host.ts';

/** Job manager → task. */
export type JobManagerMessage =
  /** Deploy (or redeploy) the task, restoring the named completed checkpoint (null: from scratch). */
  | { type: 'deploy'; restoreFrom: number | null }
  /** Sources only: snapshot your offsets and emit barrier `id` (triggerCheckpoint). */
  | { type: 'trigger'; id: number }
  /** Checkpoint `id` completed (notifyCheckpointComplete): the sink commits its transactions up to it. */
  | { type: 'notify'; id: number };

/** Task → job manager. */
export type TaskMessage =
  /** The task process is up and waits to be deployed. */
  | { type: 'register' }
  /** Deployed and restored: it processes records. */
  | { type: 'running' }
  /** Its snapshot of `id` is durable (acknowledgeCheckpoint); `bytes` of state. */
  | { type: 'ack'; id: number; bytes: number }
  /** It could not snapshot `id` (declineCheckpoint). */
  | { type: 'decline'; id: number; reason: string }
  /** It failed (updateTaskExecutionState FAILED): the job fails over. */
  | { type: 'failed'; cause: string };

/** Task → downstream task, in band after the records before it. */
export interface BarrierMessage {
  type: 'barrier';
  id: number;
}

export type BarrierSnapshotMessage = JobManagerMessage | TaskMessage | BarrierMessage;

/** The host delivers untyped control bodies; this vocabulary is what barrier-snapshot peers send each other. */
export const asMessage = (m: ControlMessage) => m as unknown as BarrierSnapshotMessage;
/** For the host's sendControl. */
export const toControl = (m: BarrierSnapshotMessage) => m as unknown as ControlMessage;
