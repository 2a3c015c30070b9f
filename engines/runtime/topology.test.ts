import { describe, expect, it } from 'vitest';
import {
  branchOfOperator,
  dataLinks,
  downstreamClosure,
  downstreamOf,
  downstreamOperators,
  fanOutTopology,
  OPERATORS,
  standardTopology,
  topologyFor,
  upstreamOf,
} from './topology.ts';

const p = { source: 2, features: 2, score: 2, sink: 1 };

describe('topologies', () => {
  it('keeps the chain as it was', () => {
    const t = topologyFor(undefined, p);
    expect(t).toEqual(standardTopology(p));
    expect(t.kind).toBe('chain');
    expect(t.operators).toEqual(OPERATORS);
    expect(t.instances).toHaveLength(7);
    expect(dataLinks(t)).toHaveLength(4 + 4 + 2);
  });

  it('fans features out to score and challenger, which join at the sink', () => {
    const t = fanOutTopology(p);
    expect(t.instances.filter((i) => i.operator === 'challenger').map((i) => i.id)).toEqual([
      'challenger[0]',
      'challenger[1]',
    ]);
    expect(downstreamOperators(t, 'features')).toEqual(['score', 'challenger']);
    expect(downstreamOf(t, 'features').map((i) => i.id)).toEqual([
      'score[0]',
      'score[1]',
      'challenger[0]',
      'challenger[1]',
    ]);
    expect(upstreamOf(t, 'sink').map((i) => i.operator)).toEqual([
      'score',
      'score',
      'challenger',
      'challenger',
    ]);
    expect(dataLinks(t)).toContainEqual(['challenger[1]', 'sink[0]']);
  });

  it("restarts only the failed branch's closure (Apex), everything below features", () => {
    const t = fanOutTopology(p);
    expect(downstreamClosure(t, ['challenger'])).toEqual(['challenger', 'sink']);
    expect(downstreamClosure(t, ['features'])).toEqual(['features', 'score', 'challenger', 'sink']);
  });

  it('names the branch of an operator, none for the shared ones', () => {
    expect(branchOfOperator('score')).toBe('model');
    expect(branchOfOperator('challenger')).toBe('challenger');
    expect(branchOfOperator('features')).toBeUndefined();
  });
});
