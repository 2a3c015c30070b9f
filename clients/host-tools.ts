/**
 * What the host offers every layer that builds or provisions something: faultline's cache folder, tools on
 * PATH, and running a command to completion with its output's tail in the error. infra/ provisions services
 * with them; an engine that builds its own program (engines/storm's topology jar) uses the same.
 * FAULTLINE_CACHE_DIR overrides the cache root.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { MissingToolError, ServiceFailedError } from '../core/errors.ts';

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

/** The JVM, or a MissingToolError that says how to install a JDK. */
export function requireJava(): string {
  const java = which('java');
  if (!java)
    throw new MissingToolError(
      'java (JDK 17+)',
      'install a JDK: sudo apt-get install -y openjdk-17-jdk-headless',
    );
  return java;
}

/** Maven, or a MissingToolError that says how to install it. */
export function requireMaven(): string {
  const mvn = which('mvn');
  if (!mvn) throw new MissingToolError('mvn (Maven)', 'install Maven: sudo apt-get install -y maven');
  return mvn;
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

/**
 * A short hash of a source folder's files (their paths relative to it and their bytes, in a stable order;
 * `target/` skipped): the cache key of a module built from it, so an edited source rebuilds. `include` picks the
 * files that make the build; `salt` names the recipe, so a changed recipe rebuilds too.
 */
export function sourceTreeHash(root: string, include: (name: string) => boolean, salt = ''): string {
  const h = createHash('sha256');
  if (salt) h.update(salt).update('\0');
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'target') visit(path);
      } else if (include(entry.name)) h.update(relative(root, path)).update('\0').update(readFileSync(path));
    }
  };
  visit(root);
  return h.digest('hex').slice(0, 12);
}
