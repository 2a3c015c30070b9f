/**
 * operator-checkpoint options, with Apache Apex's defaults (DAGContext / OperatorContext attributes):
 * STREAMING_WINDOW_SIZE_MILLIS 500, CHECKPOINT_WINDOW_COUNT 60 (a checkpoint every 30 s),
 * HEARTBEAT_INTERVAL_MILLIS 1000, the heartbeat timeout of 30 s after which STRAM declares a container
 * lost, and TIMEOUT_WINDOW_COUNT 120 (an operator whose window has not moved for 120 windows is blocked).
 * Tests and catalogue scenarios scale them down explicitly; the processing mode follows the guarantee.
 */
import { BadInputError } from '../../core/errors.ts';
import type { Guarantee } from '../../core/types.ts';
import { parseEngineOptions } from '../runtime/options.ts';

export interface OperatorCheckpointOptions {
  /** STREAMING_WINDOW_SIZE_MILLIS: width of one streaming window. */
  windowMs: number;
  /** CHECKPOINT_WINDOW_COUNT: a CHECKPOINT marker (and a checkpoint) every this many windows. */
  checkpointWindowCount: number;
  /** HEARTBEAT_INTERVAL_MILLIS: how often a worker reports its window and checkpoints to the master. */
  heartbeatMs: number;
  /** A worker silent this long is declared failed (Apex: 30 s). */
  heartbeatTimeoutS: number;
  /** TIMEOUT_WINDOW_COUNT: an operator whose current window has not moved for this many windows is failed. */
  timeoutWindowCount: number;
  /** Protocol events for every window would flood the timeline: window begin/end, committed and purge
   *  events are emitted once per this many windows. */
  eventSampleWindows: number;
  /** How long a buffer server waits for a subscriber's socket before it drops the subscription. */
  sendTimeoutMs: number;
  /** Records per data frame at most (a subscriber catching up gets several frames per window). */
  maxFrameRecords: number;
  /** Route every link through its own Toxiproxy proxy. */
  proxied: boolean;
}

export const APEX_DEFAULTS: OperatorCheckpointOptions = {
  windowMs: 500,
  checkpointWindowCount: 60,
  heartbeatMs: 1000,
  heartbeatTimeoutS: 30,
  timeoutWindowCount: 120,
  eventSampleWindows: 10,
  sendTimeoutMs: 5000,
  maxFrameRecords: 512,
  proxied: true,
};

/** Apex's Operator.ProcessingMode. */
export type ProcessingMode = 'AT_LEAST_ONCE' | 'AT_MOST_ONCE' | 'EXACTLY_ONCE';

/**
 * faultline's guarantees as Apex processing modes. `exactly-once` is EXACTLY_ONCE (a checkpoint every window)
 * plus the exactly-once output operator (one Kafka transaction per window, windows already written skipped).
 */
export function processingModeFor(guarantee: Guarantee): ProcessingMode {
  if (guarantee === 'at-most-once') return 'AT_MOST_ONCE';
  if (guarantee === 'exactly-once') return 'EXACTLY_ONCE';
  return 'AT_LEAST_ONCE';
}

const INTEGER_MIN: Record<Exclude<keyof OperatorCheckpointOptions, 'proxied'>, number> = {
  windowMs: 1,
  checkpointWindowCount: 1,
  heartbeatMs: 10,
  heartbeatTimeoutS: 1,
  timeoutWindowCount: 2,
  eventSampleWindows: 1,
  sendTimeoutMs: 1,
  maxFrameRecords: 1,
};

export function parseOperatorCheckpointOptions(raw: Record<string, unknown>): OperatorCheckpointOptions {
  const out = parseEngineOptions('operator-checkpoint', APEX_DEFAULTS, raw, (k, value, parsed) => {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < INTEGER_MIN[k]) {
      throw new BadInputError(
        `operator-checkpoint option ${k} must be an integer ≥ ${INTEGER_MIN[k]}, got ${JSON.stringify(value)}`,
        { fix: `Apex's default is ${APEX_DEFAULTS[k]}` },
      );
    }
    parsed[k] = n;
  });
  // Apex caps the window id's low 32 bits (WindowGenerator.MAX_WINDOW_WIDTH); a window wider than a minute
  // is a typo here, not a design.
  if (out.windowMs > 60_000)
    throw new BadInputError(`operator-checkpoint option windowMs must be ≤ 60000, got ${out.windowMs}`);
  return out;
}
