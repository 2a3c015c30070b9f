/** Helpers for integration tests against the real services (kafkajs style: random names, wait-for). */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineEvent } from '../core/types.ts';
import { parseScenario, type Scenario } from '../scenarios/schema.ts';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export function randomName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `faultline` binary in a child process. */
export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${repoRoot}bin/faultline.js`, ...args], {
      cwd: repoRoot,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/**
 * ack-tree's timeouts scaled down about 10 × from Storm's defaults so that a test run stays short: message timeout
 * `messageTimeoutS` (Storm: 30 s), offset commits every 1 s (the KafkaSpout: 30 s), the supervisor's check every
 * 1 s (3 s), and the retry back-off's cap 1 s (KafkaSpoutRetryExponentialBackoff maxDelay: 10 s). The cap sets the
 * drain's quiet period with the timeout (2 T + cap + check: 17 s with 10 s, 8 s with 1 s), not when retries
 * happen here (2 ms · 2^(n−1) reaches 1 s only at the tenth retry).
 */
export function scaledAckTree(messageTimeoutS = 3): Record<string, number> {
  return {
    messageTimeoutS,
    commitIntervalMs: 1000,
    supervisorCheckMs: 1000,
    heartbeatTimeoutS: 30,
    retryMaxDelayMs: 1000,
  };
}

/** A short scenario for engine tests: rate 400/s, 3 s warm-up (unless told), faults as YAML list items (or none). */
export function testScenario(
  name: string,
  faults: string,
  {
    duration = 16,
    drain = 30,
    seed = 7,
    warmup = 3,
    rate = 400,
  }: { duration?: number; drain?: number; seed?: number; warmup?: number; rate?: number } = {},
): Scenario {
  return parseScenario(
    `name: ${name}\nrate: ${rate}\nduration: ${duration}s\nwarmup: ${warmup}s\ndrain: ${drain}s\nseed: ${seed}\nfaults:${faults || ' []'}\n`,
    `${name}.yaml`,
  );
}

/** The engine events of a run directory, in order. */
export function runEvents(dir: string): EngineEvent[] {
  return readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EngineEvent);
}

/**
 * What a failed loss or duplicate assertion needs to be diagnosed after its run directory is gone: the verdict's
 * notes (the output audit says whether the ids are in the topic), errors, per-branch counts, the first lost and
 * duplicated ids, the drain, and the engine's timeline without its routine offset commits. Pass it as the message
 * of `expect(x, message)`.
 */
export function runEvidence(dir: string): string {
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as {
    counts: unknown;
    branches?: unknown;
    drain: unknown;
    errors?: unknown;
    verdict: { notes: string[] };
  };
  const samples = JSON.parse(readFileSync(join(dir, 'samples.json'), 'utf8')) as {
    lost?: number[];
    duplicated?: number[];
  };
  const all = runEvents(dir);
  const timeline = all.filter((e) => e.type !== 'offsets.committed').map((e) => JSON.stringify(e));
  // The last commit per worker and partition: where each source's committed offset stopped.
  const lastCommits = new Map<string, string>();
  for (const e of all)
    if (e.type === 'offsets.committed') lastCommits.set(`${e.worker}/${e.partition}`, JSON.stringify(e));
  // What the workers wrote (engines log only what is worth reading: errors, and how a replay went).
  const workersDir = join(dir, 'workers');
  const logs = existsSync(workersDir)
    ? readdirSync(workersDir)
        .filter((f) => f.endsWith('.log'))
        .flatMap((f) => {
          const lines = readFileSync(join(workersDir, f), 'utf8').trim().split('\n').filter(Boolean);
          return lines.length === 0
            ? []
            : [`--- ${f} (${lines.length} lines, last 40):`, ...lines.slice(-40)];
        })
    : [];
  return [
    `run ${dir}`,
    `counts ${JSON.stringify(summary.counts)}`,
    `branches ${JSON.stringify(summary.branches ?? null)}`,
    `notes ${JSON.stringify(summary.verdict.notes)}`,
    `errors ${JSON.stringify(summary.errors ?? [])}`,
    `drain ${JSON.stringify(summary.drain)}`,
    `first lost ids ${JSON.stringify(samples.lost?.slice(0, 40) ?? [])}`,
    `first duplicated ids ${JSON.stringify(samples.duplicated?.slice(0, 20) ?? [])}`,
    `engine events (${timeline.length}, at most 80 shown):`,
    ...timeline.slice(0, 80),
    `last commits: ${[...lastCommits.values()].join('\n') || 'none'}`,
    ...logs,
  ].join('\n');
}
