import { describe, expect, it } from 'vitest';
import { FLINK_DEFAULTS } from '../engines/barrier-snapshot/options.ts';
import {
  branchCounts,
  branchOf,
  deployedWorkers,
  downstreamClosure,
  failedOver,
  faultInjected,
  hopsOf,
  injections,
  lastAttempt,
  otherOptions,
  reactionAfter,
  restartedWorkers,
  screen,
  topologyOf,
} from './claim-evidence.ts';
import { handMadeRun, killAt, RUN_START_US, WORKERS } from './fixtures/hand-made-runs.ts';

describe('faults and reactions', () => {
  it('counts a fault as injected only with its fault.inject event', () => {
    expect(injections(handMadeRun({ faults: [killAt(13)] }))).toEqual([
      { fault: killAt(13), atUs: RUN_START_US + 13e6 },
    ]);
    expect(injections(handMadeRun({ faults: [killAt(13)], injected: false }))).toEqual([]);
  });

  it('finds the first reaction of the engine at or after a time, not a worker that merely died', () => {
    const run = handMadeRun({
      events: [
        [12, 'worker.restarted', 'score[0]'],
        [13.1, 'worker.failed', 'features[1]'],
        [13.5, 'worker.heartbeat-timeout', 'coordinator'],
      ],
    });
    expect(reactionAfter(run, RUN_START_US + 13e6)?.type).toBe('worker.heartbeat-timeout');
    expect(reactionAfter(run, RUN_START_US + 14e6)).toBeUndefined();
  });

  it('asks for a reaction only of a run with a fault to react to, so a reason is never given twice', () => {
    const { excluded } = screen(
      [handMadeRun(), handMadeRun({ faults: [killAt(13)] })],
      [faultInjected, failedOver],
    );
    expect(excluded.map((e) => e.reasons)).toEqual([
      ['no fault injected'],
      ['no reaction of the engine after the fault'],
    ]);
  });
});

describe('workers and topology', () => {
  it('takes the workers from the chain topology of scenario.json, else from worker.started events', () => {
    expect(deployedWorkers(handMadeRun())).toEqual(WORKERS);
    const noPlan = handMadeRun({
      scenarioFile: { parallelism: undefined },
      events: [
        [0, 'worker.started', 'coordinator'],
        [0, 'worker.started', 'source[0]'],
        [0, 'worker.started', 'sink[0]'],
      ],
    });
    expect(deployedWorkers(noPlan)).toEqual(['source[0]', 'sink[0]']);
    expect(deployedWorkers(handMadeRun({ scenarioFile: { parallelism: undefined } }))).toBeNull();
  });

  it("computes Apex's restart set: the killed worker and every instance downstream of it", () => {
    const run = handMadeRun();
    expect(downstreamClosure(run, 'features[1]')).toEqual(['features[1]', 'score[0]', 'score[1]', 'sink[0]']);
    expect(downstreamClosure(run, 'sink[0]')).toEqual(['sink[0]']);
    // The fan-out: a kill on one branch restarts that branch's instance and the sink, never the sibling branch.
    const fanOut = handMadeRun({ scenarioFile: { topology: 'fan-out' } });
    expect(downstreamClosure(fanOut, 'challenger[1]')).toEqual(['challenger[1]', 'sink[0]']);
    expect(downstreamClosure(fanOut, 'features[0]')).toEqual([
      'features[0]',
      'score[0]',
      'score[1]',
      'challenger[0]',
      'challenger[1]',
      'sink[0]',
    ]);
    expect(downstreamClosure(handMadeRun({ scenarioFile: { topology: 'ring' } }), 'sink[0]')).toBeNull();
  });

  it('names the topology, chain when the run does not say', () => {
    expect(topologyOf(handMadeRun())).toBe('chain');
    expect(topologyOf(handMadeRun({ scenarioFile: { topology: 'fan-out' } }))).toBe('fan-out');
    expect(hopsOf(handMadeRun())).toBe(3);
  });

  it('collects restarted workers from summary.json and events, and the last attempt of each', () => {
    const run = handMadeRun({
      blastRadius: { restartedWorkers: ['sink[0]'] },
      events: [
        [14, 'worker.restarting', 'score[0]', { attempt: 1 }],
        [15, 'task.started', 'score[0]', { attempt: 2 }],
      ],
    });
    expect([...restartedWorkers(run)].sort()).toEqual(['score[0]', 'sink[0]']);
    expect(lastAttempt(run, 'score[0]')).toBe(2);
    expect(lastAttempt(run, 'source[0]')).toBe(0);
  });
});

describe('fan-out branches', () => {
  const branches = [
    { branch: 'fraud', operators: ['features', 'score'], delivered: 10, duplicated: 2 },
    { branch: 'audit', operators: ['audit'], delivered: 10, duplicated: 1 },
  ];

  it('reads per-branch counts from summary.json and finds the branch of a worker', () => {
    const run = handMadeRun({ summaryExtra: { branches } });
    expect(branchCounts(run)).toEqual(branches);
    expect(branchOf(branches, 'audit[0]')?.branch).toBe('audit');
    expect(branchOf(branches, 'source[1]')).toBeUndefined();
  });

  it('gives null for absent, single or malformed branches', () => {
    expect(branchCounts(handMadeRun())).toBeNull();
    expect(branchCounts(handMadeRun({ summaryExtra: { branches: branches.slice(0, 1) } }))).toBeNull();
    expect(
      branchCounts(handMadeRun({ summaryExtra: { branches: [branches[0], { branch: 'audit' }] } })),
    ).toBeNull();
  });
});

describe('engine options', () => {
  it('compares runs on every option but one, an absent option equal to its default', () => {
    const key = (engineOptions: Record<string, unknown>) =>
      otherOptions(handMadeRun({ engineOptions }), FLINK_DEFAULTS, 'bufferTimeoutMs');
    expect(key({ bufferTimeoutMs: 0 })).toBe(key({ bufferTimeoutMs: 100, checkpointIntervalMs: 1000 }));
    expect(key({ checkpointIntervalMs: '1000' })).toBe(key({}));
    expect(key({ checkpointIntervalMs: 0 })).not.toBe(key({}));
  });
});
