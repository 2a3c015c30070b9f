/**
 * The cross-engine contract (ARCHITECTURE.md): every registered engine, at every guarantee it offers, gets the
 * same three checks, so a new engine — including one that wraps a real stream processor — gets them for free:
 *
 * 1. no faults → exact output: nothing lost, duplicated, unexpected or incorrect;
 * 2. a SIGKILL of a worker (features[1], or the only worker) → the guarantee holds, and the kill was real
 *    (a `fault.inject` event, the engine noticed it);
 * 3. teardown leaves nothing behind: no process, proxy, topic, consumer group or Redis key of the run.
 *
 * Runs are short (the engine-specific suites measure more); the leftovers check is also proved to catch an
 * engine that forgets a Redis key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createKafka } from '../clients/kafka.ts';
import type { Guarantee } from '../core/types.ts';
import { engines } from '../engines/index.ts';
import { passthrough } from '../engines/passthrough/index.ts';
import type { Engine } from '../engines/types.ts';
import { runScenario } from '../harness/runner.ts';
import type { InfraEndpoints } from '../infra/local/index.ts';
import { runEvents, testScenario } from './helpers.ts';

const infra = inject('infra');
const out = mkdtempSync(join(tmpdir(), 'faultline-contract-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Scaled-down timeouts so each run stays short; the engines' own defaults are the real systems'. */
const SCALED: Record<string, Record<string, unknown>> = {
  'ack-tree': { messageTimeoutS: 2, commitIntervalMs: 1000, supervisorCheckMs: 1000 },
  'barrier-snapshot': { checkpointIntervalMs: 500, heartbeatTimeoutS: 5 },
  'operator-checkpoint': { windowMs: 250, checkpointWindowCount: 4, heartbeatTimeoutS: 5 },
  // The real Storm: a tuple that takes longer than the message timeout is replayed (a duplicate with no fault),
  // and the JVM's first seconds (JIT, the producer's first metadata fetch) reach 2 s on a busy 2-core machine.
  storm: { messageTimeoutS: 5, commitIntervalMs: 1000, supervisorCheckMs: 1000, retryMaxDelayMs: 1000 },
  flink: { checkpointIntervalMs: 500, heartbeatTimeoutS: 5 },
  'kafka-streams': { commitIntervalMs: 500, sessionTimeoutMs: 5000, heartbeatIntervalMs: 1000 },
};

/**
 * The guarantees checked here when not all of an engine's: each case of a real system starts its JVMs (about
 * 30-40 s a case) and CI's budget is 30 minutes. storm: at-least-once (at-most-once differs only in the spout's
 * commit mode and no ackers; its kill-worker run is measured in the issue notes). flink: exactly-once (its
 * at-least-once is the same cluster and job with untransacted writes; test/flink.test.ts kills a worker there).
 * kafka-streams: exactly-once (at-least-once is the same app with processing.guarantee at_least_once); its two
 * JVMs run in ~3 s; measured at load average ~8: no faults 29 s, kill 31 s (the drain's quiet period and the
 * instances' clean close are most of it).
 */
const CONTRACT_GUARANTEES: Partial<Record<string, readonly Guarantee[]>> = {
  storm: ['at-least-once'],
  flink: ['exactly-once'],
  'kafka-streams': ['exactly-once'],
};

const cases = Object.values(engines).flatMap((engine) =>
  (CONTRACT_GUARANTEES[engine!.name] ?? engine!.guarantees).map((guarantee) => ({
    engine: engine!,
    guarantee,
    name: `${engine!.name} · ${guarantee}`,
  })),
);

/** What a run left behind on the shared services and the machine: empty when teardown was complete. */
async function leftovers(services: InfraEndpoints, runId: string, pids: number[]): Promise<string[]> {
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
    // The harness's topics (fl.<run>.*) and an engine's own (a Kafka Streams application's changelog,
    // fl-<run>-kstreams-state-changelog).
    for (const t of await admin.listTopics())
      if (t.startsWith(`fl.${runId}.`) || t.startsWith(`fl-${runId}-`)) found.push(`topic ${t}`);
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
const pidsOf = (dir: string) =>
  runEvents(dir)
    .filter(
      (e) => (e.type === 'worker.started' || e.type === 'worker.restarted') && typeof e.pid === 'number',
    )
    .map((e) => e.pid as number);

async function contractRun(engine: Engine, guarantee: Guarantee, faults: string, label: string) {
  const result = await runScenario({
    engine,
    guarantee,
    scenario: testScenario(`contract-${label}`, faults, { duration: 5, warmup: 2 }),
    engineOptions: SCALED[engine.name] ?? {},
    outDir: out,
    infra,
  });
  // A process that was told to stop may take a moment to be reaped.
  await new Promise((r) => setTimeout(r, 500));
  return { ...result, leftovers: await leftovers(infra, result.summary.runId, pidsOf(result.dir)) };
}

describe.each(cases)('engine contract: $name', ({ engine, guarantee }) => {
  it('no faults: exact output, and teardown leaves nothing behind', async () => {
    const { summary, leftovers } = await contractRun(engine, guarantee, '', 'steady');
    expect(summary.counts).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 });
    expect(summary.counts.produced).toBe(summary.counts.unique);
    expect(summary.counts.produced).toBeGreaterThan(0);
    expect(summary.verdict.guaranteeHeld).toBe(true);
    expect(leftovers).toEqual([]);
  });

  it.skipIf(engine.name === 'passthrough')(
    'a worker kill: the fault happened, the engine reacted, the guarantee holds, nothing left behind',
    async () => {
      const kill = '\n  - { kind: kill, target: "features[1]", at: 2s }';
      const { summary, dir, leftovers } = await contractRun(engine, guarantee, kill, 'kill');
      expect(summary.faults.map((f) => `${f.kind} ${f.target}`)).toEqual(['kill features[1]']);
      expect(runEvents(dir).some((e) => e.type === 'fault.inject')).toBe(true);
      expect(summary.blastRadius.workersRestarted).toBeGreaterThan(0);
      expect(summary.errors ?? []).toEqual([]);
      expect(summary.verdict.guaranteeHeld).toBe(true);
      expect(leftovers).toEqual([]);
    },
  );
});

describe('the contract catches a leaky engine', () => {
  it('an engine that forgets a Redis key after its teardown fails the leftovers check', async () => {
    const leaky: Engine = {
      ...passthrough,
      async deploy(plan) {
        const deployment = await passthrough.deploy(plan);
        const stop = async () => {
          await deployment.stop();
          // Written after the runner swept the run's keys: what a worker that outlived its stop would do.
          setTimeout(() => {
            const redis = new Redis({ host: infra.redis.host, port: infra.redis.port });
            void redis.set(`fl:${plan.runId}:forgotten`, '1').finally(() => redis.disconnect());
          }, 200);
        };
        return { ...deployment, stop, [Symbol.asyncDispose]: stop };
      },
    };
    const { leftovers } = await contractRun(leaky, 'none', '', 'leaky');
    expect(leftovers).toEqual([expect.stringMatching(/^redis key fl:.*:forgotten$/)]);
  });
});
