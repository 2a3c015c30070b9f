import { describe, expect, it } from 'vitest';
import type { EventType } from '../core/events.ts';
import { type ClaimResult, judgeClaims, verdictLabel } from './claims.ts';
import { handMadeRun, killAt } from './fixtures/hand-made-runs.ts';
import type { LoadedRun } from './load.ts';

const claim = (runs: LoadedRun[], id: string): ClaimResult => {
  const c = judgeClaims(runs).find((x) => x.id === id);
  if (!c) throw new Error(`no claim ${id}`);
  return c;
};

const flinkKill = (restarted: number) =>
  handMadeRun({
    engine: 'barrier-snapshot',
    faults: [killAt(13)],
    blastRadius: { workersRestarted: restarted },
  });

describe('every claim', () => {
  it('is not measured without runs that speak to it', () => {
    const claims = judgeClaims([handMadeRun({ engine: 'passthrough', guarantee: 'none' })]);
    expect(claims).toHaveLength(7);
    for (const c of claims) expect(c.verdict).toBe('not measured');
  });
});

describe('Flink: failures affect the entire topology', () => {
  it('is confirmed when every barrier-snapshot kill run restarted every worker', () => {
    const c = claim(
      [flinkKill(7), flinkKill(7), handMadeRun({ engine: 'barrier-snapshot' })],
      'flink-global-restart',
    );
    expect(c.verdict).toBe('confirmed');
    expect(c.parts[0]!.evidence[0]).toContain('7/7');
    expect(c.runs).toHaveLength(2);
  });

  it('is contradicted by one kill run that restarted fewer', () => {
    const c = claim([flinkKill(7), flinkKill(3)], 'flink-global-restart');
    expect(c.verdict).toBe('contradicted');
    expect(c.parts[0]!.evidence[0]).toContain('3/7');
  });

  it('ignores fault-free runs (nothing restarts there)', () => {
    expect(claim([handMadeRun({ engine: 'barrier-snapshot' })], 'flink-global-restart').verdict).toBe(
      'not measured',
    );
  });
});

describe('Apex: only affected operators recover', () => {
  const apexKill = (restarted: string[]) =>
    handMadeRun({
      engine: 'operator-checkpoint',
      faults: [killAt(13)],
      blastRadius: { workersRestarted: restarted.length },
      events: restarted.map((w): [number, EventType, string] => [14, 'worker.restarted', w]),
    });
  const downstream = ['features[1]', 'score[0]', 'score[1]', 'sink[0]'];

  it('is confirmed when a kill restarts part of the job and no source', () => {
    const c = claim([apexKill(downstream)], 'apex-local-recovery');
    expect(c.verdict).toBe('confirmed');
    expect(c.parts[0]!.evidence[0]).toContain('4/7 {features[1], score[0], score[1], sink[0]}');
  });

  it('is contradicted when an upstream source restarts', () => {
    const c = claim([apexKill(downstream), apexKill([...downstream, 'source[0]'])], 'apex-local-recovery');
    expect(c.verdict).toBe('contradicted');
    expect(c.parts[0]!.evidence.join(' ')).toContain('upstream source[0] restarted');
  });

  it('is contradicted when every worker restarts', () => {
    const all = ['source[0]', 'source[1]', 'features[0]', ...downstream];
    expect(claim([apexKill(all)], 'apex-local-recovery').verdict).toBe('contradicted');
  });

  it('shows recovery next to barrier-snapshot as evidence only', () => {
    const c = claim([apexKill(downstream), flinkKill(7)], 'apex-local-recovery');
    expect(c.parts[0]!.evidence.join(' ')).toContain('vs. barrier-snapshot 5.0 s');
  });
});

describe('Storm has no durability of in-flight data and no exactly-once', () => {
  const stormKill = (guarantee: 'at-most-once' | 'at-least-once', lost: number, duplicated: number) =>
    handMadeRun({ engine: 'ack-tree', guarantee, faults: [killAt(13)], counts: { lost, duplicated } });

  it('is confirmed when acking off loses and acking on duplicates', () => {
    const c = claim(
      [stormKill('at-most-once', 120, 0), stormKill('at-least-once', 0, 40)],
      'storm-no-durability',
    );
    expect(c.verdict).toBe('confirmed');
    expect(verdictLabel(c)).toBe('confirmed');
  });

  it('is contradicted when acking off loses nothing', () => {
    const c = claim(
      [stormKill('at-most-once', 0, 0), stormKill('at-least-once', 0, 40)],
      'storm-no-durability',
    );
    expect(c.verdict).toBe('contradicted');
  });

  it('says so when only half of it was measured', () => {
    const c = claim([stormKill('at-least-once', 0, 40)], 'storm-no-durability');
    expect(c.verdict).toBe('confirmed');
    expect(verdictLabel(c)).toBe('confirmed (1 of 2 parts measured)');
    expect(c.parts[0]).toMatchObject({
      verdict: 'not measured',
      needs: 'ack-tree at-most-once kill-worker runs',
    });
  });

  it('decides repeats by their median', () => {
    const runs = [
      stormKill('at-most-once', 0, 0),
      stormKill('at-most-once', 5, 0),
      stormKill('at-most-once', 9, 0),
    ];
    expect(claim(runs, 'storm-no-durability').parts[0]!.verdict).toBe('confirmed');
  });
});

