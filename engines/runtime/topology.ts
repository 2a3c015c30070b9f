/**
 * The topology every engine runs, as plain data: operators with parallelism and the edges between them with
 * their partitioning. source → features is keyed (per-key state lives in one features instance), features →
 * score keyed as well (deterministic routing, so a replay takes the same path), score → sink to the sink.
 */
import { workerId } from '../../core/worker-id.ts';
import type { Parallelism } from '../types.ts';

export { workerId };

export type OperatorName = 'source' | 'features' | 'score' | 'sink';
export const OPERATORS: readonly OperatorName[] = ['source', 'features', 'score', 'sink'];

export interface EdgeSpec {
  from: OperatorName;
  to: OperatorName;
  partitioning: 'key' | 'shuffle';
}

export interface Instance {
  /** `features[1]` */
  id: string;
  operator: OperatorName;
  instance: number;
}

export interface Topology {
  parallelism: Parallelism;
  edges: EdgeSpec[];
  instances: Instance[];
}

export function standardTopology(parallelism: Parallelism): Topology {
  const edges: EdgeSpec[] = [
    { from: 'source', to: 'features', partitioning: 'key' },
    { from: 'features', to: 'score', partitioning: 'key' },
    { from: 'score', to: 'sink', partitioning: 'key' },
  ];
  const instances = OPERATORS.flatMap((operator) =>
    Array.from({ length: parallelism[operator] }, (_, instance) => ({
      id: workerId(operator, instance),
      operator,
      instance,
    })),
  );
  return { parallelism, edges, instances };
}

/** Instances of the operator downstream of `operator`, or [] for the sink. */
export function downstreamOf(t: Topology, operator: OperatorName): Instance[] {
  const edge = t.edges.find((e) => e.from === operator);
  return edge ? t.instances.filter((i) => i.operator === edge.to) : [];
}

export function upstreamOf(t: Topology, operator: OperatorName): Instance[] {
  const edge = t.edges.find((e) => e.to === operator);
  return edge ? t.instances.filter((i) => i.operator === edge.from) : [];
}

/** Directed worker pairs that exchange records (upstream → downstream). */
export function dataLinks(t: Topology): [string, string][] {
  return t.edges.flatMap((e) =>
    t.instances
      .filter((a) => a.operator === e.from)
      .flatMap((a) =>
        t.instances.filter((b) => b.operator === e.to).map((b): [string, string] => [a.id, b.id]),
      ),
  );
}

/** Every operator reachable downstream from `operators` (inclusive): Apex's recovery closure. */
export function downstreamClosure(t: Topology, operators: readonly OperatorName[]): OperatorName[] {
  const out = new Set<OperatorName>(operators);
  let grew = true;
  while (grew) {
    grew = false;
    for (const e of t.edges) {
      if (out.has(e.from) && !out.has(e.to)) {
        out.add(e.to);
        grew = true;
      }
    }
  }
  return OPERATORS.filter((o) => out.has(o));
}
