/**
 * operator-checkpoint (Apache Apex's design) on real Kafka, Redis and Toxiproxy, with Apex's checkpoint
 * interval and heartbeat timeout scaled down: no faults → exact; a killed worker → only it and its downstream
 * closure are redeployed (everything else keeps its process and attempt number), nothing lost at least once,
 * nothing duplicated with the exactly-once output, data lost at most once; a hung (SIGSTOPped) worker is
 * declared failed by STRAM's heartbeat timeout and replaced while it is still paused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { EngineEvent } from '../core/types.ts';
import { runScenario } from '../harness/runner.ts';
import { expectKillContract, expectSteadyContract } from './contract-checks.ts';
import { runEvents, testScenario } from './helpers.ts';

const infra = inject('infra');
const out = mkdtempSync(join(tmpdir(), 'faultline-operator-checkpoint-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

// A checkpoint every 10 windows (5 s; Apex: 60 = 30 s); heartbeat timeout 10 s (Apex: 30 s).
const scaled = { windowMs: 500, checkpointWindowCount: 10, heartbeatTimeoutS: 10 };
const WORKERS = ['source[0]', 'source[1]', 'features[0]', 'features[1]', 'score[0]', 'score[1]', 'sink[0]'];

const scenario = (name: string, faults: string, opts: { duration?: number; drain?: number } = {}) =>
  testScenario(name, faults, { duration: 20, ...opts });
const kill = (target: string) => `\n  - { kind: kill, target: "${target}", at: 5s }`;

const events = runEvents;

/** Workers restarted (from the supervisor's events), and that everybody else kept process and attempt 0. */
function restartedSet(evs: EngineEvent[]): string[] {
  const restarted = [
    ...new Set(evs.filter((e) => e.type === 'worker.restarted').map((e) => e.worker!)),
  ].sort();
  const started = new Map(evs.filter((e) => e.type === 'worker.started').map((e) => [e.worker!, e.pid]));
  for (const w of WORKERS.filter((x) => !restarted.includes(x))) {
    expect(started.has(w)).toBe(true);
    // Everything such a worker reported came from its first (and only) process.
    const own = evs.filter((e) => e.worker === w && e.attempt !== undefined);
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((e) => e.attempt === 0)).toBe(true);
  }
  // The supervisor's restart bumps the attempt of the restarted workers only, once each.
  const why = (w: string) =>
    evs
      .filter((x) => x.type === 'worker.restarting' && x.worker === w)
      .map((x) => `attempt ${x.attempt}: ${x.reason}`)
      .join('; ');
  for (const e of evs.filter((x) => x.type === 'worker.restarted'))
    expect(e.attempt, `${e.worker} restarted more than once (${why(e.worker!)})`).toBe(1);
  return restarted;
}

