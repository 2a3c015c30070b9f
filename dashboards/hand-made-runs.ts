/**
 * Hand-made runs for the report's unit tests: a plausible summary.json with every field, overridable in the
 * parts a test is about, and engine events placed in seconds from the run start.
 */
import type { EngineEvent, FaultRecord, Guarantee } from '../core/types.ts';
import { createLatencyHistogram, type RunSummary, SUMMARY_SCHEMA } from '../harness/index.ts';
import type { LoadedRun } from './load.ts';

export const RUN_START_US = 1_800_000_000_000_000;

export interface HandMadeRun {
  engine?: string;
  guarantee?: Guarantee;
  scenario?: string;
  rate?: number;
  durationS?: number;
  counts?: Partial<RunSummary['counts']>;
  latencyMs?: Partial<RunSummary['latencyMs']>;
  throughputPerS?: number;
  faults?: FaultRecord[];
  recovery?: RunSummary['recovery'];
  blastRadius?: Partial<RunSummary['blastRadius']>;
  guaranteeHeld?: RunSummary['verdict']['guaranteeHeld'];
  engineOptions?: Record<string, unknown>;
  /** [seconds from run start, type, worker?, extra fields?] */
  events?: [number, string, string?, Record<string, unknown>?][];
  /** End-to-end latencies (ms) for the run's histogram. */
  latencySamplesMs?: number[];
}

let serial = 0;

export const killAt = (at: number, target = 'features[1]'): FaultRecord => ({
  kind: 'kill',
  target,
  at,
  until: null,
});

export function handMadeRun(o: HandMadeRun = {}): LoadedRun {
  serial++;
  const engine = o.engine ?? 'barrier-snapshot';
  const scenario = o.scenario ?? (o.faults?.length ? 'kill-worker' : 'steady');
  const rate = o.rate ?? 500;
  const runId = `20260101-000000-${engine}-${scenario}-${String(serial).padStart(4, '0')}`;
  const summary: RunSummary = {
    schema: SUMMARY_SCHEMA,
    runId,
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, serial)).toISOString(),
    runStartUs: RUN_START_US,
    engine,
    guarantee: o.guarantee ?? 'exactly-once',
    workload: 'transactions',
    scenario,
    seed: 1,
    rate,
    durationS: o.durationS ?? 20,
    warmupS: 3,
    counts: {
      produced: 10_000,
      delivered: 10_000,
      unique: 10_000,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
      incorrect: 0,
      ...o.counts,
    },
    latencyMs: { p50: 50, p90: 80, p99: 100, p999: 120, p9999: 130, max: 140, mean: 55, ...o.latencyMs },
    processingLatencyMs: { p50: 10, p99: 20, max: 30 },
    throughput: { targetPerS: rate, meanPerS: o.throughputPerS ?? rate },
    generator: { attempted: 10_000, acked: 10_000, failed: 0, lagP99Ms: 1, lagMaxMs: 2 },
    faults: o.faults ?? [],
    recovery:
      o.recovery ??
      (o.faults ?? []).map((f) => ({
        fault: `${f.kind} ${f.target}`,
        detectedMs: 20,
        firstOutputMs: 1000,
        recoveredMs: 5000,
      })),
    blastRadius: {
      workersTotal: 7,
      workersRestarted: 0,
      recordsReplayed: 0,
      restartedWorkers: [],
      ...o.blastRadius,
    },
    verdict: { guaranteeHeld: o.guaranteeHeld ?? true, notes: [] },
    environment: {
      gitSha: 'abc123',
      node: 'v20.0.0',
      kafka: '3.9.1',
      redis: '7.0.15',
      toxiproxy: '2.12.0',
      cpus: 2,
      provider: 'local',
    },
  };
  const events: EngineEvent[] = (o.events ?? []).map(([s, type, worker, extra]) => ({
    at: RUN_START_US + Math.round(s * 1e6),
    type,
    ...(worker ? { worker } : {}),
    ...extra,
  }));
  for (const f of summary.faults)
    events.push({
      at: RUN_START_US + f.at * 1e6,
      type: 'fault.inject',
      kind: f.kind,
      target: f.target,
      fromS: f.at,
      untilS: f.until,
    });
  events.sort((a, b) => a.at - b.at);
  const latency = createLatencyHistogram();
  for (const ms of o.latencySamplesMs ?? []) latency.recordValue(Math.round(ms * 1000));
  return {
    dir: `/hand-made/${runId}`,
    summary,
    scenario: { name: scenario, engineOptions: o.engineOptions ?? {} },
    environment: { ...summary.environment },
    series: [],
    latency: o.latencySamplesMs ? latency : null,
    runStartUs: RUN_START_US,
    events,
    cell: null,
    warnings: [],
  };
}
