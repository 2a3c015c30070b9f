/**
 * The report's "Real system vs model" section (issue 21): where the loaded runs hold the same scenario and
 * guarantee on a real system and on faultline's model of it (flink and barrier-snapshot), their delivery
 * profiles and recoveries side by side, the settings both ran with (equal or not), and the differences read
 * from the measured events of each run, never assumed.
 */
import { getEngine } from '../engines/index.ts';

/** Each real system and the model engine that stands for it. */
export const MODEL_OF: Readonly<Record<string, string>> = { flink: 'barrier-snapshot' };

/**
 * The settings a comparison must hold equal, under the names both engines' options use: the restore point
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

/** An engine's compared settings as it resolves them (its defaults under the scenario's engine options). */
export function comparedSettings(
  engine: string,
  rawOptions: Record<string, unknown>,
): Record<(typeof COMPARED_SETTINGS)[number], unknown> {
  const parsed = (getEngine(engine).parseOptions?.(rawOptions) ?? {}) as Record<string, unknown>;
  return Object.fromEntries(COMPARED_SETTINGS.map((k) => [k, parsed[k]])) as Record<
    (typeof COMPARED_SETTINGS)[number],
    unknown
  >;
}
