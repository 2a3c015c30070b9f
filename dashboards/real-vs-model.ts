/**
 * The report's "Real system vs model" section (issue 21): where the loaded runs hold the same scenario and
 * guarantee on a real system and on faultline's model of it (flink and barrier-snapshot, issue 21; storm and
 * ack-tree, issue 20), their delivery profiles and recoveries side by side, the settings both ran with (equal or not), and the differences read
 * from the measured events of each run, never assumed.
 */
import { EV } from '../core/events.ts';
import type { EngineEvent } from '../core/types.ts';
import { getEngine } from '../engines/index.ts';
import { formatRecovery, type RunSummary } from '../harness/index.ts';
import type { LoadedRun } from './load.ts';

/**
 * The settings a flink comparison must hold equal, under the names both engines' options use: the restore point
 * (checkpoint interval), detection (heartbeat timeout), the restart (fixed delay), and what shapes output
 * timing and checkpoint failure handling.
 */
export const COMPARED_SETTINGS = [
  'checkpointIntervalMs',
  'heartbeatTimeoutS',
  'restartDelayMs',
  'bufferTimeoutMs',
  'checkpointTimeoutMs',
  'minPauseMs',
  'tolerableFailedCheckpoints',
] as const;

/**
 * The settings a storm comparison must hold equal: every setting the storm adapter shares with ack-tree (its
 * options are a Pick of ack-tree's, engines/storm/options.ts): when an unacked tuple is failed (message
 * timeout), how many may be in flight (max spout pending, ackers), the restore point after a worker's death
 * (offset commit period), when a failed tuple is emitted again (the KafkaSpout retry back-off), how a Redis
 * stall fails tuples, and when a dead worker is relaunched.
 */
export const STORM_COMPARED_SETTINGS = [
  'messageTimeoutS',
  'maxSpoutPending',
  'ackers',
  'commitIntervalMs',
  'retryInitialDelayMs',
  'retryDelayPeriodMs',
  'retryMaxDelayMs',
  'maxRetries',
  'stateTimeoutMs',
  'supervisorCheckMs',
  'launchTimeoutS',
] as const;

/** Each real system and the model engine that stands for it. */
export const MODEL_OF: Readonly<Record<string, string>> = { flink: 'barrier-snapshot', storm: 'ack-tree' };

/** The real system an engine is, or is the model of (undefined: neither). */
const realOf = (engine: string) =>
  MODEL_OF[engine] ? engine : Object.keys(MODEL_OF).find((r) => MODEL_OF[r] === engine);

/** The settings compared for an engine's pair. */
export function comparedSettingNames(engine: string): readonly string[] {
  return realOf(engine) === 'storm' ? STORM_COMPARED_SETTINGS : COMPARED_SETTINGS;
}

/** An engine's compared settings as it resolves them (its defaults under the scenario's engine options). */
export function comparedSettings(
  engine: string,
  rawOptions: Record<string, unknown>,
): Record<string, unknown> {
  const parsed = (getEngine(engine).parseOptions?.(rawOptions) ?? {}) as Record<string, unknown>;
  return Object.fromEntries(comparedSettingNames(engine).map((k) => [k, parsed[k]]));
}

/** One run of a comparison: its delivery, recovery and failover as measured. */
export interface ComparedRun {
  runId: string;
  engine: string;
  counts: RunSummary['counts'];
  verdict: string;
  /** The first fault's recovery figures, formatted ("—" where the run has no figure). */
  detected: string;
  firstOutput: string;
  recovered: string;
  /** Workers restarted / total. */
  restarted: string;
  /** Records replayed after the restore; null when the engine cannot count them (not measured). */
  replayed: number | null;
  /** The failover as the run's events tell it, ms from the injection. */
  failover: Failover;
}

