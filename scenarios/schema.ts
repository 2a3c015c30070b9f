/**
 * Scenario files: plain YAML data, validated with messages that point at the offending line and field.
 * A scenario says what load to run and which faults to inject when; it knows nothing of engines' internals.
 *
 * Times are seconds (a number) or strings like "500ms", "10s", "2m". Fault times (`at`) count from the end
 * of the warm-up; `for` is how long a fault lasts before it is healed (absent: instantaneous, like a kill).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, type Node, parseDocument, stringify } from 'yaml';
import { BadInputError } from '../core/errors.ts';
import {
  type FaultSpec,
  GUARANTEES,
  type Guarantee,
  type RandomFaultSpec,
  TOPOLOGIES,
  type TopologyKind,
} from '../core/types.ts';

export type { FaultSpec };

export interface Scenario {
  name: string;
  description: string;
  /** Where it came from (catalogue name or file path). */
  source: string;
  workload: string;
  rate: number;
  durationS: number;
  warmupS: number;
  /** Longest wait for late outputs after the load ends. */
  drainS: number;
  seed: number;
  guarantee?: Guarantee;
  parallelism: { source: number; features: number; score: number; sink: number };
  /**
   * `chain` (default) or `fan-out`: features sends every record to two sibling scoring branches (`score`, and
   * `challenger` with the score's parallelism) that join at the sink, one output per record and branch.
   */
  topology: TopologyKind;
  /** Per-engine options, e.g. { "ack-tree": { messageTimeoutS: 3 } }. */
  engineOptions: Record<string, Record<string, unknown>>;
  faults: FaultSpec[];
  /** A randomized schedule expanded from the run seed (in addition to `faults`). */
  random?: RandomFaultSpec;
  /** How recovery is judged (defaults: a 5 s window, rate within 10 % of the target, p99 ≤ 2× the baseline). */
  recovery?: RecoverySpec;
}

export interface RecoverySpec {
  /** Length of the healthy window, seconds. */
  windowS?: number;
  /** Allowed deviation of the window's output rate from the target, as a fraction (0.1 = 10 %). */
  rateTolerance?: number;
  /** Allowed p99 as a multiple of the pre-fault baseline. */
  p99Factor?: number;
}

export const CATALOG_DIR = fileURLToPath(new URL('./catalog/', import.meta.url));

export const SCENARIO_DEFAULTS = {
  workload: 'transactions',
  rate: 1000,
  durationS: 30,
  warmupS: 5,
  drainS: 30,
  seed: 1,
  parallelism: { source: 2, features: 2, score: 2, sink: 1 },
} as const;

/** The keys of a run's shape that a matrix file may also set for all its scenarios. */
export const RUN_SHAPE_KEYS = ['workload', 'rate', 'duration', 'warmup', 'drain', 'seed'] as const;

const TOP_KEYS = [
  'name',
  'description',
  ...RUN_SHAPE_KEYS,
  'guarantee',
  'parallelism',
  'topology',
  'engineOptions',
  'faults',
  'random',
  'recovery',
];

