/**
 * Everything the report says, computed once from the loaded runs and rendered twice (Markdown and HTML):
 * the scenarios with their groups and tradeoff tables, the claims, the environment the runs were measured on,
 * and the runs themselves (with those left out, and why).
 */
import { relative } from 'node:path';
import { groupRuns, type ScenarioGroups } from './aggregate.ts';
import { type ClaimResult, judgeClaims } from './claims.ts';
import type { LoadedRun, ReportInput, SkippedRun } from './load.ts';
import { type RealVsModelSection, realVsModelSections } from './real-vs-model.ts';
import { type SoakSection, soakSection } from './soak-section.ts';
import { type TableView, tradeoffTable } from './tradeoff-table.ts';

export interface ScenarioSection extends ScenarioGroups {
  table: TableView;
  /** The faults of its runs, one line per kind and target: `kill features[1] at 13–15 s`. */
  faults: string[];
}

/** One environment field and every value it took over the runs, with how many runs had it. */
export interface EnvironmentField {
  name: string;
  values: { value: string; runs: number }[];
}

export interface RunListEntry {
  runId: string;
  scenario: string;
  engine: string;
  guarantee: string;
  rate: number;
  durationS: number;
  options: string;
  /** The model the run scored with: trainer and artefact file name ("—" for runs that did not record it). */
  model: string;
  verdict: string;
  faults: string;
  /** Relative to the report's directory. */
  path: string;
  matrixCell: string | null;
  warnings: string[];
}

export interface ReportModel {
  generatedAt: string;
  /** As given on the command line. */
  inputs: string[];
  scenarios: ScenarioSection[];
  claims: ClaimResult[];
  /** Each real system beside its model, per scenario and guarantee where the runs hold both. */
  realVsModel: RealVsModelSection[];
  environment: EnvironmentField[];
  runs: RunListEntry[];
  skipped: SkippedRun[];
  matrices: { name: string; path: string; cells: number; startedAt: string }[];
  /** Soaks, shown before everything else (violations first). */
  soaks: SoakSection[];
  /** The loaded runs, for renderers that chart them. */
  loaded: LoadedRun[];
}

const ENVIRONMENT_FIELDS = [
  'gitSha',
  'node',
  'kafka',
  'redis',
  'toxiproxy',
  'cpus',
  'cpuModel',
  'platform',
  'provider',
] as const;

export function buildReportModel(
  input: ReportInput,
  opts: { inputs: string[]; reportDir: string; now?: Date },
): ReportModel {
  const scenarios = groupRuns(input.runs).map((s) => ({
    ...s,
    table: tradeoffTable(s.groups),
    faults: faultLines(s.groups.flatMap((g) => g.runs)),
  }));
  const environment = ENVIRONMENT_FIELDS.map((name) => {
    const counts = new Map<string, number>();
    for (const r of input.runs) {
      const v = r.environment[name] ?? r.summary.environment?.[name as keyof typeof r.summary.environment];
      const value = v === undefined || v === null ? 'unknown' : String(v);
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    return { name, values: [...counts].map(([value, runs]) => ({ value, runs })) };
  });
  const rel = (p: string) => relative(opts.reportDir, p) || '.';
  return {
    generatedAt: (opts.now ?? new Date()).toISOString(),
    inputs: opts.inputs,
    scenarios,
    claims: judgeClaims(input.runs),
    realVsModel: realVsModelSections(input.runs),
    environment,
    runs: input.runs.map((r) => runEntry(r, rel(r.dir))),
    skipped: input.skipped.map((s) => ({
      path: s.path.startsWith('/') ? rel(s.path) : s.path,
      reason: s.reason,
    })),
    matrices: input.matrices.map((m) => ({
      name: m.name,
      path: rel(m.dir),
      cells: m.cells,
      startedAt: m.startedAt,
    })),
    soaks: input.soaks.map((s) => soakSection(s.file, s.dir, opts.reportDir)),
    loaded: input.runs,
  };
}

function runEntry(r: LoadedRun, path: string): RunListEntry {
  const s = r.summary;
  const options = Object.entries(r.scenario.engineOptions ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const held = s.verdict.guaranteeHeld;
  return {
    runId: s.runId,
    scenario: s.scenario,
    engine: s.engine,
    guarantee: s.guarantee,
    rate: s.rate,
    durationS: s.durationS,
    options,
    model: s.model ? `${s.model.trainer} · ${s.model.path.split('/').pop()}` : '—',
    verdict: held === true ? 'held' : held === false ? 'VIOLATED' : 'unknown',
    faults: s.faults
      .map((f) => `${f.kind} ${f.target} @${f.at}s${f.until === null ? '' : `–${f.until}s`}`)
      .join(', '),
    path,
    matrixCell: r.cell ? `${r.cell.matrix}: ${r.cell.id}` : null,
    warnings: r.warnings,
  };
}

function faultLines(runs: readonly LoadedRun[]): string[] {
  const byFault = new Map<string, { at: number[]; forS: number[] }>();
  for (const r of runs) {
    for (const f of r.summary.faults) {
      const k = `${f.kind} ${f.target}`;
      const entry = byFault.get(k) ?? { at: [], forS: [] };
      entry.at.push(f.at);
      if (f.until !== null) entry.forS.push(f.until - f.at);
      byFault.set(k, entry);
    }
  }
  const range = (xs: number[]) => {
    const lo = Math.min(...xs).toFixed(0);
    const hi = Math.max(...xs).toFixed(0);
    return lo === hi ? lo : `${lo}–${hi}`;
  };
  return [...byFault].map(
    ([k, { at, forS }]) => `${k} at ${range(at)} s${forS.length ? ` for ${range(forS)} s` : ''}`,
  );
}
