/**
 * The `--fail-on` rules of `faultline compare`: which change from A to B counts as B being worse, so that a
 * team can gate a change in CI. A rule is `<figure>:<threshold>`, comma-separated:
 *
 * - `p99:+20%`, `throughput:-10%`: B's median is worse than A's by more than that share of A's median;
 * - `recovery:+2s`, `p99:+5ms`, `lost:+0`: B's median is worse than A's by more than that amount;
 * - `lost:>0`, `p99:>250ms`, `throughput:<400`: a limit on B alone, which every run of B must keep.
 *
 * The sign says which way is worse, and it must be the figure's own (up for counts, latency and recovery, down
 * for throughput), so that a rule cannot quietly test the opposite of what it reads as. With repeats (≥ 2 runs
 * on both sides) a change rule fails only when the whole 95 % interval of the difference of medians lies
 * beyond the threshold: noise between repeats does not fail a build. A limit is judged on every run of B, so
 * that one lost record in one repeat fails. A censored recovery ("> 9.8 s (load ended)") is not a number: a
 * change rule is not judged on it (it says so); a limit fails on it only when the lower bound itself is past
 * the limit, and a recovery that never happened fails both kinds when A recovered.
 */
import { BadInputError } from '../core/errors.ts';
import { formatCount, formatMs, formatSeconds } from './tradeoff-table.ts';

/** The figures a rule can name, with how a rule writes them. */
export const RULE_FIGURES = {
  lost: { worse: 'higher', unit: 'count' },
  duplicated: { worse: 'higher', unit: 'count' },
  incorrect: { worse: 'higher', unit: 'count' },
  p50: { worse: 'higher', unit: 'time' },
  p99: { worse: 'higher', unit: 'time' },
  p999: { worse: 'higher', unit: 'time' },
  recovery: { worse: 'higher', unit: 'time' },
  throughput: { worse: 'lower', unit: 'rate' },
} as const satisfies Record<string, { worse: 'higher' | 'lower'; unit: 'count' | 'time' | 'rate' }>;

export type RuleFigure = keyof typeof RULE_FIGURES;

const ALIASES: Record<string, RuleFigure> = { dup: 'duplicated', duplicates: 'duplicated', 'p99.9': 'p999' };

export interface FailRule {
  /** As written. */
  text: string;
  figure: RuleFigure;
  /** relative: a share of A's median; change: an amount; limit: a bound on every run of B. */
  kind: 'relative' | 'change' | 'limit';
  /** A fraction for `relative` (0.2 for 20 %); ms for time figures; a count; events/s for throughput. */
  threshold: number;
}

export const RULE_SYNTAX =
  '<figure>:<threshold>, comma-separated; figure: lost, duplicated, incorrect, p50, p99, p999, recovery, ' +
  'throughput; threshold: +N% or +N (worse by more than N % of A, or by N), >N (every run of B above N ' +
  'fails), with - and < for throughput; times take ms or s (p99:+5ms, recovery:+2s), throughput /s or none ' +
  '(throughput:-10%), counts no unit (lost:>0)';

const RULE_SHAPE = /^([a-z0-9.]+):([-+<>])\s*([0-9]+(?:\.[0-9]+)?)\s*(%|ms|s|\/s)?$/;

/** `p99:+20%,lost:>0` → rules; bad syntax is a BadInputError naming the rule and the accepted syntax. */
export function parseFailRules(spec: string): FailRule[] {
  const parts = spec
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) throw badRule(spec, 'no rule given');
  return parts.map(parseFailRule);
}

