import { describe, expect, it } from 'vitest';
import { loadMatrixSpec } from '../harness/index.ts';
import { loadScenario } from '../scenarios/index.ts';
import { handMadeRun, killAt, WORKERS } from './fixtures/hand-made-runs.ts';
import { mdCell } from './markdown.ts';
import {
  comparedSettingNames,
  comparedSettings,
  FAILOVER_ROWS,
  failoverCells,
  MODEL_OF,
  realVsModelMarkdown,
  realVsModelSections,
  STORM_FAILOVER_ROWS,
} from './real-vs-model.ts';

describe.each(['real-vs-model', 'storm-vs-model'])('the %s matrix', (name) => {
  const spec = loadMatrixSpec(name);
  const cells = spec.parts.flatMap((p) => p.scenarios.map((s) => ({ part: p, scenario: s })));
  /** The real systems the matrix runs (each with its model). */
  const reals = Object.keys(MODEL_OF).filter((real) => spec.parts.some((p) => p.engines.includes(real)));

  it('runs each real system beside its model, at the same guarantees', () => {
    expect(reals.length).toBeGreaterThan(0);
    for (const { part } of cells) {
      for (const real of reals) {
        const model = MODEL_OF[real]!;
        expect(part.engines).toEqual(expect.arrayContaining([real, model]));
        expect(part.guarantees[real]).toEqual(part.guarantees[model]);
      }
    }
  });

  it.each([...new Set(cells.map((c) => c.scenario))])(
    '%s gives the real system and the model equal settings',
    (scenarioName) => {
      const scenario = loadScenario(scenarioName);
      for (const real of reals) {
        const model = MODEL_OF[real]!;
        expect(scenario.engineOptions[real], `${scenarioName} has a ${real} block`).toBeDefined();
        const a = comparedSettings(real, scenario.engineOptions[real] ?? {});
        const b = comparedSettings(model, scenario.engineOptions[model] ?? {});
        for (const k of comparedSettingNames(real)) expect(a[k], `${scenarioName}: ${k}`).not.toBeUndefined();
        expect(a).toEqual(b);
      }
    },
  );
});

const options = { checkpointIntervalMs: 1000, heartbeatTimeoutS: 5 };

/** The model's kill as barrier-snapshot logs it: cancel all, restart delay, every process again, restore. */
const model = () =>
  handMadeRun({
    engine: 'barrier-snapshot',
    faults: [killAt(10)],
    engineOptions: options,
    blastRadius: { workersRestarted: 7, recordsReplayed: 120, restartedWorkers: WORKERS },
    events: [
      [9.5, 'checkpoint.completed', 'coordinator', { checkpoint: 8 }],
      [10.02, 'failure.detected', 'coordinator', { cause: 'lost connection to features[1]' }],
      [10.02, 'job.cancelled', 'coordinator', { tasks: 7 }],
      [11.02, 'job.restarting', 'coordinator'],
      ...WORKERS.map((w): [number, 'worker.restarted', string] => [11.1, 'worker.restarted', w]),
      [13.0, 'source.positioned', 'source[0]', { offsets: { 0: 100 }, attempt: 1 }],
      [13.5, 'task.restored', 'features[0]', { checkpoint: 8 }],
      [13.6, 'job.running', 'coordinator'],
      [14.5, 'checkpoint.completed', 'coordinator', { checkpoint: 9 }],
    ],
  });

/** Flink's kill as its adapter logs it: a TaskManager JVM exits, a first attempt lands on it, then a second. */
const real = () =>
  handMadeRun({
    engine: 'flink',
    faults: [killAt(10)],
    engineOptions: options,
    blastRadius: { workersRestarted: 7, recordsReplayed: null, restartedWorkers: WORKERS },
    events: [
      [0, 'worker.started', 'taskmanager[0]', { attempt: 0, resourceId: 'tm0-0' }],
      [0, 'worker.started', 'taskmanager[1]', { attempt: 0, resourceId: 'tm1-0' }],
      [5, 'task.started', 'features[1]', { attempt: 0, taskManager: 'tm0-0' }],
      [5, 'task.started', 'features[0]', { attempt: 0, taskManager: 'tm1-0' }],
      [9.4, 'checkpoint.completed', undefined, { checkpoint: 9 }],
      [10.3, 'worker.failed', 'taskmanager[0]', { attempt: 0, signal: 'SIGKILL' }],
      [
        10.56,
        'failure.detected',
        undefined,
        { exception: 'a.b.RemoteTransportException', taskManager: 'tm1-0' },
      ],
      [11.4, 'worker.restarted', 'taskmanager[0]', { attempt: 1, resourceId: 'tm0-1' }],
      [11.78, 'task.restored', undefined, { checkpoint: 9 }],
      [11.78, 'job.running'],
      [
        11.98,
        'failure.detected',
        undefined,
        { exception: 'a.b.RecipientUnreachableException', taskManager: 'tm0-0' },
      ],
      [11.98, 'job.restarting'],
      [12.99, 'job.running'],
      [13.2, 'task.started', 'features[1]', { attempt: 2, taskManager: 'tm1-0' }],
      [13.2, 'task.started', 'features[0]', { attempt: 2, taskManager: 'tm1-0' }],
      [15.0, 'checkpoint.completed', undefined, { checkpoint: 10 }],
    ],
  });

