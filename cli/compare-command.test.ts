/**
 * `faultline compare` end to end: the real binary on two small matrix directories written to a temp dir
 * (hand-made summaries, two repeats per cell), checking the exit codes 0 (no rule failed), 1 (B worse beyond a
 * rule) and 2 (bad input) and what each prints.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type HandMadeRun, handMadeRun } from '../dashboards/fixtures/hand-made-runs.ts';
import { runCli } from '../test/helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'faultline-compare-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A matrix directory (matrix.json + runs/) holding the given runs as finished cells. */
function writeMatrix(name: string, runs: HandMadeRun[]): string {
  const dir = join(root, name);
  const cells = runs.map((spec, i) => {
    const run = handMadeRun(spec);
    const runDir = join('runs', run.summary.runId);
    mkdirSync(join(dir, runDir), { recursive: true });
    writeFileSync(join(dir, runDir, 'summary.json'), JSON.stringify(run.summary));
    writeFileSync(join(dir, runDir, 'scenario.json'), JSON.stringify(run.scenario));
    const { engine, guarantee, scenario } = run.summary;
    return {
      id: `${engine}/${guarantee}/${scenario}/${i + 1}`,
      engine,
      guarantee,
      scenario,
      repeat: i + 1,
      status: 'done',
      runDir,
    };
  });
  const matrix = { schema: 'faultline/matrix@1', name, startedAt: '2026-11-30T00:00:00.000Z', cells };
  writeFileSync(join(dir, 'matrix.json'), JSON.stringify(matrix));
  return dir;
}

const steady = (p99: number, p50 = 50): HandMadeRun => ({ latencyMs: { p50, p99, p999: p99 + 20 } });
const base = writeMatrix('base', [steady(200), steady(204), steady(198)]);
const same = writeMatrix('same', [steady(201), steady(199), steady(203)]);
const slower = writeMatrix('slower', [steady(262), steady(266), steady(259)]);

describe('faultline compare', () => {
  it('exits 0 on repeats of the same configuration and shows the table', async () => {
    const r = await runCli(['compare', base, same, '--fail-on', 'p99:+20%,lost:>0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('## steady · barrier-snapshot · exactly-once');
    expect(r.stdout).toContain('| p99 ms | 200 [198–204] | 201 [199–203] | +1.00 | +0.5 % |');
    expect(r.stdout).toContain('**passed**: `p99:+20%`, `lost:>0` held in 1 paired cell.');
  });

  it('exits 0 comparing a result with itself, every change zero', async () => {
    const r = await runCli(['compare', base, base, '--fail-on', 'p99:+20%', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.schema).toBe('faultline/compare@1');
    expect(doc.passed).toBe(true);
    const differences = doc.cells[0].figures.map((f: { difference: number | null }) => f.difference);
    expect(differences.filter((d: number | null) => d !== null && d !== 0)).toEqual([]);
  });

  it('exits 1 when B is 30 % worse, naming the cell and the rule', async () => {
    const out = join(root, 'slower.md');
    const r = await runCli(['compare', base, slower, '--fail-on', 'p99:+20%', '--out', out]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('FAILED: B is worse than A beyond p99:+20%');
    const md = readFileSync(out, 'utf8');
    expect(md).toMatch(
      /- ✗ steady · barrier-snapshot · exactly-once: `p99:\+20%`: interval of the change \[\+.* lies wholly beyond \+40\.0 ms \(20 % of A\)/,
    );
  });

  it('exits 2 on bad rule syntax, naming the rule and the accepted syntax', async () => {
    const r = await runCli(['compare', base, slower, '--fail-on', 'p99:+20']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad --fail-on rule "p99:+20": p99 is a time: give ms or s');
    expect(r.stderr).toContain('fix: write <figure>:<threshold>');
    expect(r.stdout).toBe('');
  });

  it('exits 2 when no cell pairs, naming the variant field that keeps them apart', async () => {
    const faster = writeMatrix('faster', [{ ...steady(200), rate: 1000 }]);
    const r = await runCli(['compare', base, faster]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no cell of A pairs with a cell of B (they differ in rate)');
    expect(r.stderr).toContain('add --ignore-variant rate');
  });

  it('exits 2 on a path that does not exist', async () => {
    const r = await runCli(['compare', base, join(root, 'nowhere')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nowhere does not exist');
  });
});
