/**
 * Recovery time of each fault from the per-second time series (summary.json `recovery` entries), after the
 * ARCHITECTURE.md definition (version 2), made stricter (version 3): from injection to the start of the first
 * healthy window — 5 s (settable) in which the output rate is back within 10 % of the target and p99 latency is
 * within 2× the pre-fault baseline — that begins after every record intended before the injection has been
 * delivered at least once and during which no record is outstanding for longer than that latency bound
 * (records the guarantee allows to lose excepted); plus time to first output after the fault and detection time
 * from engine events.
 *
 * Why version 3: version 2 asked only for the records intended before the injection. A record intended after it
 * and lost too (ack-tree: a tuple sent to a worker while it restarted, replayed a timeout T later) arrives seconds
 * late inside a window whose p99 cannot see two late records among 200; CI saw a kill "recovered" 6.0 s after it
 * while a replay 7.8 s after it was still delivering records intended 2 s after the kill.
 *
 * A recovery that could not be observed says why instead of giving a figure:
 * - `censored: "load ended N s after the fault"` (with `censoredMs`): no healthy window fits between the fault
 *   and the end of the load; the engine may well have recovered later. Reports print "> N s (load ended)".
 * - `reason`: recovery cannot happen: records intended before the fault were never delivered (lost where the
 *   guarantee forbids it), and the run's drain ended quiet. Reports print "never (…)".
 * - `unjudged`: there is no pre-fault baseline (no output in the seconds before the fault, nor an earlier
 *   fault's baseline) to hold the recovery window's latency to: recovery cannot be judged, which says nothing
 *   about whether it happened. Reports print "unknown (no pre-fault baseline …)".
 * - `undecided`: records owed never arrived in the run, but the run could not show they never would: its drain
 *   ended at its cap (or was interrupted) while output was still arriving, or the output audit could not settle
 *   what the collector read (`deliveryOpen` says which). "never" would claim more than was measured; reports
 *   print "unknown (…)".
 * - `unobserved`: the collector was not reading (its Kafka consumer down) between the injection and the end of
 *   what the figures rest on (the recovery window's end, or the end of the series): what it read after the gap
 *   is the collector's delay as much as the engine's, so neither first output nor recovery is given. Reports
 *   print "unknown (the collector was not reading …)". Detection (engine events) still stands. While Kafka itself
 *   was down (a kafka-restart fault, injection to heal) the engine could not write either: that part of a gap is
 *   no blind spot of the collector's. What is left of a gap counts when it is longer than READER_GAP_TOLERANCE_MS
 *   (a client's reconnect after the broker is back; less than the series' 1 s buckets).
 *
 * Choices the definition leaves open, made here:
 * - Bucket `second: s` covers [s, s+1) seconds from run start; a second missing from the series had no output.
 * - Windows start on whole seconds at or after the fault is over: ceil(at) for an instantaneous fault
 *   (`until` null, e.g. a kill), ceil(until) for a fault with a duration (a fault still active has not been
 *   recovered from). Every time is measured from `at` all the same.
 * - Completeness: with `backlogDeliveredAtS`, a window starts no earlier than ceil(the time every record
 *   intended before the injection had been delivered at least once). A Storm-shaped series (dip, a healthy
 *   stretch, then the replays of timed-out tuples) is therefore recovered only after the replays arrived.
 * - Stragglers: with `backlogDeliveredAtS`, at every whole second u of a window, its start and end included,
 *   every record intended before u − bound (bound = p99Factor × the baseline p99, the latency the window's
 *   seconds are held to) must have been delivered by u: no record is outstanding for longer than the bound
 *   (give or take the second's granularity) while the window runs or as it starts. In a steady run a record
 *   that late is rare and costs a window start at most the seconds it straddles. A record that never arrives
 *   (where the guarantee forbids it) stops the search: `reason` says so.
 * - A window qualifies when |mean outputs per second − target| ≤ 10 % of the target (a backlog drain above
 *   the target does not qualify either) and every one of its seconds has a p99 ≤ 2× the baseline (a second
 *   without a p99 does not). The window must lie inside the load (ending by `loadEndS`) and the series.
 * - Bursty output (exactly-once output committed once per checkpoint: every 2 s, say) leaves seconds without
 *   output in the baseline too. The baseline's gap G = its longest run of seconds without output (0 for
 *   output that flows every second). A window then may hold runs of up to G empty seconds (the other seconds
 *   need their p99), and its outputs may differ from target × window by one output period's worth more
 *   (target × G): whether a burst falls just inside or just outside a window says nothing about recovery.
 *   With G = 0 both rules are the ones above.
 * - Baseline = median of the per-second p99s of the non-empty seconds wholly inside the 10 s before the
 *   injection, leaving out seconds disturbed by an earlier fault (from its injection to its recovery, or for
 *   good if it never recovered); if none remain, the previous fault's baseline; if there is none either,
 *   recovery cannot be judged and recoveredMs is null. `baselineP99Us` overrides all of this (with G = 0).
 * - firstOutputMs: if output stopped (a run of seconds with no output longer than G) between the injection's
 *   second and the recovery window (or the next fault's injection, or the end of the load, if earlier), the
 *   time to the first output after that gap; otherwise the time to the first output at
 *   or after the injection (0 when output never stopped). Bucket resolution (a bucket counts from its start,
 *   never before the injection), refined by `outputTimesUs` when it holds read times inside that bucket;
 *   null when output never comes back.
 * - detectedMs: the first engine event at or after the injection whose type is in the detection list. Not
 *   bounded by later faults: with overlapping faults one event may count for both.
 * All durations are milliseconds rounded to the microsecond.
 */
