import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../core/errors.ts';
import { tallyOf } from '../harness/fixtures/tally-of.ts';
import { type BenchEntry, latencyAtHalf, SUSTAINABLE_RULE } from '../harness/index.ts';
import {
  bracketAgreement,
  type CellChange,
  type CompareSide,
  compareSides,
  type FigureChange,
  loadCompareSide,
  ratioAgreement,
  recoveryDefinitionNote,
  ruleNote,
  sideOfRuns,
} from './compare.ts';
import { renderCompareMarkdown } from './compare-markdown.ts';
import { parseFailRules } from './compare-rules.ts';
import { type HandMadeRun, handMadeRun, killAt } from './fixtures/hand-made-runs.ts';

const sideOf = (name: string, ...runs: HandMadeRun[]): CompareSide => sideOfRuns(name, runs.map(handMadeRun));
const compare = (a: CompareSide, b: CompareSide, failOn?: string, ignore: string[] = []) =>
  compareSides(a, b, failOn ? parseFailRules(failOn) : [], ignore);
const figure = (cell: CellChange, name: FigureChange['figure']) =>
  cell.figures.find((f) => f.figure === name)!;
const p99 = (...ms: number[]): HandMadeRun[] => ms.map((p) => ({ latencyMs: { p99: p } }));

describe('pairing', () => {
  it('pairs cells by scenario, engine and guarantee and lists those only one side has', () => {
    const a = sideOf('A', {}, { engine: 'ack-tree', guarantee: 'at-least-once', faults: [killAt(10)] });
    const b = sideOf('B', {}, { faults: [killAt(10)] });
    const c = compare(a, b);
    expect(c.cells.map((x) => x.label)).toEqual(['steady · barrier-snapshot · exactly-once']);
    expect(c.onlyInA).toEqual([{ label: 'kill-worker · ack-tree · at-least-once', runs: 1 }]);
    expect(c.onlyInB).toEqual([{ label: 'kill-worker · barrier-snapshot · exactly-once', runs: 1 }]);
  });

  it('keeps variants apart unless told to ignore a field, and then says what differed', () => {
    const a = sideOf('A', { engineOptions: { bufferTimeoutMs: 100 } });
    const b = sideOf('B', { engineOptions: { bufferTimeoutMs: 300 } });
    expect(() => compare(a, b)).toThrow(
      /no cell of A pairs with a cell of B \(they differ in bufferTimeoutMs\)/,
    );
    const c = compare(a, b, undefined, ['bufferTimeoutMs']);
    expect(c.cells).toHaveLength(1);
    expect(c.cells[0]!.variantChange).toEqual(['bufferTimeoutMs 100 → 300']);
    expect(renderCompareMarkdown(c)).toContain('Variant: bufferTimeoutMs 100 → 300.');
  });

  it('pairs an option left at its default with one given', () => {
    const c = compare(sideOf('A', {}), sideOf('B', { engineOptions: { bufferTimeoutMs: 300 } }), undefined, [
      'bufferTimeoutMs',
    ]);
    expect(c.cells[0]!.variantChange).toEqual(['bufferTimeoutMs default → 300']);
  });

  it('rejects an ignored field no cell has, and one that would merge two cells of a side', () => {
    expect(() => compare(sideOf('A', {}), sideOf('B', {}), undefined, ['bufferTimoutMs'])).toThrow(
      BadInputError,
    );
    const a = sideOf('A', { rate: 500 }, { rate: 1000 });
    expect(() => compare(a, sideOf('B', { rate: 500 }), undefined, ['rate'])).toThrow(
      /two cells that differ only in ignored variant fields/,
    );
  });
});

