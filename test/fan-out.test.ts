/**
 * The fan-out topology on real Kafka, Redis and Toxiproxy: features sends every record to the model (`score`) and
 * the `challenger` branch, which join at the sink. ack-tree (Storm's design) anchors one child per branch, so a
 * worker killed on the challenger branch makes whole tuple trees time out and the spout replays them on both
 * branches: the model branch, which had succeeded, delivers again (the claim "an upstream failure recomputes the
 * whole tree"). With acking off nothing is replayed, so nothing is duplicated on any branch. barrier-snapshot (Flink's
 * design) aligns the sink's barriers over both branches and restarts every task on the kill: exactly-once on both.
 * operator-checkpoint (Apex's design) restarts only the killed worker's downstream closure, challenger[1] and the
 * sink: the model branch and everything upstream keep their processes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { judgeClaims } from '../dashboards/claims.ts';
import { loadRun } from '../dashboards/load.ts';
import type { RunSummary } from '../harness/index.ts';
import { runScenario } from '../harness/runner.ts';
import { runEvents, runEvidence, scaledAckTree, testScenario } from './helpers.ts';

const infra = inject('infra');
const out = mkdtempSync(join(tmpdir(), 'faultline-fan-out-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const T = 3; // message timeout, seconds (Storm: 30)
const scaled = scaledAckTree(T);
const killChallenger = '\n  - { kind: kill, target: "challenger[1]", at: 4s }';

/** The per-branch counts add up with the headline counts (harness/branch-checker.ts). */
function expectBranchesAddUp(summary: RunSummary): void {
  const b = summary.branches!;
  const sum = (k: 'delivered' | 'unexpected' | 'incorrect' | 'lost' | 'duplicated') =>
    b.reduce((n, x) => n + x[k], 0);
  const c = summary.counts;
  expect(c.delivered).toBe(sum('delivered'));
  expect(c.unexpected).toBe(sum('unexpected'));
  expect(c.incorrect).toBe(sum('incorrect'));
  for (const k of ['lost', 'duplicated'] as const) {
    expect(c[k]).toBeGreaterThanOrEqual(Math.max(...b.map((x) => x[k])));
    expect(c[k]).toBeLessThanOrEqual(sum(k));
  }
}

describe('fan-out topology', () => {
  it('ack-tree at-least-once, SIGKILL of challenger[1]: nothing lost on any branch, duplicates on the model branch that did not fail', async () => {
    const { summary, dir } = await runScenario({
      engine: 'ack-tree',
      guarantee: 'at-least-once',
      scenario: testScenario('fan-out-kill', killChallenger, { duration: 16 }),
      topology: 'fan-out',
      engineOptions: scaled,
      outDir: out,
      infra,
    });
    expect(JSON.parse(readFileSync(join(dir, 'scenario.json'), 'utf8')).topology).toBe('fan-out');
    expect(summary.topology).toBe('fan-out');
    // A drain cut at its cap leaves ids in flight: say so before calling them lost.
    expect(summary.drain?.endedBy, runEvidence(dir)).toBe('quiet');
    expect(summary.counts.lost, runEvidence(dir)).toBe(0);
    expect(summary.counts.unexpected).toBe(0);
    expect(summary.verdict.guaranteeHeld).toBe(true);
    expect(summary.blastRadius.workersTotal).toBe(9);
    expect(summary.blastRadius.restartedWorkers).toEqual(['challenger[1]']);

    const branches = summary.branches!;
    expect(branches.map((b) => [b.branch, b.operators])).toEqual([
      ['model', ['score']],
      ['challenger', ['challenger']],
    ]);
    for (const b of branches) {
      expect(b.lost).toBe(0);
      expect(b.unique).toBe(summary.counts.produced);
    }
    // The claim's evidence: the sibling branch (no worker of it was killed) delivered records again. (The killed
    // branch may duplicate too — roots whose acker died with the worker replay everywhere — but need not.)
    expect(branches[0]!.duplicated).toBeGreaterThan(0);
    expectBranchesAddUp(summary);

    const claim = judgeClaims([loadRun(dir)]).find((c) => c.id === 'storm-whole-tree')!;
    expect(claim.verdict).toBe('confirmed');
  });

  it('ack-tree at-most-once, SIGKILL of challenger[1]: loss on the killed branch only, no duplicates anywhere', async () => {
    const { summary } = await runScenario({
      engine: 'ack-tree',
      guarantee: 'at-most-once',
      // Lost ids never arrive: a short drain is enough.
      scenario: testScenario('fan-out-kill-amo', killChallenger, { duration: 10, drain: 6 }),
      topology: 'fan-out',
      engineOptions: scaled,
      outDir: out,
      infra,
    });
    const [model, challenger] = summary.branches!;
    expect(summary.counts.duplicated).toBe(0);
    expect(challenger!.lost).toBeGreaterThan(0);
    expect(model!.lost).toBe(0);
    expect(summary.counts.lost).toBe(challenger!.lost);
    expect(summary.verdict.guaranteeHeld).toBe(true);
    expectBranchesAddUp(summary);
  });

  it('barrier-snapshot exactly-once, SIGKILL of challenger[1]: every task restarts, each branch delivers every record once', async () => {
    const { summary } = await runScenario({
      engine: 'barrier-snapshot',
      guarantee: 'exactly-once',
      scenario: testScenario('fan-out-kill-bs', killChallenger, { duration: 16 }),
      topology: 'fan-out',
      engineOptions: { checkpointIntervalMs: 1000, heartbeatTimeoutS: 10 },
      outDir: out,
      infra,
    });
    expect(summary.counts).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 });
    expect(summary.verdict.guaranteeHeld).toBe(true);
    // One pipelined region: the kill on one branch restarts the other branch and everything upstream too.
    expect(summary.blastRadius.workersTotal).toBe(9);
    expect(summary.blastRadius.workersRestarted).toBe(9);
    for (const b of summary.branches!) {
      expect(b).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 });
      expect(b.delivered).toBeGreaterThanOrEqual(summary.counts.produced);
    }
    expectBranchesAddUp(summary);
  });

  it('operator-checkpoint at-least-once, SIGKILL of challenger[1]: only its downstream closure restarts, nothing lost on either branch', async () => {
    const { summary, dir } = await runScenario({
      engine: 'operator-checkpoint',
      guarantee: 'at-least-once',
      scenario: testScenario('fan-out-kill-oc', killChallenger, { duration: 16 }),
      topology: 'fan-out',
      engineOptions: { windowMs: 500, checkpointWindowCount: 10, heartbeatTimeoutS: 10 },
      outDir: out,
      infra,
    });
    expect(summary.counts).toMatchObject({ lost: 0, unexpected: 0, incorrect: 0 });
    expect(summary.verdict.guaranteeHeld).toBe(true);
    expect(summary.blastRadius.workersTotal).toBe(9);
    expect([...summary.blastRadius.restartedWorkers].sort()).toEqual(['challenger[1]', 'sink[0]']);
    const redeploy = runEvents(dir).find((e) => e.type === 'redeploy')!;
    expect(redeploy.operators).toEqual(['challenger[1]', 'sink[0]']);
    for (const b of summary.branches!) expect(b.lost).toBe(0);
    expectBranchesAddUp(summary);
  });
});
