/**
 * Flink's own account of a failover from the JobManager's log (its stdout, which the adapter also writes to
 * `<run>/workers/coordinator.log`): every job state switch (`Job … switched from state RUNNING to RESTARTING.`)
 * and every restore (`Restoring job … from Checkpoint 19 @ …`), at the log line's time. The REST API keeps only
 * the latest time of each state and the latest restored checkpoint, so a failover that follows another within
 * a poll (a new attempt placed on a TaskManager that is already dead fails within ~50 ms) left no trace there:
 * the log has every one. Log times are the JVM's local wall clock, HH:mm:ss,SSS (log4j2-faultline.properties).
 */
import type { NewEngineEvent } from '../../core/types.ts';

/** The job's own switch; a task's reads "switched from X to Y" without "state". */
const STATE_SWITCH = /^(\d\d):(\d\d):(\d\d),(\d{3}) .* - Job .* switched from state (\w+) to (\w+)\.$/;
const RESTORE =
  /^(\d\d):(\d\d):(\d\d),(\d{3}) .*CheckpointCoordinator.* Restoring job \S+ from Checkpoint (\d+) @/;

const EVENT_OF_STATE: Record<string, 'job.restarting' | 'job.running' | 'job.cancelled'> = {
  RESTARTING: 'job.restarting',
  RUNNING: 'job.running',
  CANCELED: 'job.cancelled',
  FAILED: 'job.cancelled',
};

/**
 * µs since the epoch of a log time of day, on the local date of `now` (the line was just written); a time
 * more than a minute ahead of `now` belongs to the day before (a line written just before midnight).
 */
export function logTimeUs(h: string, m: string, s: string, ms: string, now: Date): number {
  const at = new Date(now);
  at.setHours(Number(h), Number(m), Number(s), Number(ms));
  if (at.getTime() > now.getTime() + 60_000) at.setDate(at.getDate() - 1);
  return at.getTime() * 1000;
}

/** The event a JobManager log line stands for, or null. */
export function jobManagerLogEvent(line: string, now: Date): (NewEngineEvent & { at: number }) | null {
  const state = STATE_SWITCH.exec(line);
  if (state) {
    const type = EVENT_OF_STATE[state[6]!];
    if (!type || state[5] === state[6]) return null;
    return {
      at: logTimeUs(state[1]!, state[2]!, state[3]!, state[4]!, now),
      type,
      state: state[6],
      from: state[5],
    };
  }
  const restore = RESTORE.exec(line);
  if (restore)
    return {
      at: logTimeUs(restore[1]!, restore[2]!, restore[3]!, restore[4]!, now),
      type: 'task.restored',
      checkpoint: Number(restore[5]),
    };
  return null;
}
