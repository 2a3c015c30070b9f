/**
 * The machinery of the talk's claims (claims.ts): a claim is made of parts, each a rule that reads candidate
 * runs, screens them through the evidence it requires (claim-evidence.ts), judges the runs that had it, and
 * says what it left out and why. Also the text helpers the rules share.
 */
import { median } from '../core/index.ts';
import {
  type ExcludedRun,
  failedOver,
  MEASURED,
  otherOptions,
  type Requirement,
  screen,
  workerKillInjected,
} from './claim-evidence.ts';
import type { LoadedRun } from './load.ts';

export type ClaimVerdict = 'confirmed' | 'contradicted' | 'not measured';

export interface ClaimPart {
  name: string;
  verdict: ClaimVerdict;
  evidence: string[];
  /** For a part not measured: the runs it needs. */
  needs?: string;
  /** Candidate runs left out for lack of evidence, with why. */
  excluded: ExcludedRun[];
  /** False: the part can contradict the claim, but its confirmation proves nothing alone. */
  confirmsAlone: boolean;
}

export interface ClaimResult {
  id: string;
  /** The three columns of PROTOCOLS.md's table. */
  claim: string;
  measure: string;
  expected: string;
  /** How the verdict is decided: per part, what it reads, requires, and what confirms and contradicts. */
  rule: string;
  verdict: ClaimVerdict;
  parts: ClaimPart[];
  /** Run ids the evidence comes from. */
  runs: string[];
}

/** What a part's judge makes of the runs that had the evidence (at least one). */
export interface Judged {
  verdict: ClaimVerdict;
  evidence: string[];
  /** The runs the verdict rests on. */
  used: LoadedRun[];
  /** Runs the judge could not use after all (e.g. nothing to compare them with). */
  excluded?: ExcludedRun[];
}

export interface PartRule {
  name: string;
  /** The runs the part reads before screening, as the rule text says it. */
  reads: string;
  candidates(runs: readonly LoadedRun[]): LoadedRun[];
  requires: readonly Requirement[];
  confirms: string;
  contradicts: string;
  /** Runs that would measure the part, for "not measured". */
  needs: string;
  /** Why the rule is what it is; printed after it. */
  note?: string;
  confirmsAlone?: false;
  /** Evidence shown whatever the verdict, never deciding it (a contrast, the context of a part not measured). */
  context?(runs: readonly LoadedRun[]): string[];
  /** `all`: every run of the report, for comparisons with other engines. */
  judge(usable: LoadedRun[], all: readonly LoadedRun[]): Judged;
}

export interface ClaimDefinition {
  id: string;
  claim: string;
  measure: string;
  expected: string;
  parts: readonly PartRule[];
}

// ---------------------------------------------------------------------------------------------------------
// Parts, rules and verdicts

export const runsOf = (runs: readonly LoadedRun[], engine: string, guarantee?: string) =>
  runs.filter(
    (r) => r.summary.engine === engine && (guarantee === undefined || r.summary.guarantee === guarantee),
  );

export const list = (values: readonly number[], format: (v: number) => string = String) =>
  values.length === 1
    ? format(values[0]!)
    : `${values.map(format).join(', ')} (median ${format(median(values)!)})`;

export const seconds = (us: number) => `${(us / 1e6).toFixed(2)} s`;
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function judgePart(
  rule: PartRule,
  runs: readonly LoadedRun[],
): { part: ClaimPart; used: LoadedRun[] } {
  const { usable, excluded } = screen(rule.candidates(runs), rule.requires);
  const context = rule.context?.(runs) ?? [];
  const judged: Judged =
    usable.length === 0 ? { verdict: 'not measured', evidence: [], used: [] } : rule.judge(usable, runs);
  return {
    part: {
      name: rule.name,
      verdict: judged.verdict,
      evidence: [...judged.evidence, ...context],
      ...(judged.verdict === 'not measured' ? { needs: rule.needs } : {}),
      excluded: [...excluded, ...(judged.excluded ?? [])],
      confirmsAlone: rule.confirmsAlone ?? true,
    },
    used: judged.used,
  };
}

/** The rule of a part as the report prints it: what it reads, what each run needs, what decides. */
export function ruleText(rule: PartRule, single: boolean): string {
  return (
    `${single ? '' : `${rule.name}: `}reads ${rule.reads}; each needs ${rule.requires.map((q) => q.needs).join(', ')}. ` +
    `Confirmed when ${rule.confirms}; contradicted when ${rule.contradicts}.` +
    (rule.confirmsAlone === false ? ' This part can contradict the claim but not confirm it alone.' : '') +
    (rule.note ? ` ${rule.note}` : '')
  );
}

/** Combines parts: contradicted beats confirmed beats not measured; a part that cannot confirm alone does not. */
export function combineParts(parts: readonly ClaimPart[]): ClaimVerdict {
  if (parts.some((p) => p.verdict === 'contradicted')) return 'contradicted';
  if (parts.some((p) => p.verdict === 'confirmed' && p.confirmsAlone)) return 'confirmed';
  return 'not measured';
}

/** Run ids for evidence text: a few, then how many more. */
export function runIds(ids: readonly string[], most = 3): string {
  const shown = ids.slice(0, most).join(', ');
  return ids.length > most ? `${shown} and ${ids.length - most} more` : shown;
}
export const idsOf = (runs: readonly LoadedRun[]) => runIds(runs.map((r) => r.summary.runId));

/**
 * A few values as they are, many as their median and range: an explicit-fail run has a delay per failed
 * tuple, which no table cell can list.
 */
export const spread = (values: readonly number[], format: (v: number) => string) =>
  values.length <= 5
    ? list(values, format)
    : `median ${format(median(values)!)} (${format(Math.min(...values))}–${format(Math.max(...values))}, ${values.length} values)`;

/** Groups runs that differ only in `option`: same guarantee, workload, rate and every other engine option. */
export function groupsDifferingIn(
  runs: readonly LoadedRun[],
  defaults: object,
  option: string,
): { label: string; runs: LoadedRun[] }[] {
  const groups = new Map<string, { label: string; runs: LoadedRun[] }>();
  for (const r of runs) {
    const label = `${r.summary.guarantee} ${r.summary.workload} ${r.summary.rate}/s`;
    const key = `${label} ${otherOptions(r, defaults, option)}`;
    const g = groups.get(key) ?? { label, runs: [] };
    g.runs.push(r);
    groups.set(key, g);
  }
  const all = [...groups.values()];
  // Groups with the same label differ in another option: number them.
  const namesakes = (g: { label: string }) => all.filter((o) => o.label === g.label);
  return all.map((g) =>
    namesakes(g).length > 1 ? { ...g, label: `${g.label} (options ${namesakes(g).indexOf(g) + 1})` } : g,
  );
}

export const alone = (runs: readonly LoadedRun[], why: string): ExcludedRun[] =>
  runs.map((r) => ({ runId: r.summary.runId, reasons: [why] }));

/** What every rule about a worker kill requires of a run. */
export const KILL_EVIDENCE: readonly Requirement[] = [...MEASURED, workerKillInjected, failedOver];
