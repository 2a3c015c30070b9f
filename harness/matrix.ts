/**
 * A benchmark matrix: engines × guarantees × scenarios × repeats, run one cell at a time into one results
 * folder (`matrix.json` + `runs/<cell>/`). matrix.json is rewritten (atomically) after every cell, so a matrix
 * that was interrupted resumes where it stopped: finished cells are skipped.
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { BadInputError, isFaultlineError } from '../core/errors.ts';
import { noProgress, type ProgressSink } from '../core/progress.ts';
import { GUARANTEES, type Guarantee } from '../core/types.ts';
import { getEngine } from '../engines/index.ts';
import { CATALOG_DIR, loadScenario, parseSeconds, RUN_SHAPE_KEYS } from '../scenarios/index.ts';
import { DEFAULT_WORKLOAD, loadModel } from '../scenarios/workloads/index.ts';
import { acquireInfra, type Provider, parseProvider, providerOf, type RunInfra } from './provider.ts';
import { writeJsonAtomic } from './run-files.ts';
import { DEFAULT_RESULTS_DIR, runScenario } from './runner.ts';
import type { RunSummary } from './summary.ts';

export const MATRIX_SCHEMA = 'faultline/matrix@1';

/**
 * One product of engines × guarantees × scenarios × repeats. A matrix is one part (the top-level keys) or several
 * (`parts:`), so that it can hold exactly the runs a question needs (e.g. the claims: kill runs for some engines,
 * fault-free option sweeps for another) instead of the whole product.
 */
export interface MatrixPart {
  /** A label for progress and errors (`parts[2]` when the file gives none). */
  name: string;
  engines: string[];
  /** Guarantees per engine; an engine not listed runs its default guarantee. */
  guarantees: Record<string, Guarantee[]>;
  scenarios: string[];
  repeat: number;
  /** Measured duration per scenario, overriding the matrix `durationS` (e.g. a short steady run). */
  durationsS?: Record<string, number>;
}

export interface MatrixSpec {
  name: string;
  parts: MatrixPart[];
  /** Where each cell runs; several providers compare the same cells local vs docker. Default [local]. */
  providers: Provider[];
  /** Docker cells: CPUs for each engine's containers together, the same for every engine (fair comparisons). */
  cpus?: number;
  workload?: string;
  /** The model artefact every cell scores with (a path); default the workload's own trained model. */
  model?: string;
  rate?: number;
  durationS?: number;
  warmupS?: number;
  drainS?: number;
  seed: number;
}

/** A matrix.json written before parts existed kept one part's keys at the top level. */
interface LegacySpec {
  engines?: string[];
  guarantees?: Record<string, Guarantee[]>;
  scenarios?: string[];
  repeat?: number;
  durationsS?: Record<string, number>;
}

function partsOf(spec: MatrixSpec & LegacySpec): MatrixPart[] {
  if (spec.parts) return spec.parts;
  return [
    {
      name: spec.name,
      engines: spec.engines ?? [],
      guarantees: spec.guarantees ?? {},
      scenarios: spec.scenarios ?? [],
      repeat: spec.repeat ?? 1,
      ...(spec.durationsS ? { durationsS: spec.durationsS } : {}),
    },
  ];
}

export interface MatrixCell {
  id: string;
  engine: string;
  guarantee: Guarantee;
  scenario: string;
  provider?: Provider;
  repeat: number;
  status: 'pending' | 'done' | 'failed' | 'skipped';
  runDir: string;
  /** The measured duration its part gives its scenario, when it gives one. */
  durationS?: number;
  error?: string;
  verdict?: RunSummary['verdict']['guaranteeHeld'];
  seconds?: number;
}

export interface MatrixFile {
  schema: typeof MATRIX_SCHEMA;
  name: string;
  startedAt: string;
  spec: MatrixSpec;
  cells: MatrixCell[];
}

