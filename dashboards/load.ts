/**
 * Loads what `faultline report` reads: run directories (summary.json, scenario.json, environment.json,
 * timeseries.csv, latency.hlog, events.jsonl), matrix directories (matrix.json, schema faultline/matrix@1,
 * whose done cells point at run directories) and plain folders that hold either (e.g. results/).
 *
 * What is named explicitly must be usable: a path that is none of the three, a run without summary.json, a
 * matrix whose done cell has no finished run, or a file that does not parse is a BadInputError naming the
 * path and the fix. What is only found by scanning a folder may be a crashed or running run (results are
 * written in phases): it is skipped and listed with the reason, so one dead run does not hide the rest.
 * Missing optional files (hlog, events, time series) leave a warning on the run, not an error.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { BadInputError } from '../core/errors.ts';
import { EV } from '../core/events.ts';
import type { EngineEvent } from '../core/types.ts';
import {
  backfillSoakEvidence,
  createLatencyHistogram,
  type Environment,
  type Histogram,
  MATRIX_SCHEMA,
  type RunSummary,
  SOAK_SCHEMA,
  type SoakFile,
  SUMMARY_SCHEMA,
  TIMESERIES_HEADER,
} from '../harness/index.ts';

/** One row of timeseries.csv: the bucket [second, second + 1) from run start; null where it had no output. */
export interface SeriesRow {
  second: number;
  outputs: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** scenario.json as the runner writes it: the scenario plus what the run resolved. Only what we read is typed. */
export interface ScenarioFile {
  name?: string;
  description?: string;
  workload?: string;
  rate?: number;
  durationS?: number;
  warmupS?: number;
  parallelism?: Record<string, number>;
  engineOptions?: Record<string, unknown>;
  [key: string]: unknown;
}

/** environment.json: the summary's environment plus what only this file records. */
export type EnvironmentFile = Partial<Environment> & { cpuModel?: string; platform?: string };

export interface MatrixCell {
  id: string;
  engine: string;
  guarantee: string;
  scenario: string;
  repeat: number;
  status: 'done' | 'failed' | 'pending';
  /** Relative to the matrix directory. */
  runDir: string;
  error?: string;
}

export interface MatrixFile {
  schema: typeof MATRIX_SCHEMA;
  name: string;
  startedAt: string;
  cells: MatrixCell[];
}

export interface LoadedRun {
  /** Absolute, symlinks resolved. */
  dir: string;
  summary: RunSummary;
  /** {} when scenario.json is missing. */
  scenario: ScenarioFile;
  /** environment.json, else the summary's environment. */
  environment: EnvironmentFile;
  series: SeriesRow[];
  /**
   * The interval histograms of latency.hlog from the end of the warm-up on, added up (µs); null without a
   * readable hlog. Intervals are by read time, the summary's percentiles by intended send time: the two can
   * differ by the outputs of the last warm-up second.
   */
  latency: Histogram | null;
  /**
   * Second 0 of the time series in µs since the epoch, to place events (µs since the epoch) on the same
   * axis. From the hlog's StartTime (what the runner's `setOrigin` writes); failing that, from a `fault.inject`
   * event (its `at` minus its `fromS`); null when neither exists.
   */
  runStartUs: number | null;
  events: EngineEvent[];
  /** The matrix cell the run belongs to, when it was loaded through a matrix. */
  cell: (MatrixCell & { matrix: string }) | null;
  /** Problems that did not stop loading (missing optional files, malformed lines). */
  warnings: string[];
}

/** A run or matrix cell left out of the report, and why. */
export interface SkippedRun {
  path: string;
  reason: string;
}

export interface LoadedMatrix {
  dir: string;
  name: string;
  startedAt: string;
  cells: number;
}

export interface LoadedSoak {
  dir: string;
  file: SoakFile;
}

export interface ReportInput {
  runs: LoadedRun[];
  skipped: SkippedRun[];
  matrices: LoadedMatrix[];
  /** Soak folders (soak.json): reported in their own section; their runs are not tradeoff-table rows. */
  soaks: LoadedSoak[];
}

const INPUT_FIX =
  'pass run directories, matrix directories (with matrix.json) or a folder of runs such as results/';

/** Loads every run reachable from `paths` (any mix of runs, matrices and folders of them), each run once. */
export function loadReportInput(paths: readonly string[]): ReportInput {
  if (paths.length === 0) throw new BadInputError('no directory given', { fix: INPUT_FIX });
  const input: ReportInput = { runs: [], skipped: [], matrices: [], soaks: [] };
  const seen = new Set<string>();
  const addRun = (run: LoadedRun) => {
    if (seen.has(run.dir)) return;
    seen.add(run.dir);
    input.runs.push(run);
  };
  for (const given of paths) {
    const path = resolve(given);
    if (!existsSync(path)) throw new BadInputError(`${given} does not exist`, { fix: INPUT_FIX });
    const dir = statSync(path).isDirectory() ? path : directoryOfNamedFile(given, path);
    const kind = directoryKind(dir);
    if (kind === 'matrix') loadMatrix(dir, input, addRun, 'explicit');
    else if (kind === 'soak') input.soaks.push(loadSoak(dir));
    else if (kind === 'run') addRun(loadRun(dir));
    else if (kind === 'unfinished-run') {
      throw new BadInputError(
        `${given} is a run directory without summary.json: the run did not finish (it crashed or is still running)`,
        { fix: 'wait for it to finish or run it again, and leave it out of the report meanwhile' },
      );
    } else {
      if (scanFolder(dir, input, addRun) === 0) {
        throw new BadInputError(`${given} is neither a run nor a matrix directory and holds no runs`, {
          fix: INPUT_FIX,
        });
      }
    }
  }
  if (input.runs.length === 0 && input.soaks.length === 0) {
    const why = input.skipped.map((s) => `\n  ${s.path}: ${s.reason}`).join('');
    throw new BadInputError(`no finished run in ${paths.join(', ')}${why}`, {
      fix: 'report on runs that finished (they have a summary.json)',
    });
  }
  input.runs.sort(
    (a, b) => a.summary.startedAt.localeCompare(b.summary.startedAt) || a.dir.localeCompare(b.dir),
  );
  return input;
}

type DirectoryKind = 'matrix' | 'soak' | 'run' | 'unfinished-run' | 'other';

/** A run directory is recognised by the files the runner writes first; summary.json comes last. */
function directoryKind(dir: string): DirectoryKind {
  if (existsSync(join(dir, 'matrix.json'))) return 'matrix';
  if (existsSync(join(dir, 'soak.json'))) return 'soak';
  if (existsSync(join(dir, 'summary.json'))) return 'run';
  if (['scenario.json', 'events.jsonl', 'timeseries.csv'].some((f) => existsSync(join(dir, f))))
    return 'unfinished-run';
  return 'other';
}

/** `report results/x/summary.json` means the run; any other file is a mistake. */
function directoryOfNamedFile(given: string, path: string): string {
  if (['summary.json', 'matrix.json', 'soak.json'].includes(basename(path))) return dirname(path);
  throw new BadInputError(`${given} is a file, not a directory`, { fix: INPUT_FIX });
}

/**
 * One level deep: runs and matrices directly inside `dir`; anything else (bench folders, files) is ignored.
 * Returns how many runs and matrices (finished or not) it found.
 */
function scanFolder(dir: string, input: ReportInput, addRun: (r: LoadedRun) => void): number {
  const children = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() || d.isSymbolicLink())
    .map((d) => join(dir, d.name))
    .sort();
  let found = 0;
  for (const child of children) {
    if (!statSync(child).isDirectory()) continue;
    const kind = directoryKind(child);
    if (kind !== 'other') found++;
    try {
      if (kind === 'matrix') loadMatrix(child, input, addRun, 'scanned');
      else if (kind === 'soak') input.soaks.push(loadSoak(child));
      else if (kind === 'run') addRun(loadRun(child));
      else if (kind === 'unfinished-run')
        input.skipped.push({ path: child, reason: 'no summary.json: the run did not finish' });
    } catch (e) {
      if (!(e instanceof BadInputError)) throw e;
      input.skipped.push({ path: child, reason: e.message });
    }
  }
  return found;
}

