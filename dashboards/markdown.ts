/**
 * The Markdown tradeoff report (report.md): per scenario a table engine × guarantee with the best value of
 * each column in bold, then the talk's claims with the measured evidence, the rules that decided them, the
 * environment and the list of runs. Plain GitHub-flavoured Markdown, readable as text too.
 */
import type { ExcludedRun } from './claim-evidence.ts';
import { type ClaimPart, type ClaimResult, runIds, verdictLabel } from './claims.ts';
import { realVsModelMarkdown } from './real-vs-model.ts';
import type { ReportModel, ScenarioSection } from './report-model.ts';
import { soakMarkdown } from './soak-section.ts';
import type { TableView } from './tradeoff-table.ts';

/** Escapes what would break a table cell or start emphasis. */
export function mdCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\*/g, '\\*').replace(/\n/g, ' ');
}

export function markdownTable(view: TableView): string {
  const header = ['engine · guarantee', ...view.columns.map((c) => c.header)];
  const align = ['---', ...view.columns.map((c) => (c.id === 'verdict' ? '---' : '---:'))];
  const rows = view.rows.map((r) => [
    mdCell(r.group.label),
    ...r.cells.map((c) => (c.best ? `**${mdCell(c.text)}**` : mdCell(c.text))),
  ]);
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The runs a part left out, grouped by why: "left out 2 runs: no fault injected (a, b)". */
export function excludedText(excluded: readonly ExcludedRun[]): string {
  const byReason = new Map<string, string[]>();
  for (const e of excluded) {
    const reason = e.reasons.join(', ');
    byReason.set(reason, [...(byReason.get(reason) ?? []), e.runId]);
  }
  const groups = [...byReason].map(([reason, ids]) => `${reason} (${runIds(ids)})`);
  return `left out ${excluded.length} run${excluded.length === 1 ? '' : 's'}: ${groups.join('; ')}`;
}

export function partText(p: ClaimPart, single: boolean): string {
  const left = p.excluded.length ? [excludedText(p.excluded)] : [];
  if (p.verdict === 'not measured') {
    const context = [...p.evidence, ...left];
    return `${p.name}: not measured, needs ${p.needs ?? 'runs'}${context.length ? ` (${context.join('; ')})` : ''}`;
  }
  const verdict = p.confirmsAlone ? p.verdict : `${p.verdict}, cannot confirm the claim alone`;
  return `${single ? '' : `${p.name} (${verdict}): `}${[...p.evidence, ...left].join('; ')}`;
}

export function claimEvidence(c: ClaimResult): string {
  const single = c.parts.length === 1;
  return c.parts.map((p) => partText(p, single)).join(' · ');
}

function scenarioSection(s: ScenarioSection): string[] {
  const lines = [`## Scenario: ${s.scenario}`, ''];
  if (s.description) lines.push(s.description, '');
  if (s.faults.length) lines.push(`Faults (seconds from run start): ${s.faults.join('; ')}.`, '');
  lines.push(markdownTable(s.table), '');
  return lines;
}

export function renderMarkdown(model: ReportModel): string {
  const runCount = model.runs.length;
  const lines: string[] = [
    '# faultline tradeoff report',
    '',
    `Generated ${model.generatedAt} from ${model.inputs.map((i) => `\`${i}\``).join(', ')}: ` +
      `${runCount} run${runCount === 1 ? '' : 's'} in ${model.scenarios.length} scenario${model.scenarios.length === 1 ? '' : 's'}` +
      (model.skipped.length ? `, ${model.skipped.length} left out (see Runs)` : '') +
      '.',
    '',
  ];
  for (const soak of model.soaks) lines.push(...soakMarkdown(soak, mdCell));
  for (const m of model.matrices)
    lines.push(`Matrix \`${m.name}\` (${m.path}, started ${m.startedAt}): ${m.cells} cells.`, '');
  lines.push(
    'Each row is one engine × guarantee (and variant: rate, duration or engine options, when they differ). ' +
      'With repeats a cell reads `median [lo–hi]`, the 95 % percentile-bootstrap interval of the median (fixed seed; ' +
      'with few repeats it is about [min–max]). **Bold** marks the best value of a column: lowest, except outputs/s ' +
      '(highest share of the target rate) and restarted (workers restarted/total: lowest share); no recovery is bold while ' +
      "another row's could be lower (a lower bound below it, or unknown). Latency is end-to-end from the intended " +
      "send time, after the warm-up. Recovery is the first fault's recovery time: " +
      'from the injection to the first healthy 5 s window after every record intended before it was delivered, with no ' +
      'record outstanding longer than the latency bound while it runs; ' +
      '"> N s (load ended)" when the load ended before such a window (a lower bound), "never (why)" when it ' +
      'could not recover (records it owed never arrived after a drain that ended quiet), "unknown (why)" when the run ' +
      'cannot tell (the collector was not reading, or the drain ended at its cap with records still owed), "—" without faults; replayed counts records replayed after a failure ("—": the engine cannot count them, e.g. the real Flink).',
    '',
  );
  for (const s of model.scenarios) lines.push(...scenarioSection(s));
  lines.push(...realVsModelMarkdown(model.realVsModel, mdCell));

  lines.push("## The talk's claims", '', '| claim | measured evidence | verdict |', '| --- | --- | --- |');
  for (const c of model.claims)
    lines.push(`| ${mdCell(c.claim)} | ${mdCell(claimEvidence(c))} | **${verdictLabel(c)}** |`);
  lines.push('', '### How the verdicts are decided', '');
  for (const c of model.claims)
    lines.push(
      `- **${mdCell(c.claim)}** (measure: ${c.measure}; expected from the real system: ${c.expected}). ${c.rule}`,
    );
  lines.push(
    '- A run a part reads but which lacks the evidence the part requires is left out, with the reason. A claim with ' +
      'several parts is contradicted if any measured part is, confirmed if a measured part that may confirm it alone ' +
      'is and none contradicts, and not measured otherwise; parts not measured say which runs they need.',
    '',
  );

  lines.push('## Environment', '', '| field | value (runs) |', '| --- | --- |');
  for (const f of model.environment) {
    const values =
      f.values.length === 1 ? f.values[0]!.value : f.values.map((v) => `${v.value} (${v.runs})`).join(', ');
    lines.push(`| ${f.name} | ${mdCell(values)} |`);
  }
  lines.push('');

  lines.push(
    '## Runs',
    '',
    '| run | scenario | engine | guarantee | rate/s | s | engine options | model | faults | guarantee held | directory |',
    '| --- | --- | --- | --- | ---: | ---: | --- | --- | --- | --- | --- |',
  );
  for (const r of model.runs) {
    lines.push(
      `| ${mdCell(r.runId)} | ${r.scenario} | ${r.engine} | ${r.guarantee} | ${r.rate} | ${r.durationS} | ${mdCell(r.options || '—')} | ${mdCell(r.model)} | ${mdCell(r.faults || '—')} | ${r.verdict} | ${mdCell(r.path)} |`,
    );
  }
  lines.push('');
  if (model.skipped.length) {
    lines.push('Left out:', '');
    for (const s of model.skipped) lines.push(`- ${mdCell(s.path)}: ${s.reason}`);
    lines.push('');
  }
  const warned = model.runs.filter((r) => r.warnings.length);
  if (warned.length) {
    lines.push('Warnings:', '');
    for (const r of warned) lines.push(`- ${r.runId}: ${r.warnings.join('; ')}`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
