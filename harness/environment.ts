/** environment.json: what a result was measured on, so runs can be compared honestly. */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import type { InfraEndpoints } from '../infra/index.ts';
import type { Environment } from './summary.ts';

export function describeEnvironment(
  infra: InfraEndpoints,
  provider: string,
): Environment & { cpuModel: string; platform: string } {
  return {
    gitSha: gitSha(),
    node: process.version,
    kafka: infra.kafka.version,
    redis: infra.redis.version,
    toxiproxy: infra.toxiproxy.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    platform: `${process.platform}-${process.arch}`,
    provider,
  };
}

/** The checked-out commit (`-dirty` with uncommitted changes to tracked files), or 'unknown' outside a clone. */
export function gitSha(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return 'unknown';
  }
}

/** What is not code: a commit that changes only these runs the same code (docs/, Markdown anywhere). */
const NOT_CODE = [':(top,exclude)docs', ':(top,exclude)*.md'];

/**
 * Whether two commits differ in code (anything but docs/ and Markdown), by this clone's history: false where only
 * docs changed between them (a bench's write-up committed after it ran), null where this clone does not know both
 * (benches from another clone) or there is no clone.
 */
export function codeDiffers(a: string, b: string, cwd = process.cwd()): boolean | null {
  try {
    execFileSync('git', ['diff', '--quiet', a, b, '--', ':/', ...NOT_CODE], { cwd, stdio: 'ignore' });
    return false;
  } catch (err) {
    return (err as { status?: number }).status === 1 ? true : null;
  }
}
