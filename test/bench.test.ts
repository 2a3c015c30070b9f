/**
 * `faultline bench` end to end, sized for CI (the long benches are in the notes, not here): a short search on
 * passthrough against the real Kafka that writes bench.json and bench.md with every step judged, the machine
 * sampled and the commit named; and a bench interrupted (Ctrl-C: its signal aborted) after its first verdict,
 * which keeps what it measured and runs nothing after.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type BenchResult, runBench } from '../harness/bench.ts';

const infra = inject('infra');
const out = mkdtempSync(join(tmpdir(), 'faultline-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const tiny = {
  engines: ['passthrough'],
  workloads: ['transactions'],
  limits: false,
  startRate: 500,
  maxRate: 1000,
  stepS: 3,
  warmupS: 1,
  halfWarmupS: 1,
  repeats: 1,
  halfRuns: 1,
  brokerWarmupS: 0,
  outDir: out,
  infra,
};

describe('faultline bench', () => {
  it('searches, judges every step, samples the machine and writes bench.json and bench.md', async () => {
    // Any busy share is "saturated" here, so the reference moves once (500/s → 250/s) whatever CI's machine does.
    const result = await runBench({ ...tiny, brokerWarmupS: 2, lowLoadBusyMax: 0, lowLoadHalvings: 1 });
    const saved = JSON.parse(readFileSync(join(result.dir, 'bench.json'), 'utf8')) as BenchResult;
    expect(saved.entries).toHaveLength(1);
    const [entry] = saved.entries;
    // The low-load reference pools two runs at 500/s, saturated; again at 250/s, the floor; then 470/s and
    // 1000/s, the max rate (the grid from 250: 250, 270, 330, 390, 470, 560, 680, 820, 1000, four steps a climb).
    expect(entry!.steps.map((s) => [s.rate, s.saturated ? 'saturated' : (s.rerun ?? false)])).toEqual([
      [500, 'saturated'],
      [500, 'saturated'],
      [250, true],
      [250, false],
      [470, false],
      [1000, false],
    ]);
    expect(entry!.sustainablePerS).toBe(1000);
    expect(entry!.failedAtPerS).toBeNull();
    expect(entry!.band).toEqual({ allPassedPerS: 1000, allFailedPerS: null });
    expect(entry!.tally).toEqual([
      { rate: 250, runs: 1, passed: 1 },
      { rate: 470, runs: 1, passed: 1 },
      { rate: 1000, runs: 1, passed: 1 },
    ]);
    expect(saved.settings.rule).toMatchObject({ lowLoadBusyMax: 0, lowLoadHalvings: 1 });
    expect(entry!.atHalf?.rate).toBe(500);
    expect(saved.interrupted).toBeUndefined();
    // The broker warmed up first, unjudged: a run of its own, not a step.
    expect(saved.brokerWarmup).toMatchObject({ rate: 1000, seconds: 2 });
    expect(saved.brokerWarmup?.kafkaCores).toBeGreaterThan(0);
    // Every probe measured, before and after, and before the entry.
    for (const probe of ['cpuLoopMs', 'memReadNs', 'ringCpuUs', 'ringWallUs'] as const) {
      expect(saved.machine?.[probe]?.before, probe).toBeGreaterThan(0);
      expect(saved.machine?.[probe]?.after, probe).toBeGreaterThan(0);
      expect(entry!.machine?.[probe], probe).toBeGreaterThan(0);
    }
    expect(saved.gitSha).toMatch(/^([0-9a-f]{40}(-dirty)?|unknown)$/);
    expect(Date.parse(saved.startedAt)).toBeLessThan(Date.parse(saved.finishedAt!));
    const md = readFileSync(join(result.dir, 'bench.md'), 'utf8');
    expect(md).toContain("Sustainable: the run's guarantee held");
    expect(md).toContain(
      'Broker warm-up: 2 s of the harness alone at 1000/s before the first step, not judged',
    );
    expect(md).toContain('- passthrough/transactions (machine before it: loop ');
    // At the floor the reference is still "saturated" by this threshold, and bench.md says so.
    expect(md).toMatch(
      /Low load was not low for passthrough\/transactions: the machine was \d+ % busy or more in its low-load steps at 250\/s \(p50\/p99 [\d.]+\/[\d.]+ ms\), the lowest the search goes after 500\/s \(\d+ % busy\)/,
    );
  });

  it('interrupted after its first verdict: keeps what it measured, marks the entry, starts no run after', async () => {
    const controller = new AbortController();
    const result = await runBench({
      ...tiny,
      engines: ['passthrough', 'passthrough:instances=2'],
      // The reference stays at the start rate however busy the machine is.
      lowLoadHalvings: 0,
      signal: controller.signal,
      // Ctrl-C as the low-load reference's second run is judged: the search stops there.
      onStep: (s) => {
        if (!s.rerun) controller.abort(new Error('SIGINT'));
      },
    });
    expect(result.interrupted).toEqual({
      entry: 'passthrough',
      workload: 'transactions',
      phase: 'search',
      runDir: null,
    });
    expect(result.entries).toHaveLength(1);
    const [entry] = result.entries;
    expect(entry!.interrupted).toBe(true);
    // The reference passed; nothing above it ran, so the crossing is the reference and nothing failed.
    expect(entry!.steps.map((s) => s.rate)).toEqual([500, 500]);
    expect(entry!.sustainablePerS).toBe(500);
    expect(entry!.failedAtPerS).toBeNull();
    expect(entry!.atHalf).toBeNull();
    expect(result.goals.every((g) => g.engine !== 'passthrough')).toBe(true);
    expect(readdirSync(join(result.dir, 'runs'))).toHaveLength(2);
    expect(existsSync(join(result.dir, 'bench.json'))).toBe(true);
    const md = readFileSync(join(result.dir, 'bench.md'), 'utf8');
    expect(md).toContain('**Interrupted** during passthrough/transactions');
    expect(md).toContain('| passthrough (interrupted) |');
  });
});
