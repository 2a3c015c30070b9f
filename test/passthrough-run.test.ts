/**
 * The harness end to end on real Kafka and Redis with the passthrough baseline: every instrument writes its
 * file, the counts add up, and scores equal the reference scorer's (incorrect = 0) for both workloads.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { exitCodeOf } from '../cli/run-command.ts';
import { createKafka } from '../clients/kafka.ts';
import { readHlog } from '../harness/latency.ts';
import { runScenario } from '../harness/runner.ts';
import type { RunSummary } from '../harness/summary.ts';
import { expectSteadyContract } from './contract-checks.ts';

const infra = inject('infra');
const out = mkdtempSync(join(tmpdir(), 'faultline-results-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('passthrough run', () => {
  for (const workload of ['transactions', 'titanic']) {
    it(`${workload}: nothing lost, duplicated, unexpected or incorrect; every result file is written`, async () => {
      const run = await runScenario({
        engine: 'passthrough',
        scenario: 'steady',
        workload,
        rate: 500,
        durationS: 6,
        warmupS: 2,
        drainS: 20,
        outDir: out,
        infra,
      });
      const { dir, summary } = run;
      // The engine contract's no-fault case for passthrough (test/contract.test.ts skips it).
      if (workload === 'transactions') await expectSteadyContract('passthrough · none', run, infra);
      expect(summary.counts).toEqual({
        produced: 4000,
        delivered: 4000,
        unique: 4000,
        lost: 0,
        duplicated: 0,
        unexpected: 0,
        incorrect: 0,
      });
      expect(summary.verdict.guaranteeHeld).toBe(true);
      expect(summary.latencyMs.p50).toBeGreaterThan(0);
      expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p50);
      expect(summary.latencyMs.max).toBeGreaterThanOrEqual(summary.latencyMs.p99);
      // Input, processing and delivery add up to each record's end-to-end latency: no part's median exceeds it.
      for (const part of [
        summary.inputLatencyMs!,
        summary.processingLatencyMs!,
        summary.deliveryLatencyMs!,
      ]) {
        expect(part.p50).toBeGreaterThanOrEqual(0);
        expect(part.p50).toBeLessThanOrEqual(summary.latencyMs.p50 + 0.1);
      }
      expect(summary.inputLatencyMs!.p50).toBeGreaterThan(0);
      expect(summary.deliveryLatencyMs!.p50).toBeGreaterThan(0);
      expect(summary.blastRadius).toEqual({
        workersTotal: 1,
        workersRestarted: 0,
        recordsReplayed: 0,
        restartedWorkers: [],
      });

      for (const f of [
        'scenario.json',
        'summary.json',
        'latency.hlog',
        'timeseries.csv',
        'events.jsonl',
        'environment.json',
      ]) {
        expect(existsSync(join(dir, f)), f).toBe(true);
      }
      const onDisk = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
      expect(onDisk).toEqual(summary);
      expect(onDisk.environment.kafka).toBe(infra.kafka.version);

      // The hlog holds every output (warm-up included) and the CSV one row per second.
      const { total, intervals } = readHlog(readFileSync(join(dir, 'latency.hlog'), 'utf8'));
      expect(total.totalCount).toBe(4000);
      expect(intervals).toBeGreaterThanOrEqual(8);
      const rows = readFileSync(join(dir, 'timeseries.csv'), 'utf8').trim().split('\n');
      expect(rows[0]).toBe('second,outputs,p50_ms,p99_ms,max_ms');
      expect(rows.slice(1).reduce((a, r) => a + Number(r.split(',')[1]), 0)).toBe(4000);
      const events = readFileSync(join(dir, 'events.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['worker.started', 'worker.serving']));

      // The run leaves nothing in Kafka: its topics and consumer groups are gone.
      const admin = createKafka(infra.kafka.bootstrap, 'passthrough-run-test').admin();
      await admin.connect();
      const runId = summary.runId;
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(`fl.${runId}.`));
      const groups = (await admin.listGroups()).groups.filter((g) => g.groupId.startsWith(`fl-${runId}-`));
      await admin.disconnect();
      expect(topics).toEqual([]);
      expect(groups).toEqual([]);
    });
  }

  it('an analysis that fails still writes summary.json: verdict "unknown", the error named, exit code 3', async () => {
    const { dir, summary } = await runScenario({
      engine: 'passthrough',
      scenario: 'steady',
      rate: 200,
      durationS: 3,
      warmupS: 1,
      outDir: out,
      infra,
      referenceScores: () => {
        throw new Error('reference model file vanished');
      },
    });
    expect(summary.verdict.guaranteeHeld).toBe('unknown');
    expect(summary.errors).toEqual([{ phase: 'reference scorer', error: 'reference model file vanished' }]);
    // The delivery counts that did not need the scorer are still measured.
    expect(summary.counts).toMatchObject({ produced: 800, lost: 0, duplicated: 0, incorrect: 0 });
    expect(summary.drain?.endedBy).toBe('quiet');
    const saved = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    expect(saved.verdict.guaranteeHeld).toBe('unknown');
    expect(exitCodeOf(saved)).toBe(3);
  });

  it("a run's saved scenario.json runs again as is: the same load, seed and counts", async () => {
    const first = await runScenario({
      engine: 'passthrough',
      scenario: 'steady',
      rate: 300,
      durationS: 3,
      warmupS: 1,
      seed: 42,
      outDir: out,
      infra,
    });
    const again = await runScenario({
      engine: 'passthrough',
      scenario: join(first.dir, 'scenario.json'),
      outDir: out,
      infra,
    });
    expect(again.summary).toMatchObject({
      rate: 300,
      durationS: 3,
      warmupS: 1,
      seed: 42,
      scenario: 'steady',
      workload: first.summary.workload,
    });
    expect(again.summary.counts).toEqual(first.summary.counts);
    expect(again.summary.counts.produced).toBe(1200);
  });
});