function parseFailRule(text: string): FailRule {
  const m = RULE_SHAPE.exec(text.toLowerCase());
  if (!m) throw badRule(text, 'not of the form <figure>:<threshold>');
  const [, name, sign, number, unit] = m as unknown as [string, string, string, string, string | undefined];
  const figure = (ALIASES[name] ?? name) as RuleFigure;
  const spec = RULE_FIGURES[figure];
  if (spec === undefined) throw badRule(text, `unknown figure "${name}"`);
  const worseSigns = spec.worse === 'higher' ? ['+', '>'] : ['-', '<'];
  if (!worseSigns.includes(sign)) {
    const direction = spec.worse === 'higher' ? 'up (+ or >)' : 'down (- or <)';
    throw badRule(text, `${figure} gets worse going ${direction}`);
  }
  const value = Number(number);
  const kind = sign === '>' || sign === '<' ? 'limit' : unit === '%' ? 'relative' : 'change';
  if (unit === '%') {
    if (kind === 'limit') throw badRule(text, 'a limit (> or <) is an amount, not a percentage');
    return { text, figure, kind, threshold: value / 100 };
  }
  if (spec.unit === 'time') {
    if (unit !== 'ms' && unit !== 's') throw badRule(text, `${figure} is a time: give ms or s`);
    return { text, figure, kind, threshold: unit === 's' ? value * 1000 : value };
  }
  if (spec.unit === 'rate' ? unit !== undefined && unit !== '/s' : unit !== undefined)
    throw badRule(text, `${figure} takes ${spec.unit === 'rate' ? '/s or no unit' : 'no unit'}`);
  return { text, figure, kind, threshold: value };
}

function badRule(rule: string, problem: string): BadInputError {
  return new BadInputError(`bad --fail-on rule "${rule}": ${problem}`, { fix: `write ${RULE_SYNTAX}` });
}

/** What a side measured of one figure: numbers, and the runs where it is not a number. */
export interface SideValues {
  /** Finite values, one per run where the figure is a number. */
  values: number[];
  /** Censored observations: the figure is larger than each of these (recovery when the load ended). */
  atLeast: number[];
  /** Runs where it never happened (recovery that could not start); worse than any number. */
  never: number;
  /**
   * Runs where it could not be observed (recovery while the collector was not reading, or owed records not read
   * by a drain too short to rule them out): no value, and no bound either way.
   */
  unknown: number;
}

export interface RuleInput {
  a: SideValues;
  b: SideValues;
  /** B's median − A's median; null when a side has no number for every run. */
  difference: number | null;
  /** 95 % interval of the difference; null without repeats on both sides. */
  ci: [number, number] | null;
  /** A's median, for relative rules. */
  medianA: number | null;
}

export type RuleOutcome = 'passed' | 'failed' | 'not judged' | 'not applicable';

export interface RuleJudgement {
  outcome: RuleOutcome;
  why: string;
}