import { EV, type EventType } from '../core/events.ts';
import { median } from '../core/stats.ts';
import type { EngineEvent, FaultRecord } from '../core/types.ts';

/** One second of the run's time series. */
export interface SecondBucket {
  /** Seconds from run start; the bucket covers [second, second + 1). */
  second: number;
  /** Outputs read in that second. */
  outputs: number;
  /** p99 end-to-end latency (µs) of the outputs read in that second; null without outputs. */
  p99Us: number | null;
}

/** A summary.json `recovery` entry. */
export interface RecoveryEntry {
  /** `${kind} ${target}` */
  fault: string;
  detectedMs: number | null;
  /** The event that set detectedMs: its type, and the worker it names if any (`worker.failed features[1]`). */
  detectedBy?: string;
  firstOutputMs: number | null;
  recoveredMs: number | null;
  /** Set when recoveredMs is null because the load ended first: "load ended N s after the fault". */
  censored?: string;
  /** With `censored`: how long after the injection the load ended (recovery, if any, took longer), ms. */
  censoredMs?: number;
  /** Set when recoveredMs is null because records owed were never delivered (and the drain ended quiet). */
  reason?: string;
  /** Set when recoveredMs is null because there is no pre-fault baseline to judge recovery by: unknown, not never. */
  unjudged?: string;
  /**
   * Set instead of a "backlog never delivered" reason when the run could not show the records would never
   * arrive (its drain did not end quiet): recoveredMs is null and unknown, not never.
   */
  undecided?: string;
  /** Set when firstOutputMs and recoveredMs are null because the collector was not reading (see the header). */
  unobserved?: string;
}

type RecoveryOutcomeFields = Pick<
  RecoveryEntry,
  'recoveredMs' | 'censored' | 'censoredMs' | 'reason' | 'unobserved' | 'undecided' | 'unjudged'
>;

/**
 * What a recovery entry established: a time (`measured`), a lower bound (`censored`: the load ended first),
 * `never` (records owed never came, and the run could show they would not) or `unknown` (the collector was not
 * reading, the run could not show that what was owed would never arrive, or there was no baseline to judge it by).
 * Reports count and print by this.
 */
export function recoveryOutcome(entry: RecoveryOutcomeFields): 'measured' | 'censored' | 'never' | 'unknown' {
  if (entry.recoveredMs !== null) return 'measured';
  if (unknownRecovery(entry) !== undefined) return 'unknown';
  if (entry.censoredMs !== undefined || entry.censored !== undefined) return 'censored';
  return 'never';
}

/** Why a recovery has no figure, in one place: each field that makes it unknown, first in the order they win. */
const UNKNOWN_CAUSES = [
  ['unobserved', 'collector not reading'],
  ['undecided', 'drain ended too soon to tell'],
  ['unjudged', 'no pre-fault baseline'],
] as const;

