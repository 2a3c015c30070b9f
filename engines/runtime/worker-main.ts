/**
 * The child side of a worker process: `runWorker` reads the config its launcher gave it (IPC environment for a
 * local process, the control channel for a container), offers `emit`/`ready`, and turns SIGTERM into a clean
 * shutdown. The parent side is worker-launcher.ts (local) or infra/docker/workers.ts (containers).
 */
import { systemClock } from '../../core/clock.ts';
import type { EngineEvent } from '../../core/types.ts';
import type { WorkerContext } from '../types.ts';
import {
  CONTROL_ENV,
  type ControlAddress,
  connectControl,
  WORKER_CONFIG_ENV,
  type WorkerMessage,
} from './control.ts';

/** Worker-side entry: runs `body` with the config from the parent; exits 0 when it returns, 1 when it throws. */
export async function runWorker<Config>(body: (ctx: WorkerContext<Config>) => Promise<void>): Promise<void> {
  const channel = await parentChannel<Config>();
  const { id, attempt, config } = channel;
  const abort = new AbortController();
  const stop = () => abort.abort(new Error('stopping'));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  channel.onDisconnect(stop); // the parent died: do not linger as an orphan
  const send = channel.send;
  const ctx: WorkerContext<Config> = {
    id,
    attempt,
    config,
    emit: (e) =>
      send({
        type: 'event',
        event: { at: systemClock.nowUs(), ...e, worker: e.worker ?? id, attempt } as EngineEvent,
      }),
    ready: () => send({ type: 'ready' }),
    toParent: send,
    onParentMessage: channel.onMessage,
    signal: abort.signal,
  };
  try {
    await body(ctx);
    process.exit(0);
  } catch (e) {
    console.error(`[${id}] failed:`, e);
    process.exit(1);
  }
}

interface ParentChannel<Config> {
  id: string;
  attempt: number;
  config: Config;
  send(m: WorkerMessage): void;
  onMessage(handler: (m: unknown) => void): void;
  onDisconnect(handler: () => void): void;
}

/** The way to the supervisor: IPC for a local child process, the control channel for a container. */
async function parentChannel<Config>(): Promise<ParentChannel<Config>> {
  const raw = process.env[WORKER_CONFIG_ENV];
  if (raw) {
    const { id, attempt, config } = JSON.parse(raw) as { id: string; attempt: number; config: Config };
    return {
      id,
      attempt,
      config,
      send: (m) => {
        if (process.connected) process.send?.(m);
      },
      onMessage: (h) => process.on('message', h),
      onDisconnect: (h) => process.on('disconnect', h),
    };
  }
  const control = process.env[CONTROL_ENV];
  if (!control) {
    console.error(`${WORKER_CONFIG_ENV} is not set: workers are started by an engine, not by hand`);
    process.exit(2);
  }
  const address = JSON.parse(control) as ControlAddress & { id: string; attempt: number };
  const channel = await connectControl(address, address.id, address.attempt);
  return {
    id: address.id,
    attempt: address.attempt,
    config: channel.config as Config,
    send: channel.send,
    onMessage: channel.onMessage,
    onDisconnect: channel.onClose,
  };
}
