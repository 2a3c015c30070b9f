/**
 * barrier-snapshot (Apache Flink's design) on real Kafka, Redis and Toxiproxy: exact with no faults; a killed
 * task makes the job manager cancel and restart every task from the latest completed checkpoint, which with the
 * transactional sink loses and duplicates nothing (also for an independent read_committed consumer), and with
 * the plain sink duplicates what was written since that checkpoint.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Kafka, logLevel } from '../clients/kafka.ts';
import { HEARTBEAT_MS } from '../engines/runtime/worker-host.ts';
import { runScenario } from '../harness/runner.ts';
import { expectKillContract, expectSteadyContract } from './contract-checks.ts';
import { randomName, runEvents, testScenario } from './helpers.ts';

const infra = inject('infra');
const out = mkdtempSync(join(tmpdir(), 'faultline-barrier-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const options = { checkpointIntervalMs: 1000, heartbeatTimeoutS: 10 };
const scenario = (name: string, faults: string, duration = 16) =>
  testScenario(name, faults, { duration, seed: 11 });
const killFeatures = '\n  - { kind: kill, target: "features[1]", at: 4s }';
const events = runEvents;

/** Every `transaction.committed` of checkpoint n follows a `checkpoint.completed` of some m ≥ n. */
function commitsFollowCompletion(dir: string): number {
  const ev = events(dir);
  const commits = ev.filter((e) => e.type === 'transaction.committed');
  for (const c of commits) {
    const completedBefore = ev.filter(
      (e) =>
        e.type === 'checkpoint.completed' &&
        e.at <= c.at &&
        (e.checkpoint as number) >= (c.checkpoint as number),
    );
    expect(completedBefore, `transaction ${c.checkpoint} committed at ${c.at} s`).not.toHaveLength(0);
  }
  return commits.length;
}

