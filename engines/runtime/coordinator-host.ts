/**
 * The coordinator-side half of the runtime: the process in the Nimbus / job manager / STRAM role. It holds a
 * mesh endpoint that every worker heartbeats to, hears from its supervisor when a worker process exits or
 * becomes ready, and asks the supervisor to restart or kill workers. Engines add their protocol on top.
 */
import { systemClock } from '../../core/clock.ts';
import type { WorkerContext } from '../types.ts';
import type { WorkerBoot } from './boot.ts';
import { FrameKind } from './frames.ts';
import type { Mesh } from './mesh.ts';
import { type Topology, topologyFor } from './topology.ts';
import { type ControlMessage, meshOf } from './worker-host.ts';

export interface CoordinatorHandlers {
  onControl?(from: string, msg: ControlMessage): Promise<void> | void;
  /** A worker's heartbeat, with whatever the worker put in it (WorkerHostOptions.heartbeatPayload). */
  onHeartbeat?(from: string, msg: ControlMessage): void;
  /** The supervisor saw the process exit (a lost worker, noticed at once). */
  onWorkerExited?(worker: string, attempt: number): void;
  onWorkerReady?(worker: string, attempt: number): void;
  /** A worker's link to the coordinator went down (lost connection). */
  onWorkerDisconnected?(worker: string): void;
}

export interface CoordinatorHost<Options> {
  boot: WorkerBoot<Options>;
  ctx: WorkerContext<WorkerBoot<Options>>;
  mesh: Mesh;
  topology: Topology;
  workers: string[];
  sendControl(worker: string, msg: ControlMessage, timeoutMs?: number): Promise<boolean>;
  /** µs since the epoch of the worker's last heartbeat (or of its ready, before the first); 0 before either. */
  lastHeartbeatUs(worker: string): number;
  /**
   * Calls `onTimeout` once per silence for every worker whose heartbeat is older than `timeoutMs`. A worker is
   * watched from its first ready or heartbeat on (as Apex's STRAM counts from registration): one still booting
   * (containers of a deployment are created one after another) is the supervisor's to wait for, not a failure.
   */
  /**
   * Calls `onTimeout` once per silence longer than `timeoutMs`. A worker whose process exited is being
   * relaunched by its supervisor: until it heartbeats again it has `launchTimeoutMs` from the exit instead
   * (Storm's nimbus.task.launch.secs), so a relaunch that is merely slow to start is not reassigned again.
   * Silences are checked every `checkEveryMs` (default: a quarter of the timeout, at most 1 s, at least 100 ms:
   * a master's monitoring loop, as Storm's nimbus and Apex's STRAM run one); a system that times each heartbeat
   * out on its own timer (Flink) asks for a short period.
   */
  watchHeartbeats(
    timeoutMs: number,
    onTimeout: (worker: string, silentMs: number) => void,
    opts?: { launchTimeoutMs?: number; checkEveryMs?: number },
  ): void;
  restart(workers: string[], reason: string): void;
  kill(workers: string[], reason: string): void;
  close(): Promise<void>;
}

export async function startCoordinatorHost<Options>(
  ctx: WorkerContext<WorkerBoot<Options>>,
  handlers: CoordinatorHandlers,
): Promise<CoordinatorHost<Options>> {
  const boot = ctx.config;
  const topology = topologyFor(boot.topology, boot.parallelism);
  const workers = boot.hosting?.processes ?? topology.instances.map((i) => i.id);
  const lastBeat = new Map<string, number>();
  /** Workers whose process exited, with when: relaunching until their next heartbeat. */
  const launching = new Map<string, number>();
  // A restarted coordinator finds the workers running: silence counts from its own start.
  if (ctx.attempt > 0) for (const w of workers) lastBeat.set(w, systemClock.nowUs());
  const timers: NodeJS.Timeout[] = [];

  const mesh = meshOf(ctx, {
    onMessage: async (from, kind, body) => {
      if (kind !== FrameKind.CONTROL) return;
      const msg = body as ControlMessage;
      if (msg.type === 'heartbeat') {
        lastBeat.set(from, systemClock.nowUs());
        launching.delete(from);
        handlers.onHeartbeat?.(from, msg);
      } else await handlers.onControl?.(from, msg);
    },
    onPeerDown: (peer) => {
      if (!stopping) handlers.onWorkerDisconnected?.(peer);
    },
  });
  await mesh.listen();

  let stopping = false;
  ctx.onParentMessage((m) => {
    const msg = m as { type: string; worker: string; attempt: number };
    if (msg.type === 'stopping') stopping = true;
    else if (stopping) return;
    else if (msg.type === 'worker.exited') {
      launching.set(msg.worker, systemClock.nowUs());
      handlers.onWorkerExited?.(msg.worker, msg.attempt);
    } else if (msg.type === 'worker.ready') {
      lastBeat.set(msg.worker, systemClock.nowUs());
      launching.delete(msg.worker);
      handlers.onWorkerReady?.(msg.worker, msg.attempt);
    }
  });

  return {
    boot,
    ctx,
    mesh,
    topology,
    workers,
    sendControl: (worker, msg, timeoutMs) => mesh.send(worker, FrameKind.CONTROL, msg, { timeoutMs }),
    lastHeartbeatUs: (w) => lastBeat.get(w) ?? 0,
    watchHeartbeats(timeoutMs, onTimeout, opts = {}) {
      const reported = new Set<string>();
      timers.push(
        setInterval(
          () => {
            // Shutting down: the links (and so the heartbeats) go first, which is no failure.
            if (stopping) return;
            const now = systemClock.nowUs();
            for (const w of workers) {
              const exitedAt = launching.get(w);
              const last = exitedAt ?? lastBeat.get(w);
              if (last === undefined) continue;
              const silentMs = (now - last) / 1000;
              const limit = exitedAt !== undefined ? (opts.launchTimeoutMs ?? timeoutMs) : timeoutMs;
              if (silentMs > limit && !reported.has(w)) {
                reported.add(w);
                onTimeout(w, silentMs);
              } else if (silentMs <= limit) reported.delete(w);
            }
          },
          opts.checkEveryMs ?? Math.max(100, Math.min(1000, timeoutMs / 4)),
        ),
      );
    },
    restart: (ws, reason) => ctx.toParent({ type: 'supervise', command: 'restart', workers: ws, reason }),
    kill: (ws, reason) => ctx.toParent({ type: 'supervise', command: 'kill', workers: ws, reason }),
    async close() {
      for (const t of timers) clearInterval(t);
      await mesh.close();
    },
  };
}
