import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localLauncherWith } from '../engines/runtime/worker-launcher.ts';
import {
  formatProfiles,
  GENERATOR_PROFILE,
  HARNESS_PROFILE,
  monotonicUs,
  profileHarness,
  readProfiles,
  sampledAgainstCounted,
  summarizeProfile,
  type WorkerProfile,
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

  it('reads only the samples inside a window', () => {
    // Samples at 1..10 ms; the window 3.5..7.5 ms holds samples 4..7: parse, idle, idle, parse.
    expect(summarizeProfile('w.0', profile, 8, { fromUs: 3500, toUs: 7500 })).toEqual({
      worker: 'w.0',
      wallMs: 4,
      busyMs: 2,
      top: [
        { name: '(anonymous) (acker.ts:10)', selfMs: 1, share: 0.5 },
        { name: 'parse (worker.ts:42)', selfMs: 1, share: 0.5 },
      ],
    });
  });

  it("reads each worker's folder, its main thread as the worker, busiest first, and prints them", () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-prof-'));
    try {
      mkdirSync(join(dir, 'sink[0].0'));
      mkdirSync(join(dir, 'features[0].0'));
      const idle = JSON.stringify({ ...profile, samples: profile.samples.map(() => 5) });
      writeFileSync(join(dir, 'sink[0].0', 'CPU.20261201.101500.42.0.001.cpuprofile'), idle);
      writeFileSync(
        join(dir, 'features[0].0', 'CPU.20261201.101500.43.0.001.cpuprofile'),
        JSON.stringify(profile),
      );
      writeFileSync(join(dir, 'features[0].0', 'CPU.20261201.101500.43.1.002.cpuprofile'), idle);
      writeFileSync(join(dir, `${HARNESS_PROFILE}.cpuprofile`), idle);
      writeFileSync(join(dir, 'notes.txt'), 'not a profile');
      const read = readProfiles(dir);
      expect(read[0]!.worker).toBe('features[0].0');
      expect(read.map((p) => p.worker).sort()).toEqual([
        'features[0].0',
        'features[0].0 thread 1',
        'harness',
        'sink[0].0',
      ]);
      expect(formatProfiles(read)).toContain(
        'features[0].0: busy 0.0 s of 0.0 s (50 %)\n   60.0 %       3 ms  parse (worker.ts:42)',
      );
      // The idle loader thread is read but not printed.
      expect(formatProfiles(read)).not.toContain('features[0].0 thread 1');
      expect(formatProfiles(read)).toContain('(1 other threads under 1 % busy left out)');
      expect(readProfiles(join(dir, 'missing'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("profiles a launched worker's main thread, not only tsx's loader thread", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-prof-'));
    try {
      const entry = join(dir, 'spin.ts');
      writeFileSync(
        entry,
        'const until: number = Date.now() + 300;\nlet x = 0;\nfunction spinInWorker(): void {\n  while (Date.now() < until) x += Math.sqrt(x + 1);\n}\nspinInWorker();\n',
      );
      const from = monotonicUs();
      const launcher = localLauncherWith({ cpuProfileDir: join(dir, 'profiles') });
      const w = await launcher.launch(
        { id: 'spinner', attempt: 0, entry, config: {} },
        { logDir: join(dir, 'logs'), onMessage: () => {} },
      );
      expect(await w.exited).toBe(0);
      const read = readProfiles(join(dir, 'profiles'), 8, { fromUs: from, toUs: monotonicUs() });
      // Two threads, two profiles: neither overwrote the other (tsx's loader thread exits at its own time).
      expect(read.map((p) => p.worker).sort()).toEqual(['spinner.0', 'spinner.0 thread 1']);
      const main = read.find((p) => p.worker === 'spinner.0');
      expect(main?.busyMs).toBeGreaterThan(150);
      expect(main!.top.map((h) => h.name).join('\n')).toContain('spinInWorker (spin.ts:');
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

  describe('sampledAgainstCounted', () => {
    const busy = (worker: string, busyMs: number): WorkerProfile => ({
      worker,
      wallMs: 20_000,
      busyMs,
      top: [],
    });
    // ack-tree at 250/s on a saturated 2-core machine: 1.59 engine cores sampled, 1.19 counted by /proc.
    const saturated = [busy('sink[0].0', 16_000), busy('features[0].0', 15_800), busy(HARNESS_PROFILE, 7000)];

    it('sets the samples beside /proc per role and says where samples above the count went', () => {
      const line = sampledAgainstCounted(saturated, { wallS: 20, engineCores: 1.19, harnessCores: 0.36 });
      expect(line).toContain('engine 1.59 sampled vs 1.19 counted (≥ 0.40 waiting)');
      // 0.01 under its count: no wait claimed for the harness.
      expect(line).toContain('harness 0.35 sampled vs 0.36 counted. Samples above the count');
      expect(line).toContain('read such a self time as partly waiting, not work');
    });

    it('counts the generator thread as the harness, and says nothing of waiting where the samples are the CPU', () => {
      const quiet = [busy(GENERATOR_PROFILE, 4200), busy(HARNESS_PROFILE, 3400)];
      const line = sampledAgainstCounted(quiet, { wallS: 20, engineCores: 0, harnessCores: 0.58 });
      expect(line).toBe(
        '# cores over the window, sampled busy vs /proc: harness 0.38 sampled vs 0.58 counted',
      );
    });

    it('prints nothing without a count, and the line heads the summary when there is one', () => {
      expect(sampledAgainstCounted(saturated, undefined)).toBeUndefined();
      expect(sampledAgainstCounted(saturated, { wallS: 0, engineCores: 1, harnessCores: 1 })).toBeUndefined();
      // A JVM engine has no profiles: only the harness is set beside its count.
      const jvm = sampledAgainstCounted([busy(HARNESS_PROFILE, 7000)], {
        wallS: 20,
        engineCores: 1.3,
        harnessCores: 0.4,
      });
      expect(jvm).toBe(
        '# cores over the window, sampled busy vs /proc: harness 0.35 sampled vs 0.40 counted',
      );
      const text = formatProfiles(saturated, 5, { wallS: 20, engineCores: 1.19, harnessCores: 0.36 });
      expect(text.split('\n')[1]).toMatch(/^# cores over the window, sampled busy vs \/proc: engine 1.59/);
      expect(formatProfiles(saturated).split('\n')[1]).toBe('sink[0].0: busy 16.0 s of 20.0 s (80 %)');
    });
  });
});
