/**
 * Flink's REST API read as faultline events (issue 21): what the JobManager says about the job, its tasks and
 * its checkpoints, turned into the timeline's vocabulary (core/events.ts) and into where each operator
 * instance runs. Pure: the adapter polls the REST API and hands each reply here, so the translation is tested
 * without a cluster.
 *
 * - job status: entering RUNNING → job.running, RESTARTING → job.restarting, CANCELED/FAILED → job.cancelled,
 *   each at the JobManager's timestamp of the change (a state shorter than a poll is not missed);
 * - the exception history: each new failure → failure.detected, at the JobManager's own timestamp (its
 *   detection, not our poll), naming the task and TaskManager;
 * - checkpoint history: each finished checkpoint → checkpoint.completed or checkpoint.aborted; a new restored
 *   checkpoint → task.restored (the restore point of a failover);
 * - subtasks: each (instance, attempt) seen RUNNING → task.started, with the TaskManager it runs on.
 */
import type { NewEngineEvent } from '../../core/types.ts';

/** GET /jobs/:id (the fields read). */
export interface JobDetails {
  state: string;
  /** When the job last entered each state (ms since the epoch; 0 = never). */
  timestamps?: Record<string, number>;
  vertices: { id: string; name: string; parallelism: number; status: string }[];
}

/** GET /jobs/:id/vertices/:vid (the fields read). */
export interface VertexDetails {
  id: string;
  name: string;
  subtasks: { subtask: number; status: string; attempt: number; 'taskmanager-id'?: string }[];
}

/** GET /jobs/:id/checkpoints (the fields read). */
export interface CheckpointStats {
  counts?: { completed?: number; failed?: number; restored?: number };
  latest?: { restored?: { id: number; restore_timestamp: number } | null };
  history?: {
    id: number;
    status: string;
    trigger_timestamp: number;
    latest_ack_timestamp?: number;
    end_to_end_duration?: number;
    state_size?: number;
    failure_timestamp?: number;
    failure_message?: string;
  }[];
}

/** GET /jobs/:id/exceptions (the fields read). */
export interface ExceptionHistory {
  exceptionHistory?: {
    entries?: {
      exceptionName: string;
      timestamp: number;
      taskName?: string | null;
      taskManagerId?: string | null;
      endpoint?: string | null;
    }[];
  };
}

export interface RestSnapshot {
  job: JobDetails;
  vertices: VertexDetails[];
  checkpoints?: CheckpointStats;
  exceptions?: ExceptionHistory;
}

/** Where an operator instance runs now: its subtask's attempt, status and TaskManager resource id. */
export interface InstancePlacement {
  attempt: number;
  status: string;
  taskManager?: string;
}

/** The operator names of a (possibly chained) vertex: "features -> score" → features, score. */
export function operatorsOfVertex(name: string, operators: readonly string[]): string[] {
  const words = name
    .toLowerCase()
    .split(/[^a-z0-9-]+/)
    .filter(Boolean);
  return operators.filter((o) => words.includes(o));
}

const JOB_STATE_EVENTS = [
  ['RESTARTING', 'job.restarting'],
  ['RUNNING', 'job.running'],
  ['CANCELED', 'job.cancelled'],
  ['FAILED', 'job.cancelled'],
] as const;

/** Keeps what was seen, and turns each new snapshot into the events it adds. */
/**
 * jobStatesFromLog: the job's state switches and restores come from the JobManager's log (log-signals.ts),
 * which has every one; the REST API's latest-only timestamps are then not turned into events.
 */
export function createRestSignals(operators: readonly string[], opts: { jobStatesFromLog?: boolean } = {}) {
  let jobState: string | undefined;
  const stateEntered = new Map<string, number>();
  let lastCheckpoint = 0;
  let lastRestored: number | undefined;
  const failuresSeen = new Set<string>();
  const started = new Set<string>();
  const placement = new Map<string, InstancePlacement>();

  return {
    /** Operator instance id → where it runs (last seen). */
    placement(): ReadonlyMap<string, InstancePlacement> {
      return placement;
    },
    jobState: () => jobState,
    /** Every subtask RUNNING and the job RUNNING. */
    running(snapshot: RestSnapshot): boolean {
      return (
        snapshot.job.state === 'RUNNING' &&
        snapshot.vertices.length === snapshot.job.vertices.length &&
        snapshot.vertices.every((v) => v.subtasks.every((s) => s.status === 'RUNNING'))
      );
    },
    observe(snapshot: RestSnapshot, nowUs: number): (NewEngineEvent & { at: number })[] {
      const out: (NewEngineEvent & { at: number })[] = [];
      const { job } = snapshot;
      // The state changes at the JobManager's own times: a RESTARTING shorter than a poll is not missed.
      for (const [state, type] of opts.jobStatesFromLog ? [] : JOB_STATE_EVENTS) {
        const at = job.timestamps?.[state] ?? 0;
        if (at > 0 && at !== stateEntered.get(state)) {
          stateEntered.set(state, at);
          out.push({ at: at * 1000, type, state });
        }
      }
      jobState = job.state;
      for (const e of snapshot.exceptions?.exceptionHistory?.entries ?? []) {
        const key = `${e.timestamp}:${e.exceptionName}:${e.taskName ?? ''}`;
        if (failuresSeen.has(key)) continue;
        failuresSeen.add(key);
        out.push({
          at: e.timestamp * 1000,
          type: 'failure.detected',
          exception: e.exceptionName,
          task: e.taskName ?? null,
          taskManager: e.taskManagerId ?? null,
        });
      }
      const history = [...(snapshot.checkpoints?.history ?? [])].sort((a, b) => a.id - b.id);
      for (const c of history) {
        if (c.id <= lastCheckpoint || c.status === 'IN_PROGRESS') continue;
        lastCheckpoint = c.id;
        if (c.status === 'COMPLETED') {
          out.push({
            at: (c.latest_ack_timestamp ?? c.trigger_timestamp) * 1000,
            type: 'checkpoint.completed',
            checkpoint: c.id,
            durationMs: c.end_to_end_duration ?? null,
            stateBytes: c.state_size ?? null,
          });
        } else {
          out.push({
            at: (c.failure_timestamp ?? c.trigger_timestamp) * 1000,
            type: 'checkpoint.aborted',
            checkpoint: c.id,
            reason: c.failure_message ?? c.status,
          });
        }
      }
      const restored = snapshot.checkpoints?.latest?.restored;
      if (restored && restored.id !== lastRestored && !opts.jobStatesFromLog) {
        lastRestored = restored.id;
        out.push({ at: restored.restore_timestamp * 1000, type: 'task.restored', checkpoint: restored.id });
      }
      for (const v of snapshot.vertices) {
        for (const operator of operatorsOfVertex(v.name, operators)) {
          for (const s of v.subtasks) {
            const id = `${operator}[${s.subtask}]`;
            placement.set(id, { attempt: s.attempt, status: s.status, taskManager: s['taskmanager-id'] });
            const key = `${id}#${s.attempt}`;
            if (s.status === 'RUNNING' && !started.has(key)) {
              started.add(key);
              out.push({
                at: nowUs,
                type: 'task.started',
                worker: id,
                attempt: s.attempt,
                taskManager: s['taskmanager-id'] ?? null,
              });
            }
          }
        }
      }
      return out;
    },
  };
}
