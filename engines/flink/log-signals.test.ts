import { describe, expect, it } from 'vitest';
import { jobManagerLogEvent, logTimeUs } from './log-signals.ts';

// Lines as Flink 1.20.3's JobManager wrote them in a kill-worker run (run kill-worker--flink--exactly-once--r0).
const JOB = 'faultline-kill-worker--flink--exactly-once--r0 (548101c156c04f439f523264053807b7)';
const EG = 'INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] -';
const CC = 'INFO  org.apache.flink.runtime.checkpoint.CheckpointCoordinator    [] -';
const now = new Date(2026, 10, 30, 11, 47, 0);
const at = (h: number, m: number, s: number, ms: number) =>
  new Date(2026, 10, 30, h, m, s, ms).getTime() * 1000;

describe('the JobManager log as events', () => {
  it('turns every job state switch and every restore into an event at the line time', () => {
    expect(
      jobManagerLogEvent(`11:46:52,403 ${EG} Job ${JOB} switched from state RUNNING to RESTARTING.`, now),
    ).toEqual({ at: at(11, 46, 52, 403), type: 'job.restarting', state: 'RESTARTING', from: 'RUNNING' });
    expect(
      jobManagerLogEvent(`11:46:53,445 ${EG} Job ${JOB} switched from state RESTARTING to RUNNING.`, now),
    ).toMatchObject({ at: at(11, 46, 53, 445), type: 'job.running' });
    expect(
      jobManagerLogEvent(
        `11:46:53,447 ${CC} Restoring job 548101c156c04f439f523264053807b7 from Checkpoint 19 @ 1796039212069 for 548101c156c04f439f523264053807b7 located at file:/x.`,
        now,
      ),
    ).toEqual({ at: at(11, 46, 53, 447), type: 'task.restored', checkpoint: 19 });
  });

  it("leaves a task's own state switches and other lines alone", () => {
    const task = `11:46:28,750 ${EG} Source: source (1/2) (6cf7_e5a7_0_0) switched from CREATED to SCHEDULED.`;
    expect(jobManagerLogEvent(task, now)).toBeNull();
    expect(jobManagerLogEvent(`11:46:28,680 ${CC} No checkpoint found during restore.`, now)).toBeNull();
    expect(
      jobManagerLogEvent(`11:46:28,733 ${EG} Job ${JOB} switched from state CREATED to CREATED.`, now),
    ).toBeNull();
  });

  it('puts a time just before midnight on the day before', () => {
    const justAfter = new Date(2026, 11, 1, 0, 0, 1);
    expect(logTimeUs('23', '59', '59', '900', justAfter)).toBe(
      new Date(2026, 10, 30, 23, 59, 59, 900).getTime() * 1000,
    );
    expect(logTimeUs('00', '00', '00', '500', justAfter)).toBe(
      new Date(2026, 11, 1, 0, 0, 0, 500).getTime() * 1000,
    );
  });
});
