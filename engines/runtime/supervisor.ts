/**
 * The supervisor: the host-side process launcher (Storm's supervisor daemon, a YARN NodeManager, Flink's
 * TaskManager launcher). It lives in the runner process, outside the reach of process faults, and:
 * - starts the engine's coordinator process and one process per operator instance, each with an attempt number;
 * - tells the coordinator when a worker process exits (the "lost connection" signal is the coordinator's own);
 * - restarts workers when the coordinator asks (Flink, Apex) or on its own after its check interval (Storm);
 * - restarts a dead coordinator (as an HA setup would), and records every start, exit and restart as events.
 */
import { join } from 'node:path';
import { systemClock } from '../../core/clock.ts';
import { HarnessError } from '../../core/errors.ts';
import type { EngineEvent, NewEngineEvent } from '../../core/types.ts';
import type { ProcessControl, WorkerHandle, WorkerInfo, WorkerLauncher } from '../types.ts';
import type { WorkerMessage } from './control.ts';
import { localLauncher, stopWorker } from './worker-launcher.ts';

export const COORDINATOR_ID = 'coordinator';

export interface ProcessDef {
  id: string;
  operator: string;
  instance: number;
  /** Absolute path of the TypeScript entry. */
  entry: string;
}

export interface SupervisorOptions {
  runDir: string;
  coordinator: ProcessDef;
  workers: ProcessDef[];
  /** Boot config for a process at an attempt (engine-specific). */
  configFor(id: string, attempt: number): unknown;
  /** Storm: restart a dead worker on its own, `checkMs` after its death is noticed. Otherwise only on request. */
  autoRestart?: { checkMs: number };
  /** Delay before a requested restart (Flink's fixed-delay restart strategy is applied by the coordinator). */
  onEvent(e: EngineEvent): void;
  readyTimeoutMs?: number;
  /** Local processes (default) or containers. */
  launcher?: WorkerLauncher;
}

interface Slot {
  def: ProcessDef;
  attempt: number;
  handle?: WorkerHandle;
  ready: boolean;
  restarting: boolean;
  /** Killed on purpose (a coordinator cancelled it): its exit is not a failure. */
  cancelled: boolean;
}

export interface Supervisor {
  start(): Promise<void>;
  ready(): Promise<void>;
  workers(): WorkerInfo[];
  /** Every process (workers and the coordinator) → its current pid, or null while it is not running. */
  pids(): Record<string, number | null>;
  /** Every process → the control of its current incarnation, or null while it is not running. */
  controls(): Record<string, ProcessControl | null>;
  /** Ids of workers (not the coordinator) started more than once. */
  restartedWorkers(): string[];
  restart(ids: string[], reason: string): Promise<void>;
  /** Stops every process; `beforeWorkers` runs once restarts are off and the coordinator knows, before any exits. */
  stop(beforeWorkers?: () => Promise<void>): Promise<void>;
}

