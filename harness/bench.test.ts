import { describe, expect, it } from 'vitest';
import { getEngine } from '../engines/index.ts';
import { parsePassthroughOptions } from '../engines/passthrough/index.ts';
import { benchEngineOptions, latencyAtHalf, outcomeSoFar, referenceQuietOf, withLimits } from './bench.ts';
import {
  addRatios,
  type BenchEntry,
  type BenchResult,
  type BenchStep,
  bandText,
  benchGoals,
  fittedRatioText,
  formatBench,
  goalVerdictText,
  isVerdict,
  ratioDoubt,
  spreadOf,
  spreadVerdict,
} from './bench-report.ts';
import { lagFrom } from './consumer-lag.ts';
import { type StepJudgement, SUSTAINABLE_RULE } from './sustainable.ts';

const entry = (
  engine: string,
  role: BenchEntry['role'],
  perS: number,
  p99: number | null,
  more: Partial<BenchEntry> = {},
): BenchEntry => ({
  engine,
  role,
  workload: 'transactions',
  guarantee: 'none',
  resolvedOptions: {},
  lowLoad: { p50Ms: 10, p99Ms: 50 },
  consumerLagRead: false,
  sustainablePerS: perS,
  failedAtPerS: perS * 2,
  runsAtWinner: 2,
  passedAtWinner: 2,
  steps: [],
  atHalf:
    p99 === null
      ? null
      : {
          rate: perS / 2,
          p50Ms: spreadOf([p99 / 4])!,
          p99Ms: spreadOf([p99 - 10, p99 + 10])!,
          p999Ms: spreadOf([p99 * 2])!,
          maxMs: spreadOf([p99 * 3])!,
          inputMs: { p50: spreadOf([3, 5])!, p99: spreadOf([30])! },
          processingMs: { p50: spreadOf([1])!, p99: spreadOf([9])! },
          deliveryMs: { p50: spreadOf([8])!, p99: spreadOf([60])! },
          runDirs: [],
        },
  ratioToParallel: null,
  ratioToPassthrough: null,
  ...more,
});

const header = {
  schema: 'faultline/bench@3',
  startedAt: '2026-11-30T00:00:00Z',
  dir: '/tmp/b',
  settings: {
    stepS: 20,
    warmupS: 5,
    halfWarmupS: 10,
    startRate: 1000,
    maxRate: 64_000,
    repeats: 3,
    halfRuns: 2,
    rule: SUSTAINABLE_RULE,
  },
} as const;

