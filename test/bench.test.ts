/**
 * `faultline bench` end to end, sized for CI (the long benches are in the notes, not here): a short search on
 * passthrough against the real Kafka that writes bench.json and bench.md with every step judged, the machine
 * sampled and the commit named; and a bench interrupted (Ctrl-C: its signal aborted) after its first verdict,
 * which keeps what it measured and runs nothing after; and an interleaved bench, whose entries take turns.
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
    const result = await runBench({ ...tiny, brokerWarmupS: 2 });
    const saved = JSON.parse(readFileSync(join(result.dir, 'bench.json'), 'utf8')) as BenchResult;
    expect(saved.entries).toHaveLength(1);
    const [entry] = saved.entries;
    // The low-load reference pools two runs at 250/s (the default, under the start rate); the climb goes to the
    // start rate, 500/s, then four grid steps on to 1000/s, the max rate (the grid from 250: 250, 270, 330, 390,
    // 470, 500, 560, 680, 820, 1000).
    // Counted runs (a run stolen from by the hypervisor, ⌁, would be listed too and run again).
    const counted = entry!.steps.filter((s) => !s.stolen);
    expect(counted.map((s) => [s.rate, s.rerun ?? false])).toEqual([
      [250, true],
      [250, false],
      [500, false],
      [1000, false],
    ]);
    expect(entry!.sustainablePerS).toBe(1000);
    expect(entry!.failedAtPerS).toBeNull();
    expect(entry!.band).toEqual({ allPassedPerS: 1000, allFailedPerS: null });
    expect(entry!.tally).toEqual([
      { rate: 250, runs: 1, passed: 1 },
      { rate: 500, runs: 1, passed: 1 },
      { rate: 1000, runs: 1, passed: 1 },
    ]);
    expect(saved.settings).toMatchObject({
      referenceRate: 250,
      startRate: 500,
      quietHost: {
        stealShare: 0.1,
        reruns: 2,
        waitS: 60,
        probeS: 2,
        reference: { stealShare: 0.05, reruns: 4, minWaitS: 30 },
      },
    });
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
    expect(md).toContain("Quiet host: a run with 10 % or more of the machine's time stolen is not counted");
    expect(md).toContain(
      "The low-load reference pools 2 runs at 250/s for every entry, the grid's first rate; the climb goes from it to 500/s, then on.",
    );
    expect(md).toMatch(
      // The hypervisor's share is named from 1 % of the machine (a CI host stole 2 %).
      /Low-load references \(each entry's first step, 2 runs pooled; [^)]*\): passthrough\/transactions 250\/s \(p50\/p99 [\d.]+\/[\d.]+ ms, machine \d+ % busy(, \d+ % stolen)?\)\./,
    );
  });

  it('interrupted after its first verdict: keeps what it measured, marks the entry, starts no run after', async () => {
    const controller = new AbortController();
    const result = await runBench({
      ...tiny,
      engines: ['passthrough', 'passthrough:instances=2'],
      // Every run counts, stolen from or not: the runs below are the ones started.
      quietHost: { stealShare: 1 },
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
    expect(entry!.steps.map((s) => s.rate)).toEqual([250, 250]);
    expect(entry!.sustainablePerS).toBe(250);
    expect(entry!.failedAtPerS).toBeNull();
    expect(entry!.atHalf).toBeNull();
    expect(result.goals.every((g) => g.engine !== 'passthrough')).toBe(true);
    expect(readdirSync(join(result.dir, 'runs'))).toHaveLength(2);
    expect(existsSync(join(result.dir, 'bench.json'))).toBe(true);
    const md = readFileSync(join(result.dir, 'bench.md'), 'utf8');
    expect(md).toContain('**Interrupted** during passthrough/transactions');
    expect(md).toContain('| passthrough (interrupted) |');
  });

  it('interleaved: the entries take turns run by run, each searched and measured at 50 % as on its own', async () => {
    const order: string[] = [];
    const result = await runBench({
      ...tiny,
      engines: ['passthrough', 'passthrough:instances=2'],
      maxRate: 500,
      quietHost: { stealShare: 1 },
      interleave: true,
      onStep: (s) => order.push(s.engine),
    });
    // Each entry: the reference twice at 250/s, then 500/s (the start and max rate); their runs alternate.
    expect(order).toEqual([
      'passthrough',
      'passthrough:instances=2',
      'passthrough',
      'passthrough:instances=2',
      'passthrough',
      'passthrough:instances=2',
    ]);
    expect(result.entries.map((e) => [e.engine, e.sustainablePerS, e.atHalf?.rate])).toEqual([
      ['passthrough', 500, 250],
      ['passthrough:instances=2', 500, 250],
    ]);
    expect(result.settings.interleave).toBe(true);
    expect(result.interrupted).toBeUndefined();
    expect(readFileSync(join(result.dir, 'bench.md'), 'utf8')).toContain(
      "Interleaved: every entry's search ran at once, the entries taking turns run by run",
    );
  });
});
