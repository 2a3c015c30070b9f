/**
 * The talk's claims about Storm (ack-tree): no durability of in-flight data and no exactly-once, replay no
 * faster than ~1 s (explicit fail vs. a worker kill), and whole-tree recomputation on a fan-out.
 */
import { EV } from '../core/events.ts';
import { median } from '../core/index.ts';
import type { EngineEvent } from '../core/types.ts';
import { STORM_DEFAULTS } from '../engines/ack-tree/options.ts';
import {
  branchCounts,
  branchesCounted,
  branchOf,
  injectedKill,
  isKillRun,
  MEASURED,
  numericOption,
  type Requirement,
  screen,
  topologyOf,
  workerKills,
} from './claim-evidence.ts';
import {
  type ClaimDefinition,
  idsOf,
  KILL_EVIDENCE,
  list,
  type PartRule,
  plural,
  runsOf,
  seconds,
  spread,
} from './claim-rules.ts';
import type { LoadedRun } from './load.ts';
import { formatMs } from './tradeoff-table.ts';

const stormKillRuns = (runs: readonly LoadedRun[]) =>
  runsOf(runs, 'ack-tree', 'at-least-once').filter(isKillRun);

/** Records the spouts replayed (tuple.replayed counts) from the first injected kill on. */
export function replayedAfterKill(run: LoadedRun): number {
  const kill = injectedKill(run);
  if (!kill) return 0;
  return run.events
    .filter((e) => e.type === EV.tupleReplayed && e.at >= kill.atUs)
    .reduce((n, e) => n + (typeof e.count === 'number' ? e.count : 1), 0);
}

/** At-most-once kill runs, as a contrast only: acking off loses in-flight data by definition. */
function atMostOnceContrast(runs: readonly LoadedRun[]): string[] {
  const amo = screen(runsOf(runs, 'ack-tree', 'at-most-once').filter(isKillRun), KILL_EVIDENCE).usable;
  if (amo.length === 0) return [];
  return [
    `contrast, not evidence: with acking off (at-most-once) a kill lost ${list(amo.map((r) => r.summary.counts.lost))} ` +
      `of ${list(amo.map((r) => r.summary.counts.produced))} produced, as at-most-once allows by definition`,
  ];
}

const stormNoExactlyOnce: PartRule = {
  name: 'no exactly-once (acking on)',
  reads: 'ack-tree at-least-once runs with a worker kill',
  candidates: stormKillRuns,
  requires: KILL_EVIDENCE,
  confirms: 'the median of duplicated > 0',
  contradicts: 'the median of duplicated is 0 (every record delivered once despite the kill)',
  needs: 'ack-tree at-least-once kill-worker runs',
  judge(usable) {
    const dup = usable.map((r) => r.summary.counts.duplicated);
    return {
      verdict: median(dup)! > 0 ? 'confirmed' : 'contradicted',
      evidence: [
        `${plural(usable.length, 'run')} with a worker kill: duplicated ${list(dup)}, lost ${list(usable.map((r) => r.summary.counts.lost))}`,
      ],
      used: usable,
    };
  },
};

const stormInFlightLost: PartRule = {
  name: 'in-flight data not durable (acking on)',
  reads: 'ack-tree at-least-once runs with a worker kill',
  candidates: stormKillRuns,
  requires: KILL_EVIDENCE,
  confirms:
    'every run replayed records from the spout after the kill (tuple.replayed: what was in flight died with the worker ' +
    'and came back only from the source)',
  contradicts: 'a run replayed nothing after the kill (its in-flight data survived the kill)',
  needs: 'ack-tree at-least-once kill-worker runs',
  note:
    'Records lost with acking on are shown, not counted (the tradeoff table judges the guarantee). At-most-once runs ' +
    '(acking off) lose in-flight data by definition: they are shown as a contrast and never confirm the claim.',
  context: atMostOnceContrast,
  judge(usable) {
    const replayed = usable.map(replayedAfterKill);
    const none = usable.filter((_, i) => replayed[i] === 0);
    const lost = usable.map((r) => r.summary.counts.lost);
    return {
      verdict: none.length === 0 ? 'confirmed' : 'contradicted',
      evidence: [
        `records replayed from the spout after the kill: ${list(replayed)}${none.length ? `; none in ${idsOf(none)}` : ''}`,
        ...(lost.some((n) => n > 0)
          ? [`lost ${list(lost)} with acking on: the replay did not bring everything back`]
          : []),
      ],
      used: usable,
    };
  },
};

