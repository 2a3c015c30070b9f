/**
 * What the host offers every layer that builds or provisions something: faultline's cache folder, tools on
 * PATH, and running a command to completion with its output's tail in the error. infra/ provisions services
 * with them; an engine that builds its own program (engines/storm's topology jar) uses the same.
 * FAULTLINE_CACHE_DIR overrides the cache root.
 */
import { spawn, spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ServiceFailedError } from '../core/errors.ts';

export function cacheDir(): string {
  if (process.env.FAULTLINE_CACHE_DIR) return process.env.FAULTLINE_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'faultline');
}

/** Is an executable on PATH? Returns its path or undefined. */
export function which(command: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const out = r.stdout.trim();
  return r.status === 0 && out ? out : undefined;
}

/** Runs a command to completion; rejects with the last lines of its output when it exits non-zero. */
export function run(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else {
        const tail = output.trim().split('\n').slice(-15).join('\n');
        reject(
          new ServiceFailedError(command, `\`${command} ${args.join(' ')}\` exited with ${code}\n${tail}`),
        );
      }
    });
  });
}