describe('the real-vs-model section', () => {
  it('pairs a real run with its model run of the same scenario and guarantee, nothing else', () => {
    expect(realVsModelSections([real()])).toEqual([]);
    expect(realVsModelSections([model()])).toEqual([]);
    const other = handMadeRun({
      engine: 'barrier-snapshot',
      guarantee: 'at-least-once',
      faults: [killAt(10)],
    });
    expect(realVsModelSections([real(), other])).toEqual([]);
    const [s, ...more] = realVsModelSections([model(), real()]);
    expect(more).toEqual([]);
    expect(s).toMatchObject({
      scenario: 'kill-worker',
      guarantee: 'exactly-once',
      model: 'barrier-snapshot',
      real: 'flink',
    });
    expect(s!.settings.every((r) => r.equal)).toBe(true);
    expect(s!.faults).toEqual(['kill features[1] at 10 s']);
  });

  it('reads each failover from the events, and says what it could not measure', () => {
    const [s] = realVsModelSections([model(), real()]);
    const m = s!.modelRuns[0]!;
    const r = s!.realRuns[0]!;
    expect(m.replayed).toBe(120);
    expect(r.replayed).toBeNull();
    expect(r.failover.running).toEqual([1780, 2990]);
    expect(r.failover.restored).toBe(9);
    expect(r.failover.lastBefore).toBe(9);
    const cells = Object.fromEntries(FAILOVER_ROWS.map((row, i) => [row, failoverCells(r.failover)[i]]));
    expect(cells['process exit seen (worker.failed)']).toBe('taskmanager[0] (SIGKILL) at 0.30 s');
    expect(cells['processes started again (worker.restarted)']).toBe('taskmanager[0] (tm0-1) at 1.40 s');
    expect(cells['subtasks per TaskManager before → after']).toBe('tm0-0 ×1, tm1-0 ×1 → tm1-0 ×2');
    expect(
      failoverCells(m.failover)[FAILOVER_ROWS.indexOf('processes started again (worker.restarted)')],
    ).toBe('7 at 1.10 s');
    const text = s!.differences.join('\n');
    expect(text).toContain(
      "flink 2 (job.restarting at 1.98 s; running again at 1.78 s, 2.99 s). flink's second failure, at 1.98 s (RecipientUnreachableException on tm0-0): tm0-0 is taskmanager[0] attempt 0, the JVM that had exited at 0.30 s",
    );
    expect(text).toContain(
      'tm0-0 ×1, tm1-0 ×1 before the fault (features[1] ran on tm0-0 when the fault came)',
    );
    expect(text).toContain('flink records replayed not measured');
    const md = realVsModelMarkdown([s!], mdCell).join('\n');
    expect(md).toContain('## Real system vs model');
    expect(md).toContain('| not measured |');
  });

  it('flags a setting that differs', () => {
    const other = handMadeRun({
      ...{ engine: 'flink', faults: [killAt(10)] },
      engineOptions: { ...options, restartDelayMs: 3000 },
    });
    const [s] = realVsModelSections([model(), other]);
    expect(s!.settings.find((r) => r.name === 'restartDelayMs')).toEqual({
      name: 'restartDelayMs',
      model: '1000',
      real: '3000',
      equal: false,
    });
  });
});

const stormOptions = { messageTimeoutS: 5, commitIntervalMs: 1000, retryMaxDelayMs: 1667 };