export const stormDurability: ClaimDefinition = {
  id: 'storm-no-durability',
  claim: 'Storm has no durability of in-flight data and no exactly-once',
  measure: 'lost (acking off) / duplicated (acking on) after a worker kill',
  expected: 'confirmed',
  parts: [stormInFlightLost, stormNoExactlyOnce],
};

/** The catalogue scenario in which Storm's bolts fail tuples explicitly (a state store slower than its client timeout). */
export const EXPLICIT_FAIL_SCENARIO = 'slow-state-store';

const stormAcking = (runs: readonly LoadedRun[]) =>
  runsOf(runs, 'ack-tree').filter((r) => r.summary.guarantee !== 'at-most-once');

/** µs from the first injected kill to the first `tuple.replayed` after it ([] without either). */
export function replayDelaysAfterKill(run: LoadedRun): number[] {
  const kill = injectedKill(run);
  const replay = kill && run.events.find((e) => e.type === EV.tupleReplayed && e.at >= kill.atUs);
  return kill && replay ? [replay.at - kill.atUs] : [];
}

/** µs from each explicit `tuple.failed` to the next `tuple.replayed` of the same spout. */
export function replayDelaysAfterExplicitFail(run: LoadedRun): number[] {
  const byWorker = new Map<string, EngineEvent[]>();
  for (const e of run.events) {
    if (e.type !== EV.tupleFailed && e.type !== EV.tupleReplayed) continue;
    const w = e.worker ?? '';
    const events = byWorker.get(w) ?? [];
    events.push(e);
    byWorker.set(w, events);
  }
  const delays: number[] = [];
  for (const events of byWorker.values()) {
    events.sort((a, b) => a.at - b.at);
    // From the end, so each fail meets the next replay in one pass (an explicit-fail run has thousands).
    let nextReplay: number | null = null;
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i]!;
      if (e.type === EV.tupleReplayed) nextReplay = e.at;
      else if (nextReplay !== null) delays.push(nextReplay - e.at);
    }
  }
  return delays.reverse();
}

const explicitFails: Requirement = {
  needs: 'a tuple.failed event followed by a tuple.replayed of the same spout',
  lacks: (r) =>
    !r.events.some((e) => e.type === EV.tupleFailed)
      ? 'no tuple.failed event (no bolt failed a tuple)'
      : replayDelaysAfterExplicitFail(r).length === 0
        ? 'no tuple.replayed after tuple.failed'
        : null,
};

const replayAfterKill: Requirement = {
  needs: 'a tuple.replayed after the kill',
  lacks: (r) => (replayDelaysAfterKill(r).length ? null : 'no tuple.replayed after the kill'),
};

const stormExplicitFailReplay: PartRule = {
  name: 'after an explicit fail',
  reads:
    'ack-tree runs with acking of the slow-state-store scenario (bolts fail tuples explicitly), and other ack-tree runs ' +
    'with tuple.failed events',
  candidates: (runs) =>
    stormAcking(runs).filter(
      (r) => r.summary.scenario === EXPLICIT_FAIL_SCENARIO || r.events.some((e) => e.type === EV.tupleFailed),
    ),
  requires: [...MEASURED, explicitFails],
  confirms: 'the median delay from tuple.failed to the next tuple.replayed of the same spout is ≥ 1 s',
  contradicts: 'it is < 1 s',
  needs:
    "ack-tree runs of scenario slow-state-store (the features' Redis answers late, the feature bolt times out " +
    'and fails its tuples explicitly)',
  note:
    "This is the part that tells: Storm's KafkaSpout retries a failed tuple after its back-off (initial delay 0 ms " +
    'by default, then exponential), so the real system replays in milliseconds.',
  judge(usable) {
    const delays = usable.flatMap(replayDelaysAfterExplicitFail);
    const initial = [
      ...new Set(
        usable.map((r) => numericOption(r, 'retryInitialDelayMs', STORM_DEFAULTS.retryInitialDelayMs)),
      ),
    ];
    return {
      verdict: median(delays)! >= 1e6 ? 'confirmed' : 'contradicted',
      evidence: [
        `replay ${spread(delays, (us) => `${formatMs(us / 1000)} ms`)} after tuple.failed in ${plural(usable.length, 'run')}; ` +
          `spout retry initial delay ${initial.join(', ')} ms`,
      ],
      used: usable,
    };
  },
};