describe('differences', () => {
  it('gives A, B, the change and the relative change of single runs, without an interval', () => {
    const c = compare(sideOf('A', ...p99(100)), sideOf('B', ...p99(130)));
    expect(figure(c.cells[0]!, 'p99')).toMatchObject({
      a: { median: 100, text: '100' },
      b: { median: 130, text: '130' },
      difference: 30,
      relative: 0.3,
      ci: null,
      note: null,
    });
  });

  it('gives the bootstrap interval of the difference of medians with repeats on both sides, the same every time', () => {
    const a = sideOf('A', ...p99(100, 104, 98));
    const b = sideOf('B', ...p99(130, 128, 135));
    const first = figure(compare(a, b).cells[0]!, 'p99');
    expect(first.difference).toBe(130 - 100);
    expect(first.ci).not.toBeNull();
    expect(first.ci![0]).toBeGreaterThanOrEqual(128 - 104);
    expect(first.ci![1]).toBeLessThanOrEqual(135 - 98);
    expect(figure(compare(a, b).cells[0]!, 'p99')).toEqual(first);
  });

  it('shows no difference at all when a result is compared with itself', () => {
    const a = sideOf('A', ...p99(100, 104, 98), { faults: [killAt(10)] }, { faults: [killAt(10)] });
    const c = compare(a, a, 'p99:+20%,lost:>0,recovery:+2s,throughput:-10%');
    expect(c.passed).toBe(true);
    for (const cell of c.cells)
      for (const f of cell.figures) if (f.difference !== null) expect(f.difference).toBe(0);
    expect(c.cells.flatMap((x) => x.rules).every((r) => r.outcome === 'passed')).toBe(true);
  });

  it('does not subtract a censored recovery and says so', () => {
    const a = sideOf('A', { faults: [killAt(10)] });
    const censored = {
      fault: 'kill features[1]',
      detectedMs: 20,
      firstOutputMs: 900,
      recoveredMs: null,
      censored: 'load ended 9.8 s after the fault',
      censoredMs: 9800,
    };
    const b = sideOf('B', { faults: [killAt(10)], recovery: [censored] });
    const c = compare(a, b, 'recovery:+2s');
    const recovery = figure(c.cells[0]!, 'recovery');
    expect(recovery).toMatchObject({ difference: null, relative: null, ci: null });
    expect(recovery.a.text).toBe('5.0 s');
    expect(recovery.b.text).toBe('> 9.8 s (load ended)');
    expect(recovery.note).toContain('not subtracted');
    expect(c.passed).toBe(true);
    expect(c.notJudged.map((r) => [r.cell, r.rule, r.outcome, r.why])).toEqual([
      [
        'kill-worker · barrier-snapshot · exactly-once',
        'recovery:+2s',
        'not judged',
        'B > 9.8 s (load ended): not a number, not subtracted',
      ],
    ]);
    expect(renderCompareMarkdown(c)).toContain('| recovery | 5.0 s | > 9.8 s (load ended) | not a number');
  });
});

describe('recovery that could not be observed', () => {
  it('is "unknown", neither "never" nor a missing fault, and no rule is judged on it', () => {
    const a = sideOf('A', { faults: [killAt(10)] });
    const undecided = {
      fault: 'kill features[1]',
      detectedMs: 20,
      firstOutputMs: 900,
      recoveredMs: null,
      undecided:
        "records intended before the fault were not read by the run's end, which does not show they never arrive: the drain reached its cap (30000 ms) while output was still arriving",
    };
    const b = sideOf('B', { faults: [killAt(10)], recovery: [undecided] });
    const c = compare(a, b, 'recovery:+2s');
    const recovery = figure(c.cells[0]!, 'recovery');
    expect(recovery.b.text).toBe('unknown');
    expect(recovery.note).toBe('not a number (load ended first, never, or unknown): not subtracted');
    expect(c.passed).toBe(true);
    expect(c.notJudged.map((r) => [r.rule, r.outcome, r.why])).toEqual([
      ['recovery:+2s', 'not judged', 'B 1× unknown: not a number, not subtracted'],
    ]);
  });
});

