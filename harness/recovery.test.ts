import { describe, expect, it } from 'vitest';
import type { EventType } from '../core/events.ts';
import type { EngineEvent, FaultRecord } from '../core/types.ts';
import {
  formatRecovery,
  preFaultBaselineUs,
  type RecoveryInput,
  readerBlindSpots,
  recoveryOutcome,
  recoveryTimes,
  type SecondBucket,
} from './recovery.ts';

const RUN_START_US = 1_700_000_000_000_000;
const TARGET = 1000;

/** Seconds 0..end-1 at the target rate with a 10 ms p99, then `overrides` per second. */
function series(end: number, overrides: Record<number, [outputs: number, p99Us: number | null]> = {}) {
  const out: SecondBucket[] = [];
  for (let second = 0; second < end; second++) {
    const [outputs, p99Us] = overrides[second] ?? [TARGET, 10_000];
    out.push({ second, outputs, p99Us });
  }
  return out;
}

/** The same override for every second in [from, to). */
function span(from: number, to: number, outputs: number, p99Us: number | null) {
  const o: Record<number, [number, number | null]> = {};
  for (let s = from; s < to; s++) o[s] = [outputs, p99Us];
  return o;
}

const kill = (at: number, target = 'features[1]'): FaultRecord => ({ kind: 'kill', target, at, until: null });
const event = (atS: number, type: EventType, worker = 'features[1]'): EngineEvent => ({
  at: RUN_START_US + atS * 1e6,
  type,
  worker,
});

function run(partial: Partial<RecoveryInput> & Pick<RecoveryInput, 'series' | 'faults'>) {
  return recoveryTimes({ targetRate: TARGET, runStartUs: RUN_START_US, ...partial });
}