const stormKillReplay: PartRule = {
  name: 'lost tuples after a worker kill',
  reads: 'ack-tree runs with acking and a worker kill',
  candidates: (runs) => stormAcking(runs).filter(isKillRun),
  requires: [...KILL_EVIDENCE, replayAfterKill],
  confirms: 'the median delay from the kill to the first tuple.replayed is ≥ 1 s',
  contradicts: 'it is < 1 s',
  needs: 'ack-tree at-least-once kill-worker runs',
  confirmsAlone: false,
  note:
    "A tuple lost with a worker is replayed only when its tree times out, T..2T after it was emitted, and Storm's " +
    'message timeout T is whole seconds ≥ 1: a delay ≥ 1 s is true by construction. The evidence compares each ' +
    'delay with T..2T, what the real system does.',
  judge(usable) {
    const delays = usable.flatMap(replayDelaysAfterKill);
    const timeoutS = (r: LoadedRun) => numericOption(r, 'messageTimeoutS', STORM_DEFAULTS.messageTimeoutS);
    const outside = usable.filter((r) => {
      const t = timeoutS(r) * 1e6;
      return replayDelaysAfterKill(r).some((d) => d < t * 0.9 || d > 2 * t + 2e6);
    });
    return {
      verdict: median(delays)! >= 1e6 ? 'confirmed' : 'contradicted',
      evidence: [
        `first replay ${list(delays, seconds)} after the kill; message timeout T = ${[...new Set(usable.map(timeoutS))].join(', ')} s; ` +
          (outside.length === 0
            ? 'every delay within T..2T (+2 s for the supervisor and the spout loop)'
            : `not within T..2T (+2 s) in ${idsOf(outside)}`),
      ],
      used: usable,
    };
  },
};

export const stormReplayDelay: ClaimDefinition = {
  id: 'storm-replay-delay',
  claim: 'Storm cannot replay failed tuples faster than ~1 s',
  measure: 'replay delay after an explicit fail vs. after a worker kill',
  expected: 'explicit fail: ms; lost tuples: T..2T',
  parts: [stormExplicitFailReplay, stormKillReplay],
};

const stormFanOutKills = (runs: readonly LoadedRun[]) =>
  runsOf(runs, 'ack-tree', 'at-least-once').filter((r) => topologyOf(r) === 'fan-out' && isKillRun(r));

/** Chain runs cannot show whole-tree replay (a tuple has one child per hop): what they show is context. */
function chainReplayContext(runs: readonly LoadedRun[]): string[] {
  const kills = screen(
    stormKillRuns(runs).filter((r) => topologyOf(r) === 'chain'),
    KILL_EVIDENCE,
  ).usable;
  if (kills.length === 0) return [];
  return [
    `context, not evidence (chain topology): after killing ${[...new Set(kills.flatMap(workerKills).map((f) => f.target))].join(', ')}, ` +
      // ack-tree counts its replays (tuple.replayed); only an engine that cannot count them reports null.
      `${list(kills.flatMap((r) => r.summary.blastRadius.recordsReplayed ?? []))} records replayed from the spout, ` +
      `${list(kills.map((r) => r.summary.counts.duplicated))} duplicated`,
  ];
}

const stormWholeTreePart: PartRule = {
  name: 'duplicates on sibling branches',
  reads: 'ack-tree at-least-once runs with topology: fan-out and a worker kill',
  candidates: stormFanOutKills,
  requires: [...KILL_EVIDENCE, branchesCounted],
  confirms:
    'the median over runs of the duplicates on the branches without the killed worker is > 0 (the spout replayed ' +
    'whole trees, so siblings that had succeeded ran again)',
  contradicts: 'it is 0 (only the failed branch recomputed)',
  needs: 'runs with topology: fan-out (ack-tree at-least-once, a worker on one branch killed)',
  context: chainReplayContext,
  judge(usable) {
    const rows = usable.map((r) => {
      const branches = branchCounts(r)!;
      const failed = branchOf(branches, injectedKill(r)!.fault.target)!;
      const siblings = branches.filter((b) => b !== failed);
      return {
        failed: failed.duplicated,
        siblings: siblings.reduce((n, b) => n + b.duplicated, 0),
        names: `${failed.branch} killed, siblings ${siblings.map((b) => b.branch).join(', ')}`,
      };
    });
    const siblings = rows.map((x) => x.siblings);
    return {
      verdict: median(siblings)! > 0 ? 'confirmed' : 'contradicted',
      evidence: [
        `${plural(usable.length, 'run')} (${[...new Set(rows.map((x) => x.names))].join('; ')}): duplicated ` +
          `${list(rows.map((x) => x.failed))} on the killed branch, ${list(siblings)} on its siblings`,
      ],
      used: usable,
    };
  },
};

export const stormWholeTree: ClaimDefinition = {
  id: 'storm-whole-tree',
  claim: 'Storm: an upstream failure recomputes the whole tree',
  measure: 'duplicates on sibling branches of a fan-out',
  expected: 'confirmed',
  parts: [stormWholeTreePart],
};