/** A catalogue matrix name (`quick` → scenarios/catalog/matrix-quick.yaml) or a path to a YAML file. */
export function loadMatrixSpec(nameOrPath: string): MatrixSpec {
  const isPath = nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml') || nameOrPath.includes('/');
  const path = isPath ? nameOrPath : join(CATALOG_DIR, `matrix-${nameOrPath}.yaml`);
  if (!existsSync(path)) {
    throw new BadInputError(`unknown matrix "${nameOrPath}"`, {
      fix: 'use quick, full, or a path to your own matrix .yaml file',
    });
  }
  const doc = parseDocument(readFileSync(path, 'utf8'));
  if (doc.errors.length)
    throw new BadInputError(`bad matrix ${path}: ${doc.errors[0]!.message.split('\n')[0]}`);
  const raw = doc.toJS() as Record<string, unknown> | null;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new BadInputError(`bad matrix ${path}: expected a mapping with name, engines and scenarios`, {
      fix: 'see scenarios/catalog/matrix-quick.yaml for an example',
    });
  const fail = (field: string, msg: string): never => {
    throw new BadInputError(`bad matrix ${path}: ${field} ${msg}`);
  };
  const known: readonly string[] = [
    'name',
    'description',
    'parts',
    'providers',
    'cpus',
    'model',
    ...RUN_SHAPE_KEYS,
    ...PART_KEYS,
  ];
  for (const k of Object.keys(raw ?? {}))
    if (!known.includes(k)) fail(k, `is not a matrix field (known: ${known.join(', ')})`);
  const name = typeof raw.name === 'string' ? raw.name : fail('name', 'is required');
  const hasTopPart = PART_KEYS.some((k) => raw[k] !== undefined);
  if (raw.parts !== undefined && !Array.isArray(raw.parts))
    fail('parts', 'must be a list of parts, each with engines and scenarios');
  const rawParts = (raw.parts ?? []) as unknown[];
  const parts: MatrixPart[] = [];
  if (hasTopPart || rawParts.length === 0) parts.push(parsePart(raw, '', name, fail));
  rawParts.forEach((p, i) => {
    if (typeof p !== 'object' || p === null || Array.isArray(p))
      fail(`parts[${i}]`, 'must be a mapping with engines and scenarios');
    const part = p as Record<string, unknown>;
    for (const k of Object.keys(part))
      if (k !== 'name' && !(PART_KEYS as readonly string[]).includes(k))
        fail(`parts[${i}].${k}`, `is not a part field (known: name, ${PART_KEYS.join(', ')})`);
    const label = typeof part.name === 'string' ? part.name : `parts[${i}]`;
    parts.push(parsePart(part, `parts[${i}].`, label, fail));
  });
  const cellNames = new Map<string, string>();
  for (const s of parts.flatMap((p) => p.scenarios)) {
    const other = cellNames.get(scenarioCellName(s));
    if (other !== undefined && other !== s)
      fail(
        'scenarios',
        `${other} and ${s} would share the cell name "${scenarioCellName(s)}": rename one file`,
      );
    cellNames.set(scenarioCellName(s), s);
  }
  const providers =
    raw.providers === undefined ? ['local' as const] : names(raw, 'providers', fail).map(parseProvider);
  const spec: MatrixSpec = {
    name,
    parts,
    providers,
    cpus:
      raw.cpus === undefined
        ? undefined
        : typeof raw.cpus === 'number' && raw.cpus > 0
          ? raw.cpus
          : fail('cpus', 'must be a positive number of CPUs'),
    workload: raw.workload as string | undefined,
    ...(raw.model === undefined
      ? {}
      : {
          model:
            typeof raw.model === 'string'
              ? checkedModelPath(
                  resolve(dirname(path), raw.model),
                  raw.workload as string | undefined,
                  'model',
                )
              : fail('model', 'must be the path of a model artefact'),
        }),
    rate: raw.rate as number | undefined,
    durationS: seconds(raw.duration),
    warmupS: seconds(raw.warmup),
    drainS: seconds(raw.drain),
    seed: typeof raw.seed === 'number' ? raw.seed : 1,
  };
  const seen = new Map<string, string>();
  for (const part of parts) {
    for (const cell of cellsOfPart(spec, part)) {
      const other = seen.get(cell.id);
      if (other !== undefined)
        fail(`parts`, `${other} and ${part.name} both run ${cell.id}: a cell belongs to one part`);
      seen.set(cell.id, part.name);
    }
  }
  return spec;
}