describe('limits, ratios and goals', () => {
  const entries = [
    entry('harness-pipe', 'harness-only', 30_000, 40),
    entry('passthrough:instances=2', 'parallel-passthrough', 10_000, 100),
    entry('passthrough', 'engine', 6000, 80),
    entry('ack-tree', 'engine', 8000, 150, {
      guarantee: 'at-least-once',
      consumerLagRead: true,
      failedAtPerS: 10_000,
      runsAtWinner: 3,
      passedAtWinner: 2,
      band: { allPassedPerS: 6800, allFailedPerS: 12_000 },
      tally: [
        { rate: 1000, runs: 1, passed: 1 },
        { rate: 6800, runs: 3, passed: 3 },
        { rate: 8200, runs: 3, passed: 2 },
        { rate: 10_000, runs: 3, passed: 1 },
        { rate: 12_000, runs: 3, passed: 0 },
      ],
    }),
    entry('operator-checkpoint', 'engine', 12_000, 300, { guarantee: 'at-least-once' }),
    entry('barrier-snapshot:guarantee=exactly-once', 'engine', 5000, 1100, {
      guarantee: 'exactly-once',
      resolvedOptions: { checkpointIntervalMs: 1000 },
    }),
  ];
  addRatios(entries);
  const fitAt = (ratePerS: number, lowPerS: number | null, highPerS: number | null) => ({
    ratePerS,
    lowPerS,
    highPerS,
    runs: 12,
    rates: 4,
    testedPerS: { min: 1000, max: 40000 },
  });

  it('the ratios are to the parallel passthrough and, apart, to the single one', () => {
    expect(entries.map((e) => e.ratioToParallel)).toEqual([3, 1, 0.6, 0.8, 1.2, 0.5]);
    expect(entries[3]!.ratioToPassthrough).toBe(1.333);
  });

  it('gives the ratio goal its fitted ratio where both entries kept a fit', () => {
    // docs/benches 2026-12-05c: ack-tree 2690 [2284–2955] over the parallel passthrough's 11749 [9704–14973].
    expect(fittedRatioText(fitAt(2690, 2284, 2955), fitAt(11749, 9704, 14973))).toBe(
      '; fitted 0.229× [0.15–0.3]',
    );
    expect(fittedRatioText(fitAt(2690, null, 2955), fitAt(11749, 9704, 14973))).toBe('; fitted 0.229×');
    expect(fittedRatioText(fitAt(2690, 2284, 2955), null)).toBe('');
    const [ackTree, parallel] = [
      entries.find((e) => e.engine === 'ack-tree')!,
      entries.find((e) => e.role === 'parallel-passthrough')!,
    ];
    const withFits = entries.map((e) =>
      e === ackTree
        ? { ...e, fit: fitAt(8500, 7000, 10000) }
        : e === parallel
          ? { ...e, fit: fitAt(10500, 9000, 12000) }
          : e,
    );
    expect(benchGoals(withFits)[0]!.measured).toBe('0.8× (8000 / 10000 events/s); fitted 0.81× [0.58–1.11]');
  });

  it('judges every goal of issue 22 as measured', () => {
    expect(benchGoals(entries).map((g) => [g.goal, g.engine, g.measured, g.met])).toEqual([
      ['≥ 0.7 × parallel passthrough', 'ack-tree', '0.8× (8000 / 10000 events/s)', true],
      ['≥ 0.7 × parallel passthrough', 'operator-checkpoint', '1.2× (12000 / 10000 events/s)', true],
      ['p99 at 50 % ≤ 2 × parallel passthrough p99', 'ack-tree', '150 ms vs 2 × 100 = 200 ms', true],
      [
        'p99 at 50 % ≤ 2 × parallel passthrough p99',
        'operator-checkpoint',
        '300 ms vs 2 × 100 = 200 ms',
        false,
      ],
      [
        'p99 at 50 % ≤ checkpoint interval + 2 × parallel passthrough p99',
        'barrier-snapshot:guarantee=exactly-once',
        '1100 ms vs 1000 + 2 × 100 = 1200 ms',
        true,
      ],
      // 30000 < 3 × 12000: the harness is the limit.
      [
        'harness alone ≥ 3 × the fastest engine',
        'harness-pipe',
        '30000 vs 3 × 12000 (operator-checkpoint) = 36000 events/s',
        false,
      ],
    ]);
  });

  it('a goal the runs decide differently is "undecided", with the pairs and the bounds (docs/benches 2026-12-06a)', () => {
    // The parallel passthrough's two runs at 50 % read p99 176.6 and 40.4 ms: 2 × either is another bound.
    const base = spreadOf([176.639, 40.351])!;
    const ackTree = spreadOf([162.687, 131.967])!;
    const twice = (b: number) => 2 * b;
    expect(spreadVerdict(ackTree, base, twice)).toEqual({
      met: true,
      undecided:
        'met in 2 of 4 pairs of runs (runs 132–162.7 ms vs bounds 80.8–353.2 ms); on the medians met',
    });
    // Every pair agrees: decided, as the medians say.
    expect(spreadVerdict(spreadOf([60, 70])!, spreadOf([40, 50])!, twice)).toEqual({ met: true });
    expect(spreadVerdict(spreadOf([300, 310])!, spreadOf([40, 50])!, twice)).toEqual({ met: false });
    // One run a side: nothing to disagree.
    expect(spreadVerdict(spreadOf([90])!, spreadOf([40])!, twice)).toEqual({ met: false });
    const bs = spreadVerdict(spreadOf([1424.383, 1259.519])!, base, (b) => 1000 + 2 * b);
    expect(goalVerdictText(bs)).toBe(
      'undecided: met in 1 of 4 pairs of runs (runs 1259.5–1424.4 ms vs bounds 1080.8–1353.2 ms); on the medians NOT met',
    );
    expect(goalVerdictText({ met: true })).toBe('met');
    expect(goalVerdictText({ met: false })).toBe('NOT met');
    expect(goalVerdictText({ met: null })).toBe('not measured');
  });

  it("a ratio goal whose fitted interval holds 0.7 is undecided, whatever the grid's crossings say", () => {
    // 06a: operator-checkpoint 22078 [20102–25873] over the parallel passthrough's 33115 [30266–37745].
    const [oc, pt] = [fitAt(22078, 20102, 25873), fitAt(33115, 30266, 37745)];
    expect(ratioDoubt(oc, pt, 0.7)).toBe("the fitted ratio's interval [0.53–0.85] holds 0.7");
    expect(ratioDoubt(fitAt(4333, 2720, null), pt, 0.7)).toBeUndefined(); // open: no interval to judge
    expect(ratioDoubt(fitAt(9000, 8000, 9500), pt, 0.7)).toBeUndefined(); // [0.21–0.31]: decided
    const withFits = entries.map((e) =>
      e.engine === 'ack-tree'
        ? { ...e, fit: fitAt(8500, 7000, 10000) }
        : e.role === 'parallel-passthrough'
          ? { ...e, fit: fitAt(10500, 9000, 12000) }
          : e,
    );
    expect(goalVerdictText(benchGoals(withFits)[0]!)).toBe(
      "undecided: the fitted ratio's interval [0.58–1.11] holds 0.7; on the grid met",
    );
  });

  it('a limit that never failed up to the max rate leaves its goals "not measured"', () => {
    const capped = [
      entry('harness-pipe', 'harness-only', 8000, 12, { failedAtPerS: null }),
      entry('passthrough:instances=2', 'parallel-passthrough', 8000, 36, { failedAtPerS: null }),
      entry('ack-tree', 'engine', 4000, 1700, { guarantee: 'at-least-once' }),
    ];
    addRatios(capped);
    const goals = benchGoals(capped);
    expect(goals.map((g) => g.met)).toEqual([null, false, null]);
    expect(goals[0]!.measured).toBe('the parallel passthrough did not fail up to 8000/s: raise --max-rate');
    expect(goals[2]!.measured).toBe(
      '8000+ (no step up to the max rate failed) vs 3 × 8000 (passthrough:instances=2): raise --max-rate to 24000',
    );
  });

  it('a goal whose figures are missing is "not measured", never met or failed', () => {
    const alone = [entry('ack-tree', 'engine', 8000, null, { guarantee: 'at-least-once' })];
    addRatios(alone);
    expect(benchGoals(alone).map((g) => [g.measured, g.met])).toEqual([
      ['parallel passthrough not measured', null],
      ['p99 at 50 % not measured', null],
      ['harness pipe or engines not measured', null],
    ]);
  });

  it('bench.md: the bracket, the repeats, both baselines, the split with spreads, the goals and the harness limit', () => {
    const md = formatBench({
      ...header,
      parallelBaseline: 'passthrough:instances=2',
      entries,
      goals: benchGoals(entries),
    });
    expect(md).toContain('| × passthrough:instances=2 | × passthrough |');
    expect(md).toContain(
      'Latency at 50 %: 2 runs at half the sustainable rate, 20 s measured after 10 s warm-up',
    );
    expect(md).toContain(
      '| ack-tree | at-least-once | transactions | 8000 [8000–10000) | [6800–12000) | 6800 3/3 · 8200 2/3 · 10000 1/3 · 12000 0/3 | 9052 [7540–10854] | 0.8 | 1.333 | yes | 4000 | 37.5 | 150 [140–160] | 4 [3–5] / 30 | 1 / 9 | 8 / 60 |',
    );
    expect(md).toContain('| harness-pipe (harness alone) | none |');
    expect(md).toContain(
      '| transactions | p99 at 50 % ≤ 2 × parallel passthrough p99 | operator-checkpoint | 300 ms vs 2 × 100 = 200 ms | NOT met |',
    );
    expect(md).toContain('The harness is the limit (transactions)');
    expect(md).toContain('Links: every engine direct (no Toxiproxy hop), as the baselines;');
    expect(md).toContain(
      "p50 under 3 × the low-load step's + 50 ms and at most 250 ms above it, p99 at most 250 ms above the low-load step's (bounded, not tight",
    );
    // A bench judged before the p99 lost its factor says the rule it applied.
    const { p99AddedMaxMs: _p99, ...oldRule } = SUSTAINABLE_RULE;
    const oldMd = formatBench({
      ...header,
      settings: { ...header.settings, rule: oldRule },
      parallelBaseline: null,
      entries: [],
      goals: [],
    });
    expect(oldMd).toContain("p50 and p99 under 3 × the low-load step's + 50 ms and at most 250 ms above it,");
    const proxiedMd = formatBench({
      ...header,
      parallelBaseline: null,
      entries: [entry('ack-tree:proxied=true', 'engine', 8000, 150, { resolvedOptions: { proxied: true } })],
      goals: [],
    });
    expect(proxiedMd).toContain('except through Toxiproxy: ack-tree:proxied=true.');
    expect(md).toContain(
      'then runs each rate of the band where verdicts turn 3× in rounds (every rate once per round, rising), widening it until its lowest rate passed every run and its highest failed every run. Sustainable is the ½ crossing',
    );
    // A bench before the band (bench@2 settings): its search as it was, the winner's runs alone.
    const before = formatBench({
      ...header,
      settings: { ...header.settings, bisections: 2, repeats: 2 },
      parallelBaseline: null,
      entries: [entry('passthrough', 'engine', 6000, 80)],
      goals: [],
    });
    expect(before).toContain('The search doubled, bisected 2× and repeated the winner 2× in all');
    expect(before).toContain('| 6000 [6000–12000) | - | 2/2 at the winner |');
    // bench21b's operator-checkpoint: no rate up to 10000 failed every run, and the band stopped at 6 rates.
    const tally = [3900, 4700, 5600, 6800, 8200, 10_000].map((rate, i) => ({
      rate,
      runs: 3,
      passed: [3, 2, 2, 2, 1, 1][i]!,
    }));
    const wide = { band: { allPassedPerS: 3900, allFailedPerS: null }, tally, failedAtPerS: 8200 };
    expect(bandText(wide, 120_000)).toBe('[3900–?): no rate up to 10000 failed every run');
    expect(bandText({ ...wide, failedAtPerS: null }, 120_000)).toBe('[3900–>120000)');
    expect(md).not.toContain('Warm-up:');
    expect(md).not.toContain('Machine:');
  });

  it('bench.md samples the machine before and after, and warns when a probe changed in between', () => {
    const md = (machine: BenchResult['machine']) =>
      formatBench({ ...header, parallelBaseline: null, entries: [], goals: [], machine });
    const same = md({ cpuLoopMs: { before: 40, after: 44 } });
    expect(same).toContain('before the first step loop 40 ms; after the last loop 44 ms.');
    expect(same).not.toContain('changed while the bench ran');
    expect(md({ cpuLoopMs: { before: 40, after: 90 } })).toContain(
      'The machine changed while the bench ran: the CPU loop ran 2.25× slower after the last than before the first step (90 ms vs 40 ms).',
    );
    const all = md({
      cpuLoopMs: { before: 16, after: 17 },
      memReadNs: { before: 180, after: 185 },
      ringCpuUs: { before: 60, after: 90 },
      ringWallUs: { before: 55, after: 58 },
    });
    expect(all).toContain(
      'before the first step loop 16 ms, memory read 180 ns, ring 60 µs CPU / 55 µs wall per hop; after the last loop 17 ms, memory read 185 ns, ring 90 µs CPU / 58 µs wall per hop.',
    );
    expect(all).toContain(
      'The machine changed while the bench ran: a hop round a ring of 8 processes (CPU) ran 1.50× slower after the last than before the first step (90 µs vs 60 µs).',
    );
    // Each entry's sample leads its steps line; the commit is named.
    const sampled = formatBench({
      ...header,
      gitSha: 'c0d78e4',
      parallelBaseline: null,
      entries: [{ ...entry('ack-tree', 'engine', 5000, 200), machine: { cpuLoopMs: 16.5, ringCpuUs: 63 } }],
      goals: [],
    });
    expect(sampled).toContain(
      '- ack-tree/transactions (machine before it: loop 16.5 ms, ring 63 µs CPU per hop):',
    );
    expect(sampled).toContain('Code: c0d78e4.');
    // A tree changed while the bench ran: both commits, and what that means for the runs.
    const changed = formatBench({
      ...header,
      gitSha: 'c0d78e4',
      gitShaAtEnd: 'c0d78e4-dirty',
      parallelBaseline: null,
      entries: [],
      goals: [],
    });
    expect(changed).toContain(
      "Code: c0d78e4 when it started, c0d78e4-dirty when it finished: the tree changed while the bench ran, and each run's worker processes load it as they start, so the runs after the change may have run other code.",
    );
  });

  it('the JVM engines warm up 20 s unless the bench is told otherwise, and bench.md says so', () => {
    for (const name of ['storm', 'flink', 'kafka-streams']) expect(getEngine(name).benchWarmupS).toBe(20);
    for (const name of ['passthrough', 'ack-tree', 'barrier-snapshot', 'operator-checkpoint'])
      expect(getEngine(name).benchWarmupS).toBeUndefined();
    const storm = { ...entry('storm', 'engine', 3500, 190), warmupS: 20, halfWarmupS: 20 };
    const md = formatBench({ ...header, parallelBaseline: null, entries: [storm], goals: [] });
    expect(md).toContain('Warm-up: storm 20 s before each step and 20 s before each run at 50 %');
  });

  it('the CPU account at 50 %: busy share, steal and engine cores over the repeats; an unread /proc is not a figure', () => {
    const latency = { p50: 5, p90: 8, p99: 20, p999: 30, p9999: 40, max: 50, mean: 6 };
    const run = (busy: number | null, engine: number | null, steal?: number) => ({
      latencyMs: latency,
      processingLatencyMs: { p50: 1, p99: 2, max: 3 },
      cpu: {
        wallS: 20,
        cpus: 2,
        machineBusy: busy as number,
        ...(steal === undefined ? {} : { machineSteal: steal }),
        cores: { engine: engine as number, kafka: 0.4, toxiproxy: 0, redis: 0, harness: 0.2, other: 0 },
      },
    });
    const h = latencyAtHalf(1000, [run(0.961, 1.071, 0.12), run(0.95, 1.04, 0.081), run(null, null)], []);
    expect(h.cpuBusyPct).toEqual({ median: 95.6, min: 95, max: 96.1, values: [96.1, 95] });
    expect(h.cpuStealPct?.values).toEqual([12, 8.1]);
    expect(h.engineCores?.values).toEqual([1.07, 1.04]);
    // bench.md: the steal beside the busy share, and over every step in a line of its own.
    const e = entry('passthrough', 'engine', 2000, 80, {
      atHalf: {
        ...entry('x', 'engine', 2000, 80).atHalf!,
        cpuBusyPct: h.cpuBusyPct,
        cpuStealPct: h.cpuStealPct,
      },
      steps: [0.02, 0.12, 0.004].map((machineSteal, i) => ({
        rate: 1000 * (i + 1),
        runDir: `r${i}`,
        judgement: { sustainable: true, reason: '' } as StepJudgement,
        cpu: { ...run(0.9, 0.5).cpu, machineSteal },
      })),
    });
    const md = formatBench({ ...header, parallelBaseline: null, entries: [e], goals: [] });
    expect(md).toContain('| 95.6 [95–96.1] (stolen 10.1 [8.1–12]) |');
    expect(md).toContain(
      "Steal: the hypervisor took 2 % of the machine's CPU in the median step, 0.4–12 % over the 3 steps (/proc/stat): the machine was not quiet",
    );
    expect(md).toContain('2000 ✓ [cpu 90 % (12 % stolen), engine 0.50]');
  });

  it('a stolen run is listed with its steal and wait, not counted; bench.md says what the quiet host cost', () => {
    const cpu = (machineSteal: number) => ({
      wallS: 20,
      cpus: 2,
      machineBusy: 0.95,
      machineSteal,
      cores: { engine: 1.1, kafka: 0.3, toxiproxy: 0, redis: 0, harness: 0.3, other: 0 },
    });
    const ok = { sustainable: true, reason: '' } as StepJudgement;
    const run = (rate: number, runDir: string, steal: number, more: Partial<BenchStep> = {}): BenchStep => ({
      rate,
      runDir,
      judgement: ok,
      cpu: cpu(steal),
      ...more,
    });
    const stolen = (share: number, waitedS: number, probeShare: number, quiet: boolean) => ({
      rerun: true as const,
      stolen: { share, waitedS, probeShare, quiet },
    });
    const e = entry('ack-tree', 'engine', 1500, 90, {
      steps: [
        run(250, 'r0', 0.02, { rerun: true }),
        run(250, 'r1', 0.19, stolen(0.19, 4, 0.02, true)),
        run(250, 'r2', 0.03),
        run(1000, 'r3', 0.3, stolen(0.3, 60, 0.14, false)),
        run(1000, 'r4', 0.12),
      ],
    });
    e.atHalf = {
      ...e.atHalf!,
      stolen: [{ runDir: 'h0', share: 0.11, waitedS: 2, probeShare: 0.01, quiet: true }],
    };
    const quietHost = { stealShare: 0.1, reruns: 2, waitS: 60, probeS: 2 };
    const md = formatBench({
      ...header,
      settings: { ...header.settings, quietHost },
      parallelBaseline: null,
      entries: [e],
      goals: [],
    });
    expect(md).toContain(
      "Quiet host: a run with 10 % or more of the machine's time stolen is not counted; it is run again once a 2 s probe with every CPU busy reads less (waiting up to 60 s), at most 2× per counted run, the last counted whatever it read. 3 runs were run again (⌁ below; 11–30 % stolen), after waits of 4 [2–60] s (median [min–max]; 66 s in all); 1 wait gave up with the host still stolen from. 1 counted step still read 10 % or more.",
    );
    // The steal line is over the counted steps only.
    expect(md).toContain('in the median counted step, 2–12 % over the 3 steps');
    expect(md).toContain('⌁ a run stolen from, not counted, run again');
    expect(md).toContain('250 ⌁ (19 % stolen; run again after 4 s (probe 2 %))');
    expect(md).toContain('1000 ⌁ (30 % stolen; run again after 60 s, the host still 14 % stolen)');
    // Not verdicts: the tally is the search's, which counted neither.
    expect(e.steps.filter(isVerdict).map((st) => st.runDir)).toEqual(['r2', 'r4']);
    // A bench with the reference's stricter quiet host says what it asked.
    expect(
      formatBench({
        ...header,
        settings: { ...header.settings, quietHost: { ...quietHost, reference: referenceQuietOf(quietHost) } },
        parallelBaseline: null,
        entries: [e],
        goals: [],
      }),
    ).toContain(
      'the last counted whatever it read. The low-load reference asks more (every bound of its entry is a multiple of it): from 5 % stolen, at most 4×, each after at least 30 s. 3 runs were run again',
    );
    // A bench before the quiet host says nothing of it.
    expect(formatBench({ ...header, parallelBaseline: null, entries: [e], goals: [] })).not.toContain(
      'Quiet host',
    );
  });

  it("names every entry's low-load reference and warns where the machine was busy in it, steal not counted", () => {
    const cpu = (machineBusy: number, machineSteal = 0) => ({
      wallS: 20,
      cpus: 2,
      machineBusy,
      machineSteal,
      cores: { engine: 1.3, kafka: 0.3, toxiproxy: 0, redis: 0, harness: 0.3, other: 0 },
    });
    const step = (rate: number, c: ReturnType<typeof cpu>, saturated = false) => ({
      rate,
      runDir: `r${rate}`,
      judgement: { sustainable: true, reason: 'low-load reference' } as StepJudgement,
      cpu: c,
      ...(saturated ? { saturated: true as const } : {}),
    });
    const busy = entry('ack-tree', 'engine', 3300, 100, {
      lowLoad: { p50Ms: 42.04, p99Ms: 122.36 },
      steps: [step(250, cpu(0.987)), step(250, cpu(0.991)), step(1000, cpu(0.5))],
    });
    // 99 % busy, of which 12 % the hypervisor's: 87 % is this machine's work, under the warning.
    const stolen = entry('passthrough', 'engine', 10_000, 50, {
      lowLoad: { p50Ms: 4, p99Ms: 12 },
      steps: [step(250, cpu(0.99, 0.12)), step(250, cpu(0.995, 0.1))],
    });
    // A bench of the halving rule (7850088): its moves are named.
    const moved = entry('operator-checkpoint', 'engine', 18_000, 100, {
      lowLoad: { p50Ms: 8, p99Ms: 25 },
      steps: [
        step(1000, cpu(0.96), true),
        step(1000, cpu(0.97), true),
        step(500, cpu(0.64)),
        step(500, cpu(0.66)),
        step(680, cpu(0.8)),
      ],
    });
    const md = formatBench({
      ...header,
      parallelBaseline: null,
      entries: [busy, stolen, moved],
      goals: [],
    });
    expect(md).toContain(
      "Low-load references (each entry's first step, 2 runs pooled; later-half p50/p99; the machine's least busy share in them, steal not counted): ack-tree/transactions 250/s (p50/p99 42.0/122.4 ms, machine 99 % busy); passthrough/transactions 250/s (p50/p99 4.0/12.0 ms, machine 87 % busy, 12 % stolen); operator-checkpoint/transactions 500/s (p50/p99 8.0/25.0 ms, machine 64 % busy).",
    );
    // A reference with a counted run stolen from (5 % or more) is named: every bound of its entry rests on it.
    expect(md).toContain(
      "Low load measured on a stolen host for passthrough/transactions: a counted run of its reference read 12 % of the machine's time stolen, so its figures",
    );
    expect(md).not.toContain('Low load measured on a stolen host for ack-tree');
    expect(md).toContain(
      'Low load may not be low for ack-tree/transactions: the machine was 99 % busy or more in every run at 250/s (steal not counted)',
    );
    expect(md).not.toContain('Low load may not be low for passthrough');
    expect(md).not.toContain('Low load may not be low for operator-checkpoint');
    expect(md).toContain(
      'Low load moved for operator-checkpoint/transactions to 500/s: in its low-load steps at 1000/s (96 % busy) the machine was saturated',
    );
    // In the step list, the saturated runs are marked (and the legend names the mark) and are not verdicts.
    expect(md).toContain('⇣ a low-load run on a saturated machine');
    expect(md).toContain(
      '1000 ⇣ (low-load reference) [cpu 96 %, engine 1.30], 1000 ⇣ (low-load reference) [cpu 97 %, engine 1.30], 500 ✓',
    );
    expect(outcomeSoFar(moved.steps).tally.map((t) => t.rate)).toEqual([500, 680]);
    // Without saturated steps the legend has no ⇣; the search's line names the reference rate.
    const plain = formatBench({
      ...header,
      settings: { ...header.settings, referenceRate: 250 },
      parallelBaseline: null,
      entries: [busy],
      goals: [],
    });
    expect(plain).not.toContain('⇣');
    expect(plain).toContain(
      "The low-load reference pools 2 runs at 250/s for every entry, the grid's first rate; the climb goes from it to 1000/s, then on.",
    );
    expect(md).toContain('The low-load reference pools 2 runs at the start rate, 1000/s.');
  });

  it('says where the wall clock stepped during a step, and gives a split its runs could not measure as unknown', () => {
    const latency = { p50: 5, p90: 8, p99: 20, p999: 30, p9999: 40, max: 50, mean: 6 };
    const unknownSplit = {
      latencyMs: latency,
      latencySplitUnknown: "the processes' clocks disagree: 500 of 500 outputs had a part below zero",
    };
    const h = latencyAtHalf(1000, [unknownSplit, unknownSplit], []);
    expect(h.inputMs.p50.values).toEqual([]);
    const e = entry('passthrough', 'engine', 2000, 80, {
      atHalf: { ...entry('x', 'engine', 2000, 80).atHalf!, inputMs: h.inputMs, processingMs: h.processingMs },
      steps: [
        {
          rate: 1000,
          runDir: 'r0',
          judgement: { sustainable: false, reason: 'p99 too high' } as StepJudgement,
          wallClockStepMs: 10_584,
        },
      ],
    });
    const md = formatBench({ ...header, parallelBaseline: null, entries: [e], goals: [] });
    expect(md).toContain('| unknown / unknown | unknown / unknown |');
    expect(md).toContain(
      '1000 ✗ (p99 too high) [the wall clock stepped +10.6 s during it: a paused virtual machine?]',
    );
  });

  it("runs an engine's links direct, as the baselines', unless its spec asks for Toxiproxy", () => {
    expect(benchEngineOptions('ack-tree', {})).toEqual({ proxied: false });
    expect(benchEngineOptions('barrier-snapshot', { checkpointIntervalMs: 500 })).toEqual({
      checkpointIntervalMs: 500,
      proxied: false,
    });
    expect(benchEngineOptions('operator-checkpoint', { proxied: true })).toEqual({ proxied: true });
    // passthrough has no links to route: its options stay as they are.
    expect(benchEngineOptions('passthrough', { instances: 2 })).toEqual({ instances: 2 });
  });

  it('adds the harness pipe and the parallel passthrough in front, unless they are there', () => {
    expect(withLimits(['passthrough', 'ack-tree'], 2)).toEqual([
      'harness-pipe',
      'passthrough:instances=2',
      'passthrough',
      'ack-tree',
    ]);
    expect(withLimits(['passthrough:instances=2', 'harness-pipe'], 2)).toEqual([
      'passthrough:instances=2',
      'harness-pipe',
    ]);
  });

  it('spreads: median, range and the values', () => {
    expect(spreadOf([3, 1, 2, 10])).toEqual({ median: 2.5, min: 1, max: 10, values: [3, 1, 2, 10] });
    expect(spreadOf([])).toBeNull();
  });
});

