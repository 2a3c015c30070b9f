import { describe, expect, it } from 'vitest';
import { createAppSignals, parseAppLine, taskOf } from './app-signals.ts';

/** What FaultlineStreams.java prints (one JSON object per line), at µs `at`. */
const state = (at: number, to: string, from: string, active?: string[]) =>
  JSON.stringify({ fl: 'state', at, state: to, from, ...(active ? { active } : {}) });
const task = (at: number, event: 'init' | 'close', id: string) =>
  JSON.stringify({ fl: 'task', at, event, task: id });

describe('kafka-streams app lines', () => {
  it('parses only the app event lines', () => {
    expect(parseAppLine('12:00:01,000 [main] INFO org.apache.kafka... {"fl":"state"}')).toBeNull();
    expect(parseAppLine('{"fl":"state","at":1')).toBeNull();
    expect(parseAppLine('{"fl":"other","at":1}')).toBeNull();
    expect(parseAppLine(state(5, 'RUNNING', 'REBALANCING', ['0_1']))).toMatchObject({ fl: 'state', at: 5 });
  });

  it('operator instance i lives in the task of its partition', () => {
    expect([0, 1, 2, 3].map((i) => taskOf(i, 2))).toEqual(['0_0', '0_1', '0_0', '0_1']);
  });

  it('a kill and its failover: events, placement, readiness and restarts', () => {
    const s = createAppSignals(2, 2);
    const feed = (instance: number, line: string) => s.observe(instance, parseAppLine(line)!);
    // Start-up: both instances rebalance, instance 0 opens both tasks first, then hands 0_1 to instance 1.
    expect(feed(0, state(1, 'REBALANCING', 'CREATED'))).toMatchObject({
      type: 'job.restarting',
      worker: 'instance[0]',
      state: 'REBALANCING',
    });
    feed(1, state(2, 'REBALANCING', 'CREATED'));
    expect(feed(0, task(3, 'init', '0_0'))).toMatchObject({ type: 'task.started', task: '0_0', at: 3 });
    feed(0, task(3, 'init', '0_1'));
    feed(0, state(4, 'RUNNING', 'REBALANCING', ['0_0', '0_1']));
    expect(s.running()).toBe(false); // instance 1 still rebalancing
    expect(feed(0, task(5, 'close', '0_1'))).toBeNull();
    expect(s.ownerOf('0_1')).toBeUndefined();
    feed(1, task(6, 'init', '0_1'));
    expect(feed(1, state(7, 'RUNNING', 'REBALANCING', ['0_1']))).toMatchObject({
      type: 'job.running',
      active: ['0_1'],
    });
    expect(s.running()).toBe(true);
    s.markBaseline();
    expect(s.restarts('0_1')).toBe(0);
    // Instance 1 is killed: its task is nowhere until the survivor, after the session timeout, opens it.
    s.exited(1);
    expect(s.running()).toBe(false);
    expect(s.ownerOf('0_1')).toBeUndefined();
    feed(0, state(10, 'REBALANCING', 'RUNNING'));
    feed(0, task(11, 'init', '0_1'));
    expect(
      feed(
        0,
        JSON.stringify({
          fl: 'restore',
          at: 12,
          event: 'end',
          partition: 'x-0',
          store: 'state',
          records: 40,
        }),
      ),
    ).toMatchObject({ type: 'task.restored', worker: 'instance[0]', records: 40 });
    expect(feed(0, JSON.stringify({ fl: 'restore', at: 12, event: 'start', partition: 'x-0' }))).toBeNull();
    feed(0, state(13, 'RUNNING', 'REBALANCING', ['0_0', '0_1']));
    expect(s.ownerOf('0_1')).toBe(0);
    expect(s.restarts('0_1')).toBe(1);
    expect(s.restarts('0_0')).toBe(0);
    // The relaunched instance runs with no task (the assignor keeps the stateful task where its state is).
    feed(1, state(15, 'REBALANCING', 'CREATED'));
    feed(1, state(16, 'RUNNING', 'REBALANCING', []));
    expect(s.running()).toBe(true);
    expect(feed(0, JSON.stringify({ fl: 'error', at: 20, error: 'boom' }))).toMatchObject({
      type: 'failure.detected',
      error: 'boom',
    });
    expect(feed(0, state(21, 'ERROR', 'PENDING_ERROR'))).toMatchObject({ type: 'job.cancelled' });
    expect(feed(0, state(22, 'PENDING_SHUTDOWN', 'RUNNING'))).toBeNull();
  });
});
