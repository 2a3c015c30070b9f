/** The run summary (`summary.json`, schema faultline/run-summary@1): the contract users and scripts rely on. */
import type { FaultRecord, Guarantee, TopologyKind, Verdict } from '../core/types.ts';
import type { ModelTrainer } from '../core/workload.ts';
import type { ReplayHorizon } from '../engines/types.ts';
import type { BranchCounts } from './branch-checker.ts';
import type { DeliveryCounts } from './checker.ts';
import type { CollectorHealth } from './collector.ts';
import type { CpuAccount } from './cpu-account.ts';
import type { DrainResult } from './drain.ts';
import type { LatencySummary } from './latency.ts';
import type { LatencyPart } from './latency-split.ts';
import type { RecoveryEntry } from './recovery.ts';

export const SUMMARY_SCHEMA = 'faultline/run-summary@1';

export type { RecoveryEntry } from './recovery.ts';

export interface Environment {
  gitSha: string;
  node: string;
  kafka: string;
  redis: string;
  toxiproxy: string;
  cpus: number;
  provider: string;
}

/** Something that went wrong in the run itself (not in the engine): the verdict is then at best "unknown". */
export interface RunError {
  /** Where: "fault inject", "fault heal", "reference scorer", "recovery", ... */
  phase: string;
  error: string;
}

/** Which model a run scored with: the artefact file and who built it. */
export interface RunModel {
  path: string;
  trainer: ModelTrainer;
  kind: string;
  /** For a model H2O built. */
  h2oVersion?: string;
}

export interface RunSummary {
  schema: typeof SUMMARY_SCHEMA;
  runId: string;
  startedAt: string;
  /** Second 0 of timeseries.csv and of fault times: when the open-loop schedule started (µs since the epoch). */
  runStartUs: number;
  engine: string;
  guarantee: Guarantee;
  workload: string;
  /** The model the run scored with (absent in runs from before it was recorded). */
  model?: RunModel;
  scenario: string;
  seed: number;
  rate: number;
  durationS: number;
  warmupS: number;
  /**
   * On the fan-out topology (README "How the figures are measured"), per record across branches: lost = missing
   * on any branch, duplicated = more than once on any branch, delivered/unexpected/incorrect = outputs of all
   * branches. On a chain, as ARCHITECTURE.md defines them.
   */
  counts: DeliveryCounts;
  /** `fan-out` runs only (absent: the chain). */
  topology?: TopologyKind;
  /** Fan-out runs only: each sibling branch, the operators only it has, and its own counts (chain definitions). */
  branches?: BranchCounts[];
  /** End-to-end, from the intended send time, after warm-up. */
  latencyMs: Omit<LatencySummary, 'count'>;
  /**
   * Sink write − source read. The three parts are absent when no output after warm-up carried the engine's stamps,
   * or when the stamping processes' clocks disagreed (`latencySplitUnknown` says so).
   */
  processingLatencyMs?: LatencyPart;
  /** Source read − intended send (generator, Kafka, the source's fetch). Absent in runs before it was added. */
  inputLatencyMs?: LatencyPart;
  /** Collector read − sink write (produce, transaction commit, the collector's fetch). Absent in older runs. */
  deliveryLatencyMs?: LatencyPart;
  /** Why the three parts above are absent although outputs were read: the processes' clocks disagreed. */
  latencySplitUnknown?: string;
  /**
   * How far the wall clock stepped during the run (ms, + forward; a paused virtual machine, NTP), from 100 ms.
   * No process's clock followed it (every one, the JVMs too, stamps the machine's monotonic clock: core/clock.ts).
   * Absent: no step.
   */
  wallClockStepMs?: number;
  throughput: { targetPerS: number; meanPerS: number };
  generator: { attempted: number; acked: number; failed: number; lagP99Ms: number; lagMaxMs: number };
  faults: FaultRecord[];
  recovery: RecoveryEntry[];
  /**
   * The version of the recovery definition `recovery` was measured by (harness/recovery.ts RECOVERY_DEFINITION).
   * Absent: a run from before 2026-12-06, measured by version 2 or earlier.
   */
  recoveryDefinition?: number;
  blastRadius: {
    workersTotal: number;
    workersRestarted: number;
    /** null: the engine cannot count them (not measured), e.g. the real Flink. */
    recordsReplayed: number | null;
    restartedWorkers: string[];
  };
  /** The engine's restore point and detection timeouts with the run's options (absent: passthrough, older runs). */
  horizon?: ReplayHorizon;
  /**
   * Where the machine's CPU went over the measured seconds (harness/cpu-account.ts); absent when the load ended
   * before the warm-up did, and in older runs. NaN (null in the JSON) where /proc could not be read.
   */
  cpu?: CpuAccount;
  /** How the drain ended (absent in runs before it was measured). */
  drain?: DrainResult;
  /** The collector's own trouble (its Kafka consumer crashed or stalled and was replaced); absent without any. */
  collector?: CollectorHealth;
  /** Errors of the run itself: a fault that could not be injected, an analysis that failed. Exit code 3. */
  errors?: RunError[];
  /**
   * The run was interrupted (Ctrl-C, SIGTERM, an aborted signal): the load stopped early and the drain was cut
   * short, so the counts are those so far and the verdict is "unknown" unless a violation was already certain
   * (duplicated, unexpected or incorrect outputs seen). Absent when the run went to its end.
   */
  interrupted?: true;
  verdict: { guaranteeHeld: Verdict; notes: string[] };
  environment: Environment;
}
