/**
 * "The talk's claims": each row of the last table of PROTOCOLS.md, judged against the runs in the report by
 * explicit rules (written next to them in `rule`, and printed in the report), with the measured evidence.
 *
 * A claim has one or more parts. Each part reads some runs (its candidates) and requires evidence of each
 * (claim-evidence.ts: a fault that was injected, the engine's reaction, produced > 0, unexpected = 0, a known
 * verdict, ...): a candidate without it is left out with the reason. A part is confirmed, contradicted, or not
 * measured (no candidate had the evidence; it says which runs would measure it and why the ones present did
 * not). The claim is contradicted if any measured part is, confirmed if a measured part that may confirm it
 * alone is and none contradicts, and not measured otherwise. A part whose confirmation could not have come out
 * otherwise may only contradict (`confirmsAlone: false`).
 *
 * Engine options missing from scenario.json take the engine's default.
 */
import { EV } from '../core/events.ts';
import { median } from '../core/index.ts';
import type { EngineEvent } from '../core/types.ts';
import { STORM_DEFAULTS } from '../engines/ack-tree/options.ts';
import { FLINK_DEFAULTS } from '../engines/barrier-snapshot/options.ts';
import { formatRecovery } from '../harness/index.ts';
import {
  branchCounts,
  branchesCounted,
  branchOf,
  chainTopology,
  delivered,
  deployedWorkers,
  downstreamClosure,
  type ExcludedRun,
  failedOver,
  faultFree,
  faultInjected,
  hopsOf,
  injectedKill,
  isKillRun,
  knownWorkers,
  lastAttempt,
  MEASURED,
  numericOption,
  otherOptions,
  type Requirement,
  restartedWorkers,
  screen,
  topologyOf,
  workerKillInjected,
  workerKills,
} from './claim-evidence.ts';
import type { LoadedRun } from './load.ts';
import { formatMs } from './tradeoff-table.ts';

export type ClaimVerdict = 'confirmed' | 'contradicted' | 'not measured';

export interface ClaimPart {
  name: string;
  verdict: ClaimVerdict;
  evidence: string[];
  /** For a part not measured: the runs it needs. */
  needs?: string;
  /** Candidate runs left out for lack of evidence, with why. */
  excluded: ExcludedRun[];
  /** False: the part can contradict the claim, but its confirmation proves nothing alone. */
  confirmsAlone: boolean;
}

export interface ClaimResult {
  id: string;
  /** The three columns of PROTOCOLS.md's table. */
  claim: string;
  measure: string;
  expected: string;
  /** How the verdict is decided: per part, what it reads, requires, and what confirms and contradicts. */
  rule: string;
  verdict: ClaimVerdict;
  parts: ClaimPart[];
  /** Run ids the evidence comes from. */
  runs: string[];
}

/** What a part's judge makes of the runs that had the evidence (at least one). */
interface Judged {
  verdict: ClaimVerdict;
  evidence: string[];
  /** The runs the verdict rests on. */
  used: LoadedRun[];
  /** Runs the judge could not use after all (e.g. nothing to compare them with). */
  excluded?: ExcludedRun[];
}

interface PartRule {
  name: string;
  /** The runs the part reads before screening, as the rule text says it. */
  reads: string;
  candidates(runs: readonly LoadedRun[]): LoadedRun[];
  requires: readonly Requirement[];
  confirms: string;
  contradicts: string;
  /** Runs that would measure the part, for "not measured". */
  needs: string;
  /** Why the rule is what it is; printed after it. */
  note?: string;
  confirmsAlone?: false;
  /** Evidence shown whatever the verdict, never deciding it (a contrast, the context of a part not measured). */
  context?(runs: readonly LoadedRun[]): string[];
  /** `all`: every run of the report, for comparisons with other engines. */
  judge(usable: LoadedRun[], all: readonly LoadedRun[]): Judged;
}

interface ClaimDefinition {
  id: string;
  claim: string;
  measure: string;
  expected: string;
  parts: readonly PartRule[];
}

// ---------------------------------------------------------------------------------------------------------
// Parts, rules and verdicts

