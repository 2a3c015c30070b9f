/**
 * operator-checkpoint options, with Apache Apex's defaults (DAGContext / OperatorContext attributes):
 * STREAMING_WINDOW_SIZE_MILLIS 500, CHECKPOINT_WINDOW_COUNT 60 (a checkpoint every 30 s),
 * HEARTBEAT_INTERVAL_MILLIS 1000, the heartbeat timeout of 30 s after which STRAM declares a container
 * lost, and TIMEOUT_WINDOW_COUNT 120 (an operator whose window has not moved for 120 windows is blocked).
 * Tests and catalogue scenarios scale them down explicitly. Processing modes follow the guarantee unless
 * `processingModes` sets them per operator (PROCESSING_MODE attributes, validated as Apex validates a DAG).
 */
import { BadInputError } from '../../core/errors.ts';
import type { Guarantee } from '../../core/types.ts';
import { parseEngineOptions } from '../runtime/options.ts';
import { OPERATORS, type OperatorName } from '../runtime/topology.ts';
import {
  effectiveProcessingModes,
  PROCESSING_MODES,
  type ProcessingMode,
  STANDARD_DAG,
  validateProcessingModes,
} from './processing-mode.ts';

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
  /**
   * PROCESSING_MODE set per logical operator, on top of the guarantee's (processing-mode.ts). Given as
   * `features:EXACTLY_ONCE,score:AT_MOST_ONCE` (CLI `-o processingModes=...`) or as a YAML mapping; parsed
   * with the run's guarantee, it holds every operator's effective mode.
   */
  processingModes: Partial<Record<OperatorName, ProcessingMode>>;
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
  processingModes: {},
};

const INTEGER_MIN: Record<Exclude<keyof OperatorCheckpointOptions, 'proxied' | 'processingModes'>, number> = {
  windowMs: 1,
  checkpointWindowCount: 1,
  heartbeatMs: 10,
  heartbeatTimeoutS: 1,
  timeoutWindowCount: 2,
  eventSampleWindows: 1,
  sendTimeoutMs: 1,
  maxFrameRecords: 1,
};

/**
 * Parses and validates the options; with the run's guarantee, also the processing modes it gives every
 * operator (an invalid combination is bad input, with Apex's rule and the fix).
 */
export function parseOperatorCheckpointOptions(
  raw: Record<string, unknown>,
  guarantee?: Guarantee,
): OperatorCheckpointOptions {
  const out = parseEngineOptions('operator-checkpoint', APEX_DEFAULTS, raw, (k, value, parsed) => {
    if (k === 'processingModes') {
      parsed.processingModes = parseProcessingModes(value);
      return;
    }
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
  // With the guarantee, every operator's mode as the run will use it (what scenario.json records).
  if (guarantee) out.processingModes = effectiveProcessingModes(guarantee, out.processingModes);
  else validateProcessingModes(STANDARD_DAG, out.processingModes);
  return out;
}

/** `features:EXACTLY_ONCE,score:AT_MOST_ONCE`, or a mapping operator → mode; modes in any case. */
function parseProcessingModes(value: unknown): Partial<Record<OperatorName, ProcessingMode>> {
  const usage = {
    fix:
      `give operator:MODE pairs separated by commas, e.g. processingModes=features:AT_MOST_ONCE; operators: ` +
      `${OPERATORS.join(', ')}; modes: ${PROCESSING_MODES.join(', ')}`,
  };
  let pairs: [string, unknown][];
  if (typeof value === 'string') {
    pairs = [];
    for (const item of value.split(',').map((x) => x.trim())) {
      if (item === '') continue;
      const colon = item.indexOf(':');
      if (colon <= 0)
        throw new BadInputError(
          `operator-checkpoint option processingModes: "${item}" is not operator:MODE`,
          usage,
        );
      pairs.push([item.slice(0, colon).trim(), item.slice(colon + 1).trim()]);
    }
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    pairs = Object.entries(value);
  } else {
    throw new BadInputError(
      `operator-checkpoint option processingModes must be operator:MODE pairs, got ${JSON.stringify(value)}`,
      usage,
    );
  }
  const out: Partial<Record<OperatorName, ProcessingMode>> = {};
  for (const [operator, mode] of pairs) {
    if (!(OPERATORS as readonly string[]).includes(operator))
      throw new BadInputError(`operator-checkpoint option processingModes: no operator "${operator}"`, usage);
    const m = typeof mode === 'string' ? mode.toUpperCase() : mode;
    if (!(PROCESSING_MODES as readonly unknown[]).includes(m))
      throw new BadInputError(
        `operator-checkpoint option processingModes: ${JSON.stringify(mode)} is not a processing mode`,
        usage,
      );
    if (operator in out)
      throw new BadInputError(
        `operator-checkpoint option processingModes: ${operator} is given twice`,
        usage,
      );
    out[operator as OperatorName] = m as ProcessingMode;
  }
  return out;
}