/** What each engine's events say about the failover that followed the first fault (ms from the injection). */
export interface Failover {
  /** The process exit the supervisor saw first (worker.failed), if any. */
  exited: { ms: number; worker: string; how: string } | null;
  /** Every failure.detected after the injection: when and what (cause, or exception on a TaskManager). */
  failures: { ms: number; what: string; taskManager: string | null }[];
  /** job.cancelled, job.restarting and job.running after the injection. */
  cancelled: number[];
  restarting: number[];
  running: number[];
  /** The checkpoint restored (first task.restored after the injection), and the last completed before it. */
  restored: number | null;
  lastBefore: number | null;
  /** How long before the fault that checkpoint completed: what at-least-once writes again grows with it. */
  lastBeforeAgoMs: number | null;
  /** Processes (re)started by a supervisor or the job manager after the injection (worker.restarted). */
  relaunched: { ms: number; worker: string; resourceId: string | null }[];
  /** The first checkpoint completed after the job last ran again. */
  checkpointAfter: { ms: number; id: number } | null;
  /** Where the subtasks ran before the fault and at their last attempt (task.started's TaskManager). */
  placementBefore: Record<string, string>;
  placementAfter: Record<string, string>;
  /** The fault's target and the TaskManager it ran on when the fault came (null: no TaskManagers). */
  target: { id: string; taskManager: string | null } | null;
  /** TaskManager resource ids by the faultline worker (taskmanager[i]) and attempt that started them. */
  resourceIds: Record<string, string>;
  /** Every worker.failed, worker.restarting and worker.heartbeat-timeout after the injection. */
  exits: { ms: number; worker: string }[];
  workerRestarting: number[];
  heartbeatTimeouts: { ms: number; target: string }[];
  /** The spouts' tuple events after the injection: failed (explicitly), timed out, emitted again (counts). */
  tuplesFailed: TupleCount[];
  tuplesTimedOut: TupleCount[];
  tuplesReplayed: TupleCount[];
  /** The last offsets.committed before the injection (ms, negative) and the first after it. */
  commitBefore: number | null;
  commitAfter: number | null;
  /** The run's message timeout (Storm's topology.message.timeout.secs), in ms; null for engines without one. */
  messageTimeoutMs: number | null;
}

/** A spout's tuple event: when (ms from the injection), which spout task, how many tuples. */
export interface TupleCount {
  ms: number;
  worker: string;
  count: number;
}

export interface SettingRow {
  name: string;
  model: string;
  real: string;
  equal: boolean;
}

export interface RealVsModelSection {
  scenario: string;
  guarantee: string;
  model: string;
  real: string;
  /** `kill features[1] at 13 s`, from the runs' summaries (one line per distinct fault). */
  faults: string[];
  settings: SettingRow[];
  modelRuns: ComparedRun[];
  realRuns: ComparedRun[];
  /** The failover table of the first run of each: row name, model cell, real cell. */
  failover: [string, string, string][];
  /** The differences between the first run of each, read from their events and figures. */
  differences: string[];
}

const text = (v: unknown) => (v === undefined ? '—' : String(v));
const ms = (v: number) => `${(v / 1000).toFixed(2)} s`;
const short = (exception: string) => exception.split('.').pop() ?? exception;

export function realVsModelSections(runs: readonly LoadedRun[]): RealVsModelSection[] {
  const sections: RealVsModelSection[] = [];
  const keys = new Map<string, { scenario: string; guarantee: string; real: string }>();
  for (const r of runs) {
    const s = r.summary;
    if (PAIRS[s.engine] && s.faults.length > 0)
      keys.set(`${s.scenario}|${s.guarantee}|${s.engine}`, {
        scenario: s.scenario,
        guarantee: s.guarantee,
        real: s.engine,
      });
  }
  for (const { scenario, guarantee, real } of keys.values()) {
    const model = PAIRS[real]!.model;
    const of = (engine: string) =>
      runs.filter(
        (r) =>
          r.summary.engine === engine && r.summary.scenario === scenario && r.summary.guarantee === guarantee,
      );
    const realRuns = of(real);
    const modelRuns = of(model);
    if (modelRuns.length === 0) continue;
    sections.push({
      scenario,
      guarantee,
      model,
      real,
      faults: [...new Set([...modelRuns, ...realRuns].flatMap((r) => r.summary.faults.map(faultText)))],
      settings: settingRows(modelRuns[0]!, realRuns[0]!),
      modelRuns: modelRuns.map(comparedRun),
      realRuns: realRuns.map(comparedRun),
      failover: failoverTable(real, modelRuns[0]!, realRuns[0]!),
      differences: PAIRS[real]!.differences(modelRuns[0]!, realRuns[0]!),
    });
  }
  return sections;
}

function faultText(f: RunSummary['faults'][number]): string {
  return `${f.kind} ${f.target} at ${f.at.toFixed(0)} s${f.until === null ? '' : ` for ${(f.until - f.at).toFixed(0)} s`}`;
}

