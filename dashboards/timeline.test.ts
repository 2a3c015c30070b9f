import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EventType } from '../core/events.ts';
import { handMadeRun, killAt } from './fixtures/hand-made-runs.ts';
import { loadReportInput } from './load.ts';
import { laneOf, MAX_EVENTS_PER_LANE, runTimeline, type TimelinePoint, thinLane } from './timeline.ts';

const event = (type: EventType, extra: Record<string, unknown> = {}) => ({ at: 0, type, ...extra });

describe('laneOf', () => {
  it('sorts the engines’ protocol events into lanes by what they name', () => {
    expect(laneOf(event('worker.failed'))).toBe('failure');
    expect(laneOf(event('failure.detected'))).toBe('failure');
    expect(laneOf(event('checkpoint.aborted'))).toBe('failure');
    expect(laneOf(event('worker.heartbeat-timeout'))).toBe('failure');
    expect(laneOf(event('job.cancelled'))).toBe('failover');
    expect(laneOf(event('worker.restarted'))).toBe('failover');
    expect(laneOf(event('task.restored'))).toBe('failover');
    expect(laneOf(event('redeploy'))).toBe('failover');
    expect(laneOf(event('tuple.timeout'))).toBe('replay');
    expect(laneOf(event('tuple.replayed'))).toBe('replay');
    expect(laneOf(event('replay.done'))).toBe('replay');
    expect(laneOf(event('checkpoint.completed'))).toBe('checkpoint');
    expect(laneOf(event('transaction.committed'))).toBe('commit');
    expect(laneOf(event('offsets.committed'))).toBe('commit');
    expect(laneOf(event('committed.window'))).toBe('commit');
  });

  it('leaves out faults (shown as windows) and routine events', () => {
    for (const t of [
      'fault.inject',
      'fault.heal',
      'worker.started',
      'task.started',
      'checkpoint.triggered',
      'window.begin',
    ] as const)
      expect(laneOf(event(t))).toBeNull();
    expect(laneOf(event('operator.deployed', { attempt: 0 }))).toBeNull();
    expect(laneOf(event('operator.deployed', { attempt: 1 }))).toBe('failover');
  });
});

describe('thinLane', () => {
  it('keeps at most the limit, one point per time bucket, without losing the count', () => {
    const points: TimelinePoint[] = Array.from({ length: 1000 }, (_, i) => ({
      t: i / 10,
      lane: 'checkpoint',
      type: 'checkpoint.completed',
      worker: null,
      count: 1,
      detail: '',
    }));
    const thin = thinLane(points, 0, 100);
    expect(thin.length).toBeLessThanOrEqual(MAX_EVENTS_PER_LANE);
    expect(thin.reduce((a, p) => a + p.count, 0)).toBe(1000);
    expect(thinLane(points.slice(0, 10), 0, 100)).toHaveLength(10);
  });
});

describe('runTimeline', () => {
  it('puts a real kill run’s failure and failover on the time axis of its time series', () => {
    const fixture = fileURLToPath(
      new URL(
        './fixtures/matrix-small/runs/20261125-085303-barrier-snapshot-kill-worker-f401',
        import.meta.url,
      ),
    );
    const run = loadReportInput([fixture]).runs[0]!;
    const tl = runTimeline(run);
    const kill = run.summary.faults[0]!;
    expect(tl.faults).toEqual([{ label: 'kill features[1]', from: kill.at, to: null }]);
    const detected = tl.points.find((p) => p.type === 'failure.detected')!;
    expect(detected.lane).toBe('failure');
    expect(detected.t).toBeGreaterThanOrEqual(kill.at);
    expect(detected.t).toBeLessThan(kill.at + 1);
    expect(tl.points.some((p) => p.lane === 'failover' && p.t > kill.at)).toBe(true);
    expect(tl.points.filter((p) => p.lane === 'checkpoint').length).toBeGreaterThan(5);
    expect(tl.series).toHaveLength(run.series.length);
    expect(tl.note).toBeNull();
  });

  it('says why events are missing when the run start is unknown', () => {
    const run = { ...handMadeRun({ faults: [killAt(13)] }), runStartUs: null };
    const tl = runTimeline(run);
    expect(tl.points).toEqual([]);
    expect(tl.note).toContain('run start is unknown');
  });
});
