/**
 * The Streams app's event lines (FaultlineStreams.java prints one JSON object per line on stdout) read as
 * faultline events, and what they say about where each task runs. Pure: the adapter hands each instance's
 * lines here, so the translation is tested without Kafka.
 *
 * The event vocabulary is core/events.ts's (each type has its timeline lane in dashboards/timeline.ts), so the
 * client's states map onto the Flink names for the same moments:
 * - `state` (the client's state listener): REBALANCING → job.restarting, RUNNING → job.running (with the
 *   instance's active tasks), ERROR → job.cancelled, each with {state, from} at the app's own time; the other
 *   states (CREATED, PENDING_SHUTDOWN, NOT_RUNNING, PENDING_ERROR) only update what is known;
 * - `task` init (the features processor of a task opened on this instance: after an assignment, a rebalance
 *   or a restart) → task.started {task}; close only updates where the task runs (the vocabulary has no
 *   task-closed type);
 * - `restore` end (the task's state store restored from its changelog) → task.restored {partition, records};
 * - `error` (an uncaught exception in a stream thread) → failure.detected {error}.
 *
 * Task 0_p processes input partition p through every operator (one sub-topology), so an operator instance
 * `op[i]` lives in task 0_(i mod partitions).
 */
import type { EventType } from '../../core/events.ts';
import type { NewEngineEvent } from '../../core/types.ts';

export const instanceId = (i: number) => `instance[${i}]`;

/** What one line of the app says, or null when it is not one of its event lines. */
export interface AppLine {
  fl: 'state' | 'task' | 'restore' | 'error';
  /** µs since the epoch, the app's clock. */
  at: number;
  [field: string]: unknown;
}

const KINDS = new Set(['state', 'task', 'restore', 'error']);
const STATE_EVENTS: Record<string, EventType> = {
  REBALANCING: 'job.restarting',
  RUNNING: 'job.running',
  ERROR: 'job.cancelled',
};

export function parseAppLine(line: string): AppLine | null {
  if (!line.startsWith('{"fl":')) return null;
  try {
    const v = JSON.parse(line) as AppLine;
    return KINDS.has(v.fl) && typeof v.at === 'number' ? v : null;
  } catch {
    return null;
  }
}

export const taskOf = (instance: number, partitions: number) => `0_${instance % partitions}`;

/** Keeps each instance's state and which instance runs each task, and turns app lines into events. */
export function createAppSignals(instances: number, partitions: number) {
  const states: (string | undefined)[] = Array.from({ length: instances }, () => undefined);
  /** Task → the instance that opened it last (and has not closed it). */
  const owner = new Map<string, number>();
  /** Task → how often it was opened. */
  const opened = new Map<string, number>();
  /** Opens per task when the deployment first ran (ready): later opens are restarts. */
  let baseline: Map<string, number> | undefined;
  const tasks = Array.from({ length: partitions }, (_, p) => `0_${p}`);

  return {
    /** The instance running `task` now, if known. */
    ownerOf: (task: string): number | undefined => owner.get(task),
    state: (instance: number) => states[instance],
    /** Every instance RUNNING and every task open on one of them. */
    running: () => states.every((s) => s === 'RUNNING') && tasks.every((t) => owner.has(t)),
    /** From now on a task opened again counts as restarted. */
    markBaseline() {
      baseline ??= new Map(opened);
    },
    /** How often `task` was opened again since the baseline. */
    restarts: (task: string) => (baseline ? (opened.get(task) ?? 0) - (baseline.get(task) ?? 0) : 0),
    /** The instance's JVM exited: its state and tasks are gone with it. */
    exited(instance: number) {
      states[instance] = undefined;
      for (const [t, i] of owner) if (i === instance) owner.delete(t);
    },
    /** The line's event for the timeline, or null when it only updates what is known. */
    observe(instance: number, line: AppLine): (NewEngineEvent & { at: number }) | null {
      const worker = instanceId(instance);
      switch (line.fl) {
        case 'state': {
          const state = String(line.state);
          states[instance] = state;
          const type = STATE_EVENTS[state];
          if (!type) return null;
          const active = state === 'RUNNING' ? { active: line.active } : {};
          return { at: line.at, type, worker, state, from: line.from, ...active };
        }
        case 'task': {
          const task = String(line.task);
          if (line.event === 'init') {
            owner.set(task, instance);
            opened.set(task, (opened.get(task) ?? 0) + 1);
            return { at: line.at, type: 'task.started', worker, task };
          }
          if (owner.get(task) === instance) owner.delete(task);
          return null;
        }
        case 'restore':
          if (line.event !== 'end') return null;
          return {
            at: line.at,
            type: 'task.restored',
            worker,
            partition: line.partition,
            store: line.store,
            records: line.records,
          };
        case 'error':
          return { at: line.at, type: 'failure.detected', worker, error: line.error };
      }
    },
  };
}