/** The field that makes a recovery unknown (its text, and the cause in a few words), or undefined. */
export function unknownRecovery(
  entry: Pick<RecoveryEntry, 'unobserved' | 'undecided' | 'unjudged'>,
): { text: string; cause: string } | undefined {
  for (const [field, cause] of UNKNOWN_CAUSES) {
    const text = entry[field];
    if (text !== undefined) return { text, cause };
  }
  return undefined;
}

/** "> 9.8 s (load ended)", "never (backlog never delivered)", "unknown (…)" or "4.0 s": how reports print a recovery. */
export function formatRecovery(entry: RecoveryOutcomeFields): string {
  switch (recoveryOutcome(entry)) {
    case 'measured':
      return `${(entry.recoveredMs! / 1000).toFixed(1)} s`;
    case 'unknown':
      return `unknown (${unknownRecovery(entry)!.text})`;
    case 'censored':
      return entry.censoredMs === undefined
        ? `> the load (${entry.censored})`
        : `> ${(entry.censoredMs / 1000).toFixed(1)} s (load ended)`;
    case 'never':
      return `never (${entry.reason ?? 'no healthy window'})`;
  }
}

/** Events that say an engine noticed a failure (the first after an injection is its detection time). */
export const DETECTION_EVENT_TYPES: readonly EventType[] = [
  EV.workerFailed,
  EV.workerHeartbeatTimeout,
  EV.failureDetected,
  EV.tupleTimeout,
  EV.tupleFailed,
  EV.checkpointAborted,
  EV.operatorFailed,
];

/** The part of a collector's gap outside Kafka's own outages that recovery figures tolerate, ms. */
export const READER_GAP_TOLERANCE_MS = 1000;

/**
 * The version of the definition recoveryTimes implements, kept in summary.json (`recoveryDefinition`), so that
 * `faultline compare` does not take a change of definition for a change of the engine. 3: stragglers (above).
 */
export const RECOVERY_DEFINITION = 3;

export const RECOVERY_DEFAULTS = {
  /** Length of the window that must be healthy, seconds. */
  windowS: 5,
  /** Allowed deviation of the window's mean output rate from the target, as a fraction of the target. */
  rateTolerance: 0.1,
  /** Allowed p99 as a multiple of the pre-fault baseline. */
  p99Factor: 2,
  /** How far before the injection the baseline looks, seconds. */
  baselineS: 10,
} as const;

export interface RecoveryInput {
  series: readonly SecondBucket[];
  /** Target rate, events per second. */
  targetRate: number;
  /** Seconds from run start, as in summary.json `faults`. */
  faults: readonly FaultRecord[];
  events?: readonly EngineEvent[];
  /** Run start, µs since the epoch (engine events and output times are in µs since the epoch). */
  runStartUs: number;
  /** Use this baseline p99 (µs) for every fault instead of measuring it. */
  baselineP99Us?: number;
  detectionEventTypes?: readonly EventType[];
  /**
   * Seconds from run start when the load generator stopped. Output stopping after it is the input running out,
   * not a gap a fault caused. Without it, any second without output counts.
   */
  loadEndS?: number;
  /** Read times (µs since the epoch) of outputs, e.g. the first of each second, for sub-second firstOutputMs. */
  outputTimesUs?: readonly number[];
  /**
   * Completeness: seconds from run start by which every record intended before `atS` (seconds from run start)
   * had been delivered at least once, records the guarantee allows to lose excepted; null when some never
   * were. Without it, neither completeness nor stragglers are checked. Asked at the injection, then at
   * increasing cuts for each candidate window.
   */
  backlogDeliveredAtS?: (atS: number) => number | null;
  /**
   * Set when the run could not show that records not delivered by its end would never arrive (the drain
   * reached its cap or was interrupted while output was still arriving; the output audit failed): why, e.g.
   * "the drain reached its cap while output was still arriving". A record owed then gives `undecided`, not a
   * "never" `reason`.
   */
  deliveryOpen?: string;
  /** When the collector was not reading, µs since the epoch (`toUs` null: it had not read again by the end). */
  readerGapsUs?: readonly { fromUs: number; toUs: number | null }[];
  windowS?: number;
  rateTolerance?: number;
  p99Factor?: number;
  baselineS?: number;
}

