import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.ts';
import {
  dataLinks,
  downstreamClosure,
  fanOutTopology,
  type OperatorName,
  standardTopology,
} from '../runtime/topology.ts';
import {
  advanceCommitted,
  blockedOperators,
  downstreamInstances,
  type OperatorCheckpoints,
  physicalPlan,
  updateRecoveryCheckpoints,
  type WindowProgress,
} from './recovery.ts';
import { INITIAL_CHECKPOINT } from './window.ts';

const topology = standardTopology({ source: 2, features: 2, score: 2, sink: 1 });
const plan = physicalPlan(topology);

function state(checkpoints: Record<string, number[]>, recovery: Record<string, number> = {}) {
  return new Map<string, OperatorCheckpoints>(
    plan.instances.map((id) => [
      id,
      { checkpoints: checkpoints[id] ?? [], recovery: recovery[id] ?? INITIAL_CHECKPOINT },
    ]),
  );
}

describe('physical plan and the redeploy set', () => {
  it('links every instance to the instances of the next operator', () => {
    expect(plan.downstream.get('source[0]')).toEqual(['features[0]', 'features[1]']);
    expect(plan.downstream.get('features[1]')).toEqual(['score[0]', 'score[1]']);
    expect(plan.downstream.get('score[1]')).toEqual(['sink[0]']);
    expect(plan.upstream.get('sink[0]')).toEqual(['score[0]', 'score[1]']);
    expect(plan.downstream.get('sink[0]')).toEqual([]);
  });

  it('restarts exactly the downstream closure of the failed worker, never the other partitions', () => {
    expect(downstreamInstances(plan, ['sink[0]'])).toEqual(['sink[0]']);
    expect(downstreamInstances(plan, ['score[0]'])).toEqual(['score[0]', 'sink[0]']);
    expect(downstreamInstances(plan, ['features[1]'])).toEqual([
      'features[1]',
      'score[0]',
      'score[1]',
      'sink[0]',
    ]);
    expect(downstreamInstances(plan, ['source[0]'])).toEqual([
      'source[0]',
      'features[0]',
      'features[1]',
      'score[0]',
      'score[1]',
      'sink[0]',
    ]);
  });

  it('on the fan-out, a failure on one branch restarts that instance and the sink, never the sibling branch', () => {
    const fanOut = physicalPlan(fanOutTopology({ source: 2, features: 2, score: 2, sink: 1 }));
    expect(fanOut.upstream.get('sink[0]')).toEqual([
      'score[0]',
      'score[1]',
      'challenger[0]',
      'challenger[1]',
    ]);
    expect(downstreamInstances(fanOut, ['challenger[1]'])).toEqual(['challenger[1]', 'sink[0]']);
    expect(downstreamInstances(fanOut, ['features[0]'])).toEqual([
      'features[0]',
      'score[0]',
      'score[1]',
      'challenger[0]',
      'challenger[1]',
      'sink[0]',
    ]);
  });

  it("agrees with runtime/topology's operator-level closure on which operators are touched", () => {
    for (const id of plan.instances) {
      const op = id.replace(/\[\d+\]$/, '') as OperatorName;
      const instances = downstreamInstances(plan, [id]);
      const operators = [...new Set(instances.map((i) => i.replace(/\[\d+\]$/, '')))];
      expect(operators).toEqual(downstreamClosure(topology, [op]));
      // Everything else keeps running: no instance outside the closure is reachable from the failed one.
      const reachable = new Set(
        dataLinks(topology)
          .filter(([a]) => instances.includes(a))
          .map(([, b]) => b),
      );
      for (const r of reachable) expect(instances).toContain(r);
    }
  });
});