export function catalogNames(): string[] {
  if (!existsSync(CATALOG_DIR)) return [];
  return readdirSync(CATALOG_DIR)
    .filter((f) => f.endsWith('.yaml') && !f.startsWith('matrix-'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

/** A catalogue name (`kill-worker`), a path to a YAML file, or a run's saved scenario.json. */
export function loadScenario(nameOrPath: string): Scenario {
  const isPath = /\.(ya?ml|json)$/.test(nameOrPath) || nameOrPath.includes('/');
  const path = isPath ? nameOrPath : join(CATALOG_DIR, `${nameOrPath}.yaml`);
  if (!existsSync(path)) {
    if (isPath)
      throw new BadInputError(`scenario file ${nameOrPath} does not exist`, { code: 'UNKNOWN_SCENARIO' });
    throw new BadInputError(`unknown scenario "${nameOrPath}"`, {
      code: 'UNKNOWN_SCENARIO',
      fix: `use one of: ${catalogNames().join(', ')}, or a path to your own .yaml file`,
    });
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new BadInputError(`cannot read scenario file ${path}: ${(e as Error).message}`, {
      code: 'BAD_SCENARIO',
      cause: e,
    });
  }
  if (path.endsWith('.json')) return parseSavedScenario(text, path);
  return parseScenario(text, isPath ? path : nameOrPath);
}

/**
 * A run's saved `scenario.json` (what the runner resolved, with the engine's options flattened) as a scenario
 * again, so `faultline run --engine E --scenario results/<run>/scenario.json` re-runs it: the same load, seed,
 * faults, engine options and recovery settings. It goes through the same validation as a YAML file.
 */
export function parseSavedScenario(text: string, path: string): Scenario {
  let saved: Record<string, unknown>;
  try {
    saved = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new BadInputError(`${path} is not valid JSON: ${(e as Error).message}`, { code: 'BAD_SCENARIO' });
  }
  if (typeof saved !== 'object' || saved === null || typeof saved.engine !== 'string' || !('runId' in saved))
    throw new BadInputError(`${path} is not a run's scenario.json (it has no engine and runId)`, {
      code: 'BAD_SCENARIO',
      fix: 'pass a scenario .yaml file, or the scenario.json a run wrote in its results folder',
    });
  const file = scenarioFileFields({
    name: saved.name,
    description: saved.description,
    workload: saved.workload,
    rate: saved.rate,
    durationS: saved.durationS,
    warmupS: saved.warmupS,
    drainS: saved.drainS,
    seed: saved.seed,
    guarantee: saved.guarantee,
    parallelism: saved.parallelism,
    // Runs before the fan-out saved `topology` as { parallelism, edges } of the chain.
    ...(typeof saved.topology === 'string' ? { topology: saved.topology } : {}),
    engineOptions: { [saved.engine]: saved.engineOptions ?? {} },
    faults: (saved.faults as FaultSpec[] | undefined) ?? [],
    random: saved.random,
    recovery: saved.recovery,
  } as Partial<Scenario>);
  return { ...parseScenario(JSON.stringify(file), path), source: path };
}

/**
 * A scenario as the fields of a scenario file (the inverse of `parseScenario`): what `formatScenario` writes and
 * what a saved scenario.json becomes again. Absent fields are left out.
 */
function scenarioFileFields(s: Partial<Scenario>): Record<string, unknown> {
  const recovery = s.recovery;
  const file: Record<string, unknown> = {
    name: s.name,
    description: s.description || undefined,
    workload: s.workload,
    rate: s.rate,
    duration: s.durationS,
    warmup: s.warmupS,
    drain: s.drainS,
    seed: s.seed,
    guarantee: s.guarantee,
    parallelism: s.parallelism,
    engineOptions: s.engineOptions,
    faults: (s.faults ?? []).map((f) => ({
      kind: f.kind,
      target: f.target,
      at: f.at,
      ...(f.for === undefined ? {} : { for: f.for }),
      ...f.params,
    })),
    ...(s.random ? { random: s.random } : {}),
    ...(recovery
      ? {
          recovery: {
            ...(recovery.windowS === undefined ? {} : { window: recovery.windowS }),
            ...(recovery.rateTolerance === undefined ? {} : { rateTolerance: recovery.rateTolerance }),
            ...(recovery.p99Factor === undefined ? {} : { p99Factor: recovery.p99Factor }),
          },
        }
      : {}),
  };
  for (const k of Object.keys(file)) if (file[k] === undefined) delete file[k];
  return file;
}

/** A scenario as YAML that `loadScenario` reads back to the same scenario (a soak's schedules are such files). */
export function formatScenario(s: Scenario, header?: string): string {
  const comment = header ? `${header.replace(/^/gm, '# ')}\n` : '';
  return `${comment}${stringify(scenarioFileFields(s))}`;
}

/** Parses and validates scenario YAML; errors name the file, line and field. */
export function parseScenario(text: string, source: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const fail = (path: (string | number)[], message: string, node?: Node | null): never => {
    const at = node?.range ? lineCounter.linePos(node.range[0]) : undefined;
    const where = at ? `${source}:${at.line}:${at.col}` : source;
    const field = path.length ? ` ${formatPath(path)}` : '';
    throw new BadInputError(`bad scenario ${where}:${field} ${message}`, {
      code: 'BAD_SCENARIO',
      fix: 'see scenarios/catalog/*.yaml for examples of valid scenario files',
    });
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const at = lineCounter.linePos(e.pos[0]);
    throw new BadInputError(
      `bad scenario ${source}:${at.line}:${at.col}: not valid YAML: ${e.message.split('\n')[0]}`,
      {
        code: 'BAD_SCENARIO',
      },
    );
  }
  const node = (path: (string | number)[]) => doc.getIn(path, true) as Node | undefined;
  const raw = doc.toJS() as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    fail([], 'must be a mapping of fields (name, rate, faults, …)');
  const data = raw as Record<string, unknown>;
  for (const key of Object.keys(data)) {
    if (!TOP_KEYS.includes(key))
      fail([key], `is not a scenario field (known: ${TOP_KEYS.join(', ')})`, node([key]));
  }

  const str = (key: string, required: boolean): string | undefined => {
    const v = data[key];
    if (v === undefined) return required ? fail([key], 'is required') : undefined;
    if (typeof v !== 'string' || v.trim() === '') fail([key], 'must be a non-empty string', node([key]));
    return v as string;
  };
  const num = (
    path: (string | number)[],
    v: unknown,
    opts: { min: number; integer?: boolean; seconds?: boolean },
  ): number => {
    const n = opts.seconds ? parseSeconds(v) : typeof v === 'number' ? v : Number.NaN;
    const what = opts.seconds
      ? 'a duration like 10s, 500ms, 2m or a number of seconds'
      : opts.integer
        ? 'an integer'
        : 'a number';
    if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)))
      fail(path, `must be ${what}, got ${JSON.stringify(v)}`, node(path));
    if (n < opts.min) fail(path, `must be ≥ ${opts.min}, got ${JSON.stringify(v)}`, node(path));
    return n;
  };

  const name = str('name', true)!;
  const guarantee = data.guarantee;
  if (guarantee !== undefined && !GUARANTEES.includes(guarantee as Guarantee)) {
    fail(['guarantee'], `must be one of ${GUARANTEES.join(', ')}`, node(['guarantee']));
  }
  const parallelism: Scenario['parallelism'] = { ...SCENARIO_DEFAULTS.parallelism };
  if (data.parallelism !== undefined) {
    if (typeof data.parallelism !== 'object' || data.parallelism === null)
      fail(['parallelism'], 'must be a mapping', node(['parallelism']));
    for (const [k, v] of Object.entries(data.parallelism as object)) {
      if (!(k in parallelism))
        fail(
          ['parallelism', k],
          'is not an operator (source, features, score, sink)',
          node(['parallelism', k]),
        );
      parallelism[k as keyof typeof parallelism] = num(['parallelism', k], v, { min: 1, integer: true });
    }
  }
  const topology = data.topology ?? 'chain';
  if (!TOPOLOGIES.includes(topology as TopologyKind))
    fail(['topology'], `must be one of ${TOPOLOGIES.join(', ')}`, node(['topology']));
  const engineOptions: Scenario['engineOptions'] = {};
  if (data.engineOptions !== undefined) {
    if (
      typeof data.engineOptions !== 'object' ||
      data.engineOptions === null ||
      Array.isArray(data.engineOptions)
    ) {
      fail(['engineOptions'], 'must be a mapping of engine name to options', node(['engineOptions']));
    }
    for (const [engine, opts] of Object.entries(data.engineOptions as object)) {
      if (typeof opts !== 'object' || opts === null || Array.isArray(opts))
        fail(['engineOptions', engine], 'must be a mapping of options', node(['engineOptions', engine]));
      engineOptions[engine] = opts as Record<string, unknown>;
    }
  }

  const faults: FaultSpec[] = [];
  const rawFaults = data.faults ?? [];
  if (!Array.isArray(rawFaults)) fail(['faults'], 'must be a list of faults', node(['faults']));
  (rawFaults as unknown[]).forEach((f, i) => {
    const p = ['faults', i];
    if (typeof f !== 'object' || f === null || Array.isArray(f))
      fail(p, 'must be a mapping with kind, target and at', node(p));
    const { kind, target, at, for: duration, ...params } = f as Record<string, unknown>;
    if (typeof kind !== 'string' || !kind)
      fail([...p, 'kind'], 'is required (e.g. kill, pause, latency)', node(p));
    if (typeof target !== 'string' || !target)
      fail([...p, 'target'], 'is required (e.g. features[1], redis, link:source[0]->features[1])', node(p));
    if (at === undefined) fail([...p, 'at'], 'is required (seconds after warm-up, e.g. 10s)', node(p));
    faults.push({
      kind: kind as string,
      target: target as string,
      at: num([...p, 'at'], at, { min: 0, seconds: true }),
      for: duration === undefined ? undefined : num([...p, 'for'], duration, { min: 0, seconds: true }),
      params,
    });
  });

  let random: RandomFaultSpec | undefined;
  if (data.random !== undefined) {
    const r = data.random as Record<string, unknown>;
    const p = ['random'];
    if (typeof r !== 'object' || r === null || Array.isArray(r))
      fail(p, 'must be a mapping: kinds, targets, start, interval, count, for', node(p));
    for (const key of Object.keys(r)) {
      if (!['kinds', 'targets', 'start', 'interval', 'count', 'for'].includes(key))
        fail(
          [...p, key],
          'is not a field of random (kinds, targets, start, interval, count, for)',
          node([...p, key]),
        );
    }
    const list = (key: string) => {
      const v = r[key];
      if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string'))
        fail([...p, key], 'must be a non-empty list of names', node([...p, key]));
      return v as string[];
    };
    random = {
      kinds: list('kinds'),
      targets: list('targets'),
      start: r.start === undefined ? 0 : num([...p, 'start'], r.start, { min: 0, seconds: true }),
      interval: num([...p, 'interval'], r.interval, { min: 0.1, seconds: true }),
      count: num([...p, 'count'], r.count, { min: 1, integer: true }),
      for: r.for === undefined ? 5 : num([...p, 'for'], r.for, { min: 0.1, seconds: true }),
    };
  }

  let recovery: RecoverySpec | undefined;
  if (data.recovery !== undefined) {
    const r = data.recovery as Record<string, unknown>;
    const p = ['recovery'];
    const fields = ['window', 'rateTolerance', 'p99Factor'];
    if (typeof r !== 'object' || r === null || Array.isArray(r))
      fail(p, `must be a mapping: ${fields.join(', ')}`, node(p));
    for (const key of Object.keys(r)) {
      if (!fields.includes(key))
        fail([...p, key], `is not a field of recovery (${fields.join(', ')})`, node([...p, key]));
    }
    recovery = {
      ...(r.window === undefined
        ? {}
        : { windowS: num([...p, 'window'], r.window, { min: 1, seconds: true }) }),
      ...(r.rateTolerance === undefined
        ? {}
        : { rateTolerance: num([...p, 'rateTolerance'], r.rateTolerance, { min: 0 }) }),
      ...(r.p99Factor === undefined ? {} : { p99Factor: num([...p, 'p99Factor'], r.p99Factor, { min: 1 }) }),
    };
  }

  return {
    name,
    description: str('description', false) ?? '',
    source,
    workload: str('workload', false) ?? SCENARIO_DEFAULTS.workload,
    rate: data.rate === undefined ? SCENARIO_DEFAULTS.rate : num(['rate'], data.rate, { min: 1 }),
    durationS:
      data.duration === undefined
        ? SCENARIO_DEFAULTS.durationS
        : num(['duration'], data.duration, { min: 1, seconds: true }),
    warmupS:
      data.warmup === undefined
        ? SCENARIO_DEFAULTS.warmupS
        : num(['warmup'], data.warmup, { min: 0, seconds: true }),
    drainS:
      data.drain === undefined
        ? SCENARIO_DEFAULTS.drainS
        : num(['drain'], data.drain, { min: 1, seconds: true }),
    seed:
      data.seed === undefined ? SCENARIO_DEFAULTS.seed : num(['seed'], data.seed, { min: 0, integer: true }),
    guarantee: guarantee as Guarantee | undefined,
    parallelism,
    topology: topology as TopologyKind,
    engineOptions,
    faults,
    random,
    ...(recovery ? { recovery } : {}),
  };
}

/** "10s", "500ms", "2m", "1.5s" or a number of seconds → seconds; NaN when it is none of these. */
export function parseSeconds(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return Number.NaN;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'ms':
      return n / 1000;
    case 'm':
      return n * 60;
    case 'h':
      return n * 3600;
    default:
      return n;
  }
}

function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
