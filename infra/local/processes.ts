/**
 * Small process utilities for services started as detached children: spawn with the log captured to a file,
 * liveness checks that guard against reused pids, and stop with SIGTERM then SIGKILL after a grace period.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';

export interface SpawnedService {
  pid: number;
  /** A string the process's command line must contain for a pid to still be ours. */
  marker: string;
  logFile: string;
}

export function spawnDetached(
  command: string,
  args: string[],
  opts: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv; marker: string },
): SpawnedService {
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
    child.unref();
    return { pid: child.pid, marker: opts.marker, logFile: opts.logFile };
  } finally {
    closeSync(fd);
  }
}

/** True when `pid` runs and its command line contains `marker` (so a recycled pid is not mistaken for ours). */
export function isOurProcess(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return cmdline.includes(marker);
  } catch {
    return false;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie answers signal 0; it is not running.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

/**
 * Running processes (not this one) whose command line contains `text`, e.g. a path inside an instance's folder:
 * how services are found that no state file records (a broker a racing restart started, one whose instance
 * folder is gone). Each with its command line, to name it.
 */
export function processesMentioning(text: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(text) && isAlive(pid)) found.push({ pid, cmdline });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL. Resolves when the process is gone. */
export async function stopProcess(
  pid: number,
  marker: string,
  graceMs: number,
): Promise<'absent' | 'terminated' | 'killed'> {
  if (!isOurProcess(pid, marker)) return 'absent';
  signal(pid, 'SIGCONT'); // a paused service cannot handle SIGTERM
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'terminated';
    await new Promise((r) => setTimeout(r, 100));
  }
  signal(pid, 'SIGKILL');
  while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  return 'killed';
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** The last `lines` lines of a log file, for error messages about a crashed or half-started service. */
export async function tailFile(path: string, lines = 20, maxBytes = 64 * 1024): Promise<string> {
  if (!existsSync(path)) return '(no log file)';
  const size = statSync(path).size;
  const fh = await open(path, 'r');
  try {
    const len = Math.min(size, maxBytes);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    const text = buf.toString('utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n') || '(empty log)';
  } finally {
    await fh.close();
  }
}

export { which } from '../../clients/host-tools.ts';
