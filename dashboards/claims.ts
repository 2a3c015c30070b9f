/**
 * "The talk's claims": each row of the last table of PROTOCOLS.md, judged against the runs in the report by
 * an explicit rule (written next to it in `rule`, and printed in the report), with the measured evidence.
 *
 * A claim has one or more parts. Each part is confirmed, contradicted or not measured (the runs it needs are
 * absent). The claim is contradicted if any measured part is, confirmed if every measured part is, and not
 * measured if no part is; parts that were not measured are listed with what they would need, so a claim
 * confirmed on half the evidence says so.
 *
 * Runs used: a "worker kill" run has a fault of kind `kill` on a worker (`name[i]`, not the coordinator); a
 * "fault-free" run has no fault at all. Engine options missing from scenario.json take the engine's default.
 */
import { EV } from '../core/events.ts';
import { median, parseWorkerId } from '../core/index.ts';
import type { EngineEvent, FaultRecord } from '../core/types.ts';
import { STORM_DEFAULTS } from '../engines/ack-tree/options.ts';
import { FLINK_DEFAULTS } from '../engines/barrier-snapshot/options.ts';
import { formatRecovery } from '../harness/index.ts';
import type { LoadedRun } from './load.ts';
import { formatMs } from './tradeoff-table.ts';

export type ClaimVerdict = 'confirmed' | 'contradicted' | 'not measured';

export interface ClaimPart {
  name: string;
  verdict: ClaimVerdict;
  evidence: string[];
  /** For a part not measured: the runs it needs. */
  needs?: string;
}

export interface ClaimResult {
  id: string;
  /** The three columns of PROTOCOLS.md's table. */
  claim: string;
  measure: string;
  expected: string;
  /** How the verdict is decided. */
  rule: string;
  verdict: ClaimVerdict;
  parts: ClaimPart[];
  /** Run ids the evidence comes from. */
  runs: string[];
}

interface ClaimDefinition {
  id: string;
  claim: string;
  measure: string;
  expected: string;
  rule: string;
  judge(runs: readonly LoadedRun[]): { parts: ClaimPart[]; runs: LoadedRun[] };
}

// ---------------------------------------------------------------------------------------------------------
// What the rules look at in a run

export const isWorkerKill = (f: FaultRecord) => f.kind === 'kill' && parseWorkerId(f.target) !== undefined;
export const workerKills = (r: LoadedRun) => r.summary.faults.filter(isWorkerKill);
export const isKillRun = (r: LoadedRun) => workerKills(r).length > 0;
export const isFaultFree = (r: LoadedRun) => r.summary.faults.length === 0;

const runsOf = (runs: readonly LoadedRun[], engine: string, guarantee?: string) =>
  runs.filter(
    (r) => r.summary.engine === engine && (guarantee === undefined || r.summary.guarantee === guarantee),
  );

