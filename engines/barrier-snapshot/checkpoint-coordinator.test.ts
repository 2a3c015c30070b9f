import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.ts';
import { CheckpointCoordinator } from './checkpoint-coordinator.ts';

const tasks = ['source[0]', 'source[1]', 'features[0]', 'sink[0]'];
const coordinator = (extra: Partial<ConstructorParameters<typeof CheckpointCoordinator>[0]> = {}) =>
  new CheckpointCoordinator({
    tasks,
    intervalMs: 1000,
    timeoutMs: 10_000,
    minPauseMs: 0,
    tolerableFailedCheckpoints: 0,
    ...extra,
  });

describe('checkpoint coordinator', () => {
  it('n completes iff every task acknowledged n, in any order; completed ids only increase', () => {
    const rng = createRng(3);
    const c = coordinator();
    let now = 0;
    let last = 0;
    for (let round = 0; round < 50; round++) {
      now += 1000;
      const id = c.maybeTrigger(now, true)!;
      expect(id).toBe(round + 1);
      const order = [...tasks].sort(() => rng.next() - 0.5);
      order.forEach((task, i) => {
        const r = c.acknowledge(id, task, now + i);
        if (i < order.length - 1) {
          expect(r).toEqual({ kind: 'pending', missing: order.length - 1 - i });
          expect(c.latestCompleted()).toBe(round === 0 ? null : last);
        } else expect(r).toMatchObject({ kind: 'completed', id });
      });
      expect(c.latestCompleted()).toBeGreaterThan(last);
      last = c.latestCompleted()!;
    }
  });

  it('at most one pending checkpoint; no trigger while a task is not running or within min pause', () => {
    const c = coordinator({ minPauseMs: 5000 });
    expect(c.maybeTrigger(1000, false)).toBeUndefined();
    expect(c.maybeTrigger(1000, true)).toBe(1);
    expect(c.maybeTrigger(5000, true)).toBeUndefined();
    for (const t of tasks) c.acknowledge(1, t, 5000);
    expect(c.maybeTrigger(6000, true)).toBeUndefined(); // min pause since completion at 5000
    expect(c.maybeTrigger(10_000, true)).toBe(2);
  });

  /** Completes pending checkpoint `id` at `nowMs` (every task acknowledges). */
  const complete = (c: CheckpointCoordinator, id: number, nowMs: number) => {
    for (const t of tasks) c.acknowledge(id, t, nowMs);
    expect(c.latestCompleted()).toBe(id);
  };

  it('triggers at a fixed rate (Flink): a timer that fires late does not move the next due time', () => {
    const c = coordinator();
    expect(c.nextWakeMs()).toBeUndefined(); // not started: no task has run yet
    expect(c.maybeTrigger(0, true)).toBe(1);
    complete(c, 1, 200);
    expect(c.nextWakeMs()).toBe(1000);
    expect(c.maybeTrigger(999, true)).toBeUndefined();
    expect(c.maybeTrigger(1030, true)).toBe(2); // 30 ms late
    complete(c, 2, 1200);
    expect(c.nextWakeMs()).toBe(2000); // not 2030
  });

  it('a request that falls due while a checkpoint is pending is queued and runs at its completion', () => {
    const c = coordinator();
    expect(c.maybeTrigger(0, true)).toBe(1);
    expect(c.maybeTrigger(1000, true)).toBeUndefined(); // 1 pending: queued
    expect(c.nextWakeMs()).toBe(2000);
    complete(c, 1, 1500);
    expect(c.maybeTrigger(1500, true)).toBe(2); // at once, not at 2000
    complete(c, 2, 1700);
    expect(c.maybeTrigger(1700, true)).toBeUndefined(); // nothing queued
    expect(c.maybeTrigger(2000, true)).toBe(3); // the schedule kept its phase
  });

  it('requests queue up behind a long checkpoint and then run back to back (CheckpointRequestDecider)', () => {
    const c = coordinator();
    expect(c.maybeTrigger(0, true)).toBe(1);
    for (const at of [1000, 2000, 3000]) expect(c.maybeTrigger(at, true)).toBeUndefined();
    complete(c, 1, 3500);
    expect(c.maybeTrigger(3500, true)).toBe(2);
    complete(c, 2, 3600);
    expect(c.maybeTrigger(3600, true)).toBe(3);
    complete(c, 3, 3700);
    expect(c.maybeTrigger(3700, true)).toBe(4);
    complete(c, 4, 3800);
    expect(c.maybeTrigger(3800, true)).toBeUndefined(); // the queue is empty
    expect(c.maybeTrigger(4000, true)).toBe(5);
  });

  it('within min pause a request is dropped and the schedule starts again at completion + min pause', () => {
    const c = coordinator({ minPauseMs: 600 });
    expect(c.maybeTrigger(0, true)).toBe(1);
    complete(c, 1, 800);
    expect(c.maybeTrigger(1000, true)).toBeUndefined(); // 200 ms after the completion
    expect(c.nextWakeMs()).toBe(1400);
    expect(c.maybeTrigger(1400, true)).toBe(2);
    complete(c, 2, 1500);
    expect(c.nextWakeMs()).toBe(2400); // the new phase: 1400 + interval
  });

  it('stops while a task is not running, its queue dropped, and starts again at once when all run', () => {
    const c = coordinator();
    expect(c.maybeTrigger(0, true)).toBe(1);
    expect(c.maybeTrigger(1000, true)).toBeUndefined(); // queued behind 1
    c.abort('task failure', false);
    expect(c.maybeTrigger(1100, false)).toBeUndefined();
    expect(c.nextWakeMs()).toBeUndefined();
    expect(c.maybeTrigger(5300, true)).toBe(2);
    expect(c.maybeTrigger(5300, true)).toBeUndefined(); // the queue before the failover is gone
    expect(c.nextWakeMs()).toBe(6300);
  });

  it('draws the first request’s delay at every start of the schedule (Flink’s random initial delay)', () => {
    const delays = [700, 250];
    const c = coordinator({ initialDelayMs: () => delays.shift()! });
    expect(c.maybeTrigger(0, true)).toBeUndefined();
    expect(c.nextWakeMs()).toBe(700);
    expect(c.maybeTrigger(700, true)).toBe(1);
    c.abort('task failure', false);
    c.maybeTrigger(800, false); // the job fails over: the schedule stops
    expect(c.maybeTrigger(5000, true)).toBeUndefined(); // running again: a new delay
    expect(c.nextWakeMs()).toBe(5250);
    expect(c.maybeTrigger(5250, true)).toBe(2);
    expect(c.nextWakeMs()).toBe(6250);
  });

  it('wakes for the pending checkpoint’s timeout when it comes before the next request', () => {
    const c = coordinator({ intervalMs: 60_000, timeoutMs: 10_000 });
    expect(c.maybeTrigger(0, true)).toBe(1);
    expect(c.nextWakeMs()).toBe(10_000);
    expect(c.checkTimeout(10_000)).toEqual({ aborted: 1, failover: true });
    expect(c.nextWakeMs()).toBe(60_000);
  });

  it('acks for other checkpoints or from unknown tasks are ignored; duplicates do not complete early', () => {
    const c = coordinator();
    const id = c.maybeTrigger(1000, true)!;
    expect(c.acknowledge(id + 1, 'source[0]', 1000).kind).toBe('ignored');
    expect(c.acknowledge(id, 'stranger[0]', 1000).kind).toBe('ignored');
    for (let i = 0; i < 5; i++) c.acknowledge(id, 'source[0]', 1000);
    expect(c.latestCompleted()).toBeNull();
  });

  it('a timed-out checkpoint is aborted and, with 0 tolerable failures, asks for a failover; ids keep increasing', () => {
    const c = coordinator({ tolerableFailedCheckpoints: 0 });
    c.maybeTrigger(1000, true);
    expect(c.checkTimeout(5000)).toBeUndefined();
    expect(c.checkTimeout(11_000)).toEqual({ aborted: 1, failover: true });
    expect(c.acknowledge(1, 'source[0]', 11_000).kind).toBe('ignored');
    expect(c.maybeTrigger(12_000, true)).toBe(2);
    const tolerant = coordinator({ tolerableFailedCheckpoints: 1 });
    tolerant.maybeTrigger(1000, true);
    expect(tolerant.checkTimeout(20_000)).toEqual({ aborted: 1, failover: false });
  });

  it('after a restore the latest completed checkpoint is the restore point and new ids continue above it', () => {
    const c = new CheckpointCoordinator(
      { tasks, intervalMs: 1000, timeoutMs: 10_000, minPauseMs: 0, tolerableFailedCheckpoints: 0 },
      { latestCompleted: 7, nextId: 9 },
    );
    expect(c.latestCompleted()).toBe(7);
    expect(c.maybeTrigger(1000, true)).toBe(9);
  });
});
