/**
 * One run on one time axis for the HTML report: throughput and p99 per second (timeseries.csv), the warm-up,
 * fault windows (summary.faults, seconds from run start; an instantaneous fault is a line) and the engine's
 * protocol events (events.jsonl, µs since the epoch, placed with the run start from load.ts) sorted into
 * lanes. Dense lanes are thinned to at most MAX_EVENTS_PER_LANE points, each point saying how many events it
 * stands for, so a long run's page stays light.
 */
import { EV, type EventType } from '../core/events.ts';
import type { EngineEvent } from '../core/types.ts';
import type { LoadedRun } from './load.ts';

export const MAX_EVENTS_PER_LANE = 150;

export const LANES = ['failure', 'failover', 'replay', 'checkpoint', 'commit'] as const;
export type Lane = (typeof LANES)[number];
export const LANE_TITLES: Record<Lane, string> = {
  failure: 'failure / detection',
  failover: 'cancel / restart / restore',
  replay: 'timeout / replay',
  checkpoint: 'checkpoint',
  commit: 'commit / purge',
};

/**
 * The lane of every event type. A Record over the whole vocabulary: a new event type does not compile until
 * it has a lane here. Fault events are left out (the fault windows show them), except a fault that could not
 * be injected; so are routine events (worker.started, task.started, window.begin, checkpoint.triggered …),
 * which would drown the rest.
 */
const LANE_OF: Record<EventType, Lane | null> = {
  'deploy.links': null,
  'worker.started': null,
  'worker.failed': 'failure',
  'worker.restarting': 'failover',
  'worker.restarted': 'failover',
  'worker.cancelled': 'failover',
  'worker.stopped': null,
  'worker.exited': 'failure',
  'worker.heartbeat-timeout': 'failure',
  'worker.serving': null,
  'fault.inject': null,
  'fault.heal': null,
  'fault.error': 'failure',
  'fault.skipped': null,
  'generator.send-failed': 'failure',
  'collector.crashed': 'failure',
  'collector.replaced': 'failover',
  'collector.reading': 'failover',
  'tuple.failed': 'replay',
  'tuple.timeout': 'replay',
  'tuple.replayed': 'replay',
  'offsets.committed': 'commit',
  'checkpoint.triggered': null,
  'checkpoint.completed': 'checkpoint',
  'checkpoint.declined': 'failure',
  'checkpoint.aborted': 'failure',
  'failure.detected': 'failure',
  'job.cancelled': 'failover',
  'job.restarting': 'failover',
  'job.running': 'failover',
  'task.started': null,
  'task.restored': 'failover',
  'task.failed': 'failure',
  'source.positioned': null,
  'source.progress': null,
  'transaction.committed': 'commit',
  'sink.write-failed': 'failure',
  'stram.started': null,
  'operator.started': null,
  'operator.deployed': 'failover',
  'operator.adopted': 'failover',
  'operator.failed': 'failure',
  redeploy: 'failover',
  'window.begin': null,
  'window.end': null,
  'checkpoint.saved': 'checkpoint',
  'committed.window': 'commit',
  'buffer.purged': 'commit',
  'replay.from': 'replay',
  'replay.done': 'replay',
  'source.consumer-replaced': 'failover',
  'sink.written-window': 'commit',
  'sink.skipped': 'replay',
};

export function laneOf(e: EngineEvent): Lane | null {
  // A first deployment is routine; a redeployment (attempt > 0) is part of a failover.
  if (e.type === EV.operatorDeployed && !(typeof e.attempt === 'number' && e.attempt > 0)) return null;
  return LANE_OF[e.type] ?? null;
}

export interface TimelinePoint {
  /** Seconds from run start. */
  t: number;
  lane: Lane;
  /** The first event's type; `count` > 1 when the point stands for several events. */
  type: string;
  worker: string | null;
  count: number;
  detail: string;
}

export interface RunTimeline {
  runId: string;
  warmupS: number;
  /** End of the load (warm-up + measured duration), seconds. */
  loadEndS: number;
  /** [second, outputs, p99 ms | null] */
  series: [number, number, number | null][];
  targetPerS: number;
  faults: { label: string; from: number; to: number | null }[];
  points: TimelinePoint[];
  eventsInLanes: number;
  /** Why events are missing, when they are. */
  note: string | null;
}

const IGNORED_DETAIL_KEYS = new Set(['at', 'type', 'worker', 'attempt']);

function detailOf(e: EngineEvent): string {
  const parts = Object.entries(e)
    .filter(([k, v]) => !IGNORED_DETAIL_KEYS.has(k) && v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  if (typeof e.attempt === 'number' && e.attempt > 0) parts.unshift(`attempt=${e.attempt}`);
  const text = parts.join(' ');
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

/** Keeps at most `max` points of one lane: one per time bucket, carrying how many events fell in it. */
export function thinLane(
  points: TimelinePoint[],
  fromS: number,
  toS: number,
  max = MAX_EVENTS_PER_LANE,
): TimelinePoint[] {
  if (points.length <= max) return points;
  const width = (toS - fromS) / max;
  const buckets = new Map<number, TimelinePoint>();
  for (const p of points) {
    const b = Math.min(max - 1, Math.max(0, Math.floor((p.t - fromS) / width)));
    const kept = buckets.get(b);
    if (kept) kept.count += p.count;
    else buckets.set(b, { ...p });
  }
  return [...buckets.values()].sort((a, b) => a.t - b.t);
}

export function runTimeline(run: LoadedRun): RunTimeline {
  const s = run.summary;
  const series = run.series.map((r): [number, number, number | null] => [r.second, r.outputs, r.p99Ms]);
  const lastSecond = run.series.at(-1)?.second ?? s.warmupS + s.durationS;
  const endS = lastSecond + 1;
  const faults = s.faults.map((f) => ({ label: `${f.kind} ${f.target}`, from: f.at, to: f.until }));
  let note: string | null = null;
  let points: TimelinePoint[] = [];
  if (run.runStartUs === null) {
    note = 'engine events not shown: the run start is unknown (latency.hlog has no StartTime)';
  } else {
    const start = run.runStartUs;
    const all: TimelinePoint[] = [];
    for (const e of run.events) {
      const lane = laneOf(e);
      if (!lane) continue;
      const t = (e.at - start) / 1e6;
      // Events during deployment (before second 0) and long after the drain are off the chart.
      if (t < 0 || t > endS + 2) continue;
      all.push({ t, lane, type: e.type, worker: e.worker ?? null, count: 1, detail: detailOf(e) });
    }
    all.sort((a, b) => a.t - b.t);
    points = LANES.flatMap((lane) =>
      thinLane(
        all.filter((p) => p.lane === lane),
        0,
        endS + 2,
      ),
    );
  }
  return {
    runId: s.runId,
    warmupS: s.warmupS,
    loadEndS: s.warmupS + s.durationS,
    series,
    targetPerS: s.throughput.targetPerS,
    faults,
    points,
    eventsInLanes: points.reduce((a, p) => a + p.count, 0),
    note,
  };
}
