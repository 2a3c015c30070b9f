/** Helpers for integration tests against the real services (kafkajs style: random names, wait-for). */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

/** A short scenario for engine tests: rate 400, 3 s warm-up (unless told), faults as YAML list items (or none). */
export function testScenario(
  name: string,
  faults: string,
  {
    duration = 16,
    drain = 30,
    seed = 7,
    warmup = 3,
  }: { duration?: number; drain?: number; seed?: number; warmup?: number } = {},
): Scenario {
  return parseScenario(
    `name: ${name}\nrate: 400\nduration: ${duration}s\nwarmup: ${warmup}s\ndrain: ${drain}s\nseed: ${seed}\nfaults:${faults || ' []'}\n`,
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
