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
