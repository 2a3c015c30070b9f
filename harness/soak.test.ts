import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadScenario } from '../scenarios/schema.ts';
import type { RunInfra } from './provider.ts';
import type { RunOptions } from './runner.ts';
import { ddmin, defaultSoakSpec, formatSoak, runSoak, type SoakFile } from './soak.ts';
import type { RunSummary } from './summary.ts';

/** A probe over a pure predicate, counting the runs it would take. */
const probe = (fails: (kept: number[]) => boolean, budget = Number.POSITIVE_INFINITY) => {
  const tried: number[][] = [];
  return {
    tried,
    fn: async (kept: number[]) => {
      if (tried.length >= budget) return 'budget' as const;
      tried.push(kept);
      return fails(kept);
    },
  };
};

describe('ddmin (shrinking a violating fault schedule)', () => {
  it('finds the one fault that matters among several', async () => {
    const p = probe((kept) => kept.includes(3));
    let smallest = [0, 1, 2, 3, 4];
    expect(await ddmin(smallest, p.fn, (k) => (smallest = k))).toBe('minimal');
    expect(smallest).toEqual([3]);
    expect(p.tried.length).toBeLessThanOrEqual(4);
  });

  it('keeps two faults that only violate together', async () => {
    const p = probe((kept) => kept.includes(1) && kept.includes(4));
    let smallest = [0, 1, 2, 3, 4, 5];
    await ddmin(smallest, p.fn, (k) => (smallest = k));
    expect(smallest).toEqual([1, 4]);
  });

  it('stops when the budget of runs is spent, keeping the smallest so far', async () => {
    const p = probe((kept) => kept.includes(2), 2);
    let smallest = [0, 1, 2, 3];
    expect(await ddmin(smallest, p.fn, (k) => (smallest = k))).toBe('budget');
    expect(smallest).toEqual([2, 3]);
  });

  it('a schedule of one fault is already minimal: no run', async () => {
    const p = probe(() => true);
    expect(await ddmin([7], p.fn)).toBe('minimal');
    expect(p.tried).toEqual([]);
  });
});

