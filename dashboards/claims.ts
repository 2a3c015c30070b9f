/**
 * "The talk's claims": each row of the last table of PROTOCOLS.md, judged against the runs in the report by
 * explicit rules (written next to them in `rule`, and printed in the report), with the measured evidence.
 *
 * A claim has one or more parts. Each part reads some runs (its candidates) and requires evidence of each
 * (claim-evidence.ts: a fault that was injected, the engine's reaction, produced > 0, unexpected = 0, a known
 * verdict, ...): a candidate without it is left out with the reason. A part is confirmed, contradicted, or not
 * measured (no candidate had the evidence; it says which runs would measure it and why the ones present did
 * not). The claim is contradicted if any measured part is, confirmed if a measured part that may confirm it
 * alone is and none contradicts, and not measured otherwise. A part whose confirmation could not have come out
 * otherwise may only contradict (`confirmsAlone: false`).
 *
 * The rules live per system (claims-storm.ts, claims-flink.ts, claims-apex.ts), the machinery of parts in
 * claim-rules.ts. Engine options missing from scenario.json take the engine's default.
 */
import { type ClaimDefinition, type ClaimResult, combineParts, judgePart, ruleText } from './claim-rules.ts';
import { apexLocalRecovery } from './claims-apex.ts';
import { flinkExactlyOnce, flinkGlobalRestart, flinkMicroBatching } from './claims-flink.ts';
import { stormDurability, stormReplayDelay, stormWholeTree } from './claims-storm.ts';
import type { LoadedRun } from './load.ts';

export type { ClaimPart, ClaimResult, ClaimVerdict } from './claim-rules.ts';
export { runIds } from './claim-rules.ts';

export const CLAIMS: readonly ClaimDefinition[] = [
  stormDurability,
  stormReplayDelay,
  stormWholeTree,
  flinkGlobalRestart,
  flinkMicroBatching,
  flinkExactlyOnce,
  apexLocalRecovery,
];

/** The verdict, with how much of the claim was measured when that was not all of it. */
export function verdictLabel(c: Pick<ClaimResult, 'verdict' | 'parts'>): string {
  const measured = c.parts.filter((p) => p.verdict !== 'not measured').length;
  if (c.verdict === 'not measured')
    return measured === 0
      ? c.verdict
      : `not measured (${measured} of ${c.parts.length} parts measured, which cannot confirm the claim alone)`;
  return measured === c.parts.length
    ? c.verdict
    : `${c.verdict} (${measured} of ${c.parts.length} parts measured)`;
}

export function judgeClaims(runs: readonly LoadedRun[]): ClaimResult[] {
  return CLAIMS.map((c) => {
    const judged = c.parts.map((p) => judgePart(p, runs));
    const parts = judged.map((j) => j.part);
    const used = [...new Set(judged.flatMap((j) => j.used))];
    return {
      id: c.id,
      claim: c.claim,
      measure: c.measure,
      expected: c.expected,
      rule: c.parts.map((p) => ruleText(p, c.parts.length === 1)).join(' '),
      verdict: combineParts(parts),
      parts,
      runs: used.map((r) => r.summary.runId),
    };
  });
}