export function createSupervisor(opts: SupervisorOptions): Supervisor {
  const slots = new Map<string, Slot>();
  for (const def of [opts.coordinator, ...opts.workers])
    slots.set(def.id, { def, attempt: 0, ready: false, restarting: false, cancelled: false });
  const logDir = join(opts.runDir, 'workers');
  let stopping = false;
  const readyWaiters: (() => void)[] = [];
  const emit = (e: NewEngineEvent) => opts.onEvent({ at: systemClock.nowUs(), ...e } as EngineEvent);
  const coordinator = () => slots.get(opts.coordinator.id)!;

  const allReady = () => [...slots.values()].every((s) => s.ready);
  const checkReady = () => {
    if (allReady()) for (const w of readyWaiters.splice(0)) w();
  };

  const launcher = opts.launcher ?? localLauncher;
  const launch = async (slot: Slot) => {
    const { def, attempt } = slot;
    slot.ready = false;
    slot.cancelled = false;
    const handle = await launcher.launch(
      { id: def.id, entry: def.entry, config: opts.configFor(def.id, attempt), attempt },
      { logDir, onMessage: (m) => onMessage(slot, m) },
    );
    slot.handle = handle;
    emit({
      type: attempt === 0 ? 'worker.started' : 'worker.restarted',
      worker: def.id,
      attempt,
      pid: handle.pid,
    });
    void handle.exited.then((how) => {
      if (slot.handle !== handle) return; // an older incarnation
      slot.ready = false;
      if (stopping) return;
      if (slot.cancelled) {
        emit({ type: 'worker.cancelled', worker: def.id, attempt, exit: how });
        return;
      }
      emit({ type: 'worker.failed', worker: def.id, attempt, exit: how });
      if (def.id !== opts.coordinator.id)
        coordinator().handle?.send({ type: 'worker.exited', worker: def.id, attempt, exit: how });
      if (def.id === opts.coordinator.id) void restartSlot(slot, 'coordinator exited', 1000);
      else if (opts.autoRestart)
        void restartSlot(slot, 'supervisor found the worker dead', opts.autoRestart.checkMs);
    });
  };

  const onMessage = (slot: Slot, m: WorkerMessage) => {
    if (m.type === 'ready') {
      slot.ready = true;
      coordinator().handle?.send({ type: 'worker.ready', worker: slot.def.id, attempt: slot.attempt });
      checkReady();
    } else if (m.type === 'event') {
      opts.onEvent(m.event);
    } else if (m.type === 'supervise' && slot.def.id === opts.coordinator.id) {
      if (m.command === 'restart') void api.restart(m.workers, m.reason);
      else {
        for (const id of m.workers) {
          const s = slots.get(id);
          if (!s?.handle?.isAlive()) continue;
          s.cancelled = true;
          s.handle.signal('SIGCONT');
          s.handle.signal('SIGKILL');
        }
      }
    }
  };

  const restartSlot = async (slot: Slot, reason: string, delayMs = 0) => {
    if (slot.restarting || stopping) return;
    slot.restarting = true;
    try {
      if (delayMs > 0) await systemClock.sleep(delayMs);
      if (stopping) return;
      if (slot.handle?.isAlive()) {
        slot.cancelled = true;
        await stopWorker(slot.handle, 2000);
      }
      slot.attempt++;
      emit({ type: 'worker.restarting', worker: slot.def.id, attempt: slot.attempt, reason });
      await launch(slot);
    } finally {
      slot.restarting = false;
    }
  };

  const api: Supervisor = {
    async start() {
      await launch(coordinator());
      await Promise.all(opts.workers.map((def) => launch(slots.get(def.id)!)));
    },
    ready() {
      if (allReady()) return Promise.resolve();
      const timeoutMs = opts.readyTimeoutMs ?? 60_000;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const waiting = [...slots.values()].filter((s) => !s.ready).map((s) => s.def.id);
          reject(
            new HarnessError(`workers not ready after ${timeoutMs} ms: ${waiting.join(', ')}; see ${logDir}`),
          );
        }, timeoutMs);
        readyWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    workers: () =>
      [...slots.values()]
        .filter((s) => s.def.id !== opts.coordinator.id)
        .map((s) => ({
          id: s.def.id,
          operator: s.def.operator,
          instance: s.def.instance,
          pid: s.handle?.pid ?? null,
          attempt: s.attempt,
          alive: s.handle?.isAlive() ?? false,
          starting: s.restarting || ((s.handle?.isAlive() ?? false) && !s.ready),
        })),
    pids: () =>
      Object.fromEntries(
        [...slots.values()].map((s) => [s.def.id, s.handle?.isAlive() ? s.handle.pid : null]),
      ),
    controls: () =>
      Object.fromEntries([...slots.values()].map((s) => [s.def.id, s.handle?.isAlive() ? s.handle : null])),
    restartedWorkers: () =>
      [...slots.values()]
        .filter((s) => s.def.id !== opts.coordinator.id && s.attempt > 0)
        .map((s) => s.def.id),
    async restart(ids, reason) {
      await Promise.all(
        ids
          .map((id) => slots.get(id))
          .filter((s): s is Slot => s !== undefined)
          .map((s) => restartSlot(s, reason)),
      );
    },
    async stop(beforeWorkers) {
      stopping = true;
      // The coordinator must not take the shutdown for a failure.
      coordinator().handle?.send({ type: 'stopping' });
      await beforeWorkers?.().catch(() => {});
      // Workers first (they may flush to the coordinator), then the coordinator.
      await Promise.all(
        opts.workers
          .map((d) => slots.get(d.id)?.handle)
          .filter((h): h is WorkerHandle => h !== undefined)
          .map((h) => stopWorker(h)),
      );
      const c = coordinator().handle;
      if (c) await stopWorker(c);
      await launcher.close();
    },
  };
  return api;
}