export function recoveryTimes(input: RecoveryInput): RecoveryEntry[] {
  if (!(input.targetRate > 0))
    throw new RangeError(`recovery: target rate must be > 0, got ${input.targetRate}`);
  const windowS = input.windowS ?? RECOVERY_DEFAULTS.windowS;
  const rateTolerance = input.rateTolerance ?? RECOVERY_DEFAULTS.rateTolerance;
  const p99Factor = input.p99Factor ?? RECOVERY_DEFAULTS.p99Factor;
  const baselineS = input.baselineS ?? RECOVERY_DEFAULTS.baselineS;
  const detection = new Set(input.detectionEventTypes ?? DETECTION_EVENT_TYPES);
  const series = denseSeries(input.series);
  const { targetRate, runStartUs } = input;
  const outputTimes = [...(input.outputTimesUs ?? [])].sort((a, b) => a - b);

  const windowHealthy = (start: number, baseline: Baseline): boolean => {
    let sum = 0;
    let empty = 0;
    for (let s = start; s < start + windowS; s++) {
      const p99 = series.p99Us(s);
      if (p99 === null) {
        if (++empty > baseline.gapS) return false;
        continue;
      }
      empty = 0;
      if (p99 > p99Factor * baseline.p99Us) return false;
      sum += series.outputs(s);
    }
    const slack = rateTolerance * targetRate * windowS + targetRate * baseline.gapS;
    return Math.abs(sum - targetRate * windowS) <= slack;
  };

  // Baselines need the recovery of earlier faults, so faults are analysed in order of injection.
  const order = input.faults.map((_, i) => i).sort((a, b) => input.faults[a]!.at - input.faults[b]!.at);
  const disturbed: { from: number; to: number }[] = [];
  const entries = new Array<RecoveryEntry>(input.faults.length);
  let previousBaseline: Baseline | null = null;
  for (const i of order) {
    const fault = input.faults[i]!;
    const injectedUs = runStartUs + fault.at * 1e6;

    let baseline: Baseline | null =
      input.baselineP99Us !== undefined
        ? { p99Us: input.baselineP99Us, gapS: 0 }
        : measuredBaseline(series, fault.at, baselineS, disturbed);
    if (baseline === null) baseline = previousBaseline;
    else previousBaseline = baseline;

    const backlogAt = input.backlogDeliveredAtS ? input.backlogDeliveredAtS(fault.at) : fault.at;
    const loadEnd = input.loadEndS ?? series.last + 1;
    let recoveredAt: number | null = null;
    // Stragglers: set to the cut (seconds from run start) before which some record never arrived.
    let neverArrivedBefore: number | null = null;
    if (baseline !== null && backlogAt !== null) {
      const lastStart = Math.min(series.last + 1, Math.floor(loadEnd)) - windowS;
      const firstStart = Math.ceil(Math.max(fault.at, fault.until ?? fault.at, backlogAt));
      // A window holds its seconds' p99 to the bound; a record outstanding for longer than the bound at one of
      // its whole seconds u (intended before u − bound, not delivered by u) is a straggler of the fault (a tuple
      // lost while the worker restarted and replayed a timeout later, say): p99 cannot see a few of them among
      // hundreds, so they are asked for by name. Memoized by second, asked in increasing order.
      const boundS = (p99Factor * baseline.p99Us) / 1e6;
      const caughtUp = new Map<number, boolean | null>();
      const caughtUpAt = (u: number): boolean | null => {
        const cut = u - boundS;
        if (!input.backlogDeliveredAtS || cut <= fault.at) return true;
        let ok = caughtUp.get(u);
        if (ok === undefined) {
          const completeAt = input.backlogDeliveredAtS(cut);
          ok = completeAt === null ? null : completeAt <= u;
          caughtUp.set(u, ok);
        }
        return ok;
      };
      search: for (let s = firstStart; s <= lastStart; s++) {
        if (!windowHealthy(s, baseline)) continue;
        for (let u = s; u <= s + windowS; u++) {
          const ok = caughtUpAt(u);
          if (ok === null) {
            neverArrivedBefore = u - boundS;
            break search;
          }
          if (!ok) continue search;
        }
        recoveredAt = s;
        break;
      }
    }
    disturbed.push({ from: fault.at, to: recoveredAt ?? Number.POSITIVE_INFINITY });

    // A gap in output that a later fault caused is not this fault's.
    const nextAt = input.faults.reduce(
      (next, f) => (f.at > fault.at && f.at < next ? f.at : next),
      Number.POSITIVE_INFINITY,
    );
    const gapSearchEnd = Math.min(
      recoveredAt ?? series.last + 1,
      Math.floor(nextAt),
      Math.ceil(input.loadEndS ?? Number.POSITIVE_INFINITY),
    );
    const entry: RecoveryEntry = {
      fault: `${fault.kind} ${fault.target}`,
      ...firstDetection(input.events ?? [], detection, injectedUs),
      firstOutputMs: firstOutputMs(
        series,
        fault.at,
        gapSearchEnd,
        baseline?.gapS ?? 0,
        injectedUs,
        runStartUs,
        outputTimes,
      ),
      recoveredMs: recoveredAt === null ? null : roundMs((recoveredAt - fault.at) * 1000),
    };
    if (recoveredAt === null) {
      if (baseline === null)
        entry.unjudged = `no pre-fault baseline: no output in the ${baselineS} s before the fault`;
      else if (backlogAt !== null && neverArrivedBefore === null) {
        const afterS = Math.max(0, loadEnd - fault.at);
        entry.censored = `load ended ${afterS.toFixed(1)} s after the fault`;
        entry.censoredMs = roundMs(afterS * 1000);
      } else {
        const owed =
          neverArrivedBefore === null
            ? 'records intended before the fault'
            : `records intended within ${(neverArrivedBefore - fault.at).toFixed(1)} s after the fault`;
        if (input.deliveryOpen)
          entry.undecided = `${owed} were not read by the run's end, which does not show they never arrive: ${input.deliveryOpen}`;
        else entry.reason = `backlog never delivered: ${owed} never arrived`;
      }
    }
    const observedToUs = runStartUs + (recoveredAt === null ? series.last + 1 : recoveredAt + windowS) * 1e6;
    const gap = readerBlindSpots(input.readerGapsUs ?? [], input.faults, runStartUs).find(
      (g) => g.fromUs < observedToUs && (g.toUs === null || g.toUs > injectedUs),
    );
    if (gap) {
      const s = (us: number) => `${((us - runStartUs) / 1e6).toFixed(1)} s`;
      entries[i] = {
        fault: entry.fault,
        detectedMs: entry.detectedMs,
        ...(entry.detectedBy ? { detectedBy: entry.detectedBy } : {}),
        firstOutputMs: null,
        recoveredMs: null,
        unobserved: `the collector was not reading from ${s(gap.fromUs)} to ${gap.toUs === null ? 'the end' : s(gap.toUs)}`,
      };
      continue;
    }
    entries[i] = entry;
  }
  return entries;
}