describe('recovery measured by different definitions', () => {
  it('says so, and leaves recovery rules unjudged, when A ran before recovery version 3 and B after', () => {
    // The same ack-tree kill read 4.0 s by version 2 and 14.0 s by version 3 (2026-12-06): no engine change.
    const recovered = (ms: number) => [
      { fault: 'kill features[1]', detectedMs: 20, firstOutputMs: 900, recoveredMs: ms },
    ];
    const a = sideOf('A', { faults: [killAt(10)], recovery: recovered(4000), recoveryDefinition: null });
    const b = sideOf('B', { faults: [killAt(10)], recovery: recovered(14_000) });
    expect(a.recoveryDefinitions).toEqual([2]);
    expect(b.recoveryDefinitions).toEqual([3]);
    const c = compare(a, b, 'recovery:+2s,p99:+20%');
    expect(c.recoveryDefinition).toBe(
      "A's recovery times were measured by definition 2 (or earlier: a run from before the field was kept), B's by 3: a recovery difference may be the definition's, not the engine's (version 3 waits for records lost after the fault and replayed later; version 2 did not). Recovery rules are not judged.",
    );
    // The 10 s rise would fail recovery:+2s; measured by two definitions it is not judged. p99 still is.
    expect(c.passed).toBe(true);
    expect(c.notJudged.map((r) => [r.rule, r.why])).toEqual([
      ['recovery:+2s', 'A and B measured recovery by different definitions'],
    ]);
    expect(c.cells[0]!.rules.map((r) => [r.rule, r.outcome])).toEqual([
      ['recovery:+2s', 'not judged'],
      ['p99:+20%', 'passed'],
    ]);
    expect(renderCompareMarkdown(c)).toContain("**A's recovery times were measured by definition 2");
    // One definition on both sides, or a side without faults: nothing to say, the rule judged.
    const same = compare(sideOf('A', { faults: [killAt(10)], recovery: recovered(4000) }), b, 'recovery:+2s');
    expect(same.recoveryDefinition).toBeNull();
    expect(same.passed).toBe(false);
    expect(recoveryDefinitionNote(undefined, [3])).toBeNull();
    expect(recoveryDefinitionNote([2, 3], [3])).toContain('definition 2 (or earlier');
  });
});

describe('fail-on decisions', () => {
  it('fails a cell where B is 30 % worse and names the cell and the rule', () => {
    const c = compare(sideOf('A', ...p99(200)), sideOf('B', ...p99(260)), 'p99:+20%');
    expect(c.passed).toBe(false);
    expect(c.failures).toEqual([
      {
        cell: 'steady · barrier-snapshot · exactly-once',
        rule: 'p99:+20%',
        figure: 'p99',
        outcome: 'failed',
        why: 'change +60.0 ms is beyond +40.0 ms (20 % of A)',
      },
    ]);
    expect(renderCompareMarkdown(c)).toContain('**FAILED**: B is worse than A beyond `p99:+20%`');
  });

  it('passes repeats whose interval is not wholly beyond the threshold, fails tight ones', () => {
    const noisy = compare(sideOf('A', ...p99(100, 140, 100)), sideOf('B', ...p99(130, 100, 135)), 'p99:+20%');
    expect(figure(noisy.cells[0]!, 'p99').difference).toBe(30);
    expect(noisy.passed).toBe(true);
    const tight = compare(sideOf('A', ...p99(100, 101, 99)), sideOf('B', ...p99(130, 131, 129)), 'p99:+20%');
    expect(tight.passed).toBe(false);
  });

  it('fails lost:>0 on one repeat of B that lost data, and throughput on a drop', () => {
    const a = sideOf('A', {}, {});
    const b = sideOf('B', { counts: { lost: 3 } }, { throughputPerS: 400 });
    const c = compare(a, b, 'lost:>0');
    expect(c.failures.map((f) => [f.rule, f.why])).toEqual([['lost:>0', 'B: 3 (limit 0)']]);
    const drop = compare(
      sideOf('A', { throughputPerS: 500 }),
      sideOf('B', { throughputPerS: 400 }),
      'throughput:-10%',
    );
    expect(drop.passed).toBe(false);
  });
});

