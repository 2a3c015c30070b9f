/**
 * Where Storm runs each executor when a topology has `topology.workers` worker processes: its default
 * scheduler (EvenScheduler.scheduleTopology) sorts the executors by their first task id and deals them round-robin
 * over the worker slots. Task ids are numbered component by component in component-id order (StormCommon's
 * stormTaskInfo walks a TreeMap of the components), so the acker executors (`__acker`, one per worker by default)
 * come first, then the topology's components alphabetically, each by instance. A worker is one process: its
 * executors pass tuples to each other in memory, and a kill of any of them kills them all.
 */
import { BadInputError } from '../../core/errors.ts';
import { type Instance, type Topology, workerId } from '../runtime/topology.ts';

export interface StormWorker {
  /** `worker[0]`: the process's id (fault target, log name). */
  id: string;
  /** The executors it runs, in task order. */
  executors: Instance[];
}

export function evenSchedule(t: Topology, workers: number, ackers: number): StormWorker[] {
  if (!Number.isInteger(workers) || workers < 1 || workers > t.instances.length) {
    throw new BadInputError(
      `ack-tree option workers=${workers} does not fit this topology: it has ${t.instances.length} executors`,
      {
        fix: `give 1 to ${t.instances.length} workers (topology.workers), or leave it out for one process per executor`,
      },
    );
  }
  const byTask = [...t.instances].sort((a, b) =>
    a.operator < b.operator ? -1 : a.operator > b.operator ? 1 : a.instance - b.instance,
  );
  const out: StormWorker[] = Array.from({ length: workers }, (_, k) => ({
    id: workerId('worker', k),
    executors: [],
  }));
  // The acker executors take the first `ackers` places of the deal; the components' executors follow them.
  byTask.forEach((executor, i) => {
    out[(ackers + i) % workers]!.executors.push(executor);
  });
  return out;
}
