/**
 * The tradeoff table of one scenario (a row per engine × guarantee × variant), as text cells with the best
 * value of each column marked, shared by the Markdown and the HTML report so both say the same thing.
 *
 * Best = lowest median, except throughput (highest share of the target rate: runs at different rates stay
 * comparable). Ties are all marked; a column where every row ties, or with fewer than two rows that have a
 * value, has no mark. "never recovered" is worse than any time; a censored or unknown recovery is no number,
 * and no row is marked best while another could be lower than it (its censored bound, or anything when
 * unknown). With repeats a cell reads `median [lo–hi]`
 * (95 % bootstrap interval of the median, see aggregate.ts) when the repeats differ.
 */
import { median } from '../core/stats.ts';
import {
  type CpuAccount,
  formatRecovery,
  type RecoveryEntry,
  recoveryOutcome,
  SATURATED_BUSY,
  unknownRecovery,
} from '../harness/index.ts';
import { type Estimate, estimate, type RunGroup } from './aggregate.ts';

export interface TableColumn {
  id: string;
  header: string;
  /** Which way is better; null = not compared. */
  better: 'lower' | 'higher' | null;
  /** The number compared for "best" (the median or a ratio of medians); null = no value. */
  score(g: RunGroup): number | null;
  /**
   * With `better: 'lower'`, where some runs give no number: the least the score could be (a censored recovery at
   * its bound, an unknown one at 0). A mark of best must hold against it. Default: the score.
   */
  floor?(g: RunGroup): number | null;
  text(g: RunGroup): string;
}

export interface TableCell {
  text: string;
  best: boolean;
}

export interface TableView {
  columns: readonly TableColumn[];
  rows: { group: RunGroup; cells: TableCell[] }[];
}

export const formatCount = (v: number) =>
  Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : v > 0 ? 'never' : '—';