describe('runSoak bookkeeping (with a stand-in for the runner)', () => {
  const temps: string[] = [];
  afterEach(() => {
    for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('writes each schedule as a replayable file, shrinks violations, and resumes after an interruption', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'faultline-soak-unit-')), 'soak');
    temps.push(join(dir, '..'));
    const spec = defaultSoakSpec({
      engine: 'ack-tree',
      guarantee: 'at-least-once',
      schedules: 3,
      seed: 9,
      durationS: 10,
      kinds: ['kill', 'latency'],
      maxFaults: 3,
      shrinkRuns: 4,
    });
    const calls: string[] = [];
    const controller = new AbortController();
    // "Violates" when the schedule kills a worker, as ack-tree without ackers does.
    const runner = async (o: RunOptions) => {
      calls.push(o.runId!);
      if (calls.length === 2) controller.abort();
      const scenario = loadScenario(o.scenario as string);
      const held = !scenario.faults.some((f) => f.kind === 'kill' && f.target !== 'coordinator');
      const summary = {
        verdict: { guaranteeHeld: held, notes: held ? [] : ['ids lost'] },
        counts: {
          produced: 10,
          delivered: 9,
          unique: 9,
          lost: held ? 0 : 1,
          duplicated: 0,
          unexpected: 0,
          incorrect: 0,
        },
        // Every scheduled fault injected, but the latency ones; a kill detected, the engine restarting a worker.
        faults: scenario.faults
          .filter((f) => f.kind !== 'latency')
          .map((f) => ({ kind: f.kind, target: f.target, at: f.at, until: null })),
        recovery: scenario.faults
          .filter((f) => f.kind !== 'latency')
          .map((f) => ({
            fault: `${f.kind} ${f.target}`,
            detectedMs: f.kind === 'kill' ? 500 : null,
            firstOutputMs: 0,
            recoveredMs: 3000,
          })),
        blastRadius: { workersRestarted: scenario.faults.some((f) => f.kind === 'kill') ? 1 : 0 },
      } as unknown as RunSummary;
      return { summary };
    };
    const infra = {} as RunInfra; // never touched: the stand-in runner needs no services
    const first = await runSoak({ spec, dir, runner, infra, signal: controller.signal });
    expect(calls).toEqual(['seed-9', 'seed-9-shrink-1']);
    const saved = JSON.parse(readFileSync(join(dir, 'soak.json'), 'utf8')) as SoakFile;
    expect(saved).toEqual(first.file);
    expect(saved.runs[0]!.verdict).toBe(false);
    expect(saved.runs[0]!.shrink!.attempts[0]!.status).toBe('pending');
    expect(saved.runs[1]!.status).toBe('pending');

    const { file } = await runSoak({ spec, dir, runner, infra });
    // The interrupted shrink run runs again; nothing finished runs twice.
    expect(calls.slice(2, 3)).toEqual(['seed-9-shrink-1']);
    expect(calls.filter((c) => c === 'seed-9')).toHaveLength(1);
    for (const run of file.runs) {
      expect(run.status).toBe('done');
      // The schedule file holds exactly the drawn schedule, with the seed: the replay command reproduces it.
      const replayed = loadScenario(join(dir, run.scheduleFile));
      expect(replayed.faults).toEqual(run.faults);
      expect(replayed.seed).toBe(run.seed);
      expect(replayed.engineOptions['ack-tree']).toMatchObject({ messageTimeoutS: 5 });
    }
    const nine = file.runs[0]!;
    expect(nine.shrink!.smallest.map((i) => nine.faults[i]!.kind)).toEqual(['kill']);
    expect(existsSync(join(dir, nine.shrink!.attempts.at(-1)!.scheduleFile))).toBe(true);
    const text = formatSoak(file, dir);
    expect(text).toMatch(/runs 3 {3}held \d {3}violated \d/);
    expect(text).toContain(`--scenario ${join(dir, 'schedules/seed-9.yaml')} --seed 9`);
    expect(text).not.toContain("the collector's");
    // What shows the faults happened, summed over the three schedules (not the shrink runs).
    const scheduled = (kind: string) =>
      file.runs.flatMap((r) => r.faults).filter((f) => f.kind === kind).length;
    const kills = scheduled('kill');
    const latencies = scheduled('latency');
    const restarting = file.runs.filter((r) => r.faults.some((f) => f.kind === 'kill')).length;
    expect(kills).toBeGreaterThan(0);
    expect(latencies).toBeGreaterThan(0);
    expect(text).toContain(
      `evidence: faults injected ${kills} of ${kills + latencies} scheduled: kill ${kills}, ${kills} detected by the engine; ` +
        `latency 0 of ${latencies}, 0 detected. The engine restarted workers in ${restarting} of 3 runs`,
    );
    expect(text).toContain(`recovery: ${kills} measured (min 3 s, median 3 s, p90 3 s, max 3 s), 0 censored`);

    // A run whose collector lost its consumer says so in the soak's result, with its seed.
    file.runs[1]!.collector = { crashes: 1, replacements: 1, notReadingMs: 7300, readAgain: true };
    expect(formatSoak(file, dir)).toContain(
      `the collector's Kafka consumer crashed or stalled in 1 run (seeds ${file.runs[1]!.seed}; 1 crash, 1 replaced); it read on in every one`,
    );
  });

  it('a tail runs the load on after the faults: same schedules, a longer run, and the summary says so', async () => {
    const root = mkdtempSync(join(tmpdir(), 'faultline-soak-unit-'));
    temps.push(root);
    const held = async () => ({
      summary: {
        verdict: { guaranteeHeld: true, notes: [] },
        counts: { produced: 1, delivered: 1, unique: 1, lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 },
        faults: [],
        recovery: [],
        blastRadius: { workersRestarted: 0 },
      } as unknown as RunSummary,
    });
    const infra = {} as RunInfra;
    const spec = (tailS?: number) =>
      defaultSoakSpec({
        engine: 'ack-tree',
        schedules: 2,
        seed: 4,
        durationS: 10,
        ...(tailS ? { tailS } : {}),
      });
    const plain = await runSoak({ spec: spec(), dir: join(root, 'plain'), runner: held, infra });
    const tailed = await runSoak({ spec: spec(8), dir: join(root, 'tailed'), runner: held, infra });
    expect(tailed.file.runs.map((r) => r.faults)).toEqual(plain.file.runs.map((r) => r.faults));
    for (const r of tailed.file.runs) {
      expect(loadScenario(join(tailed.dir, r.scheduleFile)).durationS).toBe(18);
    }
    expect(formatSoak(tailed.file, tailed.dir)).toContain('· 10 s each + 8 s without new faults ·');
    await expect(runSoak({ spec: spec(-1), dir: join(root, 'bad'), runner: held, infra })).rejects.toThrow(
      '--tail must be 0 or more seconds, got -1',
    );
  });
});
