/** The talk's claim about Apex (operator-checkpoint): only the failed worker's downstream closure restarts. */
import { EV } from '../core/events.ts';
import { formatRecovery } from '../harness/index.ts';
import {
  deployedWorkers,
  downstreamClosure,
  injectedKill,
  isKillRun,
  lastAttempt,
  type Requirement,
  restartedWorkers,
  screen,
  topologyOf,
} from './claim-evidence.ts';
import { type ClaimDefinition, KILL_EVIDENCE, list, type PartRule, plural, runsOf } from './claim-rules.ts';
import type { LoadedRun } from './load.ts';

const knownClosure: Requirement = {
  needs:
    'the downstream closure of the killed worker (the chain or fan-out topology and its parallelism in scenario.json)',
  lacks: (r) => {
    const kill = injectedKill(r);
    if (!kill || downstreamClosure(r, kill.fault.target)) return null;
    return `the closure of ${kill.fault.target} is unknown (topology ${topologyOf(r)}${r.scenario.parallelism ? '' : ', no parallelism in scenario.json'})`;
  },
};

/** Sampled window and checkpoint events of `workers` during the recovery from `kill` (evidence they kept working). */
function activityDuringRecovery(run: LoadedRun, workers: readonly string[]): number {
  const kill = injectedKill(run)!;
  const entry =
    run.summary.recovery.find((e) => e.fault === `${kill.fault.kind} ${kill.fault.target}`) ??
    run.summary.recovery[0];
  const ms = entry?.recoveredMs ?? entry?.censoredMs ?? entry?.firstOutputMs ?? 10_000;
  return run.events.filter(
    (e) =>
      (e.type === EV.windowEnd || e.type === EV.checkpointSaved) &&
      e.worker !== undefined &&
      workers.includes(e.worker) &&
      e.at >= kill.atUs &&
      e.at <= kill.atUs + ms * 1000,
  ).length;
}

function apexRestartSet(run: LoadedRun): { problems: string[]; closure: string[]; kept: string[] } {
  const target = injectedKill(run)!.fault.target;
  const closure = downstreamClosure(run, target)!;
  const workers = deployedWorkers(run)!;
  const restarted = restartedWorkers(run);
  const id = run.summary.runId;
  const missing = closure.filter((w) => !restarted.has(w));
  const extra = [...restarted].filter((w) => !closure.includes(w)).sort();
  const kept = workers.filter((w) => !closure.includes(w));
  const moved = kept.filter((w) => !restarted.has(w) && lastAttempt(run, w) > 0);
  const problems = [
    ...(extra.length ? [`${id}: ${extra.join(', ')} restarted outside the closure of ${target}`] : []),
    ...(missing.length ? [`${id}: ${missing.join(', ')} of the closure of ${target} not restarted`] : []),
    ...(moved.length ? [`${id}: ${moved.join(', ')} has a new attempt number`] : []),
  ];
  return { problems, closure, kept };
}

const apexLocalRecoveryPart: PartRule = {
  name: 'only the affected part restarts',
  reads: 'operator-checkpoint runs with a worker kill',
  candidates: (runs) => runsOf(runs, 'operator-checkpoint').filter(isKillRun),
  requires: [...KILL_EVIDENCE, knownClosure],
  confirms:
    'in every run the restarted workers are exactly the downstream closure of the killed worker (it and every ' +
    'instance downstream of it) and every other worker kept its process (not restarted, attempt 0 in all its events)',
  contradicts:
    'a run restarted a worker outside the closure (upstream or on another branch) or left part of it running',
  needs: 'operator-checkpoint kill-worker runs',
  note:
    'Evidence only: window and checkpoint events of the workers outside the closure during the recovery (sampled ' +
    'every eventSampleWindows windows), and recovery time next to barrier-snapshot kill runs.',
  judge(usable, all) {
    const flink = screen(runsOf(all, 'barrier-snapshot').filter(isKillRun), KILL_EVIDENCE).usable;
    const sets = usable.map((r) => ({ r, ...apexRestartSet(r) }));
    const problems = sets.flatMap((s) => s.problems);
    const closures = [...new Set(sets.map((s) => `{${s.closure.join(', ')}}`))];
    const kept = [...new Set(sets.flatMap((s) => s.kept))];
    const activity = sets.map((s) => activityDuringRecovery(s.r, s.kept));
    return {
      verdict: problems.length === 0 ? 'confirmed' : 'contradicted',
      evidence: [
        `${plural(usable.length, 'run')}: closure of the killed worker ${closures.join(', ')}; ` +
          `restarted/total ${[...new Set(usable.map((r) => `${restartedWorkers(r).size}/${deployedWorkers(r)!.length}`))].join(', ')}`,
        `outside the closure (${kept.join(', ')}): ${list(activity)} sampled window or checkpoint events during the recovery`,
        `recovery ${recoveries(usable)}${flink.length ? ` vs. barrier-snapshot ${recoveries(flink)}` : ''}`,
        ...problems,
      ],
      used: usable,
    };
  },
};

const recoveries = (rs: readonly LoadedRun[]) =>
  rs.map((r) => (r.summary.recovery[0] ? formatRecovery(r.summary.recovery[0]) : 'none')).join(', ');

export const apexLocalRecovery: ClaimDefinition = {
  id: 'apex-local-recovery',
  claim: 'Apex: most robust, only affected operators recover',
  measure: 'restarted set, upstream keeps producing, recovery time',
  expected: 'upstream survives; all downstream restarts',
  parts: [apexLocalRecoveryPart],
};
