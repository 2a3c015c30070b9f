/**
 * What the rules of the talk's claims (claims.ts) read in a run, and the evidence a rule requires of a run
 * before it may count it. A rule screens its runs through named requirements; a run that lacks one is left out
 * of the claim with the reason, so a claim left "not measured" says why, and a verdict cannot rest on a run
 * where the thing it is about never happened (no fault injected, no failover, nothing produced, a checker that
 * saw outputs nobody produced, an analysis that failed).
 */
import { EV, type EventType } from '../core/events.ts';
import { parseWorkerId } from '../core/index.ts';
import type { EngineEvent, FaultRecord } from '../core/types.ts';
import { downstreamInstances, physicalPlan } from '../engines/operator-checkpoint/recovery.ts';
import { fanOutTopology, standardTopology, type Topology } from '../engines/runtime/topology.ts';
import type { LoadedRun } from './load.ts';

// ---------------------------------------------------------------------------------------------------------
// Requirements and screening

export interface Requirement {
  /** What a run must have, as the rule text states it. */
  needs: string;
  /** Why the run lacks it; null when it has it. */
  lacks(run: LoadedRun): string | null;
  /** Checked only when the run has this one (a reaction needs a fault to react to): no reason twice. */
  given?: Requirement;
}

/** A run a rule read but could not count, with every requirement it failed. */
export interface ExcludedRun {
  runId: string;
  reasons: string[];
}

export function screen(
  runs: readonly LoadedRun[],
  requirements: readonly Requirement[],
): { usable: LoadedRun[]; excluded: ExcludedRun[] } {
  const usable: LoadedRun[] = [];
  const excluded: ExcludedRun[] = [];
  for (const run of runs) {
    const reasons = requirements
      .filter((q) => !q.given || q.given.lacks(run) === null)
      .map((q) => q.lacks(run))
      .filter((r): r is string => r !== null);
    if (reasons.length === 0) usable.push(run);
    else excluded.push({ runId: run.summary.runId, reasons });
  }
  return { usable, excluded };
}

export const analysed: Requirement = {
  needs: 'a known verdict (the analysis finished)',
  lacks: (r) => {
    if (r.summary.verdict.guaranteeHeld !== 'unknown') return null;
    const why = r.summary.errors?.[0];
    return `verdict unknown${why ? ` (${why.phase}: ${why.error})` : ''}`;
  },
};

export const produced: Requirement = {
  needs: 'produced > 0',
  lacks: (r) => (r.summary.counts.produced > 0 ? null : 'nothing produced'),
};

export const delivered: Requirement = {
  needs: 'delivered > 0',
  lacks: (r) => (r.summary.counts.delivered > 0 ? null : 'nothing delivered'),
};

export const noUnexpected: Requirement = {
  needs: 'unexpected = 0',
  lacks: (r) => {
    const n = r.summary.counts.unexpected;
    return n === 0 ? null : `${n} unexpected outputs (ids never produced: the measuring chain is suspect)`;
  },
};

/** What every rule requires: a finished analysis of a run that produced something and measured it cleanly. */
export const MEASURED: readonly Requirement[] = [analysed, produced, noUnexpected];

export const workerKillInjected: Requirement = {
  needs: 'an injected worker kill (its fault.inject event)',
  lacks: (r) => {
    if (injections(r).some((i) => isWorkerKill(i.fault))) return null;
    const kill = r.summary.faults.find(isWorkerKill);
    return kill ? `no fault.inject event for kill ${kill.target}` : 'no worker kill injected';
  },
};

export const faultInjected: Requirement = {
  needs: 'an injected fault (its fault.inject event)',
  lacks: (r) => (injections(r).length > 0 ? null : 'no fault injected'),
};

/** The events that show the engine acting on a failure, not merely a process that died. */
export const REACTIONS: readonly EventType[] = [
  EV.failureDetected,
  EV.workerHeartbeatTimeout,
  EV.operatorFailed,
  EV.redeploy,
  EV.jobRestarting,
  EV.workerRestarting,
  EV.workerRestarted,
];

export const failedOver: Requirement = {
  needs:
    "the engine's reaction to it (failure.detected, worker.heartbeat-timeout, operator.failed or a restarted worker)",
  lacks: (r) => {
    const first = injections(r)[0];
    if (!first) return 'no injected fault to react to';
    return reactionAfter(r, first.atUs) ? null : 'no reaction of the engine after the fault';
  },
  given: faultInjected,
};

