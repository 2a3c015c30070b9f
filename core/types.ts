/**
 * Shared vocabulary: guarantees, engine events, verdicts, and the records that travel through Kafka.
 * Everything here is plain data so it can be written to results files and read back by `report`.
 */
import type { EventType } from './events.ts';

export type Guarantee = 'exactly-once' | 'at-least-once' | 'at-most-once' | 'none';
export const GUARANTEES: readonly Guarantee[] = ['exactly-once', 'at-least-once', 'at-most-once', 'none'];

/**
 * The shape of the operator graph: `chain` (source → features → score → sink), or `fan-out`, where features
 * sends every record to each sibling scoring branch and the branches join at the sink.
 */
export type TopologyKind = 'chain' | 'fan-out';
export const TOPOLOGIES: readonly TopologyKind[] = ['chain', 'fan-out'];

/** A sibling branch of the fan-out topology: its name (carried by its outputs) and the operators only it has. */
export interface BranchSpec {
  branch: BranchName;
  operators: readonly string[];
}
export type BranchName = 'model' | 'challenger';
/**
 * The fan-out's branches: the model (`score`) and a challenger scorer (`challenger`, the same features scored
 * by a recalibrated model, see `challengerScore`), as a team runs a shadow model beside production.
 */
export const FAN_OUT_BRANCHES: readonly BranchSpec[] = [
  { branch: 'model', operators: ['score'] },
  { branch: 'challenger', operators: ['challenger'] },
];

/** Jepsen-style verdict: false beats "unknown" beats true when verdicts merge. */
export type Verdict = true | false | 'unknown';

export function mergeVerdicts(...vs: Verdict[]): Verdict {
  if (vs.includes(false)) return false;
  if (vs.includes('unknown')) return 'unknown';
  return true;
}

/** An event as the load generator produces it to the input topic (JSON value; key = `key`). */
export interface InputRecord<Body = unknown> {
  /** Dense run-wide sequence number 0..N-1: the checker keeps bitsets over it. */
  id: number;
  key: string;
  /** Intended send time from the open-loop schedule, µs since the epoch. */
  t: number;
  body: Body;
}

/** What a sink writes to the output topic (JSON value; key = input key). */
export interface OutputRecord {
  id: number;
  key: string;
  /** The input's intended send time, carried through (µs since the epoch). */
  t: number;
  score: number;
  /** When the source read the input (µs); with `w` it gives processing latency. */
  r: number;
  /** When the sink wrote the output (µs). */
  w: number;
  /** Fan-out topology only: the branch that scored it (one output per record and branch). Absent on a chain. */
  branch?: BranchName;
}

/** Something an engine did, timestamped, for the run's `events.jsonl` and the report's timeline. */
export interface EngineEvent {
  /** µs since the epoch. */
  at: number;
  /** One of the vocabulary in core/events.ts (worker.started, checkpoint.completed, tuple.replayed, ...). */
  type: EventType;
  /** Worker id such as `features[1]`, when the event belongs to one. */
  worker?: string;
  attempt?: number;
  [detail: string]: unknown;
}

/** An event as an emitter hands it over: the time is stamped for it unless given. */
export interface NewEngineEvent {
  at?: number;
  type: EventType;
  worker?: string;
  attempt?: number;
  [detail: string]: unknown;
}

export interface FaultRecord {
  kind: string;
  target: string;
  /** Seconds from run start. */
  at: number;
  until: number | null;
}

/** A fault as a scenario states it: plain data the nemesis schedules. */
export interface FaultSpec {
  kind: string;
  target: string;
  /** Seconds after the warm-up ends. */
  at: number;
  /** Seconds the fault lasts before it is healed; undefined = instantaneous (a kill). */
  for?: number;
  /** Kind-specific parameters (latency, toxicity, …). */
  params: Record<string, unknown>;
}

/** A randomized fault schedule: expanded from the run seed, so the same seed gives the same faults. */
export interface RandomFaultSpec {
  kinds: string[];
  targets: string[];
  /** Seconds after warm-up of the first fault. */
  start: number;
  /** Mean seconds between fault starts (each start is jittered by up to half of it). */
  interval: number;
  count: number;
  /** Duration of each fault that needs one, seconds. */
  for: number;
}