/**
 * The pre-fault baseline of one fault on its own: median of the per-second p99s (µs) of the non-empty seconds
 * wholly inside [atS − baselineS, atS); null when there are none. (`recoveryTimes` also leaves out seconds
 * disturbed by earlier faults.)
 */
export function preFaultBaselineUs(
  buckets: readonly SecondBucket[],
  atS: number,
  baselineS: number = RECOVERY_DEFAULTS.baselineS,
): number | null {
  return measuredBaseline(denseSeries(buckets), atS, baselineS, [])?.p99Us ?? null;
}

/** The pre-fault behaviour a recovery window is held to. */
interface Baseline {
  /** Median per-second p99 of the non-empty seconds, µs. */
  p99Us: number;
  /** Longest run of seconds without output (0 when output flowed every second): bursty output's period − 1. */
  gapS: number;
}

interface DenseSeries {
  /** Last second present, -Infinity when empty. */
  last: number;
  outputs(s: number): number;
  p99Us(s: number): number | null;
}

function denseSeries(buckets: readonly SecondBucket[]): DenseSeries {
  const bySecond = new Map<number, SecondBucket>();
  let last = Number.NEGATIVE_INFINITY;
  for (const b of buckets) {
    bySecond.set(b.second, b);
    if (b.second > last) last = b.second;
  }
  return {
    last,
    outputs: (s) => bySecond.get(s)?.outputs ?? 0,
    p99Us: (s) => {
      const b = bySecond.get(s);
      return b && b.outputs > 0 ? b.p99Us : null;
    },
  };
}

