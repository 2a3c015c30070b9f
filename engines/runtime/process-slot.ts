/**
 * A slot of a real system's cluster (a Flink TaskManager or JobManager, a Kafka Streams instance): the JVM it
 * runs now, restarted in the same slot after it dies, as a supervisor would. The cluster starts and restarts
 * its own processes; this is what they share: the slot's state and how it stops.
 */
import type { NewEngineEvent } from '../../core/types.ts';
import type { ProcessHandle } from '../types.ts';

export interface ProcessSlot {
  /** The worker id events name. */
  id: string;
  /** The attempt of the process in `child`; −1 before the first start. */
  attempt: number;
  child?: ProcessHandle;
  alive: boolean;
  /** A restart waiting out the supervisor's interval. */
  restartTimer?: NodeJS.Timeout;
}

/**
 * Stops every slot: no restart any more, then each live process SIGCONT (a paused JVM cannot exit), SIGTERM (its
 * shutdown hooks run), SIGKILL after `graceMs`; then each is reported stopped.
 */
export async function stopSlots(
  slots: readonly ProcessSlot[],
  graceMs: number,
  emit: (e: NewEngineEvent) => void,
): Promise<void> {
  for (const s of slots) clearTimeout(s.restartTimer);
  const signal = (s: ProcessSlot, sig: NodeJS.Signals) => {
    if (s.alive) s.child?.signal(sig);
  };
  await Promise.all(
    slots.map(async (s) => {
      const proc = s.child;
      if (!proc || !s.alive) return;
      const exited = proc.exited;
      signal(s, 'SIGCONT');
      signal(s, 'SIGTERM');
      const timer = setTimeout(() => signal(s, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      s.alive = false;
    }),
  );
  for (const s of slots) emit({ type: 'worker.stopped', worker: s.id, attempt: s.attempt });
}