describe('recovery checkpoints and the committed window', () => {
  it('picks the newest checkpoint ≤ every downstream recovery checkpoint, from the sinks up', () => {
    const u = updateRecoveryCheckpoints(
      plan,
      state({
        'source[0]': [59, 119, 179],
        'source[1]': [59, 119, 179],
        'features[0]': [59, 119, 179],
        'features[1]': [59, 119],
        'score[0]': [59, 119, 179],
        'score[1]': [59, 119, 179],
        'sink[0]': [59, 119, 179],
      }),
    );
    expect(Object.fromEntries(u.recovery)).toEqual({
      'source[0]': 119,
      'source[1]': 119,
      'features[0]': 179,
      'features[1]': 119,
      'score[0]': 179,
      'score[1]': 179,
      'sink[0]': 179,
    });
    expect(u.committed).toBe(119);
    expect(u.purge).toContainEqual(['source[0]', 59]);
    expect(u.purge).not.toContainEqual(['source[0]', 119]);
    expect(u.checkpoints.get('source[0]')).toEqual([119, 179]);
  });

  it('keeps the initial checkpoint until every operator downstream has one', () => {
    const u = updateRecoveryCheckpoints(plan, state({ 'source[0]': [9], 'features[0]': [9] }));
    expect(u.recovery.get('source[0]')).toBe(INITIAL_CHECKPOINT);
    expect(u.recovery.get('features[0]')).toBe(INITIAL_CHECKPOINT);
    expect(u.committed).toBe(INITIAL_CHECKPOINT);
  });

  it('randomised: for every edge u→v recovery(u) ≤ recovery(v); committed = min; never decreases', () => {
    const rng = createRng('recovery');
    for (let trial = 0; trial < 40; trial++) {
      const s = state({});
      let committed = INITIAL_CHECKPOINT;
      const latest = new Map(plan.instances.map((id) => [id, INITIAL_CHECKPOINT]));
      for (let round = 0; round < 30; round++) {
        // Operators checkpoint at their own pace (downstream ones lag), every window (EXACTLY_ONCE) or every 5.
        for (const id of plan.instances) {
          if (rng.next() < 0.5) continue;
          const next = latest.get(id)! + (trial % 2 === 0 ? 1 : 5) * (1 + Math.floor(rng.next() * 2));
          latest.set(id, next);
          s.get(id)!.checkpoints.push(next);
        }
        const u = updateRecoveryCheckpoints(plan, s);
        for (const [a, b] of dataLinks(topology))
          expect(u.recovery.get(a)!).toBeLessThanOrEqual(u.recovery.get(b)!);
        for (const id of plan.instances) {
          const prev = s.get(id)!.recovery;
          expect(u.recovery.get(id)!).toBeGreaterThanOrEqual(prev);
          // A recovery checkpoint is one the operator has (or the initial one).
          const r = u.recovery.get(id)!;
          if (r !== INITIAL_CHECKPOINT) expect(s.get(id)!.checkpoints).toContain(r);
          s.get(id)!.recovery = r;
          s.get(id)!.checkpoints = u.checkpoints.get(id)!;
        }
        expect(u.committed).toBe(Math.min(...u.recovery.values()));
        const next = advanceCommitted(committed, u.committed);
        expect(next).toBeGreaterThanOrEqual(committed);
        committed = next;
        // A failure now and then: the redeployed closure keeps only checkpoints ≤ its recovery checkpoint.
        if (rng.next() < 0.2) {
          const failed = plan.instances[Math.floor(rng.next() * plan.instances.length)]!;
          for (const id of downstreamInstances(plan, [failed])) {
            const st = s.get(id)!;
            st.checkpoints = st.checkpoints.filter((c) => c <= st.recovery);
            latest.set(id, st.recovery);
          }
        }
      }
    }
  });

  it('a redeployed operator newer than its downstream does not drag its recovery checkpoint back', () => {
    const s = state(
      { 'sink[0]': [20], 'score[0]': [30], 'score[1]': [20] },
      { 'sink[0]': 20, 'score[0]': 30, 'score[1]': 20 },
    );
    const u = updateRecoveryCheckpoints(plan, s);
    expect(u.recovery.get('score[0]')).toBe(30);
  });
});

describe('blocked operators', () => {
  const progress = (entries: Record<string, [number, number]>) =>
    new Map<string, WindowProgress>(
      plan.instances.map((id) => {
        const [window, changedAtMs] = entries[id] ?? [100, 10_000];
        return [id, { window, changedAtMs, active: true }];
      }),
    );

  it('reports an operator whose window has not moved for the timeout', () => {
    expect(blockedOperators(plan, progress({ 'score[1]': [90, 0] }), 10_500, 5000)).toEqual(['score[1]']);
    expect(blockedOperators(plan, progress({}), 10_500, 5000)).toEqual([]);
  });

  it('does not blame a downstream operator stuck at the same window as its upstream', () => {
    const p = progress({
      'features[1]': [90, 0],
      'score[0]': [90, 0],
      'score[1]': [90, 0],
      'sink[0]': [90, 0],
    });
    expect(blockedOperators(plan, p, 10_500, 5000)).toEqual(['features[1]']);
  });

  it('ignores operators being redeployed', () => {
    const p = progress({ 'score[1]': [90, 0] });
    p.get('score[1]')!.active = false;
    expect(blockedOperators(plan, p, 10_500, 5000)).toEqual([]);
  });
});
