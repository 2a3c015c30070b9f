/**
 * The topology every engine runs, as plain data: operators with parallelism and the edges between them with
 * their partitioning. The chain is source → features → score → sink: source → features is keyed (per-key state
 * lives in one features instance), features → score keyed as well (deterministic routing, so a replay takes the
 * same path), score → sink to the sink. The fan-out adds a sibling branch: features sends every record to both
 * `score` (branch `model`) and `challenger` (branch `challenger`), keyed, and both feed the sink, which writes one
 * output per record and branch. The challenger has the score's parallelism.
 */
import { type BranchName, FAN_OUT_BRANCHES, type TopologyKind } from '../../core/types.ts';
import { workerId } from '../../core/worker-id.ts';
import type { Parallelism } from '../types.ts';

export { workerId };

export type OperatorName = 'source' | 'features' | 'score' | 'challenger' | 'sink';
/** The chain's operators, in order (the operators a scenario's parallelism names). */
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
  kind: TopologyKind;
  parallelism: Parallelism;
  /** Its operators, upstream first. */
  operators: readonly OperatorName[];
  edges: EdgeSpec[];
  instances: Instance[];
}

export function standardTopology(parallelism: Parallelism): Topology {
  return build('chain', parallelism, OPERATORS, [
    { from: 'source', to: 'features', partitioning: 'key' },
    { from: 'features', to: 'score', partitioning: 'key' },
    { from: 'score', to: 'sink', partitioning: 'key' },
  ]);
}

export function fanOutTopology(parallelism: Parallelism): Topology {
  return build(
    'fan-out',
    parallelism,
    ['source', 'features', 'score', 'challenger', 'sink'],
    [
      { from: 'source', to: 'features', partitioning: 'key' },
      { from: 'features', to: 'score', partitioning: 'key' },
      { from: 'features', to: 'challenger', partitioning: 'key' },
      { from: 'score', to: 'sink', partitioning: 'key' },
      { from: 'challenger', to: 'sink', partitioning: 'key' },
    ],
  );
}

export function topologyFor(kind: TopologyKind | undefined, parallelism: Parallelism): Topology {
  return kind === 'fan-out' ? fanOutTopology(parallelism) : standardTopology(parallelism);
}

function build(
  kind: TopologyKind,
  parallelism: Parallelism,
  operators: readonly OperatorName[],
  edges: EdgeSpec[],
): Topology {
  const width = (o: OperatorName) => (o === 'challenger' ? parallelism.score : parallelism[o]);
  const instances = operators.flatMap((operator) =>
    Array.from({ length: width(operator) }, (_, instance) => ({
      id: workerId(operator, instance),
      operator,
      instance,
    })),
  );
  return { kind, parallelism, operators, edges, instances };
}

/** The branch an operator's outputs belong to on a fan-out (its own branch, for `score` and `challenger`). */
export function branchOfOperator(operator: string): BranchName | undefined {
  return FAN_OUT_BRANCHES.find((b) => b.operators.includes(operator))?.branch;
}

/** Operators `operator` sends records to (two for features on a fan-out, none for the sink). */
export function downstreamOperators(t: Topology, operator: OperatorName): OperatorName[] {
  return t.edges.filter((e) => e.from === operator).map((e) => e.to);
}

/** Instances of the operators downstream of `operator`, or [] for the sink. */
export function downstreamOf(t: Topology, operator: OperatorName): Instance[] {
  const to = downstreamOperators(t, operator);
  return t.instances.filter((i) => to.includes(i.operator));
}

/** Instances of the operators upstream of `operator` (score and challenger for the sink of a fan-out). */
export function upstreamOf(t: Topology, operator: OperatorName): Instance[] {
  const from = t.edges.filter((e) => e.to === operator).map((e) => e.from);
  return t.instances.filter((i) => from.includes(i.operator));
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
  return t.operators.filter((o) => out.has(o));
}
