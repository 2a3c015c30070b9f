import { describe, expect, it } from 'vitest';
import { createRestSignals, operatorsOfVertex, type RestSnapshot } from './rest-signals.ts';

const OPERATORS = ['source', 'features', 'score', 'sink'];

function snapshot(state: string, attempt = 0, extra: Partial<RestSnapshot> = {}): RestSnapshot {
  const subtasks = (n: number, status = 'RUNNING') =>
    Array.from({ length: n }, (_, i) => ({ subtask: i, status, attempt, 'taskmanager-id': `tm${i}-0` }));
  return {
    job: {
      state,
      timestamps: {
        RUNNING: attempt === 0 ? 1000 : 6500,
        RESTARTING: state === 'RUNNING' && attempt === 0 ? 0 : 5200,
      },
      vertices: [
        { id: 'a', name: 'Source: source', parallelism: 2, status: 'RUNNING' },
        { id: 'b', name: 'features -> score', parallelism: 2, status: 'RUNNING' },
        { id: 'c', name: 'sink: Writer -> sink: Committer', parallelism: 1, status: 'RUNNING' },
      ],
    },
    vertices: [
      { id: 'a', name: 'Source: source', subtasks: subtasks(2) },
      {
        id: 'b',
        name: 'features -> score',
        subtasks: subtasks(2, state === 'RUNNING' ? 'RUNNING' : 'DEPLOYING'),
      },
      { id: 'c', name: 'sink: Writer -> sink: Committer', subtasks: subtasks(1) },
    ],
    ...extra,
  };
}

describe('flink REST signals', () => {
  it('names the operators of a chained vertex', () => {
    expect(operatorsOfVertex('features -> score', OPERATORS)).toEqual(['features', 'score']);
    expect(operatorsOfVertex('Source: source', OPERATORS)).toEqual(['source']);
    expect(operatorsOfVertex('sink: Writer -> sink: Committer', OPERATORS)).toEqual(['sink']);
  });

  it('places every instance, and tells running only when the job and every subtask run', () => {
    const signals = createRestSignals(OPERATORS);
    const first = snapshot('RUNNING');
    const events = signals.observe(first, 1);
    expect(signals.running(first)).toBe(true);
    expect(events.filter((e) => e.type === 'task.started').map((e) => e.worker)).toEqual([
      'source[0]',
      'source[1]',
      'features[0]',
      'features[1]',
      'score[0]',
      'score[1]',
      'sink[0]',
    ]);
    expect(signals.placement().get('features[1]')).toEqual({
      attempt: 0,
      status: 'RUNNING',
      taskManager: 'tm1-0',
    });
    expect(signals.running(snapshot('RESTARTING', 1))).toBe(false);
  });

  it('a failover: failure at the JobManager time, restarting, restore, new attempts; nothing twice', () => {
    const signals = createRestSignals(OPERATORS);
    signals.observe(snapshot('RUNNING'), 1);
    const failing = snapshot('RESTARTING', 0, {
      exceptions: {
        exceptionHistory: {
          entries: [
            {
              exceptionName: 'TaskManagerLostException',
              timestamp: 5000,
              taskName: 'features -> score (2/2)',
            },
          ],
        },
      },
      checkpoints: {
        history: [
          {
            id: 4,
            status: 'COMPLETED',
            trigger_timestamp: 3000,
            latest_ack_timestamp: 3100,
            end_to_end_duration: 100,
          },
          {
            id: 5,
            status: 'FAILED',
            trigger_timestamp: 4000,
            failure_timestamp: 5001,
            failure_message: 'task lost',
          },
          { id: 6, status: 'IN_PROGRESS', trigger_timestamp: 4900 },
        ],
      },
    });
    const during = signals.observe(failing, 2);
    expect(during.map((e) => `${e.type}@${e.at}`)).toEqual([
      'job.restarting@5200000',
      'failure.detected@5000000',
      'checkpoint.completed@3100000',
      'checkpoint.aborted@5001000',
    ]);
    expect(signals.observe(failing, 3)).toEqual([]);
    const back = snapshot('RUNNING', 1, {
      exceptions: failing.exceptions,
      checkpoints: { ...failing.checkpoints, latest: { restored: { id: 4, restore_timestamp: 6000 } } },
    });
    const after = signals.observe(back, 4);
    expect(after.filter((e) => e.type !== 'task.started').map((e) => e.type)).toEqual([
      'job.running',
      'task.restored',
    ]);
    expect(after.filter((e) => e.type === 'task.started')).toHaveLength(7);
    expect(signals.placement().get('sink[0]')?.attempt).toBe(1);
  });
});