/** The compared settings, then the run shape: what must be equal for the rows to compare. */
function settingRows(model: LoadedRun, real: LoadedRun): SettingRow[] {
  const a = comparedSettings(model.summary.engine, model.scenario.engineOptions ?? {});
  const b = comparedSettings(real.summary.engine, real.scenario.engineOptions ?? {});
  const rows: Omit<SettingRow, 'equal'>[] = comparedSettingNames(real.summary.engine).map((k) => ({
    name: k,
    model: text(a[k]),
    real: text(b[k]),
  }));
  const shape = (r: LoadedRun) => ({
    'rate /s': r.summary.rate,
    'duration s': r.summary.durationS,
    'warm-up s': r.summary.warmupS,
    faults: r.summary.faults.map(faultText).join('; '),
    parallelism: Object.entries(r.scenario.parallelism ?? {})
      .map(([op, n]) => `${op} ${n}`)
      .join(', '),
  });
  const sa = shape(model);
  const sb = shape(real);
  for (const k of Object.keys(sa) as (keyof typeof sa)[])
    rows.push({ name: k, model: text(sa[k] || '—'), real: text(sb[k] || '—') });
  return rows.map((r) => ({ ...r, equal: r.model === r.real }));
}

function comparedRun(r: LoadedRun): ComparedRun {
  const s = r.summary;
  const rec = s.recovery[0];
  const fig = (v: number | null | undefined) => (v === null || v === undefined ? '—' : ms(v));
  const held = s.verdict.guaranteeHeld;
  return {
    runId: s.runId,
    engine: s.engine,
    counts: s.counts,
    verdict: held === true ? 'held' : held === false ? 'VIOLATED' : 'unknown',
    detected: fig(rec?.detectedMs),
    firstOutput: rec?.firstOutputMs === null && rec ? 'none before the run ended' : fig(rec?.firstOutputMs),
    recovered: rec ? formatRecovery(rec) : '—',
    restarted: `${s.blastRadius.workersRestarted}/${s.blastRadius.workersTotal}`,
    replayed: s.blastRadius.recordsReplayed,
    failover: failoverOf(r),
  };
}

export function failoverOf(r: LoadedRun): Failover {
  const events = [...r.events].sort((x, y) => x.at - y.at);
  const inject = events.find((e) => e.type === EV.faultInject);
  const t0 = inject?.at ?? Number.POSITIVE_INFINITY;
  const after = events.filter((e) => e.at >= t0);
  const rel = (e: EngineEvent) => Math.round((e.at - t0) / 1000);
  const of = (type: string) => after.filter((e) => e.type === type);
  const exited = of(EV.workerFailed)[0];
  const running = of(EV.jobRunning);
  const lastRunning = running.at(-1);
  const completedBefore = events.filter((e) => e.at < t0 && e.type === EV.checkpointCompleted).at(-1);
  const checkpointAfter = lastRunning
    ? after.find((e) => e.type === EV.checkpointCompleted && e.at >= lastRunning.at)
    : undefined;
  const restored = of(EV.taskRestored)[0];
  const commitBefore = events.filter((e) => e.at < t0 && e.type === EV.offsetsCommitted).at(-1);
  const commitAfter = of(EV.offsetsCommitted)[0];
  const timeoutS = (
    getEngine(r.summary.engine).parseOptions?.(r.scenario.engineOptions ?? {}) as
      | Record<string, unknown>
      | undefined
  )?.messageTimeoutS;
  const tupleCount = (e: EngineEvent): TupleCount => ({
    ms: rel(e),
    worker: String(e.worker),
    count: Number(e.count ?? 0),
  });
  const placement = (list: EngineEvent[]) => {
    const out: Record<string, string> = {};
    for (const e of list)
      if (e.type === EV.taskStarted && e.worker && typeof e.taskManager === 'string')
        out[e.worker] = e.taskManager;
    return out;
  };
  const resourceIds: Record<string, string> = {};
  for (const e of events)
    if ((e.type === EV.workerStarted || e.type === EV.workerRestarted) && typeof e.resourceId === 'string')
      resourceIds[`${e.worker} attempt ${e.attempt ?? 0}`] = e.resourceId;
  return {
    exited: exited
      ? {
          ms: rel(exited),
          worker: String(exited.worker),
          // flink's adapter gives signal/code, the mini engines' supervisor `exit` (a signal or a code).
          how: String(
            exited.signal ?? exited.exit ?? (exited.code === undefined ? 'exit' : `exit ${exited.code}`),
          ),
        }
      : null,
    failures: of(EV.failureDetected).map((e) => ({
      ms: rel(e),
      what:
        typeof e.cause === 'string'
          ? e.cause
          : `${short(String(e.exception ?? 'failure'))}${e.task ? ` in ${String(e.task)}` : ''}`,
      taskManager: typeof e.taskManager === 'string' ? e.taskManager : null,
    })),
    cancelled: of(EV.jobCancelled).map(rel),
    restarting: of(EV.jobRestarting).map(rel),
    running: running.map(rel),
    restored: restored ? Number(restored.checkpoint) : null,
    lastBefore: completedBefore ? Number(completedBefore.checkpoint) : null,
    lastBeforeAgoMs: completedBefore ? -rel(completedBefore) : null,
    relaunched: of(EV.workerRestarted).map((e) => ({
      ms: rel(e),
      worker: String(e.worker),
      resourceId: typeof e.resourceId === 'string' ? e.resourceId : null,
    })),
    checkpointAfter: checkpointAfter
      ? { ms: rel(checkpointAfter), id: Number(checkpointAfter.checkpoint) }
      : null,
    target:
      typeof inject?.target === 'string'
        ? {
            id: inject.target,
            taskManager: placement(events.filter((e) => e.at < t0))[inject.target] ?? null,
          }
        : null,
    placementBefore: placement(events.filter((e) => e.at < t0)),
    placementAfter: placement(events),
    resourceIds,
    exits: of(EV.workerFailed).map((e) => ({ ms: rel(e), worker: String(e.worker) })),
    workerRestarting: of(EV.workerRestarting).map(rel),
    heartbeatTimeouts: of(EV.workerHeartbeatTimeout).map((e) => ({
      ms: rel(e),
      target: String(e.target ?? e.worker),
    })),
    tuplesFailed: of(EV.tupleFailed).map(tupleCount),
    tuplesTimedOut: of(EV.tupleTimeout).map(tupleCount),
    tuplesReplayed: of(EV.tupleReplayed).map(tupleCount),
    commitBefore: commitBefore ? rel(commitBefore) : null,
    commitAfter: commitAfter ? rel(commitAfter) : null,
    messageTimeoutMs: typeof timeoutS === 'number' ? timeoutS * 1000 : null,
  };
}

