/**
 * The real Flink engine (issue 21). First, its Java side against the TypeScript reference: the job's feature
 * and scoring code (TransactionFeatures, TitanicFeatures, LinearModel; the state through Flink's POJO
 * serializer, as a checkpoint would carry it) must give the reference scorer's doubles bit for bit, or every
 * Flink output would count as incorrect; FeatureCheck in a JVM on the first 5000 events of seed 1 of each
 * workload, no cluster. Then one short run on a real cluster (a JobManager and two TaskManager JVMs) with a
 * TaskManager killed under load at at-least-once: Flink's failover restores the latest checkpoint and nothing
 * is lost. The fault-free run, the exactly-once kill and teardown are the engine contract's (contract.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { flink } from '../engines/flink/index.ts';
import { ensureFlinkJob } from '../engines/flink/provision.ts';
import { runScenario } from '../harness/runner.ts';
import { runEvents, testScenario } from './helpers.ts';
import { featureCheck } from './java-feature-check.ts';

const infra = inject('infra');
const out = mkdtempSync(join(tmpdir(), 'faultline-flink-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('flink: the Java features and score', () => {
  // titanic: 5000 events are more than five loops over its 1309 passengers, so tickets recur across loops.
  it.each(['transactions', 'titanic'])(
    '%s: agree bit for bit with the reference scorer, state through Flink serializer',
    async (name) => {
      const result = await featureCheck(await ensureFlinkJob(), 'dev.faultline.flink.FeatureCheck', name);
      expect(result.scores).toBe(5000);
      expect(result.mismatches.slice(0, 5)).toEqual([]);
    },
  );
});

describe('flink: a TaskManager killed under load', () => {
  // At-least-once here: the engine contract (contract.test.ts) kills a worker at exactly-once.
  it("at-least-once: nothing lost; Flink's own failover, every subtask restarted from a checkpoint", async () => {
    const kill = '\n  - { kind: kill, target: "features[1]", at: 2s }';
    const { summary, dir } = await runScenario({
      engine: flink,
      guarantee: 'at-least-once',
      scenario: testScenario('flink-kill', kill, { duration: 6, warmup: 2, seed: 5 }),
      engineOptions: { checkpointIntervalMs: 500, heartbeatTimeoutS: 5 },
      outDir: out,
      infra,
    });
    expect(summary.counts).toMatchObject({ lost: 0, unexpected: 0 });
    expect(summary.faults.map((f) => `${f.kind} ${f.target}`)).toEqual(['kill features[1]']);
    // One pipelined region (a keyBy): the failover redeploys every subtask, not only the dead TaskManager's.
    expect(summary.blastRadius.workersRestarted).toBe(summary.blastRadius.workersTotal);
    const events = runEvents(dir);
    const injectedAt = events.find((e) => e.type === 'fault.inject')!.at;
    const after = events.filter((e) => e.at >= injectedAt).map((e) => e.type);
    // Flink's own signals, read from its REST API: the failure, the restart, the restore, running again; and
    // the adapter's relaunch of the dead TaskManager JVM.
    for (const type of [
      'failure.detected',
      'job.restarting',
      'task.restored',
      'job.running',
      'worker.restarted',
    ])
      expect(after).toContain(type);
    expect(summary.verdict.guaranteeHeld).toBe(true);
  });
});