function numericOption(run: LoadedRun, key: string, fallback: number): number {
  const v = run.scenario.engineOptions?.[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : fallback;
}

/** When a fault was injected, µs since the epoch: its `fault.inject` event, else run start + `at`. */
export function faultAtUs(run: LoadedRun, fault: FaultRecord): number | null {
  const inject = run.events.find(
    (e) =>
      e.type === EV.faultInject &&
      e.kind === fault.kind &&
      e.target === fault.target &&
      typeof e.fromS === 'number' &&
      Math.abs(e.fromS - fault.at) < 0.5,
  );
  if (inject) return inject.at;
  return run.runStartUs === null ? null : run.runStartUs + fault.at * 1e6;
}

/** Workers the engine restarted (supervisor `worker.restarted` / `worker.restarting` events). */
export function restartedWorkers(run: LoadedRun): Set<string> {
  const ids = run.events
    .filter((e) => e.type === EV.workerRestarted || e.type === EV.workerRestarting)
    .map((e) => e.worker)
    .filter((w): w is string => typeof w === 'string');
  return new Set(ids);
}

const operatorOf = (workerId: string) => parseWorkerId(workerId)?.operator ?? workerId;

const list = (values: readonly number[], format: (v: number) => string = String) =>
  values.length === 1
    ? format(values[0]!)
    : `${values.map(format).join(', ')} (median ${format(median(values)!)})`;

const seconds = (us: number) => `${(us / 1e6).toFixed(2)} s`;

/** Combines parts: contradicted beats confirmed beats not measured. */
export function combineParts(parts: readonly ClaimPart[]): ClaimVerdict {
  if (parts.some((p) => p.verdict === 'contradicted')) return 'contradicted';
  if (parts.some((p) => p.verdict === 'confirmed')) return 'confirmed';
  return 'not measured';
}

const notMeasured = (name: string, needs: string): ClaimPart => ({
  name,
  verdict: 'not measured',
  evidence: [],
  needs,
});

// ---------------------------------------------------------------------------------------------------------
// The claims, in the order of PROTOCOLS.md

const stormDurability: ClaimDefinition = {
  id: 'storm-no-durability',
  claim: 'Storm has no durability of in-flight data and no exactly-once',
  measure: 'lost (acking off) / duplicated (acking on) after a worker kill',
  expected: 'confirmed',
  rule:
    'ack-tree worker-kill runs: at-most-once (acking off) confirms when the median of lost > 0, contradicts when it is 0; ' +
    'at-least-once (acking on) confirms when the median of duplicated > 0, contradicts when it is 0.',
  judge(runs) {
    const amo = runsOf(runs, 'ack-tree', 'at-most-once').filter(isKillRun);
    const alo = runsOf(runs, 'ack-tree', 'at-least-once').filter(isKillRun);
    const parts: ClaimPart[] = [];
    if (amo.length === 0)
      parts.push(
        notMeasured('in-flight data lost with acking off', 'ack-tree at-most-once kill-worker runs'),
      );
    else {
      const lost = amo.map((r) => r.summary.counts.lost);
      parts.push({
        name: 'in-flight data lost with acking off',
        verdict: median(lost)! > 0 ? 'confirmed' : 'contradicted',
        evidence: [
          `ack-tree at-most-once, worker kill: lost ${list(lost)} of ${list(amo.map((r) => r.summary.counts.produced))} produced`,
        ],
      });
    }
    if (alo.length === 0)
      parts.push(
        notMeasured('duplicates with acking on (no exactly-once)', 'ack-tree at-least-once kill-worker runs'),
      );
    else {
      const dup = alo.map((r) => r.summary.counts.duplicated);
      parts.push({
        name: 'duplicates with acking on (no exactly-once)',
        verdict: median(dup)! > 0 ? 'confirmed' : 'contradicted',
        evidence: [
          `ack-tree at-least-once, worker kill: duplicated ${list(dup)}, lost ${list(alo.map((r) => r.summary.counts.lost))}`,
        ],
      });
    }
    return { parts, runs: [...amo, ...alo] };
  },
};

/** Seconds from a worker kill to the first replay (`tuple.replayed`) after it, per ack-tree kill run. */
export function replayDelaysAfterKill(run: LoadedRun): number[] {
  const delays: number[] = [];
  for (const fault of workerKills(run)) {
    const at = faultAtUs(run, fault);
    if (at === null) continue;
    const replay = run.events.find((e) => e.type === EV.tupleReplayed && e.at >= at);
    if (replay) delays.push(replay.at - at);
  }
  return delays;
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

const stormReplayDelay: ClaimDefinition = {
  id: 'storm-replay-delay',
  claim: 'Storm cannot replay failed tuples faster than ~1 s',
  measure: 'replay delay after an explicit fail vs. after a worker kill',
  expected: 'explicit fail: ms; lost tuples: T..2T',
  rule:
    'ack-tree runs. After a worker kill: delay from the kill to the first tuple.replayed event; confirms when the median ≥ 1 s, ' +
    'contradicts when < 1 s (evidence also compares it with the message timeout T). After an explicit fail: delay from ' +
    'tuple.failed to the next tuple.replayed of the same spout; confirms when the median ≥ 1 s, contradicts when < 1 s.',
  judge(runs) {
    const acking = runsOf(runs, 'ack-tree').filter((r) => r.summary.guarantee !== 'at-most-once');
    const kills = acking.filter((r) => replayDelaysAfterKill(r).length > 0);
    const explicit = acking.filter((r) => replayDelaysAfterExplicitFail(r).length > 0);
    const parts: ClaimPart[] = [];
    if (kills.length === 0)
      parts.push(
        notMeasured(
          'after a worker kill',
          'ack-tree at-least-once kill-worker runs with tuple.replayed events',
        ),
      );
    else {
      const delays = kills.flatMap(replayDelaysAfterKill);
      const timeouts = [
        ...new Set(kills.map((r) => numericOption(r, 'messageTimeoutS', STORM_DEFAULTS.messageTimeoutS))),
      ];
      const inWindow = kills.every((r) => {
        const t = numericOption(r, 'messageTimeoutS', STORM_DEFAULTS.messageTimeoutS) * 1e6;
        return replayDelaysAfterKill(r).every((d) => d >= t * 0.9 && d <= 2 * t + 2e6);
      });
      parts.push({
        name: 'after a worker kill',
        verdict: median(delays)! >= 1e6 ? 'confirmed' : 'contradicted',
        evidence: [
          `first replay ${list(delays, seconds)} after the kill; message timeout T = ${timeouts.join(', ')} s; ` +
            `${inWindow ? 'every delay within T..2T (+2 s for the supervisor and the spout loop)' : 'not every delay within T..2T'}`,
        ],
      });
    }
    if (explicit.length === 0)
      parts.push(
        notMeasured(
          'after an explicit fail',
          'ack-tree runs in which a bolt fails tuples explicitly (tuple.failed events)',
        ),
      );
    else {
      const delays = explicit.flatMap(replayDelaysAfterExplicitFail);
      parts.push({
        name: 'after an explicit fail',
        verdict: median(delays)! >= 1e6 ? 'confirmed' : 'contradicted',
        evidence: [`replay ${list(delays, (us) => `${formatMs(us / 1000)} ms`)} after tuple.failed`],
      });
    }
    return { parts, runs: [...new Set([...kills, ...explicit])] };
  },
};

const stormWholeTree: ClaimDefinition = {
  id: 'storm-whole-tree',
  claim: 'Storm: an upstream failure recomputes the whole tree',
  measure: 'duplicates on sibling branches of a fan-out',
  expected: 'confirmed',
  rule:
    'Needs a topology with a fan-out (a tuple with children on sibling branches) to see duplicates on the branch that ' +
    'did not fail. The workloads run a chain (source → features → score → sink), so this is not measured; replays from ' +
    'the spout after a middle-operator kill are shown as context only.',
  judge(runs) {
    const kills = runsOf(runs, 'ack-tree', 'at-least-once').filter(isKillRun);
    const context =
      kills.length === 0
        ? []
        : [
            `context (chain topology): after killing ${[...new Set(kills.flatMap(workerKills).map((f) => f.target))].join(', ')}, ` +
              `${list(kills.map((r) => r.summary.blastRadius.recordsReplayed))} records replayed from the spout, ` +
              `${list(kills.map((r) => r.summary.counts.duplicated))} duplicated`,
          ];
    return {
      parts: [
        {
          ...notMeasured(
            'duplicates on sibling branches',
            'a scenario whose topology fans out (none in the catalogue)',
          ),
          evidence: context,
        },
      ],
      runs: kills,
    };
  },
};

const flinkGlobalRestart: ClaimDefinition = {
  id: 'flink-global-restart',
  claim: 'Flink: failures affect the entire topology',
  measure: 'workers restarted / total on a single kill',
  expected: 'all of them for a keyed job',
  rule: 'barrier-snapshot worker-kill runs: confirmed when every run has workersRestarted = workersTotal; contradicted when any has fewer.',
  judge(runs) {
    const kills = runsOf(runs, 'barrier-snapshot').filter(isKillRun);
    if (kills.length === 0)
      return { parts: [notMeasured('global restart', 'barrier-snapshot kill-worker runs')], runs: [] };
    const partial = kills.filter(
      (r) => r.summary.blastRadius.workersRestarted < r.summary.blastRadius.workersTotal,
    );
    const ratios = [
      ...new Set(
        kills.map((r) => `${r.summary.blastRadius.workersRestarted}/${r.summary.blastRadius.workersTotal}`),
      ),
    ];
    return {
      parts: [
        {
          name: 'global restart',
          verdict: partial.length === 0 ? 'confirmed' : 'contradicted',
          evidence: [
            `${kills.length} run${kills.length > 1 ? 's' : ''}: restarted/total ${ratios.join(', ')}` +
              (partial.length ? `; fewer than all in ${partial.map((r) => r.summary.runId).join(', ')}` : ''),
          ],
        },
      ],
      runs: kills,
    };
  },
};

/** The fraction of the buffer-timeout increase that p50 must rise by (one hop's mean wait is half the timeout). */
export const MICRO_BATCH_MIN_RISE = 0.5;

const flinkMicroBatching: ClaimDefinition = {
  id: 'flink-micro-batching',
  claim: 'Flink: network micro-batching',
  measure: 'latency p50 vs. buffer timeout (0, 10, 100 ms)',
  // Flink's OutputFlusher flushes every buffer each timeout: a record waits 0..T at each hop, T/2 on average.
  expected: 'latency floor ≈ hops × buffer timeout / 2 (a periodic flusher per task output)',
  rule:
    'Fault-free barrier-snapshot runs grouped by guarantee, workload and rate, each group needing ≥ 2 different ' +
    'bufferTimeoutMs (engine option, default 100): confirmed when in every group the median p50 does not fall as the ' +
    `buffer timeout grows and rises by ≥ ${MICRO_BATCH_MIN_RISE} × the increase from the smallest to the largest timeout; contradicted otherwise.`,
  judge(runs) {
    const free = runsOf(runs, 'barrier-snapshot').filter(isFaultFree);
    const groups = new Map<string, LoadedRun[]>();
    for (const r of free) {
      const k = `${r.summary.guarantee} ${r.summary.workload} ${r.summary.rate}/s`;
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    const parts: ClaimPart[] = [];
    const used: LoadedRun[] = [];
    for (const [key, members] of groups) {
      const byTimeout = new Map<number, number[]>();
      for (const r of members) {
        const bt = numericOption(r, 'bufferTimeoutMs', FLINK_DEFAULTS.bufferTimeoutMs);
        byTimeout.set(bt, [...(byTimeout.get(bt) ?? []), r.summary.latencyMs.p50]);
      }
      if (byTimeout.size < 2) continue;
      used.push(...members);
      const points = [...byTimeout.entries()]
        .sort(([a], [b]) => a - b)
        .map(([bt, p50s]) => ({ bt, p50: median(p50s)! }));
      const monotone = points.every((p, i) => i === 0 || p.p50 >= points[i - 1]!.p50);
      const first = points[0]!;
      const last = points.at(-1)!;
      const rise = last.p50 - first.p50;
      const enough = rise >= MICRO_BATCH_MIN_RISE * (last.bt - first.bt);
      parts.push({
        name: key,
        verdict: monotone && enough ? 'confirmed' : 'contradicted',
        evidence: [
          `${key}: ${points.map((p) => `bufferTimeout ${p.bt} ms → p50 ${formatMs(p.p50)} ms`).join('; ')} ` +
            `(rise ${formatMs(rise)} ms for +${last.bt - first.bt} ms${monotone ? '' : ', not monotone'})`,
        ],
      });
    }
    if (parts.length === 0)
      parts.push(
        notMeasured(
          'p50 vs. buffer timeout',
          'fault-free barrier-snapshot runs with different bufferTimeoutMs (e.g. 0, 10, 100) at the same rate and guarantee',
        ),
      );
    return { parts, runs: used };
  },
};

/** Throughput with checkpoints may fall this far below the same runs without before it stops being "small". */
export const CHECKPOINT_OVERHEAD_LIMIT = 0.1;

const flinkExactlyOnce: ClaimDefinition = {
  id: 'flink-exactly-once',
  claim: 'Flink: exactly-once, lightweight failure handling',
  measure: 'lost = dup = incorrect = 0; throughput with vs. without checkpoints',
  expected: 'exactly-once; small overhead',
  rule:
    'Exactly-once: every barrier-snapshot exactly-once run has lost = duplicated = incorrect = 0 (measured once at least ' +
    'one of them had a fault); contradicted by any run with a non-zero count. Overhead: fault-free barrier-snapshot runs ' +
    'of the same guarantee and rate with checkpointIntervalMs = 0 and > 0; confirmed when the median throughput with ' +
    `checkpoints is ≥ ${(1 - CHECKPOINT_OVERHEAD_LIMIT) * 100} % of without (at a fixed open-loop rate this only bites near ` +
    'saturation, so p50 is shown too).',
  judge(runs) {
    const parts: ClaimPart[] = [];
    const used: LoadedRun[] = [];
    const exactly = runsOf(runs, 'barrier-snapshot', 'exactly-once');
    const withFaults = exactly.filter((r) => !isFaultFree(r));
    if (withFaults.length === 0)
      parts.push(
        notMeasured(
          'exactly-once under failures',
          'barrier-snapshot exactly-once runs with a fault (e.g. kill-worker)',
        ),
      );
    else {
      used.push(...exactly);
      const bad = exactly.filter(
        (r) => r.summary.counts.lost + r.summary.counts.duplicated + r.summary.counts.incorrect > 0,
      );
      const sum = (k: 'lost' | 'duplicated' | 'incorrect') =>
        exactly.reduce((a, r) => a + r.summary.counts[k], 0);
      parts.push({
        name: 'exactly-once under failures',
        verdict: bad.length === 0 ? 'confirmed' : 'contradicted',
        evidence: [
          `${exactly.length} exactly-once runs (${withFaults.length} with faults): lost ${sum('lost')}, duplicated ${sum('duplicated')}, incorrect ${sum('incorrect')} in total` +
            (bad.length
              ? `; non-zero in ${bad.map((r) => `${r.summary.runId} (${r.summary.scenario})`).join(', ')}`
              : ''),
        ],
      });
    }
    const free = runsOf(runs, 'barrier-snapshot').filter(isFaultFree);
    const pairs = new Map<string, { on: LoadedRun[]; off: LoadedRun[] }>();
    for (const r of free) {
      const k = `${r.summary.guarantee} ${r.summary.workload} ${r.summary.rate}/s`;
      const entry = pairs.get(k) ?? { on: [], off: [] };
      const interval = numericOption(r, 'checkpointIntervalMs', FLINK_DEFAULTS.checkpointIntervalMs);
      (interval > 0 ? entry.on : entry.off).push(r);
      pairs.set(k, entry);
    }
    let compared = false;
    for (const [key, { on, off }] of pairs) {
      if (on.length === 0 || off.length === 0) continue;
      compared = true;
      used.push(...on, ...off);
      const thrOn = median(on.map((r) => r.summary.throughput.meanPerS))!;
      const thrOff = median(off.map((r) => r.summary.throughput.meanPerS))!;
      const p50On = median(on.map((r) => r.summary.latencyMs.p50))!;
      const p50Off = median(off.map((r) => r.summary.latencyMs.p50))!;
      parts.push({
        name: `checkpoint overhead, ${key}`,
        verdict:
          thrOff > 0 && thrOn >= (1 - CHECKPOINT_OVERHEAD_LIMIT) * thrOff ? 'confirmed' : 'contradicted',
        evidence: [
          `${key}: throughput ${formatMs(thrOn)}/s with checkpoints vs. ${formatMs(thrOff)}/s without; ` +
            `p50 ${formatMs(p50On)} ms vs. ${formatMs(p50Off)} ms`,
        ],
      });
    }
    if (!compared)
      parts.push(
        notMeasured(
          'checkpoint overhead',
          'fault-free barrier-snapshot runs with checkpointIntervalMs=0 and the default, same rate and guarantee',
        ),
      );
    return { parts, runs: [...new Set(used)] };
  },
};

const apexLocalRecovery: ClaimDefinition = {
  id: 'apex-local-recovery',
  claim: 'Apex: most robust, only affected operators recover',
  measure: 'restarted set, upstream keeps producing, recovery time',
  expected: 'upstream survives; all downstream restarts',
  rule:
    'operator-checkpoint worker-kill runs: confirmed when every run has 0 < workersRestarted < workersTotal and, when the ' +
    'killed worker is not a source, no source worker restarted (worker.restarted events); contradicted otherwise. ' +
    'Recovery time is evidence only, next to barrier-snapshot kill runs when there are some.',
  judge(runs) {
    const kills = runsOf(runs, 'operator-checkpoint').filter(isKillRun);
    if (kills.length === 0)
      return {
        parts: [notMeasured('only the affected part restarts', 'operator-checkpoint kill-worker runs')],
        runs: [],
      };
    const problems: string[] = [];
    const sets: string[] = [];
    for (const r of kills) {
      const { workersRestarted, workersTotal } = r.summary.blastRadius;
      const restarted = restartedWorkers(r);
      const killedSources = workerKills(r).some((f) => operatorOf(f.target) === 'source');
      const sourcesRestarted = [...restarted].filter((w) => operatorOf(w) === 'source');
      sets.push(
        `${workersRestarted}/${workersTotal}${restarted.size ? ` {${[...restarted].sort().join(', ')}}` : ''}`,
      );
      if (workersRestarted === 0) problems.push(`${r.summary.runId}: nothing restarted`);
      if (workersRestarted >= workersTotal) problems.push(`${r.summary.runId}: every worker restarted`);
      if (!killedSources && sourcesRestarted.length)
        problems.push(`${r.summary.runId}: upstream ${sourcesRestarted.join(', ')} restarted`);
    }
    const recovery = (rs: LoadedRun[]) =>
      rs.map((r) => (r.summary.recovery[0] ? formatRecovery(r.summary.recovery[0]) : 'no fault')).join(', ');
    const flink = runsOf(runs, 'barrier-snapshot').filter(isKillRun);
    const evidence = [`restarted/total per run: ${[...new Set(sets)].join('; ')}`];
    evidence.push(
      `recovery ${recovery(kills)}${flink.length ? ` vs. barrier-snapshot ${recovery(flink)}` : ''}`,
    );
    if (problems.length) evidence.push(...problems);
    return {
      parts: [
        {
          name: 'only the affected part restarts',
          verdict: problems.length === 0 ? 'confirmed' : 'contradicted',
          evidence,
        },
      ],
      runs: kills,
    };
  },
};

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
  if (c.verdict === 'not measured' || measured === c.parts.length) return c.verdict;
  return `${c.verdict} (${measured} of ${c.parts.length} parts measured)`;
}

export function judgeClaims(runs: readonly LoadedRun[]): ClaimResult[] {
  return CLAIMS.map((c) => {
    const { parts, runs: used } = c.judge(runs);
    return {
      id: c.id,
      claim: c.claim,
      measure: c.measure,
      expected: c.expected,
      rule: c.rule,
      verdict: combineParts(parts),
      parts,
      runs: used.map((r) => r.summary.runId),
    };
  });
}