/** The failover of one run as table cells: one per row of FAILOVER_ROWS ("—" = no such event in the run). */
export const FAILOVER_ROWS = [
  'process exit seen (worker.failed)',
  'failures recorded (failure.detected)',
  'job cancelled (job.cancelled)',
  'job restarting (job.restarting)',
  'job running again (job.running)',
  'checkpoint restored (last completed before the fault)',
  'processes started again (worker.restarted)',
  'first checkpoint after running again',
  'subtasks per TaskManager before → after',
] as const;

const times = (xs: number[]) => (xs.length ? xs.map(ms).join(', ') : '—');
/** A span of times: "1.14 s" when they are all one, "1.14–1.20 s" otherwise. */
const span = (xs: number[]) =>
  xs[0] === xs.at(-1) ? ms(xs[0]!) : `${(xs[0]! / 1000).toFixed(2)}–${ms(xs.at(-1)!)}`;
const perTaskManager = (p: Record<string, string>) => {
  const counts = new Map<string, number>();
  for (const tm of Object.values(p)) counts.set(tm, (counts.get(tm) ?? 0) + 1);
  return [...counts].map(([tm, n]) => `${tm} ×${n}`).join(', ');
};

export function failoverCells(f: Failover): string[] {
  const relaunched = f.relaunched.length
    ? f.relaunched.length > 3
      ? `${f.relaunched.length} at ${span(f.relaunched.map((r) => r.ms))}`
      : f.relaunched
          .map((r) => `${r.worker}${r.resourceId ? ` (${r.resourceId})` : ''} at ${ms(r.ms)}`)
          .join(', ')
    : '—';
  const before = perTaskManager(f.placementBefore);
  return [
    f.exited ? `${f.exited.worker} (${f.exited.how}) at ${ms(f.exited.ms)}` : '—',
    f.failures.length
      ? f.failures
          .map((x) => `${ms(x.ms)}: ${x.what}${x.taskManager ? ` on ${x.taskManager}` : ''}`)
          .join('; ')
      : '—',
    times(f.cancelled),
    times(f.restarting),
    times(f.running),
    f.restored === null ? '—' : `${f.restored} (${f.lastBefore ?? 'none'})`,
    relaunched,
    f.checkpointAfter ? `${f.checkpointAfter.id} at ${ms(f.checkpointAfter.ms)}` : '—',
    before ? `${before} → ${perTaskManager(f.placementAfter)}` : '— (no TaskManagers: one process per task)',
  ];
}