function loadMatrix(
  dir: string,
  input: ReportInput,
  addRun: (r: LoadedRun) => void,
  how: 'explicit' | 'scanned',
): void {
  const file = join(dir, 'matrix.json');
  const matrix = readJson<MatrixFile>(file);
  if (matrix.schema !== MATRIX_SCHEMA || !Array.isArray(matrix.cells)) {
    throw new BadInputError(`${file} is not a faultline matrix (schema ${JSON.stringify(matrix.schema)})`, {
      fix: `expected schema ${MATRIX_SCHEMA} with a cells array`,
    });
  }
  input.matrices.push({ dir, name: matrix.name, startedAt: matrix.startedAt, cells: matrix.cells.length });
  for (const cell of matrix.cells) {
    const runDir = resolve(dir, cell.runDir ?? '');
    const where = `${dir} cell ${cell.id}`;
    if (cell.status !== 'done') {
      const reason =
        cell.status === 'failed'
          ? `failed${cell.error ? `: ${cell.error}` : ''}`
          : 'pending: the matrix has not run it (yet)';
      input.skipped.push({ path: where, reason });
      continue;
    }
    if (!existsSync(join(runDir, 'summary.json'))) {
      const problem = `${where} is marked done but ${runDir} has no summary.json`;
      if (how === 'scanned') {
        input.skipped.push({ path: where, reason: `marked done but ${runDir} has no summary.json` });
        continue;
      }
      throw new BadInputError(problem, {
        fix: `run the matrix again (finished cells are skipped) or set the cell's status to "pending" in ${join(dir, 'matrix.json')}`,
      });
    }
    const run = loadRun(runDir);
    run.cell = { ...cell, matrix: matrix.name };
    addRun(run);
  }
}