describe('recoveryTimes', () => {
  // Exactly-once output committed once per 2 s checkpoint: 2000 outputs every even second, none in between.
  const bursty = (end: number, overrides: Record<number, [number, number | null]> = {}) =>
    series(end, {
      ...Object.fromEntries(
        Array.from({ length: end }, (_, s) => [s, s % 2 === 0 ? [2000, 10_000] : [0, null]]),
      ),
      ...overrides,
    });

  it('bursty output (a commit every 2 s) recovers once its rhythm is back, not "load ended"', () => {
    // Killed at 30: nothing until the restored job's first commit at 36 (with the backlog), then every 2 s.
    const buckets = bursty(60, { ...span(30, 36, 0, null), 36: [8000, 30_000] });
    const [entry] = run({ series: buckets, faults: [kill(30)] });
    // 36 carries the backlog (8000, p99 3× the baseline): the first healthy window starts at 37.
    expect(entry).toMatchObject({ firstOutputMs: 6000, recoveredMs: 7000 });
  });

  it('bursty output: a stop longer than its rhythm is a stop; its normal empty seconds are not', () => {
    const healthy = run({ series: bursty(60), faults: [kill(31)] })[0]!;
    // Output never stopped for longer than its 1 s rhythm: the first output at or after the injection.
    expect(healthy.firstOutputMs).toBe(1000);
    expect(healthy.recoveredMs).toBe(0);
    // A window with two empty seconds in a row (longer than the baseline's gap of 1) does not qualify.
    const stalled = run({ series: bursty(60, span(40, 43, 0, null)), faults: [kill(39)] })[0]!;
    expect(stalled.recoveredMs).toBe(4000);
  });

  it('a clean dip and recovery: output stops 3 s, p99 settles, recovered at the first healthy window', () => {
    const buckets = series(60, {
      ...span(30, 33, 0, null),
      33: [500, 50_000], // restarting: half rate, high latency
      34: [1000, 15_000], // within 2 × 10 ms
      ...span(35, 60, 1000, 12_000),
    });
    const events = [
      event(29, 'worker.failed', 'score[0]'), // before the injection: not this fault's detection
      event(30.5, 'worker.restarting'),
      event(31.2345, 'worker.failed'),
      event(32, 'worker.restarted'),
    ];
    expect(run({ series: buckets, faults: [kill(30)], events })).toEqual([
      {
        fault: 'kill features[1]',
        detectedMs: 1234.5,
        detectedBy: 'worker.failed features[1]',
        firstOutputMs: 3000,
        recoveredMs: 4000,
      },
    ]);
  });

  it('gives no figure where the collector was not reading: its late reads are its own delay', () => {
    const buckets = series(60, { ...span(30, 36, 0, null), 36: [7000, 6_000_000] });
    const gap = (from: number, to: number | null) => ({
      fromUs: RUN_START_US + from * 1e6,
      toUs: to === null ? null : RUN_START_US + to * 1e6,
    });
    const events = [event(30.5, 'worker.failed')];
    const unobserved = {
      fault: 'kill features[1]',
      detectedMs: 500,
      detectedBy: 'worker.failed features[1]',
      firstOutputMs: null,
      recoveredMs: null,
      unobserved: 'the collector was not reading from 30.2 s to 36.0 s',
    };
    expect(run({ series: buckets, faults: [kill(30)], events, readerGapsUs: [gap(30.2, 36)] })).toEqual([
      unobserved,
    ]);
    expect(formatRecovery(unobserved)).toBe('unknown (the collector was not reading from 30.2 s to 36.0 s)');
    // A gap that never closed; and one before the fault, which leaves its figures alone.
    expect(run({ series: buckets, faults: [kill(30)], readerGapsUs: [gap(31, null)] })[0]?.unobserved).toBe(
      'the collector was not reading from 31.0 s to the end',
    );
    expect(run({ series: series(60), faults: [kill(30)], readerGapsUs: [gap(10, 12)] })[0]).toEqual({
      fault: 'kill features[1]',
      detectedMs: null,
      firstOutputMs: 0,
      recoveredMs: 0,
    });
  });

  it("does not hold Kafka's own outage against the collector: only what is left of its gap after Kafka is back", () => {
    const restart: FaultRecord = { kind: 'kafka-restart', target: 'kafka', at: 30, until: 36 };
    const buckets = series(60, { ...span(30, 37, 0, null) });
    const gap = (from: number, to: number) => ({
      fromUs: RUN_START_US + from * 1e6,
      toUs: RUN_START_US + to * 1e6,
    });
    // Blind from 30.2 s to 36.6 s: 0.6 s after Kafka's return is a reconnect, within the tolerance.
    const [within] = run({ series: buckets, faults: [restart], readerGapsUs: [gap(30.2, 36.6)] });
    expect(within?.unobserved).toBeUndefined();
    expect(within?.firstOutputMs).toBe(7000);
    // Blind until 38.5 s: 2.5 s after Kafka was back, the collector's own.
    const [beyond] = run({ series: buckets, faults: [restart], readerGapsUs: [gap(30.2, 38.5)] });
    expect(beyond?.unobserved).toBe('the collector was not reading from 36.0 s to 38.5 s');
    expect(
      readerBlindSpots([gap(10, 40), { fromUs: RUN_START_US + 50e6, toUs: null }], [restart], RUN_START_US),
    ).toEqual([gap(10, 30), gap(36, 40), { fromUs: RUN_START_US + 50e6, toUs: null }]);
  });

  it('an undisturbed kill recovers at once', () => {
    expect(run({ series: series(40), faults: [kill(20)] })).toEqual([
      { fault: 'kill features[1]', detectedMs: null, firstOutputMs: 0, recoveredMs: 0 },
    ]);
  });

  it('a backlog drain is not recovered: neither above the target rate nor while p99 is still high', () => {
    const partition: FaultRecord = { kind: 'partition', target: 'features->score', at: 20, until: 30 };
    const buckets = series(60, {
      ...span(20, 30, 0, null),
      ...span(30, 35, 3000, 5_000_000), // draining the backlog at 3× the target
      ...span(35, 38, 1000, 100_000), // rate is back, latency is not
      ...span(38, 60, 1000, 11_000),
    });
    expect(run({ series: buckets, faults: [partition] })).toEqual([
      { fault: 'partition features->score', detectedMs: null, firstOutputMs: 10_000, recoveredMs: 18_000 },
    ]);
    // With the latency criterion out of the way, the rate alone still rejects the windows that include the
    // drain (means 2600, 2200, 1800, 1400): the first one at the target starts at 35.
    expect(run({ series: buckets, faults: [partition], baselineP99Us: 1e12 })[0]?.recoveredMs).toBe(15_000);
  });

  it('a fault with a duration is not recovered from before it is healed, even if nothing shows', () => {
    const latency: FaultRecord = { kind: 'latency', target: 'source->features', at: 20, until: 30 };
    expect(run({ series: series(60), faults: [latency] })).toEqual([
      { fault: 'latency source->features', detectedMs: null, firstOutputMs: 0, recoveredMs: 10_000 },
    ]);
  });

  it('a rate that stays low, or a series that ends before a whole window, is censored at the load end', () => {
    const halfRate = series(60, { ...span(30, 32, 0, null), ...span(32, 60, 500, 10_000) });
    expect(run({ series: halfRate, faults: [kill(30)] })[0]).toEqual({
      fault: 'kill features[1]',
      detectedMs: null,
      firstOutputMs: 2000,
      recoveredMs: null,
      censored: 'load ended 30.0 s after the fault',
      censoredMs: 30_000,
    });
    // Healthy again from 56, but 56..59 is only four seconds.
    const late = series(60, { ...span(30, 56, 0, null) });
    expect(run({ series: late, faults: [kill(30)] })[0]).toMatchObject({
      firstOutputMs: 26_000,
      recoveredMs: null,
      censoredMs: 30_000,
    });
    expect(
      run({ series: late.concat({ second: 60, outputs: 1000, p99Us: 10_000 }), faults: [kill(30)] })[0],
    ).toMatchObject({ recoveredMs: 26_000 });
  });

  it('firstOutputMs is null when output never comes back', () => {
    const dead = series(50, span(30, 50, 0, null));
    expect(run({ series: dead, faults: [kill(30)] })[0]).toEqual({
      fault: 'kill features[1]',
      detectedMs: null,
      firstOutputMs: null,
      recoveredMs: null,
      censored: 'load ended 20.0 s after the fault',
      censoredMs: 20_000,
    });
  });

  it('a load that ends 2 s after a kill is censored, "> 2.0 s (load ended)", never "never"', () => {
    // Output back at once, but the load (and so the series of the load) ends before a 5 s window fits.
    const short = series(40);
    const [entry] = run({ series: short, faults: [kill(30)], loadEndS: 32 });
    expect(entry).toMatchObject({ recoveredMs: null, censored: 'load ended 2.0 s after the fault' });
    expect(formatRecovery(entry!)).toBe('> 2.0 s (load ended)');
    // Seconds after the load (the drain) never make a window.
    expect(run({ series: series(60), faults: [kill(30)], loadEndS: 34 })[0]?.censoredMs).toBe(4000);
    expect(run({ series: series(60), faults: [kill(30)], loadEndS: 35 })[0]?.recoveredMs).toBe(0);
  });

  it('is not recovered before every record intended before the fault arrived (Storm: replays at T..2T)', () => {
    // Dip at 30, a healthy stretch from 32, then the replays of timed-out tuples arrive until 41.3.
    const storm = series(70, span(30, 32, 0, null));
    const backlog = (atS: number) => (atS === 30 ? 41.3 : atS);
    const [entry] = run({ series: storm, faults: [kill(30)], backlogDeliveredAtS: backlog });
    expect(entry?.recoveredMs).toBe(12_000); // window from ceil(41.3) = 42
    expect(run({ series: storm, faults: [kill(30)] })[0]?.recoveredMs).toBe(2000); // without the rule
  });

  it('is not recovered while a record intended after the fault is still outstanding (a straggler p99 cannot see)', () => {
    // CI, 2026-12-06 (ack-tree, kill at 7.0 s): every second healthy from 13 s, yet two tuples sent to features[1]
    // while it restarted (intended 9.16 s) were replayed a timeout later and read at 14.85 s. Version 2 said
    // "recovered 6.0 s after the kill"; every record intended before the kill had arrived by then.
    // Here: kill at 30, healthy series from 31, a record intended at 31.2 read at 36.85 (bound: 2 × 10 ms).
    const asked: number[] = [];
    const deliveredBy = (cutS: number) => {
      asked.push(cutS);
      return cutS > 31.2 ? Math.max(36.85, cutS + 0.005) : cutS + 0.005;
    };
    const [entry] = run({ series: series(70), faults: [kill(30)], backlogDeliveredAtS: deliveredBy });
    // Seconds 32..36 see the straggler outstanding for longer than the bound: the first window starts at 37.
    expect(entry?.recoveredMs).toBe(7000);
    // Without stragglers (the same record read at 31.215) the fault is recovered at 31, as version 2 says.
    const prompt = (cutS: number) => cutS + 0.005;
    expect(run({ series: series(70), faults: [kill(30)], backlogDeliveredAtS: prompt })[0]?.recoveredMs).toBe(
      1000,
    );
    // Cuts are asked once per second and in increasing order (the checker resumes its scan).
    expect(asked).toEqual([...asked].sort((a, b) => a - b));
    expect(new Set(asked).size).toBe(asked.length);
  });

  it('a record intended after the fault that never arrives makes the recovery "never", with the reason', () => {
    const lostAfter = (cutS: number) => (cutS > 31.5 ? null : cutS + 0.005);
    const [entry] = run({ series: series(70), faults: [kill(30)], backlogDeliveredAtS: lostAfter });
    expect(entry).toMatchObject({
      recoveredMs: null,
      reason: 'backlog never delivered: records intended within 2.0 s after the fault never arrived',
    });
    // The guarantee allows the loss (the runner leaves such ids out): recovered as the series says.
    const allowed = (cutS: number) => cutS + 0.005;
    expect(
      run({ series: series(70), faults: [kill(30)], backlogDeliveredAtS: allowed })[0]?.recoveredMs,
    ).toBe(1000);
  });

  it('a backlog that never arrived is a reason, not a censored observation', () => {
    const [entry] = run({ series: series(60), faults: [kill(30)], backlogDeliveredAtS: () => null });
    expect(entry).toMatchObject({
      recoveredMs: null,
      reason: 'backlog never delivered: records intended before the fault never arrived',
    });
    expect(entry?.censored).toBeUndefined();
    expect(formatRecovery(entry!)).toMatch(/^never \(backlog never delivered/);
  });

  it('records owed and not read are "unknown", not "never", when the drain could not show they never arrive', () => {
    // The drain reached its cap while output was still arriving: what had not come may have come later.
    const open = 'the drain reached its cap (30000 ms) while output was still arriving';
    const before = run({
      series: series(60),
      faults: [kill(30)],
      backlogDeliveredAtS: () => null,
      deliveryOpen: open,
    })[0]!;
    expect(before).toMatchObject({
      recoveredMs: null,
      undecided: `records intended before the fault were not read by the run's end, which does not show they never arrive: ${open}`,
    });
    expect(before.reason).toBeUndefined();
    expect(formatRecovery(before)).toMatch(/^unknown \(records intended before the fault were not read/);
    expect(recoveryOutcome(before)).toBe('unknown');
    // A straggler after the fault likewise.
    const lostAfter = (cutS: number) => (cutS > 31.5 ? null : cutS + 0.005);
    const after = run({
      series: series(70),
      faults: [kill(30)],
      backlogDeliveredAtS: lostAfter,
      deliveryOpen: open,
    })[0]!;
    expect(after.undecided).toMatch(/^records intended within 2.0 s after the fault were not read/);
    expect(recoveryOutcome(after)).toBe('unknown');
    // An open drain changes nothing that was measured: a recovery, or a censored one.
    const measured = run({
      series: series(60),
      faults: [kill(30)],
      backlogDeliveredAtS: (cutS) => cutS + 0.005,
      deliveryOpen: open,
    })[0]!;
    expect(measured).toMatchObject({ recoveredMs: 1000 });
    expect(measured.undecided).toBeUndefined();
    const censored = run({ series: series(60), faults: [kill(30)], loadEndS: 34, deliveryOpen: open })[0]!;
    expect(recoveryOutcome(censored)).toBe('censored');
  });

  it('recoveryOutcome sorts entries as reports count them', () => {
    const base = { recoveredMs: null };
    expect(recoveryOutcome({ recoveredMs: 4000 })).toBe('measured');
    expect(recoveryOutcome({ ...base, censored: 'load ended 9.8 s after the fault', censoredMs: 9800 })).toBe(
      'censored',
    );
    // A soak's record keeps the text alone.
    expect(recoveryOutcome({ ...base, censored: 'load ended 9.8 s after the fault' })).toBe('censored');
    expect(recoveryOutcome({ ...base, reason: 'backlog never delivered: …' })).toBe('never');
    expect(
      recoveryOutcome({ ...base, unobserved: 'the collector was not reading from 1.0 s to 2.0 s' }),
    ).toBe('unknown');
    expect(recoveryOutcome({ ...base, undecided: 'records … were not read by the run’s end' })).toBe(
      'unknown',
    );
    expect(recoveryOutcome({ ...base, unjudged: 'no pre-fault baseline: …' })).toBe('unknown');
    expect(recoveryOutcome(base)).toBe('never');
  });

  it('output that ends with the load is no gap: a fault whose output never stopped has firstOutputMs 0', () => {
    // Never recovered (p99 stays high to the end of the load at 40 s), then the drain runs dry.
    const busy = series(48, { ...span(30, 40, TARGET, 900_000), ...span(40, 48, 0, null) });
    expect(run({ series: busy, faults: [kill(30)], loadEndS: 40 })[0]).toMatchObject({
      firstOutputMs: 0,
      recoveredMs: null,
    });
    // A gap that began during the load still counts, even when output resumes only in the drain.
    const down = series(48, { ...span(35, 42, 0, null), ...span(42, 48, 300, 900_000) });
    expect(run({ series: down, faults: [kill(35)], loadEndS: 40 })[0]).toMatchObject({ firstOutputMs: 7000 });
  });

  it('treats seconds missing from the series as seconds without output', () => {
    const gappy = series(60).filter((b) => b.second < 30 || b.second >= 34);
    expect(run({ series: gappy, faults: [kill(30)] })[0]).toMatchObject({
      firstOutputMs: 4000,
      recoveredMs: 4000,
    });
  });

  it('a p99 above 2× baseline in any second of the window disqualifies it', () => {
    const buckets = series(60, { ...span(30, 32, 0, null), 34: [1000, 20_001], 40: [1000, 20_000] });
    // Windows 32..36 to 34..38 contain second 34; 35..39 is the first without it (20 000 is allowed in 40).
    expect(run({ series: buckets, faults: [kill(30)] })[0]?.recoveredMs).toBe(5000);
  });

  it('measures from a fractional injection and refines first output with read times', () => {
    const buckets = series(60, { ...span(31, 33, 0, null) }); // second 30 still has pre-fault output
    const outputTimesUs = [RUN_START_US + 30.1e6, RUN_START_US + 33.7e6, RUN_START_US + 33.25e6];
    expect(run({ series: buckets, faults: [kill(30.4)] })[0]).toMatchObject({
      firstOutputMs: 2600,
      recoveredMs: 2600,
    });
    expect(run({ series: buckets, faults: [kill(30.4)], outputTimesUs })[0]).toMatchObject({
      firstOutputMs: 2850,
      recoveredMs: 2600,
    });
    // Output never stopped: first output at or after the injection, inside the injection's own second.
    const steady = run({ series: series(60), faults: [kill(30.4)], outputTimesUs: [RUN_START_US + 30.45e6] });
    expect(steady[0]).toMatchObject({ firstOutputMs: 50, recoveredMs: 600 });
  });

  it('detects from a configurable list of event types, in any order of events', () => {
    const events = [
      event(34, 'checkpoint.aborted'),
      event(33.5, 'tuple.timeout'),
      event(31, 'job.restarting'),
      event(32, 'worker.failed'),
    ];
    expect(run({ series: series(60), faults: [kill(30)], events })[0]).toMatchObject({
      detectedMs: 2000,
      detectedBy: 'worker.failed features[1]',
    });
    expect(
      run({ series: series(60), faults: [kill(30)], events, detectionEventTypes: ['job.restarting'] })[0],
    ).toMatchObject({ detectedMs: 1000, detectedBy: 'job.restarting features[1]' });
    expect(
      run({ series: series(60), faults: [kill(30)], events: [event(31, 'worker.started')] })[0],
    ).not.toHaveProperty('detectedBy');
    expect(
      run({ series: series(60), faults: [kill(30)], events: [event(31, 'worker.started')] })[0]?.detectedMs,
    ).toBe(null);
  });

  it('two faults: each measured from its own injection, entries in the order given', () => {
    const buckets = series(100, {
      ...span(30, 32, 0, null),
      ...span(70, 75, 0, null),
      ...span(75, 78, 1000, 40_000),
    });
    const events = [event(30.8, 'worker.failed'), event(70.25, 'worker.failed', 'score[1]')];
    expect(run({ series: buckets, faults: [kill(70, 'score[1]'), kill(30)], events })).toEqual([
      {
        fault: 'kill score[1]',
        detectedMs: 250,
        detectedBy: 'worker.failed score[1]',
        firstOutputMs: 5000,
        recoveredMs: 8000,
      },
      {
        fault: 'kill features[1]',
        detectedMs: 800,
        detectedBy: 'worker.failed features[1]',
        firstOutputMs: 2000,
        recoveredMs: 2000,
      },
    ]);
  });

  it('a fault during an earlier one’s recovery takes the earlier, undisturbed baseline', () => {
    // A at 30: half rate at an acceptable 15 ms until B at 40 kills again; everything heals at 47.
    const buckets = series(80, {
      ...span(30, 40, 500, 15_000),
      ...span(40, 42, 0, null),
      ...span(42, 47, 1000, 25_000), // fine against a 15 ms baseline, not against the real 10 ms one
    });
    expect(run({ series: buckets, faults: [kill(30), kill(40, 'score[0]')] })).toEqual([
      { fault: 'kill features[1]', detectedMs: null, firstOutputMs: 0, recoveredMs: 17_000 },
      { fault: 'kill score[0]', detectedMs: null, firstOutputMs: 2000, recoveredMs: 7000 },
    ]);
    // Measured naively, B's baseline would be the disturbed 15 ms.
    expect(preFaultBaselineUs(buckets, 40)).toBe(15_000);
  });

  it('without any pre-fault output, recovery cannot be judged unless a baseline is given: unknown, not never', () => {
    const buckets = series(30, { 0: [0, null], 1: [0, null] });
    const [entry] = run({ series: buckets, faults: [kill(1)] });
    expect(entry).toMatchObject({
      recoveredMs: null,
      unjudged: 'no pre-fault baseline: no output in the 10 s before the fault',
    });
    expect(entry?.reason).toBeUndefined();
    expect(recoveryOutcome(entry!)).toBe('unknown');
    expect(formatRecovery(entry!)).toBe(
      'unknown (no pre-fault baseline: no output in the 10 s before the fault)',
    );
    expect(run({ series: buckets, faults: [kill(1)], baselineP99Us: 10_000 })[0]?.recoveredMs).toBe(1000);
  });

  it('rejects a target rate that is not positive', () => {
    expect(() => run({ series: series(10), faults: [], targetRate: 0 })).toThrow(RangeError);
    expect(run({ series: series(10), faults: [] })).toEqual([]);
  });
});

describe('preFaultBaselineUs', () => {
  it('is the median of the non-empty seconds wholly inside the look-back', () => {
    const buckets: SecondBucket[] = [
      { second: 18, outputs: 10, p99Us: 1 }, // too early
      { second: 20, outputs: 10, p99Us: 400 },
      { second: 21, outputs: 0, p99Us: null }, // empty: skipped
      { second: 22, outputs: 10, p99Us: 100 },
      { second: 23, outputs: 10, p99Us: 300 },
      { second: 29, outputs: 10, p99Us: 200 },
      { second: 30, outputs: 10, p99Us: 9_999 }, // the injection's second
    ];
    expect(preFaultBaselineUs(buckets, 30)).toBe(250);
    expect(preFaultBaselineUs(buckets, 29)).toBe(300);
    expect(preFaultBaselineUs(buckets, 30.5)).toBe(200); // [20.5, 30.5): 22, 23, 29 (30 is not wholly inside)
    expect(preFaultBaselineUs(buckets, 30, 3)).toBe(200);
    expect(preFaultBaselineUs(buckets, 20)).toBe(1);
    expect(preFaultBaselineUs(buckets, 18)).toBe(null);
  });
});