/** Fault-free as a rule uses it: no fault in summary.json and no fault.inject event. */
export const faultFree: Requirement = {
  needs: 'no fault (none in summary.json, no fault.inject event)',
  lacks: (r) =>
    r.summary.faults.length === 0 && !r.events.some((e) => e.type === EV.faultInject)
      ? null
      : 'a fault was injected',
};

export const chainTopology: Requirement = {
  needs: 'the chain topology source → features → score → sink (with its parallelism in scenario.json)',
  lacks: (r) =>
    chainOf(r) !== null
      ? null
      : topologyOf(r) === 'chain'
        ? 'no parallelism in scenario.json'
        : `topology ${topologyOf(r)}`,
};

export const knownWorkers: Requirement = {
  needs: 'its worker set (scenario.json parallelism of the chain topology, or worker.started events)',
  lacks: (r) =>
    deployedWorkers(r) === null
      ? `its workers are unknown (topology ${topologyOf(r)}, no parallelism and no worker.started events)`
      : null,
};

// ---------------------------------------------------------------------------------------------------------
// Faults and the engine's reaction

export const isWorkerKill = (f: FaultRecord) => f.kind === 'kill' && parseWorkerId(f.target) !== undefined;
export const workerKills = (r: LoadedRun) => r.summary.faults.filter(isWorkerKill);
/** A run meant to kill a worker: one is in its faults, or its scenario is kill-worker (the kill may have failed). */
export const isKillRun = (r: LoadedRun) => workerKills(r).length > 0 || r.summary.scenario === 'kill-worker';

export interface Injection {
  fault: FaultRecord;
  /** µs since the epoch, from the fault.inject event. */
  atUs: number;
}

/** The faults of summary.json that have their fault.inject event, in time order. */
export function injections(run: LoadedRun): Injection[] {
  return run.summary.faults
    .flatMap((fault) => {
      const e = run.events.find(
        (e) =>
          e.type === EV.faultInject &&
          e.kind === fault.kind &&
          e.target === fault.target &&
          typeof e.fromS === 'number' &&
          Math.abs(e.fromS - fault.at) < 0.5,
      );
      return e ? [{ fault, atUs: e.at }] : [];
    })
    .sort((a, b) => a.atUs - b.atUs);
}

/** The first worker kill with its injection event. */
export const injectedKill = (run: LoadedRun): Injection | undefined =>
  injections(run).find((i) => isWorkerKill(i.fault));

/** The engine's first reaction to a failure at or after `atUs`. */
export function reactionAfter(run: LoadedRun, atUs: number): EngineEvent | undefined {
  return run.events.find((e) => e.at >= atUs && REACTIONS.includes(e.type));
}

// ---------------------------------------------------------------------------------------------------------
// Workers, topology and restarts

/**
 * The run's topology by name: scenario.json's (or summary.json's) `topology`, `chain` when absent (every run
 * before the fan-out topology). The fan-out topology is named `fan-out`.
 */
export function topologyOf(run: LoadedRun): string {
  const t = run.scenario.topology ?? (run.summary as { topology?: unknown }).topology;
  return typeof t === 'string' && t !== '' ? t : 'chain';
}

/** The chain topology with the run's parallelism (scenario.json), or null for another topology or none given. */
export function chainOf(run: LoadedRun): Topology | null {
  const p = run.scenario.parallelism;
  if (topologyOf(run) !== 'chain' || !p) return null;
  const { source, features, score, sink } = p;
  if (![source, features, score, sink].every((n) => typeof n === 'number' && n > 0)) return null;
  return standardTopology({ source: source!, features: features!, score: score!, sink: sink! });
}

/**
 * The topology the run deployed, chain or fan-out, with its parallelism (scenario.json); null for a topology this
 * version does not know or no parallelism given.
 */
export function deployedTopology(run: LoadedRun): Topology | null {
  const kind = topologyOf(run);
  if (kind === 'chain') return chainOf(run);
  const p = run.scenario.parallelism;
  if (kind !== 'fan-out' || !p) return null;
  const { source, features, score, sink } = p;
  if (![source, features, score, sink].every((n) => typeof n === 'number' && n > 0)) return null;
  return fanOutTopology({ source: source!, features: features!, score: score!, sink: sink! });
}