/**
 * A model artefact a matrix scores with, checked before any cell runs: it must exist and be one the mini
 * engines score (a linear model; a GBM's MOJO is scored only in the JVM). Returns the absolute path.
 */
export function checkedModelPath(path: string, workload: string | undefined, field: string): string {
  const abs = resolve(path);
  if (!existsSync(abs))
    throw new BadInputError(`${field} ${path}: no such file`, {
      fix: 'train one with `faultline model train --workload W --trainer …` and give the .model.json it wrote',
    });
  loadModel(abs, workload ?? DEFAULT_WORKLOAD);
  return abs;
}

/** The keys of one part; at the top level they make the matrix's first part. */
const PART_KEYS = ['engines', 'guarantees', 'scenarios', 'repeat', 'durations'] as const;

const seconds = (v: unknown) => (v === undefined ? undefined : parseSeconds(v));

function names(raw: Record<string, unknown>, field: string, fail: (f: string, m: string) => never): string[] {
  const v = raw[field];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string'))
    fail(field, 'must be a non-empty list of names');
  return v as string[];
}

function parsePart(
  raw: Record<string, unknown>,
  at: string,
  name: string,
  fail: (field: string, msg: string) => never,
): MatrixPart {
  const engines = names(raw, 'engines', (f, m) => fail(`${at}${f}`, m));
  for (const e of engines) getEngine(e);
  const scenarios = names(raw, 'scenarios', (f, m) => fail(`${at}${f}`, m));
  for (const s of scenarios) loadScenario(s);
  const guarantees: Record<string, Guarantee[]> = {};
  for (const [engine, list] of Object.entries((raw.guarantees as Record<string, unknown>) ?? {})) {
    const field = `${at}guarantees.${engine}`;
    if (!engines.includes(engine)) fail(field, 'names an engine that is not in engines');
    if (!Array.isArray(list) || !list.every((g) => GUARANTEES.includes(g)))
      fail(field, `must list guarantees (${GUARANTEES.join(', ')})`);
    for (const g of list as Guarantee[]) {
      if (!getEngine(engine).guarantees.includes(g)) fail(field, `: ${engine} does not offer ${g}`);
    }
    guarantees[engine] = list as Guarantee[];
  }
  let durationsS: Record<string, number> | undefined;
  if (raw.durations !== undefined) {
    const d = raw.durations as Record<string, unknown>;
    if (typeof d !== 'object' || d === null || Array.isArray(d))
      fail(`${at}durations`, 'must map scenario names to durations (e.g. steady: 10s)');
    durationsS = {};
    for (const [scenario, v] of Object.entries(d)) {
      if (!scenarios.includes(scenario))
        fail(`${at}durations.${scenario}`, 'names a scenario that is not in scenarios');
      const n = parseSeconds(v);
      if (!(n > 0))
        fail(`${at}durations.${scenario}`, `must be a positive duration, got ${JSON.stringify(v)}`);
      durationsS[scenario] = n;
    }
  }
  const repeat = raw.repeat === undefined ? 1 : raw.repeat;
  if (typeof repeat !== 'number' || !Number.isInteger(repeat) || repeat < 1)
    fail(`${at}repeat`, `must be a whole number ≥ 1, got ${JSON.stringify(raw.repeat)}`);
  return {
    name,
    engines,
    guarantees,
    scenarios,
    repeat: repeat as number,
    ...(durationsS ? { durationsS } : {}),
  };
}