describe('bench results', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-compare-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const writeBench = (
    name: string,
    sustainablePerS: number,
    p99Ms: number,
    schema = 'faultline/bench@3',
    rule: object = SUSTAINABLE_RULE,
  ) => {
    const benchDir = join(dir, name);
    mkdirSync(benchDir);
    const half = (v: number) => ({ p50: v, p99: v, max: v });
    const entry: BenchEntry = {
      engine: 'barrier-snapshot:checkpointIntervalMs=0',
      role: 'engine',
      workload: 'transactions',
      guarantee: 'exactly-once',
      resolvedOptions: { checkpointIntervalMs: 0 },
      lowLoad: { p50Ms: 20, p99Ms: p99Ms / 2 },
      consumerLagRead: false,
      sustainablePerS,
      failedAtPerS: sustainablePerS * 2,
      runsAtWinner: 2,
      passedAtWinner: 2,
      steps: [],
      // Two repeats at 50 %: p99 and p99 + 10.
      atHalf: latencyAtHalf(
        sustainablePerS / 2,
        [p99Ms, p99Ms + 10].map((p99) => ({
          latencyMs: { p50: 40, p90: 60, p99, p999: p99 * 1.2, p9999: p99 * 1.5, max: 500, mean: 45 },
          inputLatencyMs: half(5),
          processingLatencyMs: half(10),
          deliveryLatencyMs: half(25),
        })),
        [join(benchDir, 'runs', 'gone')],
      ),
      ratioToParallel: null,
      ratioToPassthrough: null,
    };
    const bench = {
      schema,
      startedAt: '2026-11-30T00:00:00Z',
      dir: benchDir,
      settings: { maxRate: 32000, rule },
      entries: [entry],
    };
    writeFileSync(join(benchDir, 'bench.json'), JSON.stringify(bench));
    return benchDir;
  };

  it('reads one cell per engine variant and workload, its throughput the sustainable one', () => {
    const side = loadCompareSide(writeBench('a', 8000, 100));
    expect(side.throughput).toBe('sustainable/s');
    expect(side.cells).toHaveLength(1);
    expect(side.cells[0]).toMatchObject({
      scenario: 'bench',
      engine: 'barrier-snapshot',
      guarantee: 'exactly-once',
      variant: { workload: 'transactions', checkpointIntervalMs: 0 },
    });
    expect(side.cells[0]!.figures.throughput.values).toEqual([8000]);
    // Every repeat at 50 % is a value of the cell, so the comparison sees the spread.
    expect(side.cells[0]!.figures.p99.values).toEqual([100, 110]);
    expect(side.warnings).toHaveLength(1);
    expect(side.warnings[0]).toContain('its lost, duplicated and incorrect are not compared');
  });

  it('warns of a bench judged before the cap on added latency', () => {
    const { latencyAddedCapMs: _cap, ...oldRule } = SUSTAINABLE_RULE;
    const side = loadCompareSide(writeBench('old-rule', 8000, 100, 'faultline/bench@2', oldRule));
    expect(side.warnings[0]).toContain('was judged before the cap on added latency (250 ms)');
  });

  it("warns of a bench judged while the p99 had the p50's bound, and says the two judged by different rules", () => {
    const { p99AddedMaxMs: _p99, ...oldRule } = SUSTAINABLE_RULE;
    const old = loadCompareSide(writeBench('p99-factor', 8000, 100, 'faultline/bench@3', oldRule));
    expect(old.warnings[0]).toContain(
      "was judged before the p99 lost its factor: its p99 had the p50's bound",
    );
    const now = loadCompareSide(writeBench('p99-cap', 8000, 100));
    expect(now.warnings.join()).not.toContain('before the p99');
    const c = compareSides(old, now, [], []);
    expect(c.rule).toBe(
      'The two benches judged their steps by different rules (A: p50 and p99 ≤ 3 × low-load + 50 ms, at most +250 ms; B: p50 ≤ 3 × low-load + 50 ms, at most +250 ms, p99 ≤ low-load + 250 ms): the same run passes under one and fails under the other, so their crossings are not one measure.',
    );
    expect(renderCompareMarkdown(c)).toContain(`**${c.rule}**`);
    expect(compareSides(now, loadCompareSide(writeBench('p99-cap-2', 8000, 100)), [], []).rule).toBeNull();
    // Another constant of the rule is named by its key.
    expect(ruleNote(SUSTAINABLE_RULE, { ...SUSTAINABLE_RULE, lowLoadRuns: 3 })).toContain(
      'different rules in lowLoadRuns:',
    );
  });

  it("reads a bench@2 (one search's bracket) with a warning; a bench@3 has none", () => {
    const side = loadCompareSide(writeBench('bracket', 8000, 100, 'faultline/bench@2'));
    expect(side.warnings.some((w) => w.includes("its sustainable rate is one search's bracket"))).toBe(true);
    expect(loadCompareSide(writeBench('band', 8000, 100)).warnings.join()).not.toContain('bracket');
  });

  it('says when the two benches ran on machines of different speed (a probe > 15 % apart)', () => {
    const timed = (name: string, before: number, after: number, ring?: [number, number]) => {
      const benchDir = writeBench(name, 8000, 100);
      const file = join(benchDir, 'bench.json');
      const bench = JSON.parse(readFileSync(file, 'utf8'));
      const machine = {
        cpuLoopMs: { before, after },
        ...(ring ? { ringCpuUs: { before: ring[0], after: ring[1] } } : {}),
      };
      writeFileSync(file, JSON.stringify({ ...bench, machine }));
      return loadCompareSide(benchDir);
    };
    const fast = timed('fast', 40, 42);
    expect(fast.machine).toEqual({ cpuLoopMs: 41 });
    const c = compareSides(fast, timed('slow', 88, 92), [], []);
    expect(c.machine).toBe(
      "The two benches ran on machines of different speed: the CPU loop ran 2.20× slower on B's machine than on A's machine (90 ms vs 41 ms) (A: loop 41 ms; B: loop 90 ms). Their absolute rates and latencies do not compare; the ratios within each bench (× the parallel passthrough) do, and disagreeing brackets may be the machine, not the engine.",
    );
    expect(renderCompareMarkdown(c)).toContain('**The two benches ran on machines of different speed');
    expect(compareSides(fast, timed('also-fast', 44, 45), [], []).machine).toBeNull();
    // The same CPU loop, a ring that costs 1.5 × the CPU per hop: the multi-process engines' machine changed.
    const ringA = timed('ring-a', 40, 42, [60, 64]);
    const ringB = timed('ring-b', 41, 41, [90, 96]);
    expect(compareSides(ringA, ringB, [], []).machine).toContain(
      "a hop round a ring of 8 processes (CPU) ran 1.50× slower on B's machine than on A's machine (93 µs vs 62 µs)",
    );
    // A probe one side did not run is not compared.
    expect(compareSides(fast, ringB, [], []).machine).toBeNull();
    // One loud probe (a memory read taken between two entries) does not make another machine: a
    // bench's machine is the median of all its samples, the entries' own included.
    const loud = (name: string, entryMemNs: number[], afterMemNs: number) => {
      const benchDir = writeBench(name, 8000, 100);
      const file = join(benchDir, 'bench.json');
      const bench = JSON.parse(readFileSync(file, 'utf8'));
      const first = bench.entries[0];
      bench.entries = entryMemNs.map((memReadNs, i) => ({
        ...first,
        engine: `${first.engine}${i ? `-${i}` : ''}`,
        machine: { cpuLoopMs: 20, memReadNs },
      }));
      bench.machine = {
        cpuLoopMs: { before: 20, after: 20 },
        memReadNs: { before: entryMemNs[0], after: afterMemNs },
      };
      writeFileSync(file, JSON.stringify(bench));
      return loadCompareSide(benchDir);
    };
    const quietSide = loud('quiet', [55, 60, 57], 58);
    const loudSide = loud('loud', [55, 62, 59], 120);
    expect(quietSide.machine).toEqual({ cpuLoopMs: 20, memReadNs: 57.5 });
    expect(loudSide.machine).toEqual({ cpuLoopMs: 20, memReadNs: 60.5 });
    expect(compareSides(quietSide, loudSide, [], []).machine).toBeNull();
    // A bench that kept no ring after its last step: the first entry (its sample is the first one, with the ring)
    // counts once, and the ring, not in every sample, is left out.
    const ringless = (() => {
      const benchDir = writeBench('ringless', 8000, 100);
      const file = join(benchDir, 'bench.json');
      const bench = JSON.parse(readFileSync(file, 'utf8'));
      bench.entries[0].machine = { cpuLoopMs: 20, memReadNs: 55, ringCpuUs: 48 };
      bench.machine = { cpuLoopMs: { before: 20, after: 22 }, memReadNs: { before: 55, after: 61 } };
      writeFileSync(file, JSON.stringify(bench));
      return loadCompareSide(benchDir);
    })();
    expect(ringless.machine).toEqual({ cpuLoopMs: 21, memReadNs: 58 });
    // A bench from before the timing: nothing to say.
    expect(compareSides(fast, loadCompareSide(writeBench('untimed', 8000, 100)), [], []).machine).toBeNull();
  });

  it('says when the two benches ran different code, or code with uncommitted changes', () => {
    const at = (name: string, gitSha?: string) => {
      const benchDir = writeBench(name, 8000, 100);
      const file = join(benchDir, 'bench.json');
      const bench = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...bench, ...(gitSha ? { gitSha } : {}) }));
      return loadCompareSide(benchDir);
    };
    const sha = 'c0d78e4a1b2c3d4e5f60718293a4b5c6d7e8f901';
    const other = '1a66528a1b2c3d4e5f60718293a4b5c6d7e8f901';
    expect(compareSides(at('one', sha), at('two', sha), [], []).code).toBeNull();
    const c = compareSides(at('three', sha), at('four', other), [], []);
    expect(c.code).toBe(
      'The two benches ran different code (A c0d78e4a1b, B 1a66528a1b): a disagreement may be the code, not the machine or the rule.',
    );
    expect(renderCompareMarkdown(c)).toContain('**The two benches ran different code');
    expect(compareSides(at('five', sha), at('six', `${sha}-dirty`), [], []).code).toContain('different code');
    expect(compareSides(at('seven', `${sha}-dirty`), at('eight', `${sha}-dirty`), [], []).code).toContain(
      'the same commit with uncommitted changes',
    );
    // Two commits apart by docs alone ran the same code; unknown to this clone, they count as different.
    const docsOnly = (x: string, y: string) => (x === sha && y === other ? false : null);
    expect(compareSides(at('docs-a', sha), at('docs-b', other), [], [], docsOnly).code).toBeNull();
    expect(compareSides(at('docs-c', other), at('docs-d', sha), [], [], docsOnly).code).toContain(
      'different code',
    );
    expect(
      compareSides(at('docs-e', sha), at('docs-f', `${other}-dirty`), [], [], () => false).code,
    ).toContain('different code');
    expect(compareSides(at('nine', sha), at('ten'), [], []).code).toBeNull();
  });

  it("pools both benches' runs rate by rate where both kept their tallies", () => {
    const tallied = (
      name: string,
      sustainablePerS: number,
      tally: [number, number, number][],
      cpuLoopMs = 40,
    ) => {
      const benchDir = writeBench(name, sustainablePerS, 100);
      const file = join(benchDir, 'bench.json');
      const bench = JSON.parse(readFileSync(file, 'utf8'));
      bench.entries[0].tally = tally.map(([rate, passed, runs]) => ({ rate, runs, passed }));
      bench.machine = { cpuLoopMs: { before: cpuLoopMs, after: cpuLoopMs } };
      writeFileSync(file, JSON.stringify(bench));
      return loadCompareSide(benchDir);
    };
    const tallyA: [number, number, number][] = [
      [6800, 3, 3],
      [8200, 1, 3],
      [10000, 1, 3],
    ];
    const tallyB: [number, number, number][] = [
      [6800, 3, 3],
      [8200, 3, 3],
      [10000, 2, 3],
      [12000, 0, 3],
    ];
    const c = compareSides(tallied('tally-a', 6800, tallyA), tallied('tally-b', 10000, tallyB), [], []);
    expect(c.pooledWithheld).toBeNull();
    // 10000/s: 3 of 6 passed, half: a pass; 12000/s: 0 of 3.
    expect(c.cells[0]!.sustainable?.pooled).toBe(
      '10000 [10000–12000), 3/6 at it, band [6800–12000): 6800 6/6 · 8200 4/6 · 10000 3/6 · 12000 0/3',
    );
    expect(renderCompareMarkdown(c)).toContain(
      "Both benches' runs pooled, rate by rate (a figure where both ran one commit on one machine):\n\n- bench · barrier-snapshot · exactly-once (transactions, checkpointIntervalMs=0): 10000 [10000–12000)",
    );
    // On a machine twice as slow the two limits differ: no pooled figure, in the JSON or the markdown, and why.
    const apart = compareSides(
      tallied('tally-fast', 6800, tallyA),
      tallied('tally-slow', 10000, tallyB, 80),
      [],
      [],
    );
    expect(apart.cells[0]!.sustainable?.pooled).toBeUndefined();
    expect(apart.cells[0]!.sustainable?.agree).toBe(c.cells[0]!.sustainable?.agree);
    expect(apart.pooledWithheld).toBe(
      "Both benches' runs are not pooled rate by rate: the two ran on machines of different speed (below), and a crossing pooled over two limits is the limit of neither.",
    );
    const md = renderCompareMarkdown(apart);
    expect(md).toContain(
      "Both benches' runs are not pooled rate by rate: the two ran on machines of different speed",
    );
    expect(md).not.toContain("Both benches' runs pooled, rate by rate");
  });

  it('fails a throughput rule when B sustains less', () => {
    const c = compareSides(
      loadCompareSide(writeBench('b', 8000, 100)),
      loadCompareSide(join(writeBench('c', 6000, 100), 'bench.json')),
      parseFailRules('throughput:-10%'),
      [],
    );
    expect(c.failures.map((f) => f.why)).toEqual(['change −2,000/s is beyond −800/s (10 % of A)']);
    // 8000 [8000–16000) and 6000 [6000–12000): both searches put the rate in [8000–12000).
    expect(c.cells[0]!.sustainable).toEqual({
      a: '8000 [8000–16000), 2/2 at the winner',
      b: '6000 [6000–12000), 2/2 at the winner',
      agree: true,
      why: 'the brackets overlap: both place the sustainable rate in [8000–12000)',
    });
    const md = renderCompareMarkdown(c);
    expect(md).toContain(
      'The sustainable rate of 1 of 1 paired cells agrees within one search step (a grid step, ~1.2 ×, in a bench@3).',
    );
    expect(md).toContain('Sustainable: A 8000 [8000–16000), 2/2 at the winner; B 6000 [6000–12000)');
  });

  it('two benches agree when their brackets overlap or meet (one search step), not when apart', () => {
    const b = (passedPerS: number, failedAtPerS: number | null) => ({
      passedPerS,
      failedAtPerS,
      maxRatePerS: 32000,
      passedAtWinner: 2,
      runsAtWinner: 2,
    });
    expect(bracketAgreement(b(12000, 16000), b(16000, 24000))).toMatchObject({
      agree: true,
      why: 'one search step apart (the brackets meet at 16000/s)',
    });
    expect(bracketAgreement(b(12000, 14000), b(16000, 24000))).toMatchObject({
      agree: false,
      why: 'more than a search step apart: one sustained 16000/s, the other failed at 14000/s',
    });
    expect(bracketAgreement(b(32000, null), b(24000, null))).toMatchObject({
      agree: true,
      why: 'the brackets overlap: both place the sustainable rate in [32000–>32000)',
    });
    expect(bracketAgreement(b(0, 2000), b(2000, 3000)).agree).toBe(true);
    // A bench@3 names its band beside the crossing.
    const band = { ...b(12000, 15000), band: '[10000–18000)' };
    expect(bracketAgreement(band, b(15000, 18000)).a).toBe(
      '12000 [12000–15000), 2/2 at it, band [10000–18000)',
    );
  });

  it("compares each entry's ratio to its own bench's parallel passthrough, with the interval both brackets allow", () => {
    const b = (passedPerS: number, failedAtPerS: number | null, parallel?: [number, number | null]) => ({
      passedPerS,
      failedAtPerS,
      maxRatePerS: 120000,
      passedAtWinner: 3,
      runsAtWinner: 3,
      ...(parallel ? { parallel: { passedPerS: parallel[0], failedAtPerS: parallel[1] } } : {}),
    });
    // docs/benches 2026-12-05a: ack-tree 4700 [4700–5600) beside a parallel passthrough of 47000 [47000–56000), and
    // a slower host's 2200 [2200–2700) beside 15000 [15000–18000): 0.1 and 0.147, apart beyond the grid's resolution.
    expect(ratioAgreement(b(4700, 5600, [47000, 56000]), b(2200, 2700, [15000, 18000]))).toEqual({
      a: '0.1 [0.084–0.119)',
      b: '0.147 [0.122–0.18)',
      consistent: false,
      why: "more than the searches' resolution apart: A's under 0.119, B's at least 0.122",
    });
    // 0.702 and 0.667: within it.
    expect(ratioAgreement(b(33000, 39000, [47000, 56000]), b(10000, 12000, [15000, 18000]))).toMatchObject({
      consistent: true,
      why: 'both put it in [0.589–0.8)',
    });
    // Intervals that only touch share no ratio; an open end is unbounded.
    expect(ratioAgreement(b(1000, 1200, [10000, 12000]), b(1440, 1800, [10000, 12000]))).toMatchObject({
      consistent: false,
      why: "more than the searches' resolution apart: A's under 0.12, B's at least 0.12",
    });
    expect(ratioAgreement(b(1000, null, [10000, null]), b(900, 1000, [10000, 12000]))).toMatchObject({
      a: '0.1 [0–∞)',
      consistent: true,
    });
    // No parallel passthrough beside the entry in either bench: no ratio.
    expect(ratioAgreement(b(1000, 1200), b(1000, 1200, [10000, 12000]))).toBeNull();
  });

  it("reads a bench's parallel passthrough beside each entry and prints the ratios in Markdown", () => {
    const withParallel = (name: string, sustainablePerS: number, parallelPerS: number) => {
      const benchDir = writeBench(name, sustainablePerS, 100);
      const file = join(benchDir, 'bench.json');
      const bench = JSON.parse(readFileSync(file, 'utf8'));
      const engine = bench.entries[0];
      bench.entries.unshift({
        ...engine,
        engine: 'passthrough:instances=2',
        role: 'parallel-passthrough',
        guarantee: 'none',
        sustainablePerS: parallelPerS,
        failedAtPerS: parallelPerS * 1.2,
      });
      writeFileSync(file, JSON.stringify(bench));
      return benchDir;
    };
    const c = compareSides(
      loadCompareSide(withParallel('ratio-a', 8000, 40000)),
      loadCompareSide(withParallel('ratio-b', 3000, 12000)),
      [],
      [],
    );
    const engine = c.cells.find((cell) => cell.engine === 'barrier-snapshot')!;
    expect(engine.sustainable?.ratio).toEqual({
      a: '0.2 [0.167–0.4)',
      b: '0.25 [0.208–0.5)',
      consistent: true,
      why: 'both put it in [0.208–0.4)',
    });
    // The parallel passthrough has no ratio to itself.
    expect(c.cells.find((cell) => cell.engine === 'passthrough')!.sustainable?.ratio).toBeUndefined();
    const md = renderCompareMarkdown(c);
    expect(md).toContain(
      "The ratio to each bench's own parallel passthrough (what compares across machines, where the rates do not) is consistent in 1 of 1",
    );
    expect(md).toContain(
      "Ratio to its bench's parallel passthrough: A 0.2 [0.167–0.4); B 0.25 [0.208–0.5): consistent, both put it in [0.208–0.4).",
    );
  });

  it('prints both benches’ fitted crossings and whether they are within the runs’ spread', () => {
    // `5600 3/3 · 6800 2/3`: the runs passed per rate, as bench.md prints them.
    const withTally = (name: string, runs: string) => {
      const benchDir = writeBench(name, 8200, 100);
      const file = join(benchDir, 'bench.json');
      const bench = JSON.parse(readFileSync(file, 'utf8'));
      // No `fit` kept (a bench before it): compare fits the tally, from the bench's start rate.
      bench.entries[0].tally = tallyOf(runs);
      writeFileSync(file, JSON.stringify(bench));
      return benchDir;
    };
    const c = compareSides(
      loadCompareSide(withTally('fit-a', '5600 3/3 · 6800 2/3 · 8200 2/3 · 10000 1/3 · 12000 0/3')),
      loadCompareSide(withTally('fit-b', '10000 3/3 · 12000 2/3 · 15000 2/3 · 18000 0/3')),
      [],
      [],
    );
    const md = renderCompareMarkdown(c);
    expect(md).toMatch(
      /Fitted ½ crossing \[95 %\]: A \d+ \[\d+–\d+\]; B \d+ \[\d+–>18000\]: \*\*apart\*\*, 1\.\d\d × apart, beyond/,
    );
    expect(md).toContain("are within the runs' own spread in 0 of 1; apart in: bench · barrier-snapshot");
  });

  it('warns of a bench whose tree changed while it ran', () => {
    const benchDir = writeBench('changed-tree', 8000, 100);
    const file = join(benchDir, 'bench.json');
    writeFileSync(
      file,
      JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), gitSha: 'abc', gitShaAtEnd: 'abc-dirty' }),
    );
    expect(loadCompareSide(benchDir).warnings).toContain(
      `${file}: the tree changed while the bench ran (abc when it started, abc-dirty when it finished): the runs after the change may have run other code`,
    );
  });

  it('refuses a faultline/bench@1 file: its steps were judged by another rule', () => {
    const old = writeBench('old', 8000, 100, 'faultline/bench@1');
    expect(() => loadCompareSide(old)).toThrow(/is a faultline\/bench@1 result.*do not compare/);
  });
});