export function formatMs(v: number): string {
  if (!Number.isFinite(v)) return 'never';
  const abs = Math.abs(v);
  if (abs >= 100) return Math.round(v).toLocaleString('en-US');
  if (abs >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export const formatSeconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'never');

/** `median [lo–hi]`, the median alone when there is no interval or it is a single value, '—' without values. */
export function formatEstimate(e: Estimate, format: (v: number) => string): string {
  if (e.median === null) return '—';
  const mid = format(e.median);
  if (!e.ci || e.ci[0] === e.ci[1]) return mid;
  return `${mid} [${format(e.ci[0])}–${format(e.ci[1])}]`;
}

const med = (g: RunGroup, f: keyof RunGroup['figures']) => g.figures[f].median;

function ratio(a: number | null, b: number | null): number | null {
  if (a === null || b === null || b === 0) return null;
  return a / b;
}

function verdictText(g: RunGroup): string {
  const { held, violated, unknown } = g.verdicts;
  const n = held + violated + unknown;
  const of = (k: number) => (n > 1 ? ` ${k}/${n}` : '');
  if (violated > 0) return `VIOLATED${of(violated)}`;
  if (unknown > 0) return `unknown${of(unknown)}`;
  return `held${of(held)}`;
}

/**
 * The first fault's recovery over the repeats. A censored observation (the load ended first) is a lower bound,
 * printed "> 9.8 s (load ended)", never "never"; "never (reason)" only when recovery could not happen (the
 * backlog never arrived). With repeats: the estimate of the measured ones, and how many were censored.
 */
function recoveryText(g: RunGroup): string {
  const entries = g.runs.map((r) => r.summary.recovery[0]).filter((e) => e !== undefined);
  if (entries.length === 0) return '—';
  if (entries.length === 1) return formatRecovery(entries[0]!);
  const of = (outcome: ReturnType<typeof recoveryOutcome>) =>
    entries.filter((e) => recoveryOutcome(e) === outcome);
  const censored = of('censored');
  const never = of('never');
  const unknown = of('unknown');
  const measured = of('measured');
  const parts: string[] = [];
  if (measured.length)
    parts.push(
      formatEstimate(
        estimate(
          measured.map((e) => e.recoveredMs),
          `${g.key}/recoveryMs/measured`,
        ),
        formatSeconds,
      ),
    );
  if (censored.length) {
    const bounds = censored.flatMap((e) => (e.censoredMs === undefined ? [] : [e.censoredMs]));
    parts.push(
      `${censored.length}× ${bounds.length ? `> ${formatSeconds(Math.min(...bounds))} ` : ''}(load ended)`,
    );
  }
  if (never.length) parts.push(`${never.length}× never`);
  if (unknown.length) parts.push(`${unknown.length}× unknown (${unknownCauses(unknown)})`);
  return parts.join(', ');
}

/**
 * The least the median recovery of a group could be: measured runs at their time, censored ones at their bound
 * (the load ended first: at least that), never at +∞, unknown at 0 (anything). The score (aggregate.ts) takes
 * every run without a time at +∞, so a row marked best by its score beats this floor of every other row.
 */
function recoveryFloor(g: RunGroup): number | null {
  const values = g.runs.flatMap((r) => {
    const e = r.summary.recovery[0];
    if (e === undefined) return [];
    const outcome = recoveryOutcome(e);
    if (outcome === 'measured') return [e.recoveredMs!];
    if (outcome === 'censored') return [e.censoredMs ?? 0];
    return [outcome === 'never' ? Number.POSITIVE_INFINITY : 0];
  });
  return values.length ? median(values) : null;
}

/** Why recoveries have no figure: "collector not reading", "drain ended too soon to tell", "no pre-fault baseline". */
function unknownCauses(entries: readonly RecoveryEntry[]): string {
  return [...new Set(entries.flatMap((e) => unknownRecovery(e)?.cause ?? []))].join('; ');
}

/**
 * The settings that bound each row's duplicates and recovery (restore point, detection timeouts), so that a
 * ranking across engines is read against them. '—' for runs that have none (passthrough, older summaries).
 */
function horizonText(g: RunGroup): string {
  const texts = [...new Set(g.runs.map((r) => r.summary.horizon?.text ?? '—'))];
  return texts.length === 1 ? texts[0]! : `varies: ${texts.join('; ')}`;
}

/**
 * How busy the machine was over each run's load, and the engine's cores: `99 % · engine 1.14 (saturated)`, with
 * repeats `93–100 % · engine 1.10 (saturated 2/3)` (the range of the busy shares, the median of the cores). A row
 * measured on a saturated machine (harness/cpu-account.ts `SATURATED_BUSY`) has latencies and recovery times that
 * include waiting for a core: it says what this machine does at this rate, and the column says which rows those are.
 * '—' for runs without an account (older summaries, no /proc).
 */
function cpuText(g: RunGroup): string {
  const accounts = g.runs
    .map((r) => r.summary.cpu)
    .filter(
      (a): a is CpuAccount =>
        a !== undefined && Number.isFinite(a.machineBusy) && Number.isFinite(a.cores.engine),
    );
  if (accounts.length === 0) return '—';
  const busy = accounts.map((a) => Math.round(a.machineBusy * 100));
  const [lo, hi] = [Math.min(...busy), Math.max(...busy)];
  const steal = Math.max(...accounts.map((a) => a.machineSteal ?? 0));
  const saturated = accounts.filter((a) => a.machineBusy >= SATURATED_BUSY).length;
  const of = accounts.length > 1 ? ` ${saturated}/${accounts.length}` : '';
  return (
    `${lo === hi ? lo : `${lo}–${hi}`} %${Math.round(steal * 100) >= 1 ? ` (≤ ${Math.round(steal * 100)} % stolen)` : ''}` +
    ` · engine ${median(accounts.map((a) => a.cores.engine))!.toFixed(2)}${saturated > 0 ? ` (saturated${of})` : ''}`
  );
}

const countColumn = (id: 'lost' | 'duplicated' | 'incorrect', header: string): TableColumn => ({
  id,
  header,
  better: 'lower',
  score: (g) => med(g, id),
  text: (g) => formatEstimate(g.figures[id], formatCount),
});

const msColumn = (id: 'p50Ms' | 'p99Ms' | 'p999Ms' | 'maxMs', header: string): TableColumn => ({
  id,
  header,
  better: 'lower',
  score: (g) => med(g, id),
  text: (g) => formatEstimate(g.figures[id], formatMs),
});

export const TRADEOFF_COLUMNS: readonly TableColumn[] = [
  { id: 'runs', header: 'runs', better: null, score: () => null, text: (g) => String(g.runs.length) },
  countColumn('lost', 'lost'),
  countColumn('duplicated', 'duplicated'),
  countColumn('incorrect', 'incorrect'),
  msColumn('p50Ms', 'p50 ms'),
  msColumn('p99Ms', 'p99 ms'),
  msColumn('p999Ms', 'p99.9 ms'),
  msColumn('maxMs', 'max ms'),
  {
    id: 'throughput',
    header: 'outputs/s (target)',
    better: 'higher',
    score: (g) => ratio(med(g, 'throughputPerS'), med(g, 'targetPerS')),
    text: (g) =>
      `${formatEstimate(g.figures.throughputPerS, formatCount)} (${formatCount(med(g, 'targetPerS') ?? 0)})`,
  },
  {
    id: 'recovery',
    header: 'recovery',
    better: 'lower',
    score: (g) => med(g, 'recoveryMs'),
    floor: recoveryFloor,
    text: recoveryText,
  },
  {
    id: 'blastRadius',
    header: 'restarted',
    better: 'lower',
    score: (g) => ratio(med(g, 'workersRestarted'), med(g, 'workersTotal')),
    text: (g) =>
      `${formatEstimate(g.figures.workersRestarted, formatCount)}/${formatCount(med(g, 'workersTotal') ?? 0)}`,
  },
  {
    id: 'replayed',
    header: 'replayed',
    better: 'lower',
    score: (g) => med(g, 'recordsReplayed'),
    text: (g) => formatEstimate(g.figures.recordsReplayed, formatCount),
  },
  { id: 'verdict', header: 'guarantee', better: null, score: () => null, text: verdictText },
  { id: 'horizon', header: 'replay horizon', better: null, score: () => null, text: horizonText },
  { id: 'cpu', header: 'machine busy · engine cores', better: null, score: () => null, text: cpuText },
];

/** Which groups hold the best value of a column (empty when the column is not compared or all tie). */
export function bestOf(column: TableColumn, groups: readonly RunGroup[]): Set<RunGroup> {
  if (column.better === null) return new Set();
  const scored = groups
    .map((g) => ({ g, v: column.score(g) }))
    .filter((s): s is { g: RunGroup; v: number } => s.v !== null && !Number.isNaN(s.v));
  if (scored.length < 2) return new Set();
  const values = scored.map((s) => s.v);
  const best = column.better === 'lower' ? Math.min(...values) : Math.max(...values);
  const worst = column.better === 'lower' ? Math.max(...values) : Math.min(...values);
  if (best === worst || !Number.isFinite(best)) return new Set();
  const same = (a: number) => Math.abs(a - best) <= 1e-9 * Math.max(1, Math.abs(best));
  const marked = scored.filter((s) => same(s.v));
  // The mark says the row beats the others: not when another could be as low (a censored or unknown recovery).
  if (column.better === 'lower' && column.floor) {
    const floor = column.floor;
    if (scored.some((s) => !marked.includes(s) && (floor(s.g) ?? s.v) < best)) return new Set();
  }
  return new Set(marked.map((s) => s.g));
}

export function tradeoffTable(groups: readonly RunGroup[]): TableView {
  const bests = TRADEOFF_COLUMNS.map((c) => bestOf(c, groups));
  return {
    columns: TRADEOFF_COLUMNS,
    rows: groups.map((group) => ({
      group,
      cells: TRADEOFF_COLUMNS.map((c, i) => ({ text: c.text(group), best: bests[i]!.has(group) })),
    })),
  };
}