/** Every operator worker of the run: from its topology, else from worker.started events; null if neither. */
export function deployedWorkers(run: LoadedRun): string[] | null {
  const deployed = deployedTopology(run);
  if (deployed) return deployed.instances.map((i) => i.id);
  const started = run.events
    .filter((e) => e.type === EV.workerStarted && typeof e.worker === 'string' && parseWorkerId(e.worker))
    .map((e) => e.worker!);
  return started.length ? [...new Set(started)] : null;
}

/** Workers the engine restarted: summary.json's restartedWorkers and `worker.restarted` / `worker.restarting`. */
export function restartedWorkers(run: LoadedRun): Set<string> {
  const fromEvents = run.events
    .filter((e) => e.type === EV.workerRestarted || e.type === EV.workerRestarting)
    .map((e) => e.worker)
    .filter((w): w is string => typeof w === 'string');
  return new Set([...(run.summary.blastRadius.restartedWorkers ?? []), ...fromEvents]);
}

/** The highest attempt number any event of the worker carries (0: it kept its first process). */
export function lastAttempt(run: LoadedRun, worker: string): number {
  let attempt = 0;
  for (const e of run.events)
    if (e.worker === worker && typeof e.attempt === 'number') attempt = Math.max(attempt, e.attempt);
  return attempt;
}

/** Apex's restart set for a failed worker: it and every instance downstream of it (chain topology only). */
export function downstreamClosure(run: LoadedRun, worker: string): string[] | null {
  const deployed = deployedTopology(run);
  return deployed ? downstreamInstances(physicalPlan(deployed), [worker]) : null;
}

/** Network hops from source to sink (each waits for a flush of its channel): 3 in the chain. */
export function hopsOf(run: LoadedRun): number | null {
  return chainOf(run)?.edges.length ?? null;
}

// ---------------------------------------------------------------------------------------------------------
// Fan-out

/** One branch of a fan-out topology: the operators only it has, and what the checker counted on its outputs. */
export interface BranchCounts {
  branch: string;
  /** Operator names (e.g. `features-a`) whose workers lie on this branch only. */
  operators: string[];
  delivered: number;
  duplicated: number;
}

/**
 * Per-branch counts of a fan-out run: summary.json's `branches`, an array of
 * `{ branch, operators, delivered, duplicated }` (one entry per sibling branch). Null when absent or malformed:
 * the fan-out topology is new, and this accessor is the one place that knows where its counts live.
 */
export function branchCounts(run: LoadedRun): BranchCounts[] | null {
  const raw = (run.summary as { branches?: unknown }).branches;
  if (!Array.isArray(raw) || raw.length < 2) return null;
  const ok = raw.every(
    (b) =>
      typeof b === 'object' &&
      b !== null &&
      typeof b.branch === 'string' &&
      Array.isArray(b.operators) &&
      b.operators.every((o: unknown) => typeof o === 'string') &&
      typeof b.delivered === 'number' &&
      typeof b.duplicated === 'number',
  );
  return ok ? (raw as BranchCounts[]) : null;
}

/** The branch a worker lies on, or undefined when it is shared by every branch (before the fan-out, the sink). */
export function branchOf(branches: readonly BranchCounts[], worker: string): BranchCounts | undefined {
  const operator = parseWorkerId(worker)?.operator ?? worker;
  return branches.find((b) => b.operators.includes(operator));
}

export const branchesCounted: Requirement = {
  needs: 'per-branch counts (summary.json branches) and a killed worker on one branch',
  lacks: (r) => {
    const branches = branchCounts(r);
    if (!branches) return 'no per-branch counts in summary.json';
    const kill = injectedKill(r);
    if (kill && !branchOf(branches, kill.fault.target))
      return `the killed ${kill.fault.target} is on no single branch (every branch replays anyway)`;
    return null;
  },
};

// ---------------------------------------------------------------------------------------------------------
// Engine options

/** An engine option of the run (scenario.json), numeric; `fallback` (the engine's default) when absent. */
export function numericOption(run: LoadedRun, key: string, fallback: number): number {
  const v = run.scenario.engineOptions?.[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : fallback;
}

/**
 * The run's engine options other than `except`, over the engine's defaults, as one comparable string: runs
 * compared on one option must agree on every other one.
 */
export function otherOptions(run: LoadedRun, defaults: object, except: string): string {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...defaults, ...run.scenario.engineOptions }))
    if (k !== except) merged[k] = String(v);
  return JSON.stringify(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
}