const runsOf = (runs: readonly LoadedRun[], engine: string, guarantee?: string) =>
  runs.filter(
    (r) => r.summary.engine === engine && (guarantee === undefined || r.summary.guarantee === guarantee),
  );

const list = (values: readonly number[], format: (v: number) => string = String) =>
  values.length === 1
    ? format(values[0]!)
    : `${values.map(format).join(', ')} (median ${format(median(values)!)})`;

const seconds = (us: number) => `${(us / 1e6).toFixed(2)} s`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function judgePart(rule: PartRule, runs: readonly LoadedRun[]): { part: ClaimPart; used: LoadedRun[] } {
  const { usable, excluded } = screen(rule.candidates(runs), rule.requires);
  const context = rule.context?.(runs) ?? [];
  const judged: Judged =
    usable.length === 0 ? { verdict: 'not measured', evidence: [], used: [] } : rule.judge(usable, runs);
  return {
    part: {
      name: rule.name,
      verdict: judged.verdict,
      evidence: [...judged.evidence, ...context],
      ...(judged.verdict === 'not measured' ? { needs: rule.needs } : {}),
      excluded: [...excluded, ...(judged.excluded ?? [])],
      confirmsAlone: rule.confirmsAlone ?? true,
    },
    used: judged.used,
  };
}

/** The rule of a part as the report prints it: what it reads, what each run needs, what decides. */
export function ruleText(rule: PartRule, single: boolean): string {
  return (
    `${single ? '' : `${rule.name}: `}reads ${rule.reads}; each needs ${rule.requires.map((q) => q.needs).join(', ')}. ` +
    `Confirmed when ${rule.confirms}; contradicted when ${rule.contradicts}.` +
    (rule.confirmsAlone === false ? ' This part can contradict the claim but not confirm it alone.' : '') +
    (rule.note ? ` ${rule.note}` : '')
  );
}

/** Combines parts: contradicted beats confirmed beats not measured; a part that cannot confirm alone does not. */
export function combineParts(parts: readonly ClaimPart[]): ClaimVerdict {
  if (parts.some((p) => p.verdict === 'contradicted')) return 'contradicted';
  if (parts.some((p) => p.verdict === 'confirmed' && p.confirmsAlone)) return 'confirmed';
  return 'not measured';
}

/** Run ids for evidence text: a few, then how many more. */
export function runIds(ids: readonly string[], most = 3): string {
  const shown = ids.slice(0, most).join(', ');
  return ids.length > most ? `${shown} and ${ids.length - most} more` : shown;
}
const idsOf = (runs: readonly LoadedRun[]) => runIds(runs.map((r) => r.summary.runId));

/**
 * A few values as they are, many as their median and range: an explicit-fail run has a delay per failed
 * tuple, which no table cell can list.
 */
const spread = (values: readonly number[], format: (v: number) => string) =>
  values.length <= 5
    ? list(values, format)
    : `median ${format(median(values)!)} (${format(Math.min(...values))}–${format(Math.max(...values))}, ${values.length} values)`;

/** Groups runs that differ only in `option`: same guarantee, workload, rate and every other engine option. */
function groupsDifferingIn(
  runs: readonly LoadedRun[],
  defaults: object,
  option: string,
): { label: string; runs: LoadedRun[] }[] {
  const groups = new Map<string, { label: string; runs: LoadedRun[] }>();
  for (const r of runs) {
    const label = `${r.summary.guarantee} ${r.summary.workload} ${r.summary.rate}/s`;
    const key = `${label} ${otherOptions(r, defaults, option)}`;
    const g = groups.get(key) ?? { label, runs: [] };
    g.runs.push(r);
    groups.set(key, g);
  }
  const all = [...groups.values()];
  // Groups with the same label differ in another option: number them.
  const namesakes = (g: { label: string }) => all.filter((o) => o.label === g.label);
  return all.map((g) =>
    namesakes(g).length > 1 ? { ...g, label: `${g.label} (options ${namesakes(g).indexOf(g) + 1})` } : g,
  );
}

const alone = (runs: readonly LoadedRun[], why: string): ExcludedRun[] =>
  runs.map((r) => ({ runId: r.summary.runId, reasons: [why] }));