/** ack-tree's kill: the supervisor relaunches features[1]; the spouts time its tuples out and replay them. */
const ackTree = () =>
  handMadeRun({
    engine: 'ack-tree',
    guarantee: 'at-least-once',
    faults: [killAt(10)],
    engineOptions: { ...stormOptions, heartbeatTimeoutS: 5 },
    blastRadius: { workersRestarted: 1, recordsReplayed: 900, restartedWorkers: ['features[1]'] },
    events: [
      [9.6, 'offsets.committed', 'source[0]', { partition: 0, offset: 4000 }],
      [10.09, 'worker.failed', 'features[1]', { attempt: 0, exit: 'SIGKILL' }],
      [13.09, 'worker.restarting', 'features[1]', { attempt: 1 }],
      [13.1, 'worker.restarted', 'features[1]', { attempt: 1 }],
      [19.05, 'tuple.timeout', 'source[1]', { count: 500 }],
      [19.3, 'tuple.replayed', 'source[1]', { count: 500 }],
      [19.7, 'tuple.timeout', 'source[0]', { count: 400 }],
      [19.8, 'tuple.replayed', 'source[0]', { count: 400 }],
      [20.6, 'offsets.committed', 'source[0]', { partition: 0, offset: 4400 }],
    ],
  });

/** storm's kill (LocalCluster): the one worker JVM dies with every executor; the adapter relaunches it. */
const storm = () =>
  handMadeRun({
    engine: 'storm',
    guarantee: 'at-least-once',
    faults: [killAt(10)],
    engineOptions: stormOptions,
    blastRadius: { workersRestarted: 7, recordsReplayed: 40, restartedWorkers: WORKERS },
    events: [
      [10.05, 'worker.failed', 'worker', { attempt: 0, signal: 'SIGKILL' }],
      [10.05, 'worker.restarting', 'worker', { attempt: 1 }],
      [13.05, 'worker.restarted', 'worker', { attempt: 1 }],
      [24.0, 'tuple.failed', 'source[0]', { count: 40 }],
      [25.0, 'tuple.replayed', 'source[0]', { count: 40 }],
    ],
  });

describe('the storm section', () => {
  it("compares Storm's settings and reads the replays against the message timeout", () => {
    const [s, ...more] = realVsModelSections([ackTree(), storm()]);
    expect(more).toEqual([]);
    expect(s).toMatchObject({ model: 'ack-tree', real: 'storm', guarantee: 'at-least-once' });
    expect(s!.settings.map((r) => r.name).slice(0, 3)).toEqual([
      'messageTimeoutS',
      'maxSpoutPending',
      'ackers',
    ]);
    expect(s!.settings.every((r) => r.equal)).toBe(true);
    expect(s!.failover.map((r) => r[0])).toEqual([...STORM_FAILOVER_ROWS]);
    const row = (name: string) => s!.failover.find((r) => r[0] === name)!;
    expect(row('tuples timed out (tuple.timeout)')).toEqual([
      'tuples timed out (tuple.timeout)',
      '900 in 2 events, 9.05–9.70 s',
      '—',
    ]);
    expect(row('first failure · first replay, in message timeouts')).toEqual([
      'first failure · first replay, in message timeouts',
      '9.05 s = 1.81 T · 9.30 s = 1.86 T',
      '14.00 s = 2.80 T · 15.00 s = 3.00 T',
    ]);
    expect(row('offsets committed (last before · first after)')[1]).toBe('-0.40 s · 10.60 s');
    const text = s!.differences.join('\n');
    expect(text).toContain(
      'ack-tree saw features[1] exit (SIGKILL) at 0.09 s; storm saw worker exit (SIGKILL) at 0.05 s',
    );
    expect(text).toContain('storm runs every executor in one worker JVM here');
    expect(text).toContain("storm's adapter does not report the KafkaSpout's commits (not measured)");
  });

  it('flags a Storm setting that differs', () => {
    const other = handMadeRun({
      ...{ engine: 'storm', guarantee: 'at-least-once', faults: [killAt(10)] },
      engineOptions: { ...stormOptions, maxSpoutPending: 500 },
    });
    const [s] = realVsModelSections([ackTree(), other]);
    expect(s!.settings.find((r) => r.name === 'maxSpoutPending')).toEqual({
      name: 'maxSpoutPending',
      model: 'null',
      real: '500',
      equal: false,
    });
  });
});
