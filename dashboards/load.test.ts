import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BadInputError, EXIT } from '../core/errors.ts';
import { loadReportInput, parseSeries } from './load.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/matrix-small/', import.meta.url));
const FLINK_KILL = '20261125-085303-barrier-snapshot-kill-worker-f401';
const ACK_STEADY = '20261125-083814-ack-tree-steady-93ba';

const temps: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'faultline-load-'));
  temps.push(d);
  return d;
}
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A copy of one fixture run under `parent`, without the files named in `drop`. */
function copyRun(parent: string, runId: string, drop: string[] = []): string {
  const dir = join(parent, runId);
  cpSync(join(FIXTURE, 'runs', runId), dir, { recursive: true });
  for (const f of drop) rmSync(join(dir, f));
  return dir;
}

function badInput(fn: () => unknown): BadInputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BadInputError);
    expect((e as BadInputError).exitCode).toBe(EXIT.badInput);
    return e as BadInputError;
  }
  throw new Error('expected a BadInputError');
}

describe('loadReportInput: a matrix directory', () => {
  it('loads every done cell and lists failed and pending cells as left out', () => {
    const input = loadReportInput([FIXTURE]);
    expect(input.runs).toHaveLength(5);
    expect(input.matrices).toMatchObject([{ name: 'fixture-small', cells: 7 }]);
    expect(input.skipped.map((s) => s.reason)).toEqual([
      'failed: harness failed: the engine did not become ready within 60000 ms',
      'pending: the matrix has not run it (yet)',
    ]);
    const run = input.runs.find((r) => r.summary.runId === FLINK_KILL)!;
    expect(run.cell).toMatchObject({ matrix: 'fixture-small', repeat: 1, status: 'done' });
    expect(run.warnings).toEqual([]);
  });

  it('reads the time series, the hlog after warm-up, the events and the run start', () => {
    const run = loadReportInput([join(FIXTURE, 'runs', FLINK_KILL)]).runs[0]!;
    expect(run.series[0]).toEqual({ second: 0, outputs: 59, p50Ms: 167.551, p99Ms: 227.455, maxMs: 227.428 });
    expect(run.series.find((r) => r.second === 18)).toMatchObject({ outputs: 0, p99Ms: null });
    expect(run.latency!.totalCount).toBeGreaterThan(0);
    // Warm-up intervals are left out: fewer values than outputs in the whole series.
    const allOutputs = run.series.reduce((a, r) => a + r.outputs, 0);
    expect(run.latency!.totalCount).toBeLessThan(allOutputs);
    const hlog = readFileSync(join(run.dir, 'latency.hlog'), 'utf8');
    const startS = Number(/StartTime: ([0-9.]+)/.exec(hlog)![1]);
    expect(run.runStartUs).toBe(Math.round(startS * 1e6));
    // The kill's event sits where summary.faults says it happened (seconds from run start).
    const inject = run.events.find((e) => e.type === 'fault.inject')!;
    expect((inject.at - run.runStartUs!) / 1e6).toBeCloseTo(run.summary.faults[0]!.at, 1);
  });

  it('refuses a done cell whose run has no summary.json, naming the cell and the fix', () => {
    const dir = tempDir();
    cpSync(FIXTURE, dir, { recursive: true });
    rmSync(join(dir, 'runs', FLINK_KILL, 'summary.json'));
    const e = badInput(() => loadReportInput([dir]));
    expect(e.message).toContain('barrier-snapshot/exactly-once/kill-worker/1');
    expect(e.message).toContain('has no summary.json');
    expect(e.fix).toContain('pending');
  });

  it('refuses a matrix.json of another schema', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'matrix.json'), JSON.stringify({ schema: 'other@1', cells: [] }));
    expect(badInput(() => loadReportInput([dir])).message).toContain('is not a faultline matrix');
  });
});

describe('loadReportInput: run directories and folders of runs', () => {
  it('refuses a path that does not exist', () => {
    const e = badInput(() => loadReportInput(['/nowhere/at/all']));
    expect(e.message).toBe('/nowhere/at/all does not exist');
    expect(e.fix).toContain('results/');
  });

  it('refuses a directory that is neither a run nor a matrix and holds no runs', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'something-else'));
    expect(badInput(() => loadReportInput([dir])).message).toBe(
      `${dir} is neither a run nor a matrix directory and holds no runs`,
    );
  });

  it('refuses a run directory named explicitly that has no summary.json', () => {
    const run = copyRun(tempDir(), ACK_STEADY, ['summary.json']);
    const e = badInput(() => loadReportInput([run]));
    expect(e.message).toContain(`${run} is a run directory without summary.json`);
    expect(e.fix).toContain('run it again');
  });

  it('skips an unfinished run found in a folder, and still loads the rest', () => {
    const dir = tempDir();
    copyRun(dir, ACK_STEADY, ['summary.json']);
    copyRun(dir, FLINK_KILL);
    mkdirSync(join(dir, 'bench-20261125-000000'));
    const input = loadReportInput([dir]);
    expect(input.runs.map((r) => r.summary.runId)).toEqual([FLINK_KILL]);
    expect(input.skipped).toEqual([
      { path: join(dir, ACK_STEADY), reason: 'no summary.json: the run did not finish' },
    ]);
  });

  it('refuses a folder whose only runs did not finish', () => {
    const dir = tempDir();
    copyRun(dir, ACK_STEADY, ['summary.json']);
    expect(badInput(() => loadReportInput([dir])).message).toContain('no finished run in');
  });

  it('loads each run once when a run and its folder are both given', () => {
    const dir = tempDir();
    const run = copyRun(dir, FLINK_KILL);
    expect(loadReportInput([dir, run, join(run, 'summary.json')]).runs).toHaveLength(1);
  });

  it('names a damaged summary.json', () => {
    const run = copyRun(tempDir(), FLINK_KILL);
    writeFileSync(join(run, 'summary.json'), '{"schema": "faultline/run-sum');
    const e = badInput(() => loadReportInput([run]));
    expect(e.message).toContain(`${join(run, 'summary.json')} is not valid JSON`);
  });

  it('places events by the fault event when the hlog is missing, with a warning', () => {
    const run = copyRun(tempDir(), FLINK_KILL, ['latency.hlog']);
    const loaded = loadReportInput([run]).runs[0]!;
    expect(loaded.latency).toBeNull();
    expect(loaded.warnings).toContain('latency.hlog is missing');
    const inject = loaded.events.find((e) => e.type === 'fault.inject')!;
    expect(loaded.runStartUs).toBe(inject.at - (inject.fromS as number) * 1e6);
  });

  it('keeps the whole lines of a time series cut short by a crash', () => {
    const text = 'second,outputs,p50_ms,p99_ms,max_ms\n0,10,1,2,3\n1,0,,,\n2,1';
    expect(parseSeries(text)).toEqual([
      { second: 0, outputs: 10, p50Ms: 1, p99Ms: 2, maxMs: 3 },
      { second: 1, outputs: 0, p50Ms: null, p99Ms: null, maxMs: null },
      { second: 2, outputs: 1, p50Ms: null, p99Ms: null, maxMs: null },
    ]);
  });
});