describe('consumer lag and the passthrough baseline', () => {
  it('lag: log-end minus the highest commit over the groups, per partition; none until all have one', () => {
    const ends = [
      { partition: 0, offset: '1000' },
      { partition: 1, offset: '900' },
    ];
    // ack-tree: one spout group per partition.
    expect(lagFrom(ends, [[{ partition: 0, offset: '800' }], [{ partition: 1, offset: '900' }]])).toBe(200);
    expect(
      lagFrom(ends, [
        [
          { partition: 0, offset: '800' },
          { partition: 1, offset: '-1' },
        ],
      ]),
    ).toBeNull();
  });

  it('passthrough: one process by default (earlier figures keep their meaning), instances=N for N', () => {
    expect(parsePassthroughOptions({})).toEqual({ instances: 1 });
    expect(parsePassthroughOptions({ instances: 2 })).toEqual({ instances: 2 });
    expect(() => parsePassthroughOptions({ instances: 0 })).toThrow(/positive integer/);
    expect(() => parsePassthroughOptions({ threads: 2 })).toThrow(/no option threads/);
  });

  it("an interrupted search's outcome: the crossing and band of its verdicts so far, the replaced reference run left out", () => {
    const at = (rate: number, sustainable: boolean, rerun = false) => ({
      rate,
      judgement: { sustainable } as StepJudgement,
      runDir: `/r/${rate}`,
      ...(rerun ? { rerun: true as const } : {}),
    });
    expect(outcomeSoFar([])).toMatchObject({ sustainablePerS: 0, failedAtPerS: null, tally: [] });
    // 1000 (reference, 2 runs), 2200, 4700 ✓, 10000 ✗, 6800 ✓, 8200 ✗, then a band round: 6800 ✗.
    const search = [
      at(1000, true, true),
      at(1000, true),
      at(2200, true),
      at(4700, true),
      at(10_000, false),
      at(6800, true),
      at(8200, false),
    ];
    expect(outcomeSoFar([...search, at(6800, false)])).toEqual({
      sustainablePerS: 6800,
      failedAtPerS: 8200,
      runsAtWinner: 2,
      passedAtWinner: 1,
      band: { allPassedPerS: 4700, allFailedPerS: 8200 },
      tally: [
        { rate: 1000, runs: 1, passed: 1 },
        { rate: 2200, runs: 1, passed: 1 },
        { rate: 4700, runs: 1, passed: 1 },
        { rate: 6800, runs: 2, passed: 1 },
        { rate: 8200, runs: 1, passed: 0 },
        { rate: 10_000, runs: 1, passed: 0 },
      ],
    });
  });

  it('bench.md says where a bench was interrupted or a run failed and marks the entry; the goals leave it out', () => {
    const e = { ...entry('ack-tree', 'engine', 4000, 100), interrupted: true as const };
    const cutShort = '/b/runs/ack-tree-transactions-8000-4';
    const stopped = (interrupted: Partial<NonNullable<BenchResult['interrupted']>>) =>
      formatBench({
        ...header,
        parallelBaseline: null,
        entries: [e],
        goals: [],
        interrupted: {
          entry: 'ack-tree',
          workload: 'transactions',
          phase: 'search',
          runDir: cutShort,
          ...interrupted,
        },
      });
    const md = stopped({});
    expect(md).toContain(
      '**Interrupted** during ack-tree/transactions: its crossing and band are from the runs so far (its band not repeated to the end, not a result; marked "interrupted" below and left out of the goals) and the entries after it did not run. The run cut short (/b/runs/ack-tree-transactions-8000-4) is not judged.',
    );
    expect(md).toContain('| ack-tree (interrupted) |');
    // Stopped in the runs at 50 %: the search had finished, so its bracket stands.
    expect(stopped({ phase: 'latency at 50 %', runDir: null })).toContain(
      '**Interrupted** during ack-tree/transactions: its search had finished (its bracket stands) but not its runs at 50 % (the latency is from those that finished, if any; marked "interrupted" below and left out of the goals) and the entries after it did not run.',
    );
    // A run that failed stops the bench the same way, and bench.md names the run and its error.
    const failed = stopped({
      failure: 'run ack-tree-transactions-8000-4 failed: This server does not host this topic-partition',
    });
    expect(failed).toContain(
      '**Stopped by a failed run** during ack-tree/transactions: its crossing and band',
    );
    expect(failed).toContain(
      'did not run. The run /b/runs/ack-tree-transactions-8000-4 failed: run ack-tree-transactions-8000-4 failed: This server does not host this topic-partition',
    );
  });

  it('an interleaved bench says its entries took turns, samples the machine only around the bench, and stops every entry at once', () => {
    const md = formatBench({
      ...header,
      settings: { ...header.settings, interleave: true },
      parallelBaseline: null,
      entries: [
        { ...entry('ack-tree', 'engine', 2200, 100), machine: { cpuLoopMs: 16.5 } },
        {
          ...entry('ack-tree:workers=2', 'engine', 3900, 60),
          machine: { cpuLoopMs: 16.5 },
          interrupted: true,
        },
      ],
      goals: [],
      interrupted: { entry: 'ack-tree:workers=2', workload: 'transactions', phase: 'search', runDir: null },
    });
    expect(md).toContain(
      "Interleaved: every entry's search ran at once, the entries taking turns run by run",
    );
    expect(md).not.toContain('machine before it');
    expect(md).toContain(
      'every other entry still running stopped there too (interleaved), each marked "interrupted"',
    );
  });
});

describe('referenceQuietOf', () => {
  it('asks more of the host for the low-load reference than for any run, and never reruns at 100 %', () => {
    expect(referenceQuietOf({ stealShare: 0.1, reruns: 2 })).toEqual({
      stealShare: 0.05,
      reruns: 4,
      minWaitS: 30,
    });
    // Never laxer than the bench's own share.
    expect(referenceQuietOf({ stealShare: 0.02, reruns: 6 })).toEqual({
      stealShare: 0.02,
      reruns: 6,
      minWaitS: 30,
    });
    // --steal-rerun 100: no run is run again, the reference neither.
    expect(referenceQuietOf({ stealShare: 1, reruns: 2 }).stealShare).toBe(1);
  });
});
