/**
 * The master's bookkeeping (StreamingContainerManager, protocol steps 5 and 6), as pure functions over the
 * physical plan: one node per operator instance, an edge per data link.
 *
 * - Recovery checkpoint of an operator (updateRecoveryCheckpoints): its newest checkpoint that is ≤ the
 *   recovery checkpoint of every operator downstream of it, found from the sinks up. A restarted operator must
 *   regenerate every window its downstream may ask for, and its own buffer server died with it.
 * - Committed window: the minimum recovery checkpoint over all operators; it never decreases. Checkpoints
 *   older than an operator's recovery checkpoint are purged, buffer servers drop windows below committed − 1.
 * - Failure: the failed worker's operators and everything downstream of them (the physical closure: the other
 *   partitions of the failed operator are not downstream of it and keep running) restart from their recovery
 *   checkpoints.
 * - Blocked operators (a window that does not move for TIMEOUT_WINDOW_COUNT windows): failed too, except a
 *   downstream operator stuck at the same window as one of its upstream operators (it is waiting for it).
 */
import { dataLinks, type Topology } from '../runtime/topology.ts';
import { INITIAL_CHECKPOINT } from './window.ts';

export interface PhysicalPlan {
  /** Operator instances in topological order (sources first). */
  instances: string[];
  downstream: ReadonlyMap<string, readonly string[]>;
  upstream: ReadonlyMap<string, readonly string[]>;
}

export function physicalPlan(t: Topology): PhysicalPlan {
  const instances = t.instances.map((i) => i.id);
  const downstream = new Map<string, string[]>(instances.map((id) => [id, []]));
  const upstream = new Map<string, string[]>(instances.map((id) => [id, []]));
  for (const [a, b] of dataLinks(t)) {
    downstream.get(a)!.push(b);
    upstream.get(b)!.push(a);
  }
  return { instances, downstream, upstream };
}

/** `ids` and every instance reachable downstream of them, in topological order. */
export function downstreamInstances(plan: PhysicalPlan, ids: Iterable<string>): string[] {
  const out = new Set<string>();
  const todo = [...ids];
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    if (out.has(id)) continue;
    out.add(id);
    todo.push(...(plan.downstream.get(id) ?? []));
  }
  return plan.instances.filter((id) => out.has(id));
}

export interface OperatorCheckpoints {
  /** Checkpoint windows the master knows for the operator, ascending (at least the recovery one). */
  checkpoints: number[];
  /** Current recovery checkpoint (INITIAL_CHECKPOINT before the first). */
  recovery: number;
}

export interface CheckpointUpdate {
  recovery: Map<string, number>;
  /** The committed window computed from them (not yet made monotonic: see `advanceCommitted`). */
  committed: number;
  /** Checkpoints no longer needed: [operator, window]. */
  purge: [string, number][];
  /** Checkpoint lists after the purge. */
  checkpoints: Map<string, number[]>;
}

/** Largest element of ascending `xs` that is ≤ `limit`. */
function floor(xs: readonly number[], limit: number): number | undefined {
  let found: number | undefined;
  for (const x of xs) {
    if (x > limit) break;
    found = x;
  }
  return found;
}

/**
 * Recovery checkpoints from the sinks up (Apex's DFS downstream then floor), the committed window, and the
 * checkpoints to purge. A recovery checkpoint never moves backwards: a downstream recovery checkpoint that is
 * behind this operator's (a newly redeployed one) is not a bound, as in Apex.
 */
export function updateRecoveryCheckpoints(
  plan: PhysicalPlan,
  state: ReadonlyMap<string, OperatorCheckpoints>,
): CheckpointUpdate {
  const recovery = new Map<string, number>();
  const purge: [string, number][] = [];
  const checkpoints = new Map<string, number[]>();
  for (const id of [...plan.instances].reverse()) {
    const s = state.get(id) ?? { checkpoints: [], recovery: INITIAL_CHECKPOINT };
    const list = [...new Set(s.checkpoints)].sort((a, b) => a - b);
    let limit = list.at(-1) ?? s.recovery;
    for (const d of plan.downstream.get(id) ?? []) {
      const rd = recovery.get(d)!;
      if (rd >= s.recovery) limit = Math.min(limit, rd);
    }
    const chosen = Math.max(s.recovery, floor(list, limit) ?? s.recovery);
    recovery.set(id, chosen);
    const keep = list.filter((c) => c >= chosen);
    for (const c of list) if (c < chosen) purge.push([id, c]);
    checkpoints.set(id, keep);
  }
  let committed = Number.POSITIVE_INFINITY;
  for (const id of plan.instances) committed = Math.min(committed, recovery.get(id)!);
  return {
    recovery,
    committed: committed === Number.POSITIVE_INFINITY ? INITIAL_CHECKPOINT : committed,
    purge,
    checkpoints,
  };
}

/** The committed window never decreases. */
export function advanceCommitted(previous: number, computed: number): number {
  return Math.max(previous, computed);
}

export interface WindowProgress {
  /** Last window the operator ended. */
  window: number;
  /** When that window last changed, ms. */
  changedAtMs: number;
  /** Deployed and running (a redeploying operator cannot be blocked). */
  active: boolean;
}

/** Operators whose window has not moved for `timeoutMs`, minus those only waiting for a blocked upstream. */
export function blockedOperators(
  plan: PhysicalPlan,
  progress: ReadonlyMap<string, WindowProgress>,
  nowMs: number,
  timeoutMs: number,
): string[] {
  const blocked = new Set(
    plan.instances.filter((id) => {
      const p = progress.get(id);
      return p?.active === true && nowMs - p.changedAtMs > timeoutMs;
    }),
  );
  // Apex: a downstream operator at the same window as one of its upstream operators is blocked by it.
  const waiting = [...blocked].filter((id) => {
    const mine = progress.get(id)!.window;
    return (plan.upstream.get(id) ?? []).some((u) => progress.get(u)?.window === mine);
  });
  for (const id of waiting) blocked.delete(id);
  return plan.instances.filter((id) => blocked.has(id));
}