/** Whether B broke `rule` for one figure of one cell, and in words why (with the numbers). */
export function judgeRule(rule: FailRule, x: RuleInput): RuleJudgement {
  const higherWorse = RULE_FIGURES[rule.figure].worse === 'higher';
  const count = (s: SideValues) => s.values.length + s.atLeast.length + s.never + s.unknown;
  if (count(x.b) === 0) return { outcome: 'not applicable', why: `B has no ${rule.figure}` };
  const fmt = (v: number) => formatAmount(rule.figure, v);
  if (rule.kind === 'limit') {
    const beyond = (v: number) => (higherWorse ? v > rule.threshold : v < rule.threshold);
    const over = x.b.values.filter(beyond);
    // A censored recovery is a lower bound: it is past an upper limit only if the bound already is.
    const overBound = x.b.atLeast.filter(beyond);
    if (over.length || overBound.length || x.b.never) {
      const which = [
        ...over.map(fmt),
        ...overBound.map((v) => `> ${fmt(v)} (load ended)`),
        ...(x.b.never ? [`${x.b.never}× never`] : []),
      ];
      return { outcome: 'failed', why: `B: ${which.join(', ')} (limit ${fmt(rule.threshold)})` };
    }
    if (x.b.atLeast.length || x.b.unknown)
      return {
        outcome: 'not judged',
        why: `B ${describeUnmeasured(x.b, fmt)}, below the limit ${fmt(rule.threshold)}: not a number`,
      };
    return {
      outcome: 'passed',
      why: `every run of B ${higherWorse ? 'at most' : 'at least'} ${fmt(rule.threshold)}`,
    };
  }
  if (count(x.a) === 0) return { outcome: 'not applicable', why: `A has no ${rule.figure}` };
  if (x.difference === null || x.medianA === null) {
    const aMeasured = x.a.atLeast.length === 0 && x.a.never === 0 && x.a.unknown === 0;
    if (aMeasured && x.b.never === count(x.b))
      return { outcome: 'failed', why: `B never recovered, A did (${fmt(x.medianA ?? 0)})` };
    const unmeasured = [
      ['A', x.a],
      ['B', x.b],
    ] as const;
    const which = unmeasured
      .filter(([, s]) => s.atLeast.length || s.never || s.unknown)
      .map(([name, s]) => `${name} ${describeUnmeasured(s, fmt)}`);
    return { outcome: 'not judged', why: `${which.join('; ')}: not a number, not subtracted` };
  }
  const allowed = rule.kind === 'relative' ? rule.threshold * Math.abs(x.medianA) : rule.threshold;
  // How much worse B is: the difference, turned so that worse is positive; with repeats the interval's
  // least-worse end, so that the whole interval must lie beyond the threshold.
  const worse = (d: number) => (higherWorse ? d : -d);
  const leastWorse = x.ci ? Math.min(worse(x.ci[0]), worse(x.ci[1])) : worse(x.difference);
  const bound = signed(fmt, higherWorse ? allowed : -allowed);
  const limitText =
    rule.kind === 'relative' ? `${bound} (${Number((rule.threshold * 100).toFixed(2))} % of A)` : bound;
  const beyond = leastWorse > allowed;
  if (x.ci) {
    const interval = `interval of the change [${signed(fmt, x.ci[0])}, ${signed(fmt, x.ci[1])}]`;
    return beyond
      ? { outcome: 'failed', why: `${interval} lies wholly beyond ${limitText}` }
      : { outcome: 'passed', why: `${interval} is not wholly beyond ${limitText}` };
  }
  const change = `change ${signed(fmt, x.difference)}`;
  return beyond
    ? { outcome: 'failed', why: `${change} is beyond ${limitText}` }
    : { outcome: 'passed', why: `${change} is within ${limitText}` };
}

/** `2× never, > 9.8 s (load ended), 1× unknown`: the runs of a side whose figure is not a number. */
function describeUnmeasured(s: SideValues, fmt: (v: number) => string): string {
  const parts = s.atLeast.map((v) => `> ${fmt(v)} (load ended)`);
  if (s.never) parts.push(`${s.never}× never`);
  if (s.unknown) parts.push(`${s.unknown}× unknown`);
  return parts.join(', ');
}

/** How a figure's value reads: counts, ms, seconds for recovery, whole events/s. */
export function formatterOf(figure: RuleFigure): (v: number) => string {
  if (figure === 'recovery') return formatSeconds;
  return RULE_FIGURES[figure].unit === 'time' ? formatMs : formatCount;
}

/** A figure's amount as the tables print it, with its unit: counts bare, ms, recovery in s, events/s. */
export function formatAmount(figure: RuleFigure, v: number): string {
  const text = formatterOf(figure)(v);
  if (figure === 'recovery') return text;
  const unit = RULE_FIGURES[figure].unit;
  return unit === 'time' ? `${text} ms` : unit === 'rate' ? `${text}/s` : text;
}

/** `+12 ms`, `−3`, `0`: a change with its sign (no unit on zero). */
export function signed(format: (v: number) => string, v: number): string {
  const text = format(Math.abs(v));
  // Zero, or so close that it prints as zero, has no sign.
  if (text === format(0)) return '0';
  return v > 0 ? `+${text}` : `−${text}`;
}