function measuredBaseline(
  series: DenseSeries,
  atS: number,
  baselineS: number,
  disturbed: readonly { from: number; to: number }[],
): Baseline | null {
  const p99s: number[] = [];
  let gapS = 0;
  let run = 0;
  // Empty seconds before the first output of the span (the load just started) are no gap of the output's own.
  let seenOutput = false;
  for (let s = Math.ceil(atS - baselineS); s + 1 <= atS; s++) {
    if (disturbed.some((d) => s + 1 > d.from && s < d.to)) {
      run = 0;
      seenOutput = false;
      continue;
    }
    const p99 = series.p99Us(s);
    if (p99 !== null) {
      p99s.push(p99);
      seenOutput = true;
      run = 0;
    } else if (seenOutput) {
      gapS = Math.max(gapS, ++run);
    }
  }
  const p99Us = median(p99s);
  return p99Us === null ? null : { p99Us, gapS };
}

function firstDetection(
  events: readonly EngineEvent[],
  types: ReadonlySet<string>,
  injectedUs: number,
): Pick<RecoveryEntry, 'detectedMs' | 'detectedBy'> {
  let first: EngineEvent | undefined;
  for (const e of events) {
    if (e.at >= injectedUs && (first === undefined || e.at < first.at) && types.has(e.type)) first = e;
  }
  if (first === undefined) return { detectedMs: null };
  const worker = typeof first.worker === 'string' ? ` ${first.worker}` : '';
  return { detectedMs: roundMs((first.at - injectedUs) / 1000), detectedBy: `${first.type}${worker}` };
}

function firstOutputMs(
  series: DenseSeries,
  atS: number,
  gapSearchEnd: number,
  /** Runs of this many empty seconds are the output's normal rhythm, not a stop. */
  normalGapS: number,
  injectedUs: number,
  runStartUs: number,
  outputTimes: readonly number[],
): number | null {
  const from = Math.floor(atS);
  let gap: number | null = null;
  let run = 0;
  for (let s = from; s < gapSearchEnd; s++) {
    run = series.outputs(s) === 0 ? run + 1 : 0;
    if (run > normalGapS) {
      gap = s;
      break;
    }
  }
  let resumed: number | null = null;
  for (let s = gap === null ? from : gap + 1; s <= series.last; s++) {
    if (series.outputs(s) > 0) {
      resumed = s;
      break;
    }
  }
  if (resumed === null) return null;
  const bucketStartUs = runStartUs + resumed * 1e6;
  const lowUs = Math.max(bucketStartUs, injectedUs);
  const fine = outputTimes.find((t) => t >= lowUs && t < bucketStartUs + 1e6);
  return roundMs(((fine ?? lowUs) - injectedUs) / 1000);
}

/**
 * The collector's gaps without the time Kafka was down (kafka-restart faults, injection to heal; one still down
 * at the end reaches the end), each left piece kept when longer than READER_GAP_TOLERANCE_MS.
 */
export function readerBlindSpots(
  gaps: readonly { fromUs: number; toUs: number | null }[],
  faults: readonly FaultRecord[],
  runStartUs: number,
): { fromUs: number; toUs: number | null }[] {
  const down = faults
    .filter((f) => f.kind === 'kafka-restart')
    .map((f) => ({
      fromUs: runStartUs + f.at * 1e6,
      toUs: f.until === null ? Number.POSITIVE_INFINITY : runStartUs + f.until * 1e6,
    }));
  const out: { fromUs: number; toUs: number | null }[] = [];
  for (const g of gaps) {
    let pieces = [{ fromUs: g.fromUs, toUs: g.toUs ?? Number.POSITIVE_INFINITY }];
    for (const d of down)
      pieces = pieces.flatMap((p) =>
        [
          { fromUs: p.fromUs, toUs: Math.min(p.toUs, d.fromUs) },
          { fromUs: Math.max(p.fromUs, d.toUs), toUs: p.toUs },
        ].filter((q) => q.toUs > q.fromUs),
      );
    for (const p of pieces)
      if (p.toUs - p.fromUs > READER_GAP_TOLERANCE_MS * 1000)
        out.push({ fromUs: p.fromUs, toUs: Number.isFinite(p.toUs) ? p.toUs : null });
  }
  return out;
}

/** Milliseconds rounded to the microsecond: hides float noise such as 4599.999999999999. */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