/**
 * A scenario as it appears in cell ids, run ids and Kafka topic names: a catalogue name as is, a file by its
 * base name without extension, with anything outside [A-Za-z0-9._-] replaced.
 */
export function scenarioCellName(scenario: string): string {
  const base =
    /\.(ya?ml|json)$/.test(scenario) || scenario.includes('/')
      ? basename(scenario).replace(/\.(ya?ml|json)$/, '')
      : scenario;
  return base.replace(/[^A-Za-z0-9._-]/g, '-');
}

export function matrixCells(spec: MatrixSpec): MatrixCell[] {
  return partsOf(spec).flatMap((part) => cellsOfPart(spec, part));
}

/** Every repeat sets all repeats of the matrix (`--repeat`). */
export function setRepeat(spec: MatrixSpec, repeat: number): void {
  for (const part of spec.parts) part.repeat = repeat;
}

function cellsOfPart(spec: MatrixSpec, part: MatrixPart): MatrixCell[] {
  const cells: MatrixCell[] = [];
  for (const scenario of part.scenarios) {
    for (const engine of part.engines) {
      for (const guarantee of part.guarantees[engine] ?? [getEngine(engine).defaultGuarantee]) {
        for (const provider of spec.providers ?? ['local']) {
          for (let repeat = 0; repeat < part.repeat; repeat++) {
            const where = provider === 'local' ? '' : `--${provider}`;
            const id = `${scenarioCellName(scenario)}--${engine}--${guarantee}${where}--r${repeat}`;
            const durationS = part.durationsS?.[scenario];
            cells.push({
              id,
              engine,
              guarantee,
              scenario,
              provider,
              repeat,
              status: 'pending',
              runDir: `runs/${id}`,
              ...(durationS === undefined ? {} : { durationS }),
            });
          }
        }
      }
    }
  }
  return cells;
}

/**
 * Resuming with a matrix file that gained cells since (a new part, a scenario more) runs them too: they are
 * appended, pending. Cells it lost stay, with what they measured. Returns the ids added.
 */
export function addNewCells(file: MatrixFile, spec: MatrixSpec): string[] {
  const known = new Set(file.cells.map((c) => c.id));
  const added = matrixCells(spec).filter((c) => !known.has(c.id));
  if (added.length > 0) {
    file.cells.push(...added);
    file.spec = { ...file.spec, parts: spec.parts };
  }
  return added.map((c) => c.id);
}

/**
 * A cell that failed before (or was cut short) may have left its run folder: it is moved aside to
 * `<runDir>.attempt-<n>` (kept for its logs) so the cell runs again into a fresh folder.
 */
export function setAsideEarlierAttempt(dir: string, cell: MatrixCell): string | null {
  const runDir = join(dir, cell.runDir);
  if (!existsSync(runDir)) return null;
  let n = 1;
  while (existsSync(`${runDir}.attempt-${n}`)) n++;
  renameSync(runDir, `${runDir}.attempt-${n}`);
  return `${runDir}.attempt-${n}`;
}

export interface MatrixOptions {
  spec: MatrixSpec;
  /** The matrix folder; an existing one with matrix.json is resumed. Default: results/matrix-<name>-<stamp>. */
  dir?: string;
  /** Services for the cells of their provider; others are started for the matrix. */
  infra?: RunInfra;
  /** Each run's steps. */
  progress?: ProgressSink;
  /** Provisioning and starting the services (default: `progress`). */
  infraProgress?: ProgressSink;
  onCell?: (cell: MatrixCell, index: number, total: number, phase: 'start' | 'end' | 'skip') => void;
  /** Aborted (Ctrl-C): the running cell is cut short and kept; later cells stay pending (resume with --out). */
  signal?: AbortSignal;
}

