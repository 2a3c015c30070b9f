/**
 * An engine's own processes (JVMs) as local OS processes: what the real engines' adapters did with `spawn`
 * before placements could put them elsewhere. stdin stays open as a pipe: each JVM's orphan guard (flink's
 * Launcher, Storm's Daemon, the Streams app) halts it when the pipe closes, i.e. when this runner died. Each is
 * its own process group, so a terminal's Ctrl-C reaches the runner, which stops them in order.
 */
import { spawn } from 'node:child_process';
import type { ProcessControl, ProcessHandle, ProcessLauncher, ProcessSpec } from '../types.ts';

/** Runs a command to its end; resolves with its exit code (-1: could not start) and its output. */
export function runCommand(
  command: string[],
  opts: { cwd?: string } = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (d: Buffer) => {
      output += d.toString();
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (e) => resolve({ code: -1, output: `${output}${e.message}` }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

export function startLocalProcess(spec: ProcessSpec): ProcessHandle {
  const [program, ...args] = spec.command;
  const proc = spawn(program!, args, {
    cwd: spec.cwd,
    env: spec.env ? { ...process.env, ...spec.env } : process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  if (proc.pid === undefined) throw new Error(`could not start ${spec.id} (${program})`);
  const pid = proc.pid;
  let alive = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => {
      alive = false;
      resolve({ code, signal });
    }),
  );
  const signal = (sig: NodeJS.Signals) => {
    if (!alive) return;
    try {
      process.kill(pid, sig);
    } catch {
      // gone already
    }
  };
  return {
    pid,
    stdout: proc.stdout,
    stderr: proc.stderr,
    exited,
    signal,
    kill: async () => signal('SIGKILL'),
    pause: async () => signal('SIGSTOP'),
    resume: async () => signal('SIGCONT'),
    exec: (command) => runCommand(command),
  };
}

export const localProcesses: ProcessLauncher = {
  kind: 'local',
  start: async (spec) => startLocalProcess(spec),
};

/**
 * A fault target's control that acts on whichever process `current` names at the fault's time (a subtask or
 * task may have moved since the targets were read); disconnect only where the placement can cut one off.
 */
export function currentProcessControl(
  current: () => ProcessHandle | undefined,
  canDisconnect: boolean,
): ProcessControl {
  return {
    kill: async () => current()?.kill(),
    pause: async () => current()?.pause(),
    resume: async () => current()?.resume(),
    ...(canDisconnect
      ? { disconnect: async () => (await current()?.disconnect?.()) ?? (async () => {}) }
      : {}),
  };
}
