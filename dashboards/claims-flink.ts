/**
 * The talk's claims about Flink (barrier-snapshot): a failure restarts the whole (keyed) job, network
 * micro-batching sets a latency floor, exactly-once with lightweight checkpoints.
 */
import { EV } from '../core/events.ts';
import { median } from '../core/index.ts';
import { FLINK_DEFAULTS } from '../engines/barrier-snapshot/options.ts';
import {
  chainTopology,
  delivered,
  deployedWorkers,
  failedOver,
  faultFree,
  faultInjected,
  hopsOf,
  isKillRun,
  knownWorkers,
  MEASURED,
  numericOption,
  type Requirement,
  restartedWorkers,
  screen,
} from './claim-evidence.ts';
import {
  alone,
  type ClaimDefinition,
  type ClaimVerdict,
  groupsDifferingIn,
  KILL_EVIDENCE,
  list,
  type PartRule,
  plural,
  runsOf,
} from './claim-rules.ts';
import type { LoadedRun } from './load.ts';
import { formatMs } from './tradeoff-table.ts';

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

export const flinkGlobalRestart: ClaimDefinition = {
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
        p50: median(rs.map((r) => r.summary.processingLatencyMs!.p50))!,
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

export const flinkMicroBatching: ClaimDefinition = {
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

export const flinkExactlyOnce: ClaimDefinition = {
  id: 'flink-exactly-once',
  claim: 'Flink: exactly-once, lightweight failure handling',
  measure: 'lost = dup = incorrect = 0 after a failover; p99 with vs. without checkpoints',
  expected: 'exactly-once; small overhead',
  parts: [flinkExactlyOncePart, flinkCheckpointOverhead],
};
