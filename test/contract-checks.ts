/**
 * The cross-engine contract's checks (ARCHITECTURE.md), shared by test/contract.test.ts and the engine suites
 * whose runs already cover a case: a run that an engine suite makes anyway (its no-fault run, its kill of a
 * worker at some guarantee) gets the contract's checks there instead of a second run in contract.test.ts.
 * contract.test.ts lists those cases (CHECKED_IN_ENGINE_SUITES) and checks that each listed file makes the call.
 *
 * Every call names its case (`'ack-tree · at-least-once'`), and the check fails when the run is not that case:
 * the list in contract.test.ts and the calls cannot drift apart silently.
 */
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { createKafka } from '../clients/kafka.ts';
import type { RunResult } from '../harness/runner.ts';
import type { InfraEndpoints } from '../infra/local/index.ts';
import { runEvents } from './helpers.ts';

/** A contract case's name: engine · guarantee. */
export const caseName = (engine: string, guarantee: string) => `${engine} · ${guarantee}`;

/** What a run left behind on the shared services and the machine: empty when teardown was complete. */
export async function leftovers(services: InfraEndpoints, runId: string, pids: number[]): Promise<string[]> {
  const found: string[] = [];
  for (const pid of pids) {
    try {
      process.kill(pid, 0);
      found.push(`process ${pid} still alive`);
    } catch {}
  }
  const proxies = (await (await fetch(`${services.toxiproxy.api}/proxies`)).json()) as Record<
    string,
    unknown
  >;
  for (const name of Object.keys(proxies)) if (name.startsWith(`${runId}~`)) found.push(`proxy ${name}`);
  const admin = createKafka(services.kafka.bootstrap, `contract-${runId}`).admin();
  await admin.connect();
  try {
    for (const t of await admin.listTopics()) if (t.startsWith(`fl.${runId}.`)) found.push(`topic ${t}`);
    for (const g of (await admin.listGroups()).groups)
      if (g.groupId.startsWith(`fl-${runId}-`)) found.push(`consumer group ${g.groupId}`);
  } finally {
    await admin.disconnect();
  }
  const redis = new Redis({ host: services.redis.host, port: services.redis.port });
  try {
    const keys = await redis.keys(`*${runId}*`);
    for (const k of keys) found.push(`redis key ${k}`);
  } finally {
    redis.disconnect();
  }
  return found;
}

/** Every pid the run's processes ever had (first starts and restarts). */
function pidsOf(dir: string): number[] {
  return runEvents(dir)
    .filter(
      (e) => (e.type === 'worker.started' || e.type === 'worker.restarted') && typeof e.pid === 'number',
    )
    .map((e) => e.pid as number);
}

/** What the run left behind, once its processes had a moment to be reaped. */
export async function leftoversOf(services: InfraEndpoints, run: RunResult): Promise<string[]> {
  await new Promise((r) => setTimeout(r, 500));
  return leftovers(services, run.summary.runId, pidsOf(run.dir));
}

/** The checks every contract case shares, around the case's own: it is the named case, held, left nothing. */
async function expectCase(
  name: string,
  run: RunResult,
  services: InfraEndpoints,
  own: (summary: RunResult['summary']) => void,
): Promise<void> {
  const { summary } = run;
  expect(caseName(summary.engine, summary.guarantee), 'the contract case this run was made for').toBe(name);
  own(summary);
  expect(summary.verdict.guaranteeHeld).toBe(true);
  expect(await leftoversOf(services, run)).toEqual([]);
}

/** Check 1 and 3: no faults → exact output; teardown leaves nothing behind. */
export function expectSteadyContract(name: string, run: RunResult, services: InfraEndpoints): Promise<void> {
  return expectCase(name, run, services, (summary) => {
    expect(summary.faults).toEqual([]);
    expect(summary.counts).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 });
    expect(summary.counts.produced).toBe(summary.counts.unique);
    expect(summary.counts.produced).toBeGreaterThan(0);
  });
}

/** Check 2 and 3: a SIGKILL of one worker happened, the engine reacted, the guarantee holds; nothing left behind. */
export function expectKillContract(name: string, run: RunResult, services: InfraEndpoints): Promise<void> {
  return expectCase(name, run, services, (summary) => {
    // Why no kill happened, if none did: the run's errors and notes (a skipped fault), the worker exits before it.
    const why = JSON.stringify({
      errors: summary.errors,
      notes: summary.verdict.notes,
      exits: runEvents(run.dir).filter((e) => e.type === 'worker.failed'),
    });
    expect(
      summary.faults.map((f) => f.kind),
      why,
    ).toEqual(['kill']);
    expect(runEvents(run.dir).some((e) => e.type === 'fault.inject')).toBe(true);
    expect(summary.blastRadius.workersRestarted).toBeGreaterThan(0);
    expect(summary.errors ?? []).toEqual([]);
  });
}
