/**
 * One OS process per operator instance: the unit a fault kills or pauses.
 *
 * The parent side (`spawnWorker`) starts a TypeScript entry under tsx with its config in the environment,
 * captures stdout/stderr to `<logDir>/<id>.log`, and relays the worker's messages (ready, engine events) over
 * the IPC channel. The worker side (`runWorker`) reads the config, offers `emit`/`ready`, and turns SIGTERM
 * into a clean shutdown.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../core/clock.ts';
import type { EngineEvent } from '../../core/types.ts';
import type { ProcessControl } from '../types.ts';
import { CONTROL_ENV, type ControlAddress, connectControl } from './control.ts';

const CONFIG_ENV = 'FAULTLINE_WORKER_CONFIG';

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'event'; event: EngineEvent }
  /** From a coordinator to the supervisor that started it: restart or kill workers. */
  | { type: 'supervise'; command: 'restart' | 'kill'; workers: string[]; reason: string };

export interface WorkerSpec<Config> {
  /** e.g. `features[1]`; also the log file name. */
  id: string;
  /** Absolute path of the worker's TypeScript entry. */
  entry: string;
  config: Config;
  attempt: number;
}

export interface WorkerHandle extends ProcessControl {
  id: string;
  pid: number;
  attempt: number;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  exited: Promise<number | NodeJS.Signals>;
  isAlive(): boolean;
  signal(sig: NodeJS.Signals): void;
  send(message: unknown): void;
}

/**
 * Starts worker processes: as local OS processes (`localLauncher`) or as containers (infra/docker). The
 * supervisor and the engines see only handles.
 */
export interface WorkerLauncher {
  /** `local` or `docker`: recorded in the environment and in events. */
  kind: string;
  launch<Config>(
    spec: WorkerSpec<Config>,
    opts: { logDir: string; onMessage: (m: WorkerMessage) => void },
  ): Promise<WorkerHandle>;
  /** Frees what the launcher holds for the deployment (a control server, exited containers). */
  close(): Promise<void>;
}

export const localLauncher: WorkerLauncher = {
  kind: 'local',
  launch: async (spec, opts) => spawnWorker(spec, opts),
  close: async () => {},
};

export function spawnWorker<Config>(
  spec: WorkerSpec<Config>,
  opts: { logDir: string; onMessage: (m: WorkerMessage) => void },
): WorkerHandle {
  mkdirSync(opts.logDir, { recursive: true });
  const fd = openSync(join(opts.logDir, `${spec.id}.log`), 'a');
  let alive = true;
  let child: ReturnType<typeof spawn>;
  try {
    // FAULTLINE_WORKER_NODE_ARGS passes extra flags to worker processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"
    // to profile a hot path (node refuses --cpu-prof in NODE_OPTIONS).
    const extra = (process.env.FAULTLINE_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    child = spawn(process.execPath, [...extra, '--import', 'tsx', spec.entry, spec.id], {
      env: {
        ...process.env,
        [CONFIG_ENV]: JSON.stringify({ id: spec.id, attempt: spec.attempt, config: spec.config }),
      },
      stdio: ['ignore', fd, fd, 'ipc'],
      // Its own process group, so a terminal's Ctrl-C reaches the runner, which then stops workers in order.
      detached: true,
    });
  } finally {
    closeSync(fd);
  }
  child.on('message', (m) => opts.onMessage(m as WorkerMessage));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.on('exit', (code, sig) => {
      alive = false;
      resolve(sig ?? code ?? -1);
    });
  });
  if (child.pid === undefined) throw new Error(`could not start worker ${spec.id}`);
  const signal = (sig: NodeJS.Signals) => {
    try {
      child.kill(sig);
    } catch {
      // already gone
    }
  };
  return {
    id: spec.id,
    pid: child.pid,
    attempt: spec.attempt,
    exited,
    isAlive: () => alive,
    signal,
    kill: async () => signal('SIGKILL'),
    pause: async () => signal('SIGSTOP'),
    resume: async () => signal('SIGCONT'),
    send: (message) => {
      if (alive && child.connected) child.send(message as object);
    },
  };
}

/** Stops a worker: SIGCONT (a paused one cannot exit), SIGTERM, then SIGKILL after `graceMs`. */
export async function stopWorker(w: WorkerHandle, graceMs = 5000): Promise<void> {
  if (!w.isAlive()) return;
  w.signal('SIGCONT');
  w.signal('SIGTERM');
  const timer = setTimeout(() => w.signal('SIGKILL'), graceMs);
  await w.exited;
  clearTimeout(timer);
}

export interface WorkerContext<Config> {
  id: string;
  attempt: number;
  config: Config;
  /** Sends an engine event to the parent (timestamped here if `at` is missing). */
  emit(event: Omit<EngineEvent, 'at'> & { at?: number }): void;
  /** Tells the parent this worker is serving. */
  ready(): void;
  /** Raw message to the parent (a coordinator asks its supervisor to restart workers this way). */
  toParent(message: WorkerMessage): void;
  /** Messages from the parent (the supervisor tells a coordinator about worker exits this way). */
  onParentMessage(handler: (message: unknown) => void): void;
  /** Aborted on SIGTERM/SIGINT: the worker should finish and return. */
  signal: AbortSignal;
}

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
  const raw = process.env[CONFIG_ENV];
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
    console.error(`${CONFIG_ENV} is not set: workers are started by an engine, not by hand`);
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