export async function runMatrix(opts: MatrixOptions): Promise<{ dir: string; file: MatrixFile }> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const dir = resolve(opts.dir ?? join(DEFAULT_RESULTS_DIR, `matrix-${opts.spec.name}-${stamp}`));
  const path = join(dir, 'matrix.json');
  let file: MatrixFile;
  if (existsSync(path)) {
    file = JSON.parse(readFileSync(path, 'utf8')) as MatrixFile;
    if (file.schema !== MATRIX_SCHEMA || file.name !== opts.spec.name) {
      throw new BadInputError(`${dir} holds matrix "${file.name}", not "${opts.spec.name}"`, {
        fix: 'choose another --out folder',
      });
    }
    addNewCells(file, opts.spec);
  } else {
    mkdirSync(join(dir, 'runs'), { recursive: true });
    file = {
      schema: MATRIX_SCHEMA,
      name: opts.spec.name,
      startedAt: new Date().toISOString(),
      spec: opts.spec,
      cells: matrixCells(opts.spec),
    };
  }
  const save = () => writeJsonAtomic(path, file);
  save();
  const spec = file.spec;
  // One set of services for the whole matrix: the running `infra up` instance, or one of its own.
  // One set of services per provider for the whole matrix, started when its first cell runs.
  const infras = new Map<Provider, RunInfra>();
  if (opts.infra) infras.set(providerOf(opts.infra), opts.infra);
  const own: { stop(): Promise<void> }[] = [];
  const infraFor = async (provider: Provider) => {
    let infra = infras.get(provider);
    if (!infra) {
      const acquired = await acquireInfra(
        provider,
        `matrix-${spec.name}-${provider}-${process.pid}`,
        opts.infraProgress ?? opts.progress ?? noProgress,
      );
      infra = acquired.infra;
      if (acquired.own) own.push(acquired.own);
      infras.set(provider, infra);
    }
    return infra;
  };
  try {
    await runCells(file, spec, dir, infraFor, save, opts);
  } finally {
    for (const o of own) await o.stop().catch(() => {});
  }
  return { dir, file };
}

async function runCells(
  file: MatrixFile,
  spec: MatrixSpec,
  dir: string,
  infraFor: (provider: Provider) => Promise<RunInfra>,
  save: () => void,
  opts: MatrixOptions,
): Promise<void> {
  for (const [i, cell] of file.cells.entries()) {
    if (opts.signal?.aborted) break;
    if (cell.status === 'done' || cell.status === 'skipped') {
      opts.onCell?.(cell, i, file.cells.length, 'skip');
      continue;
    }
    opts.onCell?.(cell, i, file.cells.length, 'start');
    setAsideEarlierAttempt(dir, cell);
    const started = Date.now();
    try {
      const { summary } = await runScenario({
        engine: cell.engine,
        scenario: cell.scenario,
        guarantee: cell.guarantee,
        workload: spec.workload,
        ...(spec.model ? { modelPath: spec.model } : {}),
        rate: spec.rate,
        durationS: cell.durationS ?? (spec as LegacySpec).durationsS?.[cell.scenario] ?? spec.durationS,
        warmupS: spec.warmupS,
        drainS: spec.drainS,
        seed: spec.seed + cell.repeat,
        outDir: join(dir, 'runs'),
        runId: cell.id,
        infra: await infraFor(cell.provider ?? 'local'),
        cpus: cell.provider === 'docker' ? spec.cpus : undefined,
        progress: opts.progress ?? noProgress,
        signal: opts.signal,
      });
      cell.status = 'done';
      cell.verdict = summary.verdict.guaranteeHeld;
      delete cell.error;
    } catch (e) {
      // A cell that does not apply (a fault target the engine does not have, e.g. features[1] in passthrough)
      // is skipped; one that fails (the harness, not the engine's verdict) is recorded; the matrix goes on.
      cell.status = isFaultlineError(e) && e.exitCode === 2 ? 'skipped' : 'failed';
      cell.error = (e as Error).message;
    }
    cell.seconds = Math.round((Date.now() - started) / 100) / 10;
    save();
    opts.onCell?.(cell, i, file.cells.length, 'end');
  }
}