// ---------------------------------------------------------------------------------------------------------
// Storm (ack-tree)

const KILL_EVIDENCE: readonly Requirement[] = [...MEASURED, workerKillInjected, failedOver];

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

const stormDurability: ClaimDefinition = {
  id: 'storm-no-durability',
  claim: 'Storm has no durability of in-flight data and no exactly-once',
  measure: 'lost (acking off) / duplicated (acking on) after a worker kill',
  expected: 'confirmed',
  parts: [stormInFlightLost, stormNoExactlyOnce],
};

/** The KafkaSpout's default retry back-off starts at 0 ms (KafkaSpoutRetryExponentialBackoff initialDelay). */
export const KAFKA_SPOUT_RETRY_INITIAL_DELAY_MS = 0;

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
  const delays: number[] = [];
  const byWorker = new Map<string, EngineEvent[]>();
  for (const e of run.events) {
    if (e.type !== EV.tupleFailed && e.type !== EV.tupleReplayed) continue;
    const w = e.worker ?? '';
    byWorker.set(w, [...(byWorker.get(w) ?? []), e]);
  }
  for (const events of byWorker.values()) {
    events.sort((a, b) => a.at - b.at);
    events.forEach((e, i) => {
      if (e.type !== EV.tupleFailed) return;
      const next = events.slice(i + 1).find((n) => n.type === EV.tupleReplayed);
      if (next) delays.push(next.at - e.at);
    });
  }
  return delays;
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
    'ack-tree runs with acking of the explicit-fail scenario (bolts fail tuples explicitly), and other ack-tree runs ' +
    'with tuple.failed events',
  candidates: (runs) =>
    stormAcking(runs).filter(
      (r) => r.summary.scenario === 'explicit-fail' || r.events.some((e) => e.type === EV.tupleFailed),
    ),
  requires: [...MEASURED, explicitFails],
  confirms: 'the median delay from tuple.failed to the next tuple.replayed of the same spout is ≥ 1 s',
  contradicts: 'it is < 1 s',
  needs:
    'ack-tree runs of scenario explicit-fail (bolts fail tuples explicitly, e.g. a slow Redis makes the feature bolt ' +
    'time out)',
  note:
    "This is the part that tells: Storm's KafkaSpout retries a failed tuple after its back-off (initial delay 0 ms " +
    'by default, then exponential), so the real system replays in milliseconds.',
  judge(usable) {
    const delays = usable.flatMap(replayDelaysAfterExplicitFail);
    const initial = [
      ...new Set(
        usable.map((r) => numericOption(r, 'retryInitialDelayMs', KAFKA_SPOUT_RETRY_INITIAL_DELAY_MS)),
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

const stormReplayDelay: ClaimDefinition = {
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
      `${list(kills.map((r) => r.summary.blastRadius.recordsReplayed))} records replayed from the spout, ` +
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

const stormWholeTree: ClaimDefinition = {
  id: 'storm-whole-tree',
  claim: 'Storm: an upstream failure recomputes the whole tree',
  measure: 'duplicates on sibling branches of a fan-out',
  expected: 'confirmed',
  parts: [stormWholeTreePart],
};

// ---------------------------------------------------------------------------------------------------------
// Flink (barrier-snapshot)

const flinkGlobalRestartPart: PartRule = {
  name: 'global restart',
  reads: 'barrier-snapshot runs with a worker kill',
  candidates: (runs) => runsOf(runs, 'barrier-snapshot').filter(isKillRun),
  requires: [...KILL_EVIDENCE, knownWorkers],
  confirms:
    'every run restarted every worker of its topology (summary.json restartedWorkers and worker.restarted events)',
  contradicts: 'a run left a worker running',
  needs: 'barrier-snapshot kill-worker runs',
  note: 'The job is keyed (source → features is a key-by), so it is one pipelined region: Flink restarts all of it.',
  judge(usable) {
    const rows = usable.map((r) => {
      const workers = deployedWorkers(r)!;
      const restarted = restartedWorkers(r);
      return { r, total: workers.length, running: workers.filter((w) => !restarted.has(w)) };
    });
    const partial = rows.filter((x) => x.running.length > 0);
    const ratios = [...new Set(rows.map((x) => `${x.total - x.running.length}/${x.total}`))];
    return {
      verdict: partial.length === 0 ? 'confirmed' : 'contradicted',
      evidence: [
        `${plural(rows.length, 'run')}: restarted/total ${ratios.join(', ')}` +
          (partial.length
            ? `; left running: ${partial.map((x) => `${x.running.join(', ')} in ${x.r.summary.runId}`).join('; ')}`
            : ''),
      ],
      used: usable,
    };
  },
};

const flinkGlobalRestart: ClaimDefinition = {
  id: 'flink-global-restart',
  claim: 'Flink: failures affect the entire topology',
  measure: 'workers restarted / total on a single kill',
  expected: 'all of them for a keyed job',
  parts: [flinkGlobalRestartPart],
};

/** The band the rise of processing p50 must fall in, as a multiple of hops × Δ buffer timeout / 2. */
export const MICRO_BATCH_BAND = { low: 0.5, high: 1.5 } as const;

const processingLatency: Requirement = {
  needs: 'a processing latency (summary.json processingLatencyMs)',
  lacks: (r) =>
    typeof r.summary.processingLatencyMs?.p50 === 'number' ? null : 'no processingLatencyMs in summary.json',
};

const bufferTimeout = (r: LoadedRun) => numericOption(r, 'bufferTimeoutMs', FLINK_DEFAULTS.bufferTimeoutMs);
const faultFreeRuns = (runs: readonly LoadedRun[]) =>
  runsOf(runs, 'barrier-snapshot').filter((r) => r.summary.faults.length === 0);

/** One group of runs that differ only in the buffer timeout: the rise of p50 against hops × timeout / 2. */
function microBatchGroup(label: string, members: LoadedRun[]): { ok: boolean; text: string } {
  const hops = hopsOf(members[0]!)!;
  const at = [...new Set(members.map(bufferTimeout))]
    .sort((a, b) => a - b)
    .map((t) => {
      const rs = members.filter((r) => bufferTimeout(r) === t);
      return {
        t,
        p50: median(rs.map((r) => r.summary.processingLatencyMs.p50))!,
        e2e: median(rs.map((r) => r.summary.latencyMs.p50))!,
      };
    });
  const base = at[0]!;
  let ok = true;
  const points = at.map((p, i) => {
    if (i === 0) return `T=${p.t} ms → ${formatMs(p.p50)} ms`;
    const expected = (hops * (p.t - base.t)) / 2;
    const rise = p.p50 - base.p50;
    const inBand = rise >= MICRO_BATCH_BAND.low * expected && rise <= MICRO_BATCH_BAND.high * expected;
    ok &&= inBand;
    return `T=${p.t} ms → ${formatMs(p.p50)} ms (+${formatMs(rise)}, expected +${formatMs(expected)}${inBand ? '' : ', outside the band'})`;
  });
  return {
    ok,
    text:
      `${label}, processing p50: ${points.join('; ')}; end-to-end p50 ${at.map((p) => `${formatMs(p.e2e)}`).join(', ')} ms` +
      ` (${hops} hops)`,
  };
}

const flinkMicroBatchingPart: PartRule = {
  name: 'p50 vs. buffer timeout',
  reads: 'fault-free barrier-snapshot runs',
  candidates: faultFreeRuns,
  requires: [...MEASURED, delivered, faultFree, chainTopology, processingLatency],
  confirms:
    'in every group of runs that differ only in bufferTimeoutMs (same guarantee, workload, rate and other engine ' +
    'options; at least two timeouts), the median processing-latency p50 rises from that at the smallest timeout T0 by ' +
    `${MICRO_BATCH_BAND.low}–${MICRO_BATCH_BAND.high} × hops × (T − T0) / 2 at every other timeout T`,
  contradicts: 'a rise falls outside that band',
  needs:
    'fault-free barrier-snapshot runs with different bufferTimeoutMs (e.g. 0, 10, 100) at the same rate, guarantee ' +
    'and other engine options',
  note:
    "hops = 3 (source → features → score → sink). Flink's OutputFlusher flushes every channel each buffer timeout, so " +
    'a record waits T/2 per hop on average, at a rate low enough that no buffer fills first. Processing latency (sink ' +
    'write − source read) leaves the generator, Kafka and the collector out; end-to-end p50 is shown too.',
  judge(usable) {
    const groups = groupsDifferingIn(usable, FLINK_DEFAULTS, 'bufferTimeoutMs');
    const compared = groups.filter((g) => new Set(g.runs.map(bufferTimeout)).size >= 2);
    const lonely = groups.filter((g) => !compared.includes(g)).flatMap((g) => g.runs);
    const excluded = alone(lonely, 'no run that differs only in bufferTimeoutMs to compare it with');
    if (compared.length === 0) return { verdict: 'not measured', evidence: [], used: [], excluded };
    const judged = compared.map((g) => microBatchGroup(g.label, g.runs));
    return {
      verdict: judged.every((j) => j.ok) ? 'confirmed' : 'contradicted',
      evidence: judged.map((j) => j.text),
      used: compared.flatMap((g) => g.runs),
      excluded,
    };
  },
};

const flinkMicroBatching: ClaimDefinition = {
  id: 'flink-micro-batching',
  claim: 'Flink: network micro-batching',
  measure: 'latency p50 vs. buffer timeout (0, 10, 100 ms)',
  expected: 'latency floor ≈ hops × buffer timeout / 2 (a periodic flusher per task output)',
  parts: [flinkMicroBatchingPart],
};

const lostDupIncorrect = (r: LoadedRun) =>
  r.summary.counts.lost + r.summary.counts.duplicated + r.summary.counts.incorrect;

const flinkExactlyOncePart: PartRule = {
  name: 'exactly-once under failures',
  reads: 'barrier-snapshot exactly-once runs',
  candidates: (runs) => runsOf(runs, 'barrier-snapshot', 'exactly-once'),
  requires: MEASURED,
  confirms:
    `at least one run has ${faultInjected.needs} and ${failedOver.needs}, and every run has lost = duplicated = ` +
    'incorrect = 0',
  contradicts: 'any run, with or without a fault, has lost, duplicated or incorrect > 0',
  needs:
    'barrier-snapshot exactly-once runs with an injected fault the engine failed over from (e.g. kill-worker)',
  judge(usable) {
    const failovers = screen(usable, [faultInjected, failedOver]);
    const bad = usable.filter((r) => lostDupIncorrect(r) > 0);
    const sum = (k: 'lost' | 'duplicated' | 'incorrect') =>
      usable.reduce((a, r) => a + r.summary.counts[k], 0);
    const evidence = [
      `${plural(usable.length, 'exactly-once run')} (${failovers.usable.length} with an injected fault the engine failed over from): ` +
        `lost ${sum('lost')}, duplicated ${sum('duplicated')}, incorrect ${sum('incorrect')} in total` +
        (bad.length
          ? `; non-zero in ${bad.map((r) => `${r.summary.runId} (${r.summary.scenario})`).join(', ')}`
          : ''),
    ];
    if (bad.length) return { verdict: 'contradicted', evidence, used: usable };
    if (failovers.usable.length === 0)
      return { verdict: 'not measured', evidence, used: [], excluded: failovers.excluded };
    return { verdict: 'confirmed', evidence, used: usable };
  },
};

/** How much higher p99 may be with checkpoints than without before the overhead stops being "small". */
export const CHECKPOINT_P99_OVERHEAD_LIMIT = 0.25;

/**
 * Runs needed on each side: the p99 of one run is noisy on a 2-core machine (three 20 s runs at 1000/s here:
 * 265–323 ms without checkpoints, 238–415 ms with; a single pair read +29 %, three pairs −12 %).
 */
export const CHECKPOINT_MIN_REPEATS = 3;

const checkpointInterval = (r: LoadedRun) =>
  numericOption(r, 'checkpointIntervalMs', FLINK_DEFAULTS.checkpointIntervalMs);

const checkpointsAsConfigured: Requirement = {
  needs:
    'checkpoints as configured (checkpoint.completed events when checkpointIntervalMs > 0, none triggered at 0)',
  lacks: (r) => {
    const interval = checkpointInterval(r);
    if (interval > 0)
      return r.events.some((e) => e.type === EV.checkpointCompleted)
        ? null
        : `checkpointIntervalMs ${interval} but no checkpoint completed`;
    return r.events.some((e) => e.type === EV.checkpointTriggered)
      ? 'checkpointIntervalMs 0 but checkpoints were triggered'
      : null;
  },
};

type GroupVerdict = 'confirmed' | 'contradicted' | 'inconclusive';

function checkpointGroup(
  label: string,
  on: LoadedRun[],
  off: LoadedRun[],
): { verdict: GroupVerdict; text: string } {
  const m = (rs: LoadedRun[], f: (r: LoadedRun) => number) => median(rs.map(f))!;
  const p99 = (r: LoadedRun) => r.summary.latencyMs.p99;
  const p99On = m(on, p99);
  const p99Off = m(off, p99);
  const durations = on.flatMap((r) =>
    r.events
      .filter((e) => e.type === EV.checkpointCompleted && typeof e.durationMs === 'number')
      .map((e) => e.durationMs as number),
  );
  const completed = on.map((r) => r.events.filter((e) => e.type === EV.checkpointCompleted).length);
  const overhead = p99Off > 0 ? p99On / p99Off - 1 : Number.POSITIVE_INFINITY;
  // Too much overhead counts only when every run with checkpoints is slower than every run without.
  const separate = Math.min(...on.map(p99)) > Math.max(...off.map(p99));
  const verdict: GroupVerdict =
    overhead <= CHECKPOINT_P99_OVERHEAD_LIMIT ? 'confirmed' : separate ? 'contradicted' : 'inconclusive';
  const range = (rs: LoadedRun[]) =>
    `${formatMs(Math.min(...rs.map(p99)))}–${formatMs(Math.max(...rs.map(p99)))}`;
  return {
    verdict,
    text:
      `${label}: p99 ${formatMs(p99On)} ms with checkpoints (every ${[...new Set(on.map(checkpointInterval))].join(', ')} ms; ` +
      `completed ${list(completed)}${durations.length ? `, median ${formatMs(median(durations)!)} ms each` : ''}) ` +
      `vs. ${formatMs(p99Off)} ms without (${overhead >= 0 ? '+' : ''}${Math.round(overhead * 100)} %; ` +
      `runs ${range(on)} vs. ${range(off)} ms${verdict === 'inconclusive' ? ', overlapping: inconclusive' : ''}); ` +
      `p50 ${formatMs(m(on, (r) => r.summary.latencyMs.p50))} vs. ${formatMs(m(off, (r) => r.summary.latencyMs.p50))} ms; ` +
      `throughput ${formatMs(m(on, (r) => r.summary.throughput.meanPerS))}/s vs. ${formatMs(m(off, (r) => r.summary.throughput.meanPerS))}/s`,
  };
}

const flinkCheckpointOverhead: PartRule = {
  name: 'checkpoint overhead',
  reads: 'fault-free barrier-snapshot runs',
  candidates: faultFreeRuns,
  requires: [...MEASURED, delivered, faultFree, checkpointsAsConfigured],
  confirms:
    'in every group of runs that differ only in checkpointing (same guarantee, workload, rate and other engine ' +
    `options; at least ${CHECKPOINT_MIN_REPEATS} runs with checkpointIntervalMs = 0 and ${CHECKPOINT_MIN_REPEATS} with > 0), the median ` +
    `end-to-end p99 with checkpoints is at most ${Math.round(CHECKPOINT_P99_OVERHEAD_LIMIT * 100)} % above the median without`,
  contradicts:
    'it is more than that in a group and every run with checkpoints has a higher p99 than every run without (when ' +
    'they overlap the group is inconclusive)',
  needs:
    'fault-free barrier-snapshot at-least-once runs at the same rate with -o checkpointIntervalMs=0 and with ' +
    `checkpoints, ${CHECKPOINT_MIN_REPEATS} of each (the plain sink: the transactional one commits only on checkpoints)`,
  note:
    'Latency at a fixed rate, not throughput: below saturation an open-loop run delivers the offered rate whether ' +
    'checkpoints cost anything or not, and the sustainable throughput of `faultline bench` is not part of a report’s ' +
    'input. p50 and throughput are shown. One run per side decides nothing: p99 varies between repeats by more ' +
    'than the limit.',
  judge(usable) {
    const groups = groupsDifferingIn(usable, FLINK_DEFAULTS, 'checkpointIntervalMs').map((g) => ({
      ...g,
      on: g.runs.filter((r) => checkpointInterval(r) > 0),
      off: g.runs.filter((r) => checkpointInterval(r) === 0),
    }));
    const compared = groups.filter(
      (g) => g.on.length >= CHECKPOINT_MIN_REPEATS && g.off.length >= CHECKPOINT_MIN_REPEATS,
    );
    const excluded = groups
      .filter((g) => !compared.includes(g))
      .flatMap((g) =>
        alone(
          g.runs,
          g.on.length === 0 || g.off.length === 0
            ? 'no run with the other checkpoint setting and otherwise the same options'
            : `${g.on.length} with checkpoints and ${g.off.length} without: fewer than ${CHECKPOINT_MIN_REPEATS} of each`,
        ),
      );
    const judged = compared.map((g) => checkpointGroup(g.label, g.on, g.off));
    const decided = judged.filter((j) => j.verdict !== 'inconclusive');
    const verdict: ClaimVerdict = decided.some((j) => j.verdict === 'contradicted')
      ? 'contradicted'
      : decided.length > 0
        ? 'confirmed'
        : 'not measured';
    return {
      verdict,
      evidence: judged.map((j) => j.text),
      used: verdict === 'not measured' ? [] : compared.flatMap((g) => g.runs),
      excluded,
    };
  },
};

const flinkExactlyOnce: ClaimDefinition = {
  id: 'flink-exactly-once',
  claim: 'Flink: exactly-once, lightweight failure handling',
  measure: 'lost = dup = incorrect = 0; throughput with vs. without checkpoints',
  expected: 'exactly-once; small overhead',
  parts: [flinkExactlyOncePart, flinkCheckpointOverhead],
};

// ---------------------------------------------------------------------------------------------------------
// Apex (operator-checkpoint)

const knownClosure: Requirement = {
  needs:
    'the downstream closure of the killed worker (the chain topology and its parallelism in scenario.json)',
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

const apexLocalRecovery: ClaimDefinition = {
  id: 'apex-local-recovery',
  claim: 'Apex: most robust, only affected operators recover',
  measure: 'restarted set, upstream keeps producing, recovery time',
  expected: 'upstream survives; all downstream restarts',
  parts: [apexLocalRecoveryPart],
};

// ---------------------------------------------------------------------------------------------------------

export const CLAIMS: readonly ClaimDefinition[] = [
  stormDurability,
  stormReplayDelay,
  stormWholeTree,
  flinkGlobalRestart,
  flinkMicroBatching,
  flinkExactlyOnce,
  apexLocalRecovery,
];

/** The verdict, with how much of the claim was measured when that was not all of it. */
export function verdictLabel(c: Pick<ClaimResult, 'verdict' | 'parts'>): string {
  const measured = c.parts.filter((p) => p.verdict !== 'not measured').length;
  if (c.verdict === 'not measured')
    return measured === 0
      ? c.verdict
      : `not measured (${measured} of ${c.parts.length} parts measured, which cannot confirm the claim alone)`;
  return measured === c.parts.length
    ? c.verdict
    : `${c.verdict} (${measured} of ${c.parts.length} parts measured)`;
}

export function judgeClaims(runs: readonly LoadedRun[]): ClaimResult[] {
  return CLAIMS.map((c) => {
    const judged = c.parts.map((p) => judgePart(p, runs));
    const parts = judged.map((j) => j.part);
    const used = [...new Set(judged.flatMap((j) => j.used))];
    return {
      id: c.id,
      claim: c.claim,
      measure: c.measure,
      expected: c.expected,
      rule: c.parts.map((p) => ruleText(p, c.parts.length === 1)).join(' '),
      verdict: combineParts(parts),
      parts,
      runs: used.map((r) => r.summary.runId),
    };
  });
}