describe('Storm cannot replay failed tuples faster than ~1 s', () => {
  const stormKill = (replayAfterS: number, timeoutS = 5) =>
    handMadeRun({
      engine: 'ack-tree',
      guarantee: 'at-least-once',
      faults: [killAt(13)],
      engineOptions: { messageTimeoutS: timeoutS },
      events: [
        [13 + replayAfterS - 0.1, 'tuple.timeout', 'source[0]', { count: 10 }],
        [13 + replayAfterS, 'tuple.replayed', 'source[0]', { count: 10 }],
      ],
    });

  it('is confirmed by a kill whose lost tuples come back after the message timeout', () => {
    const c = claim([stormKill(6.5)], 'storm-replay-delay');
    expect(c.verdict).toBe('confirmed');
    expect(c.parts[0]!.evidence[0]).toContain(
      'first replay 6.50 s after the kill; message timeout T = 5 s; every delay within T..2T',
    );
    expect(c.parts[1]!.verdict).toBe('not measured');
  });

  it('is contradicted by replays within a second of a kill', () => {
    expect(claim([stormKill(0.4, 1)], 'storm-replay-delay').verdict).toBe('contradicted');
  });

  it('is contradicted by an explicit fail replayed in milliseconds (what the real Storm does)', () => {
    const explicit = handMadeRun({
      engine: 'ack-tree',
      guarantee: 'at-least-once',
      events: [
        [10, 'tuple.failed', 'source[0]', { count: 1 }],
        [10.004, 'tuple.replayed', 'source[0]', { count: 1 }],
      ],
    });
    const c = claim([stormKill(6.5), explicit], 'storm-replay-delay');
    expect(c.parts.map((p) => p.verdict)).toEqual(['confirmed', 'contradicted']);
    expect(c.verdict).toBe('contradicted');
    expect(c.parts[1]!.evidence[0]).toContain('4.00 ms');
  });
});

describe('Storm: an upstream failure recomputes the whole tree', () => {
  it('is not measured on a chain topology, with the spout replays as context', () => {
    const run = handMadeRun({
      engine: 'ack-tree',
      guarantee: 'at-least-once',
      faults: [killAt(13)],
      counts: { duplicated: 50 },
      blastRadius: { recordsReplayed: 800 },
    });
    const c = claim([run], 'storm-whole-tree');
    expect(c.verdict).toBe('not measured');
    expect(c.parts[0]!.evidence[0]).toContain('800 records replayed from the spout, 50 duplicated');
  });
});

describe('Flink: network micro-batching', () => {
  const steady = (
    bufferTimeoutMs: number | undefined,
    p50: number,
    guarantee: 'exactly-once' | 'at-least-once' = 'at-least-once',
  ) =>
    handMadeRun({
      engine: 'barrier-snapshot',
      guarantee,
      engineOptions: bufferTimeoutMs === undefined ? {} : { bufferTimeoutMs },
      latencyMs: { p50 },
    });

  it('is confirmed when p50 rises with the buffer timeout (absent option = 100 ms default)', () => {
    const c = claim([steady(0, 5), steady(10, 12), steady(undefined, 160)], 'flink-micro-batching');
    expect(c.verdict).toBe('confirmed');
    expect(c.parts[0]!.evidence[0]).toContain('bufferTimeout 100 ms → p50 160 ms');
  });

  it('is contradicted when p50 does not follow the buffer timeout', () => {
    expect(claim([steady(0, 50), steady(100, 52)], 'flink-micro-batching').verdict).toBe('contradicted');
    expect(claim([steady(0, 50), steady(10, 40), steady(100, 200)], 'flink-micro-batching').verdict).toBe(
      'contradicted',
    );
  });

  it('compares only runs of the same guarantee and rate', () => {
    expect(claim([steady(0, 5, 'exactly-once'), steady(100, 160)], 'flink-micro-batching').verdict).toBe(
      'not measured',
    );
  });
});

describe('Flink: exactly-once, lightweight failure handling', () => {
  it('is confirmed by exactly-once kill runs without loss, duplicates or wrong scores', () => {
    const c = claim([flinkKill(7), flinkKill(7)], 'flink-exactly-once');
    expect(c.verdict).toBe('confirmed');
    expect(verdictLabel(c)).toBe('confirmed (1 of 2 parts measured)');
  });

  it('is contradicted by any exactly-once run with a duplicate, also a fault-free one', () => {
    const dup = handMadeRun({ engine: 'barrier-snapshot', counts: { duplicated: 1 } });
    const c = claim([flinkKill(7), dup], 'flink-exactly-once');
    expect(c.verdict).toBe('contradicted');
    expect(c.parts[0]!.evidence[0]).toContain(dup.summary.runId);
  });

  it('measures the overhead from fault-free runs with and without checkpoints', () => {
    const run = (checkpointIntervalMs: number, meanPerS: number) =>
      handMadeRun({
        engine: 'barrier-snapshot',
        guarantee: 'at-least-once',
        rate: 1000,
        engineOptions: { checkpointIntervalMs },
        throughputPerS: meanPerS,
      });
    const light = claim([flinkKill(7), run(0, 1000), run(1000, 990)], 'flink-exactly-once');
    expect(light.parts.map((p) => p.verdict)).toEqual(['confirmed', 'confirmed']);
    expect(light.parts[1]!.evidence[0]).toContain('throughput 990/s with checkpoints vs. 1,000/s without');
    const heavy = claim([flinkKill(7), run(0, 1000), run(1000, 700)], 'flink-exactly-once');
    expect(heavy.verdict).toBe('contradicted');
  });
});
