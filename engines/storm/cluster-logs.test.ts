import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventJson, logFollower, parsePlacement, parseSlotLine } from './cluster-logs.ts';

describe("a Storm cluster's log lines", () => {
  it('placement lines behind the log pattern name the instance, its worker pid and slot', () => {
    const line =
      '09:01:02.345 [Thread-3] INFO  STDERR - faultline-placement {"instance":"features[1]","pid":4242,"port":6701}';
    expect(parsePlacement(line)).toEqual({ instance: 'features[1]', pid: 4242, port: 6701 });
    expect(parsePlacement('faultline-placement {"instance":"x"}')).toBeUndefined();
    expect(parsePlacement('faultline-placement {broken')).toBeUndefined();
    expect(parsePlacement('nothing here')).toBeUndefined();
  });

  it("the spout's event lines give their JSON", () => {
    expect(eventJson('INFO STDERR - faultline-event {"type":"tuple.failed"}')).toBe(
      '{"type":"tuple.failed"}',
    );
    expect(eventJson('INFO other')).toBeUndefined();
  });

  it("the supervisor's slot lines (Slot.java, BasicContainer.java wording)", () => {
    expect(
      parseSlotLine(
        '09:00:01.000 [SLOT_6701] WARN  o.a.s.d.s.Slot - SLOT 6701: main process has exited for topology: t-1-2',
      ),
    ).toEqual({ kind: 'exited', port: 6701 });
    expect(parseSlotLine('SLOT 6700: HB is too old 31000 > 30000 for topology: t-1-2')).toEqual({
      kind: 'heartbeat-timeout',
      port: 6700,
    });
    expect(
      parseSlotLine(
        'Launching worker with assignment LocalAssignment(topology_id:t-1-2, executors:[ExecutorInfo(task_start:1, task_end:1)]) for this supervisor 5c1 on port 6702 with id 9f0',
      ),
    ).toEqual({ kind: 'launching', port: 6702 });
    expect(parseSlotLine('SLOT 6700: Changing current assignment from null to …')).toBeUndefined();
  });
});

describe('the log follower', () => {
  it('hands over each complete line once, across polls, and picks up files that appear later', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fl-follow-'));
    try {
      const a = join(dir, 'a.log');
      const b = join(dir, 'b.log');
      const seen: string[] = [];
      const follower = logFollower(
        () => [a, b],
        (file, line) => seen.push(`${file === a ? 'a' : 'b'}:${line}`),
      );
      follower.poll();
      writeFileSync(a, 'one\ntw');
      follower.poll();
      appendFileSync(a, 'o\n');
      writeFileSync(b, 'three\n');
      follower.poll();
      follower.poll();
      expect(seen).toEqual(['a:one', 'a:two', 'b:three']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