describe('barrier-snapshot', () => {
  it('no faults: exact, and checkpoints complete with increasing ids', async () => {
    const run = await runScenario({
      engine: 'barrier-snapshot',
      scenario: scenario('steady', '', 8),
      engineOptions: options,
      outDir: out,
      infra,
    });
    const { summary, dir } = run;
    expect(summary.counts).toMatchObject({
      produced: 4400,
      unique: 4400,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
      incorrect: 0,
    });
    expect(summary.blastRadius.workersRestarted).toBe(0);
    const completed = events(dir)
      .filter((e) => e.type === 'checkpoint.completed')
      .map((e) => e.checkpoint as number);
    expect(completed.length).toBeGreaterThan(5);
    expect(completed).toEqual([...completed].sort((a, b) => a - b));
    expect(commitsFollowCompletion(dir)).toBeGreaterThan(5);
    // Transactional output is visible only at checkpoint completion: latency is at least a fraction of the interval.
    expect(summary.latencyMs.p50).toBeGreaterThan(100);
    await expectSteadyContract('barrier-snapshot · exactly-once', run, infra);
  });

  it('SIGKILL of features[1], exactly-once: every task restarts from the last checkpoint; nothing lost or duplicated', async () => {
    const runId = randomName('bs-kill');
    const { summary, dir } = await runScenario({
      engine: 'barrier-snapshot',
      guarantee: 'exactly-once',
      scenario: scenario('kill', killFeatures, 20),
      engineOptions: options,
      outDir: out,
      runId,
      keepTopics: true,
      infra,
    });
    expect(summary.counts).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 });
    expect(summary.blastRadius.workersRestarted).toBe(summary.blastRadius.workersTotal);
    expect(summary.recovery[0]?.detectedMs).not.toBeNull();
    const ev = events(dir);
    const restarted = ev.filter((e) => e.type === 'worker.restarted' && e.worker !== 'coordinator');
    // Every task restarts. Under load a restarted task can fail again before it runs, and the job then restarts
    // once more (Flink does the same): each wave restores every task, so check the first wave.
    expect([...new Set(restarted.map((e) => e.worker))].sort()).toEqual([
      'features[0]',
      'features[1]',
      'score[0]',
      'score[1]',
      'sink[0]',
      'source[0]',
      'source[1]',
    ]);
    expect(restarted.slice(0, 7).every((e) => e.attempt === 1)).toBe(true);
    const [detected, nextWave] = ev.filter((e) => e.type === 'failure.detected');
    const restoredFrom = detected!.restoreFrom as number;
    const firstWave = ev.filter(
      (e) => e.type === 'task.restored' && e.at > detected!.at && (!nextWave || e.at < nextWave.at),
    );
    expect(firstWave.length).toBeGreaterThan(0);
    expect(firstWave.every((e) => e.checkpoint === restoredFrom)).toBe(true);
    // The restore point is the latest checkpoint completed before the failure.
    const completedBefore = ev
      .filter((e) => e.type === 'checkpoint.completed' && e.at < detected!.at)
      .map((e) => e.checkpoint as number);
    expect(restoredFrom).toBe(Math.max(...completedBefore));
    expect(commitsFollowCompletion(dir)).toBeGreaterThan(0);

    // A read_committed consumer that is not the collector sees every id exactly once (kafkajs with faultline's
    // read_committed fix: stock kafkajs 2.2.4 can let aborted records through; see kafkajs-read-committed.ts).
    const kafka = new Kafka({
      clientId: 'independent-reader',
      brokers: [infra.kafka.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: randomName('reader'), readUncommitted: false });
    const seen = new Map<number, number>();
    await consumer.connect();
    await consumer.subscribe({ topic: `fl.${runId}.out`, fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const id = JSON.parse(message.value!.toString()).id as number;
          seen.set(id, (seen.get(id) ?? 0) + 1);
          if (seen.size === summary.counts.produced) resolve();
        },
      });
    });
    await new Promise((r) => setTimeout(r, 1000));
    await consumer.disconnect();
    expect(seen.size).toBe(summary.counts.produced);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({
      topics: (await admin.listTopics()).filter((t) => t.startsWith(`fl.${runId}.`)),
    });
    await admin.disconnect();
  });

  it('SIGKILL of features[1] with the plain (non-transactional) sink: duplicates, nothing lost', async () => {
    const run = await runScenario({
      engine: 'barrier-snapshot',
      guarantee: 'at-least-once',
      scenario: scenario('kill-plain', killFeatures, 20),
      engineOptions: options,
      outDir: out,
      infra,
    });
    const { summary } = run;
    expect(summary.counts.lost).toBe(0);
    expect(summary.counts.duplicated).toBeGreaterThan(0);
    expect(summary.blastRadius.workersRestarted).toBe(summary.blastRadius.workersTotal);
    await expectKillContract('barrier-snapshot · at-least-once', run, infra);
  });

  it('a hung task (SIGSTOP past the heartbeat timeout) fails the job over; exactly-once holds', async () => {
    const pause = '\n  - { kind: pause, target: "features[1]", at: 4s, for: 7s }';
    const { summary, dir } = await runScenario({
      engine: 'barrier-snapshot',
      guarantee: 'exactly-once',
      scenario: scenario('hung', pause, 18),
      engineOptions: { ...options, heartbeatTimeoutS: 3 },
      outDir: out,
      infra,
    });
    expect(summary.counts).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 });
    const ev = events(dir);
    const paused = ev.find((e) => e.type === 'fault.inject')!;
    const detected = ev.find((e) => e.type === 'failure.detected')!;
    // Detected by the heartbeat timeout while the task was still stopped, not by its exit or resumption. The
    // silence counts from the task's last beat, sent up to one heartbeat period (1 s) before the pause: detection
    // comes 3 s − 1 s .. 3 s after it (seen: 2.66 s in CI; 0.9 × 3 s was too tight a bound).
    expect(detected.cause).toMatch(/no heartbeat from features\[1\]/);
    expect(detected.at - paused.at).toBeGreaterThanOrEqual(3e6 - HEARTBEAT_MS * 1000);
    expect(detected.at - paused.at).toBeLessThan(7e6);
    // Timed like Flink's heartbeat monitor: at the last beat + the timeout, give or take the 20 ms check and the
    // job manager's event loop (a 750 ms poll made it up to 3.75 s).
    const silentMs = Number(/for (\d+) ms/.exec(detected.cause as string)?.[1]);
    expect(silentMs).toBeGreaterThanOrEqual(3000);
    expect(silentMs).toBeLessThan(3000 + 200);
    expect(summary.blastRadius.workersRestarted).toBe(summary.blastRadius.workersTotal);
  });
});
