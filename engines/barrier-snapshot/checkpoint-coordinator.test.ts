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
