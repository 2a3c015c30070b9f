/**
 * Testing the tester (Jepsen's deliberately broken setups): a real engine with a real weakness must be caught.
 * ack-tree with `ackers: 0` is Storm without ackers — at-most-once, whatever the topology asks — so judged
 * against at-least-once a worker kill loses the tuples in flight. On a known schedule (seed 9: two latency
 * faults around a kill of score[0]) the soak must report the violation, its saved schedule and seed must replay
 * it, and shrinking must find the one fault that matters: the kill.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { defaultSoakSpec, formatSoak, runSoak, type SoakFile } from '../harness/index.ts';
import { runScenario } from '../harness/runner.ts';

const infra = inject('infra');
const out = mkdtempSync(join(tmpdir(), 'faultline-soak-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('soak', () => {
  it('catches ack-tree without ackers judged at-least-once, replays the seed, shrinks to the kill', async () => {
    const spec = defaultSoakSpec({
      engine: 'ack-tree',
      guarantee: 'at-least-once',
      schedules: 1,
      seed: 9,
      durationS: 10,
      warmupS: 2,
      rate: 300,
      drainS: 20,
      kinds: ['kill', 'latency'],
      maxFaults: 3,
      shrinkRuns: 4,
      // Short timeouts keep the drain short (its quiet period is 2 × message timeout + retry delay + check).
      engineOptions: { ackers: 0, messageTimeoutS: 1, retryMaxDelayMs: 100, supervisorCheckMs: 500 },
    });
    const dir = join(out, 'soak');
    const { file } = await runSoak({ spec, dir, infra });
    const run = file.runs[0]!;
    expect(run.faults.map((f) => `${f.kind} ${f.target}`)).toEqual([
      'latency link:source[0]->features[0]',
      'kill score[0]',
      'latency link:source[0]->features[0]',
    ]);
    expect(run.verdict, JSON.stringify(run)).toBe(false);
    expect(run.counts!.lost).toBeGreaterThan(0);
    // soak.json on disk is what was returned, and the text report puts the violation and its replay first.
    expect(JSON.parse(readFileSync(join(dir, 'soak.json'), 'utf8')) as SoakFile).toEqual(file);
    // The evidence that the faults happened: all three injected, the killed worker restarted.
    expect(run.evidence?.injected).toEqual({ latency: 2, kill: 1 });
    expect(run.evidence!.workersRestarted).toBeGreaterThan(0);
    const text = formatSoak(file, dir);
    expect(text).toContain('violated 1');
    expect(text).toContain('evidence: faults injected 3 of 3 scheduled: kill 1, ');
    expect(text).toContain(`--scenario ${join(dir, 'schedules/seed-9.yaml')} --seed 9`);

    // Shrinking: the smallest schedule that still violates is the kill alone.
    expect(run.shrink?.finished).toBe(true);
    expect(run.shrink!.smallest.map((i) => `${run.faults[i]!.kind} ${run.faults[i]!.target}`)).toEqual([
      'kill score[0]',
    ]);

    // The replay command's scenario file and seed give the same schedule and the same violation.
    const replay = await runScenario({
      engine: 'ack-tree',
      guarantee: 'at-least-once',
      scenario: join(dir, run.scheduleFile),
      seed: run.seed,
      outDir: join(out, 'replay'),
      infra,
    });
    expect(replay.summary.verdict.guaranteeHeld).toBe(false);
    const original = JSON.parse(readFileSync(join(dir, run.runDir, 'summary.json'), 'utf8'));
    const shape = (faults: { kind: string; target: string; at: number }[]) =>
      faults.map((f) => ({ kind: f.kind, target: f.target, at: Math.round(f.at) }));
    expect(shape(replay.summary.faults)).toEqual(shape(original.faults));
    expect(replay.summary.faults.map((f) => f.at - 2)).toEqual(
      run.faults.map((f) => expect.closeTo(f.at, 0)),
    );
  });
});