function flinkDifferences(model: LoadedRun, real: LoadedRun): string[] {
  const m = failoverOf(model);
  const r = failoverOf(real);
  const me = model.summary.engine;
  const re = real.summary.engine;
  const hb = comparedSettings(re, real.scenario.engineOptions ?? {}).heartbeatTimeoutS;
  const lines: string[] = [];
  const first = (f: Failover) => f.failures[0];
  const fm = first(m);
  const fr = first(r);
  const desc = (x: Failover['failures'][number]) =>
    `${ms(x.ms)} (${x.what}${x.taskManager ? ` on ${x.taskManager}` : ''})`;
  const hbText = `heartbeat timeout ${String(hb)} s for both`;
  lines.push(
    `Detection: ${me} recorded the failure at ${fm ? desc(fm) : '— (no failure.detected)'}; ${re} at ${fr ? desc(fr) : '— (no failure.detected)'}. ` +
      (r.exited
        ? `The ${re} adapter saw ${r.exited.worker} exit (${r.exited.how}) at ${ms(r.exited.ms)}; the detected column counts the earliest of these. `
        : `No ${re} process exited: its detection is Flink's own. `) +
      (m.exited
        ? `${me}'s supervisor saw ${m.exited.worker} exit (${m.exited.how}) at ${ms(m.exited.ms)}. `
        : '') +
      `${hbText[0]!.toUpperCase()}${hbText.slice(1)}.`,
  );
  const failovers = (f: Failover) => Math.max(f.failures.length, f.running.length, f.restarting.length);
  if (failovers(r) !== failovers(m)) {
    const again = r.failures[1];
    const whose = again?.taskManager
      ? Object.entries(r.resourceIds).find(([, id]) => id === again.taskManager)?.[0]
      : undefined;
    const dead = whose && r.exited && whose.startsWith(`${r.exited.worker} `);
    lines.push(
      `Failovers: ${me} ${failovers(m)} (job.restarting at ${times(m.restarting)}; running again at ${times(m.running)}), ` +
        `${re} ${failovers(r)} (job.restarting at ${times(r.restarting)}; running again at ${times(r.running)}).` +
        (again
          ? ` ${re}'s second failure, at ${desc(again)}` +
            (whose ? `: ${again.taskManager} is ${whose}` : '') +
            (dead
              ? `, the JVM that had exited at ${ms(r.exited!.ms)}: the restarted job had been placed partly on a TaskManager already dead and failed again.`
              : '.')
          : ''),
    );
  } else {
    lines.push(
      `Failovers: ${failovers(m)} each (${me} running again at ${times(m.running)}, ${re} at ${times(r.running)}).`,
    );
  }
  const scope = (run: LoadedRun, f: Failover) => {
    const b = run.summary.blastRadius;
    const jvms = f.relaunched.map(
      (x) => `${x.worker}${x.resourceId ? ` as ${x.resourceId}` : ''} at ${ms(x.ms)}`,
    );
    return `${run.summary.engine} restarted ${b.workersRestarted}/${b.workersTotal} tasks, ${
      jvms.length === 0
        ? 'no process started again'
        : jvms.length > 3
          ? `${jvms.length} processes started again at ${span(f.relaunched.map((x) => x.ms))}`
          : `processes started again: ${jvms.join(', ')}`
    }`;
  };
  const before = perTaskManager(r.placementBefore);
  const hit = r.target?.taskManager
    ? ` (${r.target.id} ran on ${r.target.taskManager} when the fault came)`
    : '';
  lines.push(
    `Restart scope: ${scope(model, m)}; ${scope(real, r)}` +
      (before
        ? `; ${re}'s subtasks per TaskManager ${before} before the fault${hit}, ${perTaskManager(r.placementAfter)} at their last attempt.`
        : '.'),
  );
  const restore = (f: Failover, e: string) =>
    f.restored === null
      ? `${e} no task.restored`
      : `${e} checkpoint ${f.restored}${f.lastBefore === f.restored ? ' (the last completed before the fault' : ` (last completed before the fault: ${f.lastBefore ?? 'none'}`}${f.lastBeforeAgoMs === null ? '' : `, ${f.lastBeforeAgoMs} ms before it`})`;
  lines.push(
    `Restore: ${restore(m, me)}; ${restore(r, re)}.` +
      (model.summary.guarantee === 'at-least-once'
        ? ' What was written after that checkpoint is written again (the duplicates), so one run per engine ' +
          'compares duplicates only as far as these two times agree.'
        : ''),
  );
  const resumed = (run: LoadedRun, f: Failover) => {
    const rec = run.summary.recovery[0];
    const lastRun = f.running.at(-1);
    return (
      `${run.summary.engine} ran again at ${lastRun === undefined ? '—' : ms(lastRun)}, ` +
      `first checkpoint after it ${f.checkpointAfter ? ms(f.checkpointAfter.ms) : '—'}, ` +
      `first output ${rec?.firstOutputMs == null ? '—' : ms(rec.firstOutputMs)}, recovered ${rec ? formatRecovery(rec) : '—'}`
    );
  };
  lines.push(`Output: ${resumed(model, m)}; ${resumed(real, r)}.`);
  lines.push(deliveryLine(model, real));
  return lines;
}

/** Lost/duplicated/incorrect of both, and what each replayed. */
function deliveryLine(model: LoadedRun, real: LoadedRun): string {
  const me = model.summary.engine;
  const re = real.summary.engine;
  const c = (run: LoadedRun) => {
    const k = run.summary.counts;
    return `${k.lost}/${k.duplicated}/${k.incorrect}`;
  };
  const replayed = (run: LoadedRun) => {
    const n = run.summary.blastRadius.recordsReplayed;
    return n === null ? 'records replayed not measured' : `${n} records replayed`;
  };
  return (
    `Delivery lost/duplicated/incorrect: ${me} ${c(model)}, ${re} ${c(real)}` +
    `${c(model) === c(real) ? ' (the same)' : ''}; ${me} ${replayed(model)}, ${re} ${replayed(real)}.`
  );
}

/** A real system, the model engine that stands for it, and what their comparison reads. */
interface Pair {
  model: string;
  /** The failover table's rows and one run's cells for them. */
  rows: readonly string[];
  cells: (f: Failover) => string[];
  differences: (model: LoadedRun, real: LoadedRun) => string[];
}

/** The storm pair's failover rows: the worker's death and relaunch, then the spouts' failing and replaying. */
export const STORM_FAILOVER_ROWS = [
  'process exit seen (worker.failed)',
  'heartbeat timeout (worker.heartbeat-timeout)',
  'relaunch begun (worker.restarting)',
  'processes started again (worker.restarted)',
  'tuples failed (tuple.failed)',
  'tuples timed out (tuple.timeout)',
  'tuples replayed (tuple.replayed)',
  'first failure · first replay, in message timeouts',
  'offsets committed (last before · first after)',
] as const;

const total = (xs: readonly TupleCount[]) => xs.reduce((n, x) => n + x.count, 0);
/** `1,240 in 4 events, 9.05–14.81 s` ("—" without events). */
const tupleCells = (xs: readonly TupleCount[]) =>
  xs.length
    ? `${total(xs)} in ${xs.length} event${xs.length === 1 ? '' : 's'}, ${span(xs.map((x) => x.ms))}`
    : '—';
/** A time from the fault as a multiple of the message timeout: `9.05 s = 1.81 T`. */
const inTimeouts = (v: number | undefined, f: Failover) =>
  v === undefined
    ? '—'
    : `${ms(v)}${f.messageTimeoutMs ? ` = ${(v / f.messageTimeoutMs).toFixed(2)} T` : ''}`;
/** The first tuple failure of either kind (explicit or timeout) after the fault. */
const firstFailure = (f: Failover) =>
  [...f.tuplesFailed, ...f.tuplesTimedOut].map((x) => x.ms).sort((a, b) => a - b)[0];

export function stormFailoverCells(f: Failover): string[] {
  const relaunched = f.relaunched.length
    ? f.relaunched.map((r) => `${r.worker} at ${ms(r.ms)}`).join(', ')
    : '—';
  return [
    f.exited ? `${f.exited.worker} (${f.exited.how}) at ${ms(f.exited.ms)}` : '—',
    f.heartbeatTimeouts.length
      ? f.heartbeatTimeouts.map((h) => `${h.target} at ${ms(h.ms)}`).join(', ')
      : '—',
    times(f.workerRestarting),
    relaunched,
    tupleCells(f.tuplesFailed),
    tupleCells(f.tuplesTimedOut),
    tupleCells(f.tuplesReplayed),
    `${inTimeouts(firstFailure(f), f)} · ${inTimeouts(f.tuplesReplayed[0]?.ms, f)}`,
    `${f.commitBefore === null ? '—' : ms(f.commitBefore)} · ${f.commitAfter === null ? '—' : ms(f.commitAfter)}`,
  ];
}

/** The differences between ack-tree and the real Storm, each read from the two runs' events and figures. */
function stormDifferences(model: LoadedRun, real: LoadedRun): string[] {
  const m = failoverOf(model);
  const r = failoverOf(real);
  const me = model.summary.engine;
  const re = real.summary.engine;
  const lines: string[] = [];
  const detection = (e: string, f: Failover) =>
    f.exited
      ? `${e} saw ${f.exited.worker} exit (${f.exited.how}) at ${ms(f.exited.ms)}`
      : f.heartbeatTimeouts[0]
        ? `${e} had no process exit; its heartbeat timeout on ${f.heartbeatTimeouts[0].target} fired at ${ms(f.heartbeatTimeouts[0].ms)}`
        : `${e} had no process exit and no heartbeat timeout`;
  const hb = (getEngine(me).parseOptions?.(model.scenario.engineOptions ?? {}) as Record<string, unknown>)
    ?.heartbeatTimeoutS;
  lines.push(
    `Detection: ${detection(me, m)}; ${detection(re, r)}.` +
      (m.heartbeatTimeouts.length > 0 && r.heartbeatTimeouts.length === 0 && !r.exited
        ? ` ${me}'s heartbeat timeout (heartbeatTimeoutS ${String(hb)} s, Storm's nimbus.task.timeout.secs) is not among the compared settings: the ${re} adapter has no such option and reported no silent worker.`
        : ''),
  );
  const scope = (run: LoadedRun, f: Failover) => {
    const b = run.summary.blastRadius;
    const names = [...new Set(f.relaunched.map((x) => x.worker))];
    return (
      `${run.summary.engine} restarted ${b.workersRestarted}/${b.workersTotal} operator instances` +
      (names.length
        ? ` by relaunching ${names.join(', ')} (${f.relaunched.length} start${f.relaunched.length === 1 ? '' : 's'}, first at ${ms(f.relaunched[0]!.ms)})`
        : ', no process started again')
    );
  };
  const whole = (run: LoadedRun) =>
    run.summary.blastRadius.workersRestarted === run.summary.blastRadius.workersTotal &&
    run.summary.blastRadius.workersTotal > 1;
  lines.push(
    `Restart scope: ${scope(model, m)}; ${scope(real, r)}.` +
      (whole(real) && !whole(model)
        ? ` ${re} runs every executor in one worker JVM here, so the fault on ${r.target?.id ?? 'its target'} took the spouts and the acker with it; ${me} runs each operator instance in its own process and only the target's tuples were lost in flight.`
        : ''),
  );
  const replay = (e: string, f: Failover) => {
    const fails = total(f.tuplesFailed) + total(f.tuplesTimedOut);
    const first = firstFailure(f);
    if (fails === 0 && f.tuplesReplayed.length === 0)
      return `${e} failed and replayed no tuple after the fault`;
    return (
      `${e} failed ${fails} tuples (${total(f.tuplesTimedOut)} by timeout), the first at ${inTimeouts(first, f)}, ` +
      `and replayed ${total(f.tuplesReplayed)}, the first at ${inTimeouts(f.tuplesReplayed[0]?.ms, f)}` +
      (f.tuplesReplayed.length > 1 ? `, the last at ${inTimeouts(f.tuplesReplayed.at(-1)!.ms, f)}` : '')
    );
  };
  const t = m.messageTimeoutMs ?? r.messageTimeoutMs;
  lines.push(
    `Replay against the message timeout (T = ${t === null ? '—' : ms(t)}; Storm fails an unacked tuple T..2T after its emit, and the relaunched worker's spout re-reads from the last committed offset without counting a replay): ${replay(me, m)}; ${replay(re, r)}.` +
      (r.tuplesTimedOut.length === 0 && r.tuplesFailed.length > 0
        ? ` ${re}'s tuple.failed counts timeouts and explicit fails together (the KafkaSpout's retry service sees no difference), in 1 s batches.`
        : ''),
  );
  lines.push(
    `Commits: ${me}'s last offset commit before the fault at ${m.commitBefore === null ? '—' : ms(m.commitBefore)}, first after it at ${m.commitAfter === null ? '—' : ms(m.commitAfter)}; ` +
      (r.commitBefore === null && r.commitAfter === null
        ? `${re}'s adapter does not report the KafkaSpout's commits (not measured).`
        : `${re}'s at ${r.commitBefore === null ? '—' : ms(r.commitBefore)} and ${r.commitAfter === null ? '—' : ms(r.commitAfter)}.`),
  );
  const out = (run: LoadedRun) => {
    const rec = run.summary.recovery[0];
    return `${run.summary.engine} first output ${rec?.firstOutputMs == null ? '—' : ms(rec.firstOutputMs)}, recovered ${rec ? formatRecovery(rec) : '—'}`;
  };
  lines.push(`Output: ${out(model)}; ${out(real)}.`);
  lines.push(deliveryLine(model, real));
  return lines;
}

const PAIRS: Readonly<Record<string, Pair>> = {
  flink: {
    model: MODEL_OF.flink!,
    rows: FAILOVER_ROWS,
    cells: failoverCells,
    differences: flinkDifferences,
  },
  storm: {
    model: MODEL_OF.storm!,
    rows: STORM_FAILOVER_ROWS,
    cells: stormFailoverCells,
    differences: stormDifferences,
  },
};

function failoverTable(real: string, model: LoadedRun, realRun: LoadedRun): [string, string, string][] {
  const pair = PAIRS[real]!;
  const mc = pair.cells(failoverOf(model));
  const rc = pair.cells(failoverOf(realRun));
  return pair.rows.map((row, i) => [row, mc[i]!, rc[i]!]);
}

const DELIVERY_HEADER = [
  'engine · run',
  'produced',
  'delivered',
  'lost',
  'duplicated',
  'unexpected',
  'incorrect',
  'guarantee',
  'detected',
  'first output',
  'recovered',
  'restarted',
  'replayed',
];

export function deliveryCells(r: ComparedRun): string[] {
  const k = r.counts;
  return [
    `${r.engine} · ${r.runId}`,
    ...[k.produced, k.delivered, k.lost, k.duplicated, k.unexpected, k.incorrect].map(String),
    r.verdict,
    r.detected,
    r.firstOutput,
    r.recovered,
    r.restarted,
    r.replayed === null ? 'not measured' : String(r.replayed),
  ];
}

/** What the section is, once above all of them. */
export const REAL_VS_MODEL_INTRO =
  'Each real system beside the model faultline runs for it, under the same fault, guarantee and settings. ' +
  'Times are from the fault injection. "detected" is the first detection event of either kind (a supervisor ' +
  "seeing a process exit, or the engine recording a failure). The failover rows come from each run's events: " +
  "barrier-snapshot's from its job manager; flink's job states and restores from the JobManager's log (every " +
  'switch, at its time), its failures from the exception history and its placement from the REST API (polled ' +
  "every 500 ms); ack-tree's from its supervisor, coordinator and spouts; storm's process exits and relaunches " +
  "from the adapter's watch of the worker JVM (LocalCluster) or the supervisors' logs (a cluster), its tuple " +
  "failures and replays from the KafkaSpout's retry listener, summed each second; " +
  '"—" where the run had no such event. The differences are read from those events and figures, ' +
  'for the first run of each engine.';

/** The sections as Markdown lines (cell: the report's table-cell escaper). */
export function realVsModelMarkdown(
  sections: readonly RealVsModelSection[],
  cell: (t: string) => string,
): string[] {
  if (sections.length === 0) return [];
  const table = (header: string[], rows: string[][]) => [
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
  const lines = ['## Real system vs model', '', REAL_VS_MODEL_INTRO, ''];
  for (const s of sections) {
    lines.push(`### ${s.scenario} · ${s.guarantee}: ${s.model} vs ${s.real}`, '');
    lines.push(`Faults (seconds from run start): ${s.faults.join('; ')}.`, '');
    lines.push(
      ...table(
        ['setting', s.model, s.real, 'equal'],
        s.settings.map((r) => [r.name, r.model, r.real, r.equal ? 'yes' : 'NO']),
      ),
      '',
    );
    lines.push(...table(DELIVERY_HEADER, [...s.modelRuns, ...s.realRuns].map(deliveryCells)), '');
    if (s.failover.length)
      lines.push(...table(['failover (from the fault)', s.model, s.real], s.failover), '');
    lines.push('Differences, from the measured events:', '');
    for (const d of s.differences) lines.push(`- ${cell(d)}`);
    lines.push('');
  }
  return lines;
}

/** The sections as HTML (esc: the report's HTML escaper). */
export function realVsModelHtml(sections: readonly RealVsModelSection[], esc: (t: string) => string): string {
  if (sections.length === 0) return '';
  const table = (header: string[], rows: string[][]) =>
    `<div class="table-wrap"><table class="plain"><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
      .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
      .join('')}</tbody></table></div>`;
  const parts = sections.map((s) => {
    const failover = s.failover.length
      ? table(['failover (from the fault)', s.model, s.real], s.failover)
      : '';
    return `<h3>${esc(`${s.scenario} · ${s.guarantee}: ${s.model} vs ${s.real}`)}</h3>
<p class="description">Faults (seconds from run start): ${esc(s.faults.join('; '))}.</p>
${table(
  ['setting', s.model, s.real, 'equal'],
  s.settings.map((x) => [x.name, x.model, x.real, x.equal ? 'yes' : 'NO']),
)}
${table(DELIVERY_HEADER, [...s.modelRuns, ...s.realRuns].map(deliveryCells))}
${failover}
<p>Differences, from the measured events:</p>
<ul>${s.differences.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>`;
  });
  return `<section id="real-vs-model">
<h2>Real system vs model</h2>
<p class="hint">${esc(REAL_VS_MODEL_INTRO)}</p>
${parts.join('\n')}
</section>`;
}
