import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatProfiles,
  HARNESS_PROFILE,
  profileHarness,
  readProfiles,
  summarizeProfile,
} from './cpu-profile.ts';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
/** A hand-made profile: 1 ms ticks; parse 3, ack 1, GC 1, idle 5. */
const profile = {
  nodes: [
    { id: 1, callFrame: frame('(root)') },
    { id: 2, callFrame: frame('parse', 'file:///w/engines/ack-tree/worker.ts', 41) },
    { id: 3, callFrame: frame('', 'file:///w/engines/ack-tree/acker.ts', 9) },
    { id: 4, callFrame: frame('(garbage collector)') },
    { id: 5, callFrame: frame('(idle)') },
  ],
  startTime: 0,
  endTime: 10_000,
  samples: [2, 2, 5, 3, 5, 5, 2, 4, 5, 5],
  timeDeltas: new Array(10).fill(1000),
};

describe('cpu profiles', () => {
  it('adds self time per function, idle left out', () => {
    expect(summarizeProfile('features[0].0', profile)).toEqual({
      worker: 'features[0].0',
      wallMs: 10,
      busyMs: 5,
      top: [
        { name: 'parse (worker.ts:42)', selfMs: 3, share: 0.6 },
        { name: '(anonymous) (acker.ts:10)', selfMs: 1, share: 0.2 },
        { name: '(garbage collector)', selfMs: 1, share: 0.2 },
      ],
    });
  });

  it('reads a folder of profiles, busiest first, and prints them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-prof-'));
    try {
      writeFileSync(
        join(dir, 'sink[0].0.cpuprofile'),
        JSON.stringify({ ...profile, samples: profile.samples.map(() => 5) }),
      );
      writeFileSync(join(dir, 'features[0].0.cpuprofile'), JSON.stringify(profile));
      writeFileSync(join(dir, 'notes.txt'), 'not a profile');
      const read = readProfiles(dir);
      expect(read.map((p) => p.worker)).toEqual(['features[0].0', 'sink[0].0']);
      expect(formatProfiles(read)).toContain(
        'features[0].0: busy 0.0 s of 0.0 s (50 %)\n   60.0 %       3 ms  parse (worker.ts:42)',
      );
      expect(readProfiles(join(dir, 'missing'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("profiles the harness's own process with V8's profiler, read back like a worker's", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-prof-'));
    try {
      const profiler = await profileHarness();
      const until = performance.now() + 150;
      let x = 0;
      const spinForProfiler = () => {
        while (performance.now() < until) x += Math.sqrt(x + 1);
      };
      spinForProfiler();
      await profiler.stop(dir);
      const [harness] = readProfiles(dir);
      expect(harness!.worker).toBe(HARNESS_PROFILE);
      expect(harness!.busyMs).toBeGreaterThan(50);
      expect(harness!.top.map((h) => h.name).join('\n')).toContain('spinForProfiler (cpu-profile.test.ts:');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
