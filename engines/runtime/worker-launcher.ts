/**
 * The parent side of a worker process (one OS process per operator instance: the unit a fault kills or
 * pauses). `spawnWorker` starts a TypeScript entry under tsx with its config in the environment, captures
 * stdout/stderr to `<logDir>/<id>.log`, and relays the worker's messages (ready, engine events) over the IPC
 * channel. The child side is worker-main.ts.
 */

import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkerHandle, WorkerLauncher, WorkerSpec } from '../types.ts';
import { WORKER_CONFIG_ENV, type WorkerMessage } from './control.ts';

/** V8's sampling interval for profiled workers and the harness, µs: its default (1 ms) costs ~4 % of a core per process. */
export const PROFILE_INTERVAL_US = 5000;

/** tsx resolved from faultline's own dependencies: a bare 'tsx' would resolve from the working directory. */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export const localLauncher: WorkerLauncher = localLauncherWith({});

/**
 * Local workers, each under V8's CPU profiler when `cpuProfileDir` is set: `--cpu-prof` writes one profile per
 * thread when the worker exits (a clean stop; a killed one writes none) into `<cpuProfileDir>/<worker>.<attempt>/`
 * under V8's own names. A fixed `--cpu-prof-name` would not do: a worker has two threads (tsx's module loader
 * runs on its own) and the last to exit would overwrite the other's profile.
 */
export function localLauncherWith(opts: { cpuProfileDir?: string }): WorkerLauncher {
  return {
    kind: 'local',
    launch: async (spec, o) =>
      spawnWorker(spec, {
        ...o,
        nodeArgs: opts.cpuProfileDir
          ? [
              '--cpu-prof',
              `--cpu-prof-dir=${join(opts.cpuProfileDir, `${spec.id}.${spec.attempt}`)}`,
              `--cpu-prof-interval=${PROFILE_INTERVAL_US}`,
            ]
          : [],
      }),
    close: async () => {},
  };
}

export function spawnWorker<Config>(
  spec: WorkerSpec<Config>,
  opts: { logDir: string; onMessage: (m: WorkerMessage) => void; nodeArgs?: readonly string[] },
): WorkerHandle {
  mkdirSync(opts.logDir, { recursive: true });
  const fd = openSync(join(opts.logDir, `${spec.id}.log`), 'a');
  let alive = true;
  let child: ReturnType<typeof spawn>;
  try {
    // FAULTLINE_WORKER_NODE_ARGS passes extra node flags to worker processes (node refuses some, e.g.
    // --cpu-prof, in NODE_OPTIONS); `faultline run --cpu-profile` passes its own.
    const extra = [
      ...(opts.nodeArgs ?? []),
      ...(process.env.FAULTLINE_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean),
    ];
    child = spawn(process.execPath, [...extra, '--import', TSX_LOADER, spec.entry, spec.id], {
      env: {
        ...process.env,
        [WORKER_CONFIG_ENV]: JSON.stringify({ id: spec.id, attempt: spec.attempt, config: spec.config }),
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
