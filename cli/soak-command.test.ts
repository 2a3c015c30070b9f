import { describe, expect, it } from 'vitest';
import type { SoakAttempt } from '../harness/index.ts';
import { runLine } from './soak-command.ts';

const kill = { kind: 'kill', target: 'score[0]', at: 2, params: {} };
const pause = { kind: 'pause', target: 'sink[0]', at: 3, for: 2, params: {} };
const run = (over: Partial<SoakAttempt>): SoakAttempt => ({
  id: 'seed-4',
  seed: 4,
  scheduleFile: 'schedules/seed-4.yaml',
  runDir: 'runs/seed-4',
  faults: [kill, pause],
  status: 'done',
  seconds: 43.2,
  ...over,
});

describe("the soak's line per run", () => {
  it('says the verdict and what shows the faults happened', () => {
    const done = run({
      verdict: true,
      evidence: { injected: { kill: 1 }, detected: { kill: 1 }, workersRestarted: 1 },
    });
    expect(runLine(done, 'end', 'schedule 4 of 9 (seed 4)', Date.now())).toBe(
      'schedule 4 of 9 (seed 4): guarantee held · 1/2 injected, 1 detected, 1 worker restarted (43.2 s)\n',
    );
    const violated = run({
      verdict: false,
      evidence: { injected: { kill: 1, pause: 1 }, detected: {}, workersRestarted: 0 },
    });
    expect(runLine(violated, 'end', 'seed 4', Date.now())).toBe(
      'seed 4: GUARANTEE VIOLATED · 2/2 injected, 0 detected (43.2 s)\n',
    );
    expect(runLine(run({ status: 'failed', error: 'boom' }), 'end', 'seed 4', Date.now())).toBe(
      'seed 4: HARNESS ERROR: boom (43.2 s)\n',
    );
  });
});
