import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultSoakSpec,
  formatSoakRecovery,
  SOAK_SCHEMA,
  type SoakFile,
  type SoakRun,
  soakRecovery,
} from '../harness/index.ts';
import { writeReport } from './report.ts';

const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

const kill = { kind: 'kill', target: 'score[0]', at: 2.2, params: {} };
const latency = {
  kind: 'latency',
  target: 'link:source[0]->features[0]',
  at: 1.3,
  for: 1.7,
  params: { latency: 20 },
};
const base = (seed: number, status: SoakRun['status']): SoakRun => ({
  index: seed - 1,
  id: `seed-${seed}`,
  seed,
  scheduleFile: `schedules/seed-${seed}.yaml`,
  runDir: `runs/seed-${seed}`,
  faults: [latency, kill],
  status,
});
const counts = {
  produced: 100,
  delivered: 90,
  unique: 90,
  lost: 10,
  duplicated: 0,
  unexpected: 0,
  incorrect: 0,
};

/** A soak of four schedules: held, violated (shrunk to the kill), unknown, a harness error. */
function soakFile(): SoakFile {
  return {
    schema: SOAK_SCHEMA,
    startedAt: '2026-11-30T05:00:00.000Z',
    spec: defaultSoakSpec({ engine: 'ack-tree', guarantee: 'at-least-once', schedules: 4, seed: 1 }),
    wallS: 240,
    runs: [
      { ...base(1, 'done'), verdict: true, recovery: [{ fault: 'kill score[0]', recoveredMs: 3200 }] },
      {
        ...base(2, 'done'),
        verdict: false,
        counts,
        reasons: ['10 ids lost'],
        evidence: { injected: { kill: 1 }, detected: { kill: 1 }, workersRestarted: 1 },
        recovery: [{ fault: 'kill score[0]', recoveredMs: null, censored: 'load ended 8 s after the fault' }],
        shrink: {
          attempts: [
            {
              ...base(2, 'done'),
              id: 'seed-2-shrink-1',
              scheduleFile: 'schedules/seed-2-shrink-1.yaml',
              faults: [kill],
              kept: [1],
              verdict: false,
            },
          ],
          smallest: [1],
          finished: true,
          budgetSpent: false,
        },
      },
      {
        ...base(3, 'done'),
        verdict: 'unknown',
        reasons: ['error (fault inject): kill score[0]: not running'],
        recovery: [{ fault: 'kill score[0]', recoveredMs: 12_500 }],
      },
      { ...base(4, 'failed'), error: 'workers not ready after 60000 ms' },
    ],
  };
}

describe('the soak section of the report', () => {
  it('counts a recovery no run could decide as unknown, not never', () => {
    const file = soakFile();
    const entry = (r: Partial<NonNullable<SoakRun['recovery']>[number]>) => ({
      fault: 'kill score[0]',
      recoveredMs: null,
      ...r,
    });
    file.runs[0]!.recovery = [
      entry({ recoveredMs: 3200 }),
      entry({ reason: 'backlog never delivered: records intended before the fault never arrived' }),
      entry({
        undecided: "records … were not read by the run's end, which does not show they never arrive: …",
      }),
      entry({ unobserved: 'the collector was not reading from 3.0 s to 9.0 s' }),
    ];
    const totals = soakRecovery(file);
    // The fixture's other runs: one recovery measured (12.5 s), one censored.
    expect(totals).toMatchObject({ recovered: 2, censored: 1, never: 1, unknown: 2 });
    expect(formatSoakRecovery(totals)).toContain(
      '1 censored (the load ended first), 1 never (records owed never arrived), 2 unknown (the collector was not reading, the drain ended too soon to tell, or no pre-fault baseline)',
    );
  });

  it('a soak folder renders: violations first with replay and shrunk schedule, then counts, unknowns, recovery', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-soak-report-'));
    temps.push(dir);
    mkdirSync(join(dir, 'runs'));
    writeFileSync(join(dir, 'soak.json'), JSON.stringify(soakFile()));
    // Seed 1 ran before soak.json kept evidence: the report reads it from the run's summary.json. Seed 3 has neither.
    mkdirSync(join(dir, 'runs/seed-1'));
    writeFileSync(
      join(dir, 'runs/seed-1/summary.json'),
      JSON.stringify({
        faults: [
          { kind: 'latency', target: latency.target, at: 6.3, until: 8 },
          { kind: 'kill', target: 'score[0]', at: 7.2, until: null },
        ],
        recovery: [
          { fault: `latency ${latency.target}`, detectedMs: null, recoveredMs: 100 },
          { fault: 'kill score[0]', detectedMs: 400, recoveredMs: 3200 },
        ],
        blastRadius: { workersRestarted: 1 },
      }),
    );
    const { markdownPath, htmlPath, model } = writeReport({ paths: [dir] });
    const md = readFileSync(markdownPath, 'utf8');
    expect(model.soaks).toHaveLength(1);
    const s = model.soaks[0]!;
    expect(s.totals).toEqual({ runs: 3, held: 1, violated: 1, unknown: 1, harnessErrors: 1, pending: 0 });
    expect(s.violations[0]!.shrunk?.faults).toEqual(['kill score[0] at 2.2 s']);
    expect(s.recovery).toMatchObject({
      recovered: 2,
      censored: 1,
      never: 0,
      quantilesS: { min: 3.2, max: 12.5 },
    });
    const at = (text: string) => md.indexOf(text);
    expect(at('### Violations (1)')).toBeGreaterThan(0);
    expect(at('### Violations (1)')).toBeLessThan(at('| engine | guarantee | runs |'));
    expect(md).toContain(`--scenario ${join(dir, 'schedules/seed-2.yaml')} --seed 2`);
    expect(md).toContain(`--scenario ${join(dir, 'schedules/seed-2-shrink-1.yaml')} --seed 2`);
    expect(md).toContain('| ack-tree | at-least-once | 3 | 1 | 1 | 1 | 1 | 0 | 4 min |');
    expect(md).toContain('unknown, seed 3: error (fault inject)');
    expect(md).toContain('harness error, seed 4: workers not ready');
    expect(md).toContain('| faults | 0 | 1 | 0 | 1 | 0 |');
    expect(md).toContain(
      'Evidence: faults injected 3 of 4 scheduled: kill 2, 2 detected by the engine; latency 1 of 2, 0 detected. ' +
        'The engine restarted workers in 2 of 2 runs; 1 run has no summary to show it.',
    );
    const html = readFileSync(htmlPath, 'utf8');
    expect(html).toContain('Soak: ack-tree · at-least-once');
    expect(html.indexOf('Violations (1)')).toBeLessThan(html.indexOf('<th>held</th>'));
  });
});