function loadSoak(dir: string): LoadedSoak {
  const path = join(dir, 'soak.json');
  const file = readJson<SoakFile>(path);
  if (file.schema !== SOAK_SCHEMA || !Array.isArray(file.runs))
    throw new BadInputError(`${path} is not a faultline soak (schema ${JSON.stringify(file.schema)})`, {
      fix: `expected schema ${SOAK_SCHEMA} with a runs array`,
    });
  backfillSoakEvidence(file, dir);
  return { dir: realpathSync(dir), file };
}

/** Reads one finished run directory. */
export function loadRun(dirPath: string): LoadedRun {
  const dir = realpathSync(dirPath);
  const warnings: string[] = [];
  const summaryPath = join(dir, 'summary.json');
  if (!existsSync(summaryPath)) {
    throw new BadInputError(`${dirPath} has no summary.json: the run did not finish`, {
      fix: 'run it again, or leave it out of the report',
    });
  }
  const summary = readJson<RunSummary>(summaryPath);
  if (summary.schema !== SUMMARY_SCHEMA) {
    throw new BadInputError(
      `${summaryPath} is not a faultline run summary (schema ${JSON.stringify(summary.schema)})`,
      {
        fix: `expected schema ${SUMMARY_SCHEMA}; re-run it with this version of faultline`,
      },
    );
  }
  const optionalJson = <T>(name: string): T | undefined => {
    const path = join(dir, name);
    if (!existsSync(path)) {
      warnings.push(`${name} is missing`);
      return undefined;
    }
    try {
      return readJson<T>(path);
    } catch (e) {
      warnings.push((e as Error).message);
      return undefined;
    }
  };
  const scenario = optionalJson<ScenarioFile>('scenario.json') ?? {};
  const environment = optionalJson<EnvironmentFile>('environment.json') ?? { ...summary.environment };
  const series = readSeries(join(dir, 'timeseries.csv'), warnings);
  const hlog = readLatencyLog(join(dir, 'latency.hlog'), summary.warmupS, warnings);
  const events = readEvents(join(dir, 'events.jsonl'), warnings);
  // summary.json records it since it was asked for; older runs: the hlog's StartTime, else a fault event.
  let runStartUs = (summary as { runStartUs?: number }).runStartUs ?? hlog.startUs;
  if (runStartUs === null) {
    const inject = events.find((e) => e.type === EV.faultInject && typeof e.fromS === 'number');
    if (inject) runStartUs = inject.at - (inject.fromS as number) * 1e6;
    else if (events.length)
      warnings.push('the run start is unknown (no hlog StartTime): events are not placed');
  }
  return {
    dir,
    summary,
    scenario,
    environment,
    series,
    latency: hlog.total,
    runStartUs,
    events,
    cell: null,
    warnings,
  };
}

