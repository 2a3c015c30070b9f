/**
 * Every claim against hand-made runs: a set that must confirm it, one that must contradict it, and one that
 * must leave it "not measured" (with the reason the runs present did not count).
 */
import { describe, expect, it } from 'vitest';
import type { EventType } from '../core/events.ts';
import { type ClaimResult, judgeClaims, verdictLabel } from './claims.ts';
import { type HandMadeRun, handMadeRun, killAt, WORKERS } from './fixtures/hand-made-runs.ts';
import type { LoadedRun } from './load.ts';

type Event = NonNullable<HandMadeRun['events']>[number];

const claim = (runs: LoadedRun[], id: string): ClaimResult => {
  const c = judgeClaims(runs).find((x) => x.id === id);
  if (!c) throw new Error(`no claim ${id}`);
  return c;
};

const restarts = (workers: readonly string[], at = 14): Event[] =>
  workers.map((w): Event => [at, 'worker.restarted', w, { attempt: 1 }]);

/** The reasons a part left runs out, flattened. */
const leftOut = (c: ClaimResult, part = 0) => c.parts[part]!.excluded.flatMap((e) => e.reasons);

describe('every claim', () => {
  it('is not measured without runs that speak to it', () => {
    const claims = judgeClaims([handMadeRun({ engine: 'passthrough', guarantee: 'none' })]);
    expect(claims).toHaveLength(7);
    for (const c of claims) expect(c.verdict).toBe('not measured');
  });

  it('states in its rule what each run needs, what confirms and what contradicts', () => {
    for (const c of judgeClaims([])) {
      expect(c.rule).toContain('unexpected = 0');
      expect(c.rule).toContain('produced > 0');
      expect(c.rule).toContain('Confirmed when');
      expect(c.rule).toContain('contradicted when');
    }
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('Storm has no durability of in-flight data and no exactly-once', () => {
  const stormKill = (
    guarantee: 'at-most-once' | 'at-least-once',
    o: { lost?: number; duplicated?: number; replayed?: number } & HandMadeRun = {},
  ) =>
    handMadeRun({
      engine: 'ack-tree',
      guarantee,
      faults: [killAt(13)],
      counts: { lost: o.lost ?? 0, duplicated: o.duplicated ?? 0 },
      events: [
        ...restarts(['features[1]'], 16),
        ...(o.replayed ? [[19, 'tuple.replayed', 'source[0]', { count: o.replayed }] as Event] : []),
      ],
      ...o,
    });

  it('is confirmed by at-least-once kill runs that replayed from the spout and duplicated', () => {
    const c = claim([stormKill('at-least-once', { duplicated: 40, replayed: 500 })], 'storm-no-durability');
    expect(c.parts.map((p) => p.verdict)).toEqual(['confirmed', 'confirmed']);
    expect(c.verdict).toBe('confirmed');
    expect(c.parts[0]!.evidence[0]).toBe('records replayed from the spout after the kill: 500');
    expect(c.parts[1]!.evidence[0]).toBe('1 run with a worker kill: duplicated 40, lost 0');
  });

  it('is contradicted when acking on delivers every record once after a kill', () => {
    const c = claim([stormKill('at-least-once', { replayed: 500 })], 'storm-no-durability');
    expect(c.verdict).toBe('contradicted');
    expect(c.parts[1]!.verdict).toBe('contradicted');
  });

  it('is contradicted when a kill left nothing to replay', () => {
    const c = claim([stormKill('at-least-once', { duplicated: 40 })], 'storm-no-durability');
    expect(c.parts[0]!.verdict).toBe('contradicted');
    expect(c.parts[0]!.evidence[0]).toContain('none in');
  });

  it('is not measured from at-most-once loss alone, which shows only as a contrast', () => {
    const c = claim([stormKill('at-most-once', { lost: 120 })], 'storm-no-durability');
    expect(c.verdict).toBe('not measured');
    expect(c.parts[0]!.evidence[0]).toContain(
      'contrast, not evidence: with acking off (at-most-once) a kill lost 120 of 10000 produced',
    );
    expect(c.rule).toContain('never confirm the claim');
  });

  it('leaves out kill runs without the injection, the reaction or a clean measurement, and says why', () => {
    const runs = [
      stormKill('at-least-once', { duplicated: 40, replayed: 5, injected: false }),
      stormKill('at-least-once', { duplicated: 40, replayed: 5, events: [] }),
      stormKill('at-least-once', { duplicated: 40, replayed: 5, counts: { unexpected: 3 } }),
      stormKill('at-least-once', { duplicated: 40, replayed: 5, guaranteeHeld: 'unknown' }),
      stormKill('at-least-once', { duplicated: 40, replayed: 5, counts: { produced: 0 } }),
    ];
    const c = claim(runs, 'storm-no-durability');
    expect(c.verdict).toBe('not measured');
    expect(leftOut(c)).toEqual([
      'no fault.inject event for kill features[1]',
      'no reaction of the engine after the fault',
      '3 unexpected outputs (ids never produced: the measuring chain is suspect)',
      'verdict unknown',
      'nothing produced',
    ]);
  });

  it('notes loss with acking on without counting it', () => {
    const c = claim(
      [stormKill('at-least-once', { duplicated: 4, replayed: 9, lost: 2 })],
      'storm-no-durability',
    );
    expect(c.verdict).toBe('confirmed');
    expect(c.parts[0]!.evidence[1]).toBe('lost 2 with acking on: the replay did not bring everything back');
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('Storm cannot replay failed tuples faster than ~1 s', () => {
  const stormKill = (replayAfterS: number, timeoutS = 5) =>
    handMadeRun({
      engine: 'ack-tree',
      guarantee: 'at-least-once',
      faults: [killAt(13)],
      engineOptions: { messageTimeoutS: timeoutS },
      events: [
        ...restarts(['features[1]'], 16),
        [13 + replayAfterS - 0.1, 'tuple.timeout', 'source[0]', { count: 10 }],
        [13 + replayAfterS, 'tuple.replayed', 'source[0]', { count: 10 }],
      ],
    });
  const explicitFail = (delaysS: number[], o: HandMadeRun = {}) =>
    handMadeRun({
      engine: 'ack-tree',
      guarantee: 'at-least-once',
      scenario: 'slow-state-store',
      events: delaysS.flatMap((d, i): Event[] => [
        [10 + i, 'tuple.failed', 'source[0]', { count: 1 }],
        [10 + i + d, 'tuple.replayed', 'source[0]', { count: 1 }],
      ]),
      ...o,
    });

  it('is confirmed by explicit fails replayed after a second or more', () => {
    const c = claim([explicitFail([1.5])], 'storm-replay-delay');
    expect(c.verdict).toBe('confirmed');
    expect(verdictLabel(c)).toBe('confirmed (1 of 2 parts measured)');
    expect(c.parts[0]!.evidence[0]).toBe(
      'replay 1,500 ms after tuple.failed in 1 run; spout retry initial delay 0 ms',
    );
  });

  it('is contradicted by explicit fails replayed in milliseconds (what the real Storm does)', () => {
    const c = claim(
      [stormKill(6.5), explicitFail([0.004, 0.002, 0.003, 0.005, 0.004, 0.006])],
      'storm-replay-delay',
    );
    expect(c.parts.map((p) => p.verdict)).toEqual(['contradicted', 'confirmed']);
    expect(c.verdict).toBe('contradicted');
    expect(c.parts[0]!.evidence[0]).toContain('replay median 4.00 ms (2.00 ms–6.00 ms, 6 values)');
  });

  it('is not measured from kills alone: T ≥ 1 s makes their replay ≥ 1 s by construction', () => {
    const c = claim([stormKill(6.5)], 'storm-replay-delay');
    expect(c.verdict).toBe('not measured');
    expect(verdictLabel(c)).toBe(
      'not measured (1 of 2 parts measured, which cannot confirm the claim alone)',
    );
    expect(c.parts[0]).toMatchObject({ verdict: 'not measured' });
    expect(c.parts[0]!.needs).toContain('slow-state-store');
    expect(c.parts[1]).toMatchObject({ verdict: 'confirmed', confirmsAlone: false });
    expect(c.parts[1]!.evidence[0]).toBe(
      'first replay 6.50 s after the kill; message timeout T = 5 s; every delay within T..2T (+2 s for the supervisor and the spout loop)',
    );
    expect(c.rule).toContain('true by construction');
  });

  it('is contradicted by lost tuples replayed within a second of a kill', () => {
    const c = claim([stormKill(0.4, 1)], 'storm-replay-delay');
    expect(c.verdict).toBe('contradicted');
    expect(c.parts[1]!.evidence[0]).toContain('not within T..2T');
  });

  it('leaves out explicit-fail runs in which no bolt failed a tuple', () => {
    const c = claim([explicitFail([], { events: [] })], 'storm-replay-delay');
    expect(c.verdict).toBe('not measured');
    expect(leftOut(c)).toEqual(['no tuple.failed event (no bolt failed a tuple)']);
  });

  it('reads the spout retry back-off the run was configured with', () => {
    const c = claim(
      [explicitFail([0.3], { engineOptions: { retryInitialDelayMs: 250 } })],
      'storm-replay-delay',
    );
    expect(c.parts[0]!.evidence[0]).toContain('spout retry initial delay 250 ms');
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('Storm: an upstream failure recomputes the whole tree', () => {
  const branches = (failedDup: number, siblingDup: number) => [
    { branch: 'fraud', operators: ['features', 'score'], delivered: 10_000, duplicated: failedDup },
    { branch: 'audit', operators: ['audit'], delivered: 10_000, duplicated: siblingDup },
  ];
  const fanOutKill = (siblingDup: number, o: HandMadeRun = {}) =>
    handMadeRun({
      engine: 'ack-tree',
      guarantee: 'at-least-once',
      scenarioFile: { topology: 'fan-out' },
      summaryExtra: { branches: branches(80, siblingDup) },
      faults: [killAt(13)],
      events: restarts(['features[1]'], 16),
      ...o,
    });

  it('is confirmed by duplicates on the branch that did not fail', () => {
    const c = claim([fanOutKill(35)], 'storm-whole-tree');
    expect(c.verdict).toBe('confirmed');
    expect(c.parts[0]!.evidence[0]).toBe(
      '1 run (fraud killed, siblings audit): duplicated 80 on the killed branch, 35 on its siblings',
    );
  });

  it('is contradicted when only the failed branch recomputed', () => {
    expect(claim([fanOutKill(0)], 'storm-whole-tree').verdict).toBe('contradicted');
  });

  it('reads the branches the runner writes (fan-out-kill, ack-tree at-least-once, 1000/s for 40 s)', () => {
    // summary.json `branches` of a real run (harness/branch-checker.ts), the killed worker on the challenger branch.
    const counted = (branch: string, operator: string, delivered: number, duplicated: number) => ({
      branch,
      operators: [operator],
      delivered,
      unique: 45_000,
      lost: 0,
      duplicated,
      unexpected: 0,
      incorrect: 18_425,
    });
    const run = handMadeRun({
      engine: 'ack-tree',
      guarantee: 'at-least-once',
      scenario: 'fan-out-kill',
      scenarioFile: { topology: 'fan-out' },
      counts: { produced: 45_000, delivered: 94_286, unique: 45_000, lost: 0, duplicated: 3672 },
      summaryExtra: {
        topology: 'fan-out',
        branches: [counted('model', 'score', 48_785, 3672), counted('challenger', 'challenger', 45_501, 492)],
      },
      faults: [killAt(15, 'challenger[1]')],
      events: restarts(['challenger[1]'], 16),
    });
    const c = claim([run], 'storm-whole-tree');
    expect(c.verdict).toBe('confirmed');
    expect(c.parts[0]!.evidence[0]).toBe(
      '1 run (challenger killed, siblings model): duplicated 492 on the killed branch, 3672 on its siblings',
    );
  });

  it('is not measured on a chain topology, with the spout replays as context', () => {
    const chain = handMadeRun({
      engine: 'ack-tree',
      guarantee: 'at-least-once',
      faults: [killAt(13)],
      counts: { duplicated: 50 },
      blastRadius: { recordsReplayed: 800 },
      events: restarts(['features[1]'], 16),
    });
    const c = claim([chain], 'storm-whole-tree');
    expect(c.verdict).toBe('not measured');
    expect(c.parts[0]!.needs).toContain('topology: fan-out');
    expect(c.parts[0]!.evidence[0]).toContain('800 records replayed from the spout, 50 duplicated');
  });

  it('leaves out fan-out runs without per-branch counts or with a kill before the fan-out', () => {
    const c = claim(
      [fanOutKill(35, { summaryExtra: {} }), fanOutKill(35, { faults: [killAt(13, 'source[0]')] })],
      'storm-whole-tree',
    );
    expect(c.verdict).toBe('not measured');
    expect(leftOut(c)).toEqual([
      'no per-branch counts in summary.json',
      'the killed source[0] is on no single branch (every branch replays anyway)',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------

/** A kill of features[1] at 13 s that the engine noticed (`reaction`) and answered by restarting `restarted`. */
const killRun = (
  engine: string,
  reaction: EventType,
  restarted: readonly string[],
  o: HandMadeRun & { extra?: Event[] } = {},
) =>
  handMadeRun({
    engine,
    faults: [killAt(13)],
    blastRadius: { workersRestarted: restarted.length },
    events: [[13.02, reaction, 'coordinator'], ...restarts(restarted), ...(o.extra ?? [])],
    ...o,
  });

const flinkKill = (restarted: readonly string[], o: HandMadeRun = {}) =>
  killRun('barrier-snapshot', 'failure.detected', restarted, o);

describe('Flink: failures affect the entire topology', () => {
  it('is confirmed when every barrier-snapshot kill run restarted every worker', () => {
    const c = claim(
      [flinkKill(WORKERS), flinkKill(WORKERS), handMadeRun({ engine: 'barrier-snapshot' })],
      'flink-global-restart',
    );
    expect(c.verdict).toBe('confirmed');
    expect(c.parts[0]!.evidence[0]).toBe('2 runs: restarted/total 7/7');
    expect(c.runs).toHaveLength(2);
  });

  it('is contradicted by one kill run that left workers running, named', () => {
    const few = flinkKill(['features[1]', 'score[0]', 'score[1]', 'sink[0]']);
    const c = claim([flinkKill(WORKERS), few], 'flink-global-restart');
    expect(c.verdict).toBe('contradicted');
    expect(c.parts[0]!.evidence[0]).toBe(
      `2 runs: restarted/total 7/7, 4/7; left running: source[0], source[1], features[0] in ${few.summary.runId}`,
    );
  });

  it('is not measured by fault-free runs or a kill the engine never reacted to', () => {
    const silent = flinkKill([], { events: [] });
    const c = claim([handMadeRun({ engine: 'barrier-snapshot' }), silent], 'flink-global-restart');
    expect(c.verdict).toBe('not measured');
    expect(leftOut(c)).toEqual(['no reaction of the engine after the fault']);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('Flink: network micro-batching', () => {
  const steady = (bufferTimeoutMs: number | undefined, p50: number, o: HandMadeRun = {}) =>
    handMadeRun({
      engine: 'barrier-snapshot',
      guarantee: 'at-least-once',
      rate: 50,
      engineOptions: bufferTimeoutMs === undefined ? {} : { bufferTimeoutMs },
      processingLatencyMs: { p50 },
      ...o,
    });

  it('is confirmed by processing p50 rising by about hops × timeout / 2 (measured on this machine)', () => {
    const at500 = (t: number, p50: number) => steady(t, p50, { rate: 500 });
    const c = claim(
      [
        steady(0, 2.8),
        steady(10, 18.2),
        steady(undefined, 131.6),
        at500(0, 4.7),
        at500(10, 17.9),
        at500(100, 159.7),
      ],
      'flink-micro-batching',
    );
    expect(c.verdict).toBe('confirmed');
    expect(c.parts[0]!.evidence[0]).toBe(
      'at-least-once transactions 50/s, processing p50: T=0 ms → 2.80 ms; T=10 ms → 18.2 ms (+15.4, expected +15.0); ' +
        'T=100 ms → 132 ms (+129, expected +150); end-to-end p50 50.0, 50.0, 50.0 ms (3 hops)',
    );
  });

  it('is contradicted when p50 does not follow the buffer timeout, or rises far beyond it', () => {
    expect(claim([steady(0, 50), steady(100, 52)], 'flink-micro-batching').verdict).toBe('contradicted');
    const c = claim([steady(0, 3), steady(10, 80), steady(100, 150)], 'flink-micro-batching');
    expect(c.verdict).toBe('contradicted');
    expect(c.parts[0]!.evidence[0]).toContain('T=10 ms → 80.0 ms (+77.0, expected +15.0, outside the band)');
  });

  it('is not measured by runs that differ in more than the buffer timeout', () => {
    const c = claim(
      [
        steady(0, 5, { guarantee: 'exactly-once' }),
        steady(100, 160),
        steady(10, 20, { engineOptions: { bufferTimeoutMs: 10, checkpointIntervalMs: 5000 } }),
      ],
      'flink-micro-batching',
    );
    expect(c.verdict).toBe('not measured');
    expect(leftOut(c)).toEqual(
      Array(3).fill('no run that differs only in bufferTimeoutMs to compare it with'),
    );
  });

  it('judges each set of other options on its own, and numbers sets that share guarantee and rate', () => {
    const slowCheckpoints = (t: number, p50: number) =>
      steady(t, p50, { engineOptions: { bufferTimeoutMs: t, checkpointIntervalMs: 5000 } });
    const c = claim(
      [steady(0, 3), steady(100, 150), slowCheckpoints(0, 3), slowCheckpoints(100, 40)],
      'flink-micro-batching',
    );
    expect(c.verdict).toBe('contradicted');
    expect(c.parts[0]!.evidence.map((e) => e.split(',')[0])).toEqual([
      'at-least-once transactions 50/s (options 1)',
      'at-least-once transactions 50/s (options 2)',
    ]);
  });

  it('leaves out runs with a fault injected, nothing delivered or no processing latency', () => {
    const runs = [
      steady(0, 3, { counts: { delivered: 0 } }),
      steady(100, 150, { summaryExtra: { processingLatencyMs: undefined } }),
      steady(10, 18, { faults: [killAt(13)] }),
    ];
    const c = claim(runs, 'flink-micro-batching');
    expect(c.verdict).toBe('not measured');
    expect(leftOut(c)).toEqual(['nothing delivered', 'no processingLatencyMs in summary.json']);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('Flink: exactly-once, lightweight failure handling', () => {
  const checkpointed = (checkpointIntervalMs: number, p99: number, o: HandMadeRun = {}) =>
    handMadeRun({
      engine: 'barrier-snapshot',
      guarantee: 'at-least-once',
      rate: 1000,
      engineOptions: { checkpointIntervalMs },
      latencyMs: { p99 },
      events:
        checkpointIntervalMs > 0
          ? [
              [5, 'checkpoint.completed', 'coordinator', { checkpoint: 1, durationMs: 12 }],
              [7, 'checkpoint.completed', 'coordinator', { checkpoint: 2, durationMs: 14 }],
            ]
          : [],
      ...o,
    });

  it('is confirmed by exactly-once kill runs the engine failed over from, without loss, duplicates or wrong scores', () => {
    const c = claim([flinkKill(WORKERS), flinkKill(WORKERS), handMadeRun()], 'flink-exactly-once');
    expect(c.verdict).toBe('confirmed');
    expect(verdictLabel(c)).toBe('confirmed (1 of 2 parts measured)');
    expect(c.parts[0]!.evidence[0]).toBe(
      '3 exactly-once runs (2 with an injected fault the engine failed over from): lost 0, duplicated 0, incorrect 0 in total',
    );
  });

  it('is contradicted by any exactly-once run with a duplicate, also a fault-free one', () => {
    const dup = handMadeRun({ engine: 'barrier-snapshot', counts: { duplicated: 1 } });
    const c = claim([flinkKill(WORKERS), dup], 'flink-exactly-once');
    expect(c.verdict).toBe('contradicted');
    expect(c.parts[0]!.evidence[0]).toContain(dup.summary.runId);
  });

  it('is not measured by exactly-once runs without an injected fault or without a failover', () => {
    const c = claim(
      [handMadeRun(), flinkKill([], { events: [] }), flinkKill(WORKERS, { injected: false })],
      'flink-exactly-once',
    );
    expect(c.verdict).toBe('not measured');
    expect(c.parts[0]!.needs).toContain('an injected fault the engine failed over from');
    expect(leftOut(c)).toEqual([
      'no fault injected',
      'no reaction of the engine after the fault',
      'no fault injected',
    ]);
  });

  it('does not count a run whose checker saw unexpected outputs, either way', () => {
    const suspect = flinkKill(WORKERS, { counts: { unexpected: 2, duplicated: 5 } });
    const c = claim([suspect], 'flink-exactly-once');
    expect(c.verdict).toBe('not measured');
    expect(leftOut(c)).toEqual(['2 unexpected outputs (ids never produced: the measuring chain is suspect)']);
  });

  /** Runs without checkpoints at these p99s, then with checkpoints every 2 s at those. */
  const pairs = (without: number[], withCheckpoints: number[]) => [
    ...without.map((p99) => checkpointed(0, p99)),
    ...withCheckpoints.map((p99) => checkpointed(2000, p99)),
  ];

  it('measures checkpoint overhead as p99 at the same rate with and without checkpoints, 3 runs of each', () => {
    // The repeats measured on this machine (20 s at 1000/s, at-least-once): checkpoints cost nothing visible.
    const light = claim(pairs([323, 314, 265], [415, 238, 276]), 'flink-exactly-once');
    expect(light.parts[1]!.verdict).toBe('confirmed');
    expect(light.verdict).toBe('confirmed');
    expect(light.parts[1]!.evidence[0]).toBe(
      'at-least-once transactions 1000/s: p99 276 ms with checkpoints (every 2000 ms; completed 2, 2, 2 (median 2), ' +
        'median 13.0 ms each) vs. 314 ms without (-12 %; runs 238–415 vs. 265–323 ms); p50 50.0 vs. 50.0 ms; ' +
        'throughput 1,000/s vs. 1,000/s',
    );
  });

  it('is contradicted by a p99 that checkpoints raise in every run, though open-loop throughput stays at the offered rate', () => {
    const heavy = claim(pairs([100, 105, 98], [180, 170, 190]), 'flink-exactly-once');
    expect(heavy.parts[1]!.verdict).toBe('contradicted');
    expect(heavy.parts[1]!.evidence[0]).toContain('(+80 %; runs 170–190 vs. 98.0–105 ms)');
    expect(heavy.parts[1]!.evidence[0]).toContain('throughput 1,000/s vs. 1,000/s');
  });

  it('calls an overhead inconclusive when the runs with and without checkpoints overlap', () => {
    const c = claim(pairs([100, 105, 200], [150, 140, 90]), 'flink-exactly-once');
    expect(c.parts[1]!.verdict).toBe('not measured');
    expect(c.parts[1]!.evidence[0]).toContain('overlapping: inconclusive');
  });

  it('decides nothing from one run per side (the single pair measured here read +29 %, three pairs −12 %)', () => {
    const c = claim(pairs([323], [415]), 'flink-exactly-once');
    expect(c.parts[1]!.verdict).toBe('not measured');
    expect(leftOut(c, 1)).toEqual(Array(2).fill('1 with checkpoints and 1 without: fewer than 3 of each'));
  });

  it('leaves the overhead not measured without a pair, and leaves out runs whose checkpoints did not run as set', () => {
    const c = claim(
      [checkpointed(2000, 110), checkpointed(2000, 110, { events: [] }), checkpointed(0, 100, { rate: 500 })],
      'flink-exactly-once',
    );
    expect(c.parts[1]!.verdict).toBe('not measured');
    expect(leftOut(c, 1)).toEqual([
      'checkpointIntervalMs 2000 but no checkpoint completed',
      'no run with the other checkpoint setting and otherwise the same options',
      'no run with the other checkpoint setting and otherwise the same options',
    ]);
    expect(c.rule).toContain('not throughput');
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('Apex: only affected operators recover', () => {
  const closure = ['features[1]', 'score[0]', 'score[1]', 'sink[0]'];
  const apexKill = (restarted: readonly string[], o: HandMadeRun & { extra?: Event[] } = {}) =>
    killRun('operator-checkpoint', 'operator.failed', restarted, o);

  it('is confirmed when a kill restarts exactly the downstream closure and the rest keeps running', () => {
    const c = claim(
      [apexKill(closure, { extra: [[14.5, 'window.end', 'source[0]', { attempt: 0, window: 40 }]] })],
      'apex-local-recovery',
    );
    expect(c.verdict).toBe('confirmed');
    expect(c.parts[0]!.evidence).toEqual([
      '1 run: closure of the killed worker {features[1], score[0], score[1], sink[0]}; restarted/total 4/7',
      'outside the closure (source[0], source[1], features[0]): 1 sampled window or checkpoint events during the recovery',
      'recovery 5.0 s',
    ]);
  });

  it('is contradicted when an upstream source restarts', () => {
    const c = claim([apexKill(closure), apexKill([...closure, 'source[0]'])], 'apex-local-recovery');
    expect(c.verdict).toBe('contradicted');
    expect(c.parts[0]!.evidence.join(' ')).toContain(
      'source[0] restarted outside the closure of features[1]',
    );
  });

  it('is contradicted when part of the downstream closure keeps running', () => {
    const c = claim([apexKill(['features[1]', 'score[0]', 'score[1]'])], 'apex-local-recovery');
    expect(c.verdict).toBe('contradicted');
    expect(c.parts[0]!.evidence.join(' ')).toContain('sink[0] of the closure of features[1] not restarted');
  });

  it('is contradicted when a worker outside the closure got a new attempt', () => {
    const c = claim(
      [apexKill(closure, { extra: [[15, 'task.started', 'features[0]', { attempt: 1 }]] })],
      'apex-local-recovery',
    );
    expect(c.verdict).toBe('contradicted');
    expect(c.parts[0]!.evidence.join(' ')).toContain('features[0] has a new attempt number');
  });

  it('is not measured by a kill-worker run whose kill was never injected', () => {
    const c = claim(
      [apexKill(closure, { faults: [], scenario: 'kill-worker', events: [] })],
      'apex-local-recovery',
    );
    expect(c.verdict).toBe('not measured');
    expect(leftOut(c)).toContain('no worker kill injected');
  });

  it('reads fan-out runs: a kill on one branch restarts it and the sink, the sibling branch keeps running', () => {
    const onBranch = (restarted: readonly string[]) =>
      apexKill(restarted, {
        faults: [{ kind: 'kill', target: 'challenger[1]', at: 13, until: null }],
        scenarioFile: { topology: 'fan-out' },
        extra: [[14, 'window.end', 'score[1]', { attempt: 0, window: 30 }]],
      });
    const held = claim([onBranch(['challenger[1]', 'sink[0]'])], 'apex-local-recovery');
    expect(held.verdict).toBe('confirmed');
    expect(held.parts[0]!.evidence[0]).toBe(
      '1 run: closure of the killed worker {challenger[1], sink[0]}; restarted/total 2/9',
    );
    const sibling = claim([onBranch(['challenger[1]', 'sink[0]', 'score[1]'])], 'apex-local-recovery');
    expect(sibling.verdict).toBe('contradicted');
    expect(sibling.parts[0]!.evidence.join(' ')).toContain(
      'score[1] restarted outside the closure of challenger[1]',
    );
  });

  it('shows recovery next to barrier-snapshot as evidence only', () => {
    const c = claim([apexKill(closure), flinkKill(WORKERS)], 'apex-local-recovery');
    expect(c.parts[0]!.evidence.join(' ')).toContain('recovery 5.0 s vs. barrier-snapshot 5.0 s');
  });
});