describe('operator-checkpoint', () => {
  it('no faults: nothing lost, duplicated or incorrect; windows, checkpoints and the committed window advance', async () => {
    const run = await runScenario({
      engine: 'operator-checkpoint',
      scenario: scenario('steady', '', { duration: 10 }),
      engineOptions: scaled,
      outDir: out,
      infra,
    });
    const { summary, dir } = run;
    expect(summary.counts).toMatchObject({
      produced: 5200,
      unique: 5200,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
      incorrect: 0,
    });
    expect(summary.blastRadius).toMatchObject({ workersTotal: 7, workersRestarted: 0 });
    const evs = events(dir);
    const types = new Set(evs.map((e) => e.type));
    for (const t of ['window.begin', 'window.end', 'checkpoint.saved', 'committed.window', 'buffer.purged'])
      expect(types).toContain(t);
    expect(types).not.toContain('operator.failed');
    const committed = evs.filter((e) => e.type === 'committed.window').map((e) => e.window as number);
    expect(committed).toEqual([...committed].sort((a, b) => a - b));
    await expectSteadyContract('operator-checkpoint · at-least-once', run, infra);
  });

  it('SIGKILL of score[0], at-least-once: only score[0] and the sink redeploy, nothing lost', async () => {
    const run = await runScenario({
      engine: 'operator-checkpoint',
      guarantee: 'at-least-once',
      scenario: scenario('kill-score', kill('score[0]')),
      engineOptions: scaled,
      outDir: out,
      infra,
    });
    const { summary, dir } = run;
    const evs = events(dir);
    expect(restartedSet(evs)).toEqual(['score[0]', 'sink[0]']);
    expect(summary.counts.lost).toBe(0);
    expect(summary.counts.unexpected).toBe(0);
    expect(summary.counts.incorrect).toBe(0);
    expect(summary.verdict.guaranteeHeld).toBe(true);
    expect(summary.blastRadius).toMatchObject({ workersTotal: 7, workersRestarted: 2 });
    expect(summary.blastRadius.recordsReplayed).toBeGreaterThan(0);
    const redeploy = evs.find((e) => e.type === 'redeploy')!;
    expect(redeploy.operators).toEqual(['score[0]', 'sink[0]']);
    expect(evs.some((e) => e.type === 'operator.failed' && e.target === 'score[0]')).toBe(true);
    expect(evs.some((e) => e.type === 'replay.from' && e.worker === 'features[0]')).toBe(true);
    const [recovery] = summary.recovery;
    expect(recovery?.detectedMs).not.toBeNull();
    expect(recovery?.detectedMs ?? Number.POSITIVE_INFINITY).toBeLessThan(2000);
    await expectKillContract('operator-checkpoint · at-least-once', run, infra);
  });

  it('SIGKILL of score[0], exactly-once: the transactional output writes each window once', async () => {
    const { summary, dir } = await runScenario({
      engine: 'operator-checkpoint',
      guarantee: 'exactly-once',
      scenario: scenario('kill-score-eo', kill('score[0]')),
      engineOptions: scaled,
      outDir: out,
      infra,
    });
    expect(restartedSet(events(dir))).toEqual(['score[0]', 'sink[0]']);
    expect(summary.counts).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 });
    expect(summary.verdict.guaranteeHeld).toBe(true);
  });

  it('SIGKILL of score[0], at-most-once: the windows in flight are lost, nothing is duplicated', async () => {
    const run = await runScenario({
      engine: 'operator-checkpoint',
      guarantee: 'at-most-once',
      scenario: scenario('kill-score-amo', kill('score[0]'), { drain: 8 }),
      engineOptions: scaled,
      outDir: out,
      infra,
    });
    const { summary, dir } = run;
    expect(restartedSet(events(dir))).toEqual(['score[0]', 'sink[0]']);
    expect(summary.counts.lost).toBeGreaterThan(0);
    expect(summary.counts.duplicated).toBe(0);
    expect(summary.verdict.guaranteeHeld).toBe(true);
    await expectKillContract('operator-checkpoint · at-most-once', run, infra);
  });

  it('SIGKILL of features[1], exactly-once: its downstream closure redeploys, output exact', async () => {
    const run = await runScenario({
      engine: 'operator-checkpoint',
      guarantee: 'exactly-once',
      // 25 s of load after the kill, so that a slow machine's recovery fits in it: on one whose probes ran 1.5–4 ×
      // slower than usual (2026-12-02, 99 % busy at 400/s) the exactly-once output caught up 13 s after the kill,
      // and with 15 s of load left no 5 s healthy window fitted ("> 15.0 s (load ended)"); with 25 s: 11.0 s.
      scenario: scenario('kill-features-eo', kill('features[1]'), { duration: 30 }),
      engineOptions: scaled,
      outDir: out,
      infra,
    });
    const { summary, dir } = run;
    expect(restartedSet(events(dir))).toEqual(['features[1]', 'score[0]', 'score[1]', 'sink[0]']);
    expect(summary.counts).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 });
    expect(summary.blastRadius.workersRestarted).toBeLessThan(summary.blastRadius.workersTotal);
    expect(summary.recovery[0]?.recoveredMs).not.toBeNull();
    await expectKillContract('operator-checkpoint · exactly-once', run, infra);
  });

  it('the master killed while it redeploys features[0], exactly-once: its successor deploys from the recorded recovery checkpoints', async () => {
    // Found by the soak (seed 66): a master restarted in the middle of a redeploy knew only the committed
    // window, deployed the registering operators from nothing and upstream buffers no longer held their windows.
    // features[0] is killed after the first checkpoint (window 9, 5 s); the master 0.3 s later, before the
    // replacement registers, so the successor is the one that deploys it.
    const { summary, dir } = await runScenario({
      engine: 'operator-checkpoint',
      guarantee: 'exactly-once',
      scenario: scenario(
        'kill-features-then-master',
        '\n  - { kind: kill, target: "features[0]", at: 9s }\n  - { kind: kill, target: "coordinator", at: 9.3s }',
      ),
      engineOptions: scaled,
      outDir: out,
      infra,
    });
    const evs = events(dir);
    expect(evs.filter((e) => e.type === 'fault.inject' && e.kind === 'kill').map((e) => e.target)).toEqual([
      'features[0]',
      'coordinator',
    ]);
    const successor = evs.find((e) => e.type === 'stram.started' && (e.attempt ?? 0) > 0);
    expect(successor, 'the master was not restarted').toBeDefined();
    expect(Object.keys((successor!.recovery ?? {}) as object)).toEqual(expect.arrayContaining(WORKERS));
    const deployed = evs.filter(
      (e) =>
        e.type === 'operator.deployed' &&
        e.target === 'features[0]' &&
        e.worker === successor!.worker &&
        e.attempt === successor!.attempt,
    );
    expect(deployed.length, 'the successor did not deploy features[0]').toBeGreaterThan(0);
    for (const d of deployed) expect(d.recovery as number).toBeGreaterThanOrEqual(9);
    expect(summary.counts).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 });
    expect(summary.verdict.guaranteeHeld).toBe(true);
  });

  it('a hung task: SIGSTOP of features[1] past the heartbeat timeout, STRAM fails it over while it is still paused', async () => {
    // Heartbeat timeout 6 s (Apex: 30 s), the worker paused for 14 s: only STRAM's heartbeat check can notice a
    // process that neither exits nor closes its connections. The timeout is six heartbeats: the four redeployed
    // workers start at once on two cores, and with 4 s one of them missed four and was failed over a second time
    // in a CI run (2026-12-03; not seen in three runs of this test alone).
    const { summary, dir } = await runScenario({
      engine: 'operator-checkpoint',
      guarantee: 'exactly-once',
      scenario: scenario('pause-features', '\n  - { kind: pause, target: "features[1]", at: 3s, for: 14s }', {
        duration: 20,
      }),
      engineOptions: { ...scaled, heartbeatTimeoutS: 6 },
      outDir: out,
      infra,
    });
    const evs = events(dir);
    const paused = evs.find((e) => e.type === 'fault.inject' && e.kind === 'pause')!;
    const resumed = evs.find((e) => e.type === 'fault.heal' && e.kind === 'pause')!;
    expect(paused).toBeDefined();
    expect(resumed).toBeDefined();
    const timeout = evs.find((e) => e.type === 'worker.heartbeat-timeout' && e.target === 'features[1]');
    expect(timeout, 'STRAM never noticed the silent worker').toBeDefined();
    expect(timeout!.at).toBeGreaterThan(paused.at);
    expect(timeout!.at).toBeLessThan(resumed.at);
    const failed = evs.find((e) => e.type === 'operator.failed' && e.target === 'features[1]');
    expect(failed?.reason).toBe('no heartbeat for 6 s');
    // Replaced while paused: the resume found a process that no longer mattered.
    const replaced = evs.find((e) => e.type === 'worker.restarted' && e.worker === 'features[1]');
    expect(replaced, 'the paused worker was never replaced').toBeDefined();
    expect(replaced!.at).toBeLessThan(resumed.at);
    expect(restartedSet(evs)).toEqual(['features[1]', 'score[0]', 'score[1]', 'sink[0]']);
    expect(summary.counts).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 });
    expect(summary.verdict.guaranteeHeld).toBe(true);
  });
});