function readJson<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new BadInputError(`cannot read ${path}`, { cause: e });
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new BadInputError(`${path} is not valid JSON: ${(e as Error).message}`, {
      fix: 'the file is damaged (a crash while writing?): run it again or leave it out',
      cause: e,
    });
  }
}

/** timeseries.csv (`second,outputs,p50_ms,p99_ms,max_ms`); an empty cell is a second without output. */
export function parseSeries(text: string): SeriesRow[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines[0]?.trim() !== TIMESERIES_HEADER)
    throw new Error(`unexpected header ${JSON.stringify(lines[0])}`);
  const cell = (s: string | undefined) => (s === undefined || s === '' ? null : Number(s));
  const rows: SeriesRow[] = [];
  for (const line of lines.slice(1)) {
    const [second, outputs, p50, p99, max] = line.split(',');
    const row = {
      second: Number(second),
      outputs: Number(outputs),
      p50Ms: cell(p50),
      p99Ms: cell(p99),
      maxMs: cell(max),
    };
    // A crash can cut the last line short: keep the rows that are whole.
    if (!Number.isFinite(row.second) || !Number.isFinite(row.outputs)) continue;
    rows.push(row);
  }
  return rows;
}

function readSeries(path: string, warnings: string[]): SeriesRow[] {
  if (!existsSync(path)) {
    warnings.push('timeseries.csv is missing');
    return [];
  }
  try {
    return parseSeries(readFileSync(path, 'utf8'));
  } catch (e) {
    warnings.push(`timeseries.csv: ${(e as Error).message}`);
    return [];
  }
}

const HLOG_START_TIME = /^#\[StartTime: ([0-9.]+) /m;

function readLatencyLog(
  path: string,
  warmupS: number,
  warnings: string[],
): { total: Histogram | null; startUs: number | null } {
  if (!existsSync(path)) {
    warnings.push('latency.hlog is missing');
    return { total: null, startUs: null };
  }
  const text = readFileSync(path, 'utf8');
  const start = HLOG_START_TIME.exec(text);
  const startUs = start ? Math.round(Number(start[1]) * 1e6) : null;
  try {
    const reader = new hdr.HistogramLogReader(text, 64);
    const total = createLatencyHistogram();
    let intervals = 0;
    for (
      let h = reader.nextIntervalHistogram(warmupS);
      h !== null;
      h = reader.nextIntervalHistogram(warmupS)
    ) {
      total.add(h);
      intervals++;
    }
    if (intervals === 0) {
      warnings.push('latency.hlog holds no interval histogram after the warm-up');
      return { total: null, startUs };
    }
    return { total, startUs };
  } catch (e) {
    warnings.push(`latency.hlog cannot be decoded: ${(e as Error).message}`);
    return { total: null, startUs };
  }
}

function readEvents(path: string, warnings: string[]): EngineEvent[] {
  if (!existsSync(path)) {
    warnings.push('events.jsonl is missing');
    return [];
  }
  const events: EngineEvent[] = [];
  let malformed = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as EngineEvent;
      if (typeof e.at === 'number' && typeof e.type === 'string') events.push(e);
      else malformed++;
    } catch {
      malformed++;
    }
  }
  if (malformed) warnings.push(`events.jsonl: ${malformed} malformed lines skipped`);
  return events;
}
