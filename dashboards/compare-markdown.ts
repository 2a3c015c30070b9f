/**
 * `faultline compare` as Markdown: what was compared, a table per paired cell (A, B, the change, relative and
 * its interval), the cells only one side has, and the verdict of the `--fail-on` rules. Readable as text.
 */
import type { CellChange, Comparison, FigureChange } from './compare.ts';
import { formatterOf, signed } from './compare-rules.ts';
import { mdCell } from './markdown.ts';

const FIGURE_HEADERS: Record<FigureChange['figure'], string> = {
  lost: 'lost',
  duplicated: 'duplicated',
  incorrect: 'incorrect',
  p50: 'p50 ms',
  p99: 'p99 ms',
  p999: 'p99.9 ms',
  recovery: 'recovery',
  throughput: 'throughput',
};

const MARK = { passed: '✓', failed: '✗', 'not judged': '?' } as const;

export function renderCompareMarkdown(c: Comparison): string {
  const side = (name: string, s: Comparison['a']) =>
    `- ${name}: \`${s.input}\`, ${s.description}, ${s.cells} cell${s.cells === 1 ? '' : 's'}`;
  const lines = ['# faultline compare', '', side('A', c.a), side('B', c.b), ''];
  lines.push(
    'Cells pair by scenario, engine, guarantee and variant (rate, duration, workload, provider, engine options)' +
      (c.ignoredVariant.length ? `, except ${c.ignoredVariant.join(', ')} (ignored)` : '') +
      '. A and B read `median [95 % interval]` over the repeats; change = B − A of the medians, relative to A. ' +
      'With ≥ 2 runs on both sides the interval of the change is a percentile bootstrap of the difference of ' +
      'medians (seeded, 10 000 resamples; with few repeats it is narrow, about the range of the differences, and covers less than 95 %). A recovery "> N s (load ended)" is a lower bound, not a number: it ' +
      `is not subtracted. Throughput is ${throughputMeaning(c)}.`,
    '',
  );
  if (c.machine) lines.push(`**${mdCell(c.machine)}**`, '');
  if (c.code) lines.push(`**${mdCell(c.code)}**`, '');
  if (c.rule) lines.push(`**${mdCell(c.rule)}**`, '');
  if (c.recoveryDefinition) lines.push(`**${mdCell(c.recoveryDefinition)}**`, '');
  for (const cell of c.cells) lines.push(...cellSection(cell));
  for (const [name, refs] of [
    ['Only in A', c.onlyInA],
    ['Only in B', c.onlyInB],
  ] as const) {
    if (refs.length === 0) continue;
    lines.push(`## ${name}`, '');
    for (const r of refs) lines.push(`- ${mdCell(r.label)} (${r.runs} run${r.runs === 1 ? '' : 's'})`);
    lines.push('');
  }
  const leftOut = [
    ...c.a.skipped.map((s) => ['A', s] as const),
    ...c.b.skipped.map((s) => ['B', s] as const),
  ];
  const warnings = [...c.a.warnings.map((w) => `A: ${w}`), ...c.b.warnings.map((w) => `B: ${w}`)];
  if (leftOut.length || warnings.length) {
    lines.push('## Left out', '');
    for (const [name, s] of leftOut) lines.push(`- ${name}: ${mdCell(s.path)}: ${mdCell(s.reason)}`);
    for (const w of warnings) lines.push(`- ${mdCell(w)}`);
    lines.push('');
  }
  const benches = c.cells.filter((cell) => cell.sustainable);
  if (benches.length) {
    const apart = benches.filter((cell) => !cell.sustainable!.agree);
    lines.push(
      '## Do the two benches agree?',
      '',
      `The sustainable rate of ${benches.length - apart.length} of ${benches.length} paired cells agrees within one search step (a grid step, ~1.2 ×, in a bench@3)` +
        (apart.length ? `; not in: ${apart.map((cell) => mdCell(cell.label)).join(', ')}.` : '.'),
      '',
      ...fittedLines(benches),
      ...ratioLines(benches),
      ...pooledLines(benches, c.pooledWithheld),
      ...(c.machine ? [mdCell(c.machine), ''] : []),
      ...(c.code ? [mdCell(c.code), ''] : []),
      ...(c.rule ? [mdCell(c.rule), ''] : []),
    );
  }
  lines.push('## Verdict', '', verdictLine(c), '');
  for (const f of c.failures) lines.push(`- ✗ ${mdCell(f.cell)}: \`${f.rule}\`: ${mdCell(f.why)}`);
  for (const f of c.notJudged)
    lines.push(`- ? ${mdCell(f.cell)}: \`${f.rule}\` not judged: ${mdCell(f.why)}`);
  if (c.failures.length || c.notJudged.length) lines.push('');
  return `${lines.join('\n')}\n`;
}

/** How many paired cells' fitted crossings are within the runs' spread of each other (bracket-agreement.ts). */
function fittedLines(benches: readonly CellChange[]): string[] {
  const fitted = benches.filter((cell) => cell.sustainable?.fitted);
  if (!fitted.length) return [];
  const apart = fitted.filter((cell) => !cell.sustainable!.fitted!.overlap);
  return [
    `The fitted ½ crossings (every run of a search read as a draw of a pass probability falling with the rate; 95 % intervals under each cell) are within the runs' own spread in ${fitted.length - apart.length} of ${fitted.length}` +
      (apart.length
        ? `; apart in: ${apart.map((cell) => mdCell(cell.label)).join(', ')}: there the two benches did not measure the same thing.`
        : '.'),
    '',
  ];
}

/** How many paired cells' ratios to their bench's parallel passthrough are consistent: what compares across machines. */
function ratioLines(benches: readonly CellChange[]): string[] {
  const ratios = benches.filter((cell) => cell.sustainable?.ratio);
  if (!ratios.length) return [];
  const apart = ratios.filter((cell) => !cell.sustainable!.ratio!.consistent);
  return [
    `The ratio to each bench's own parallel passthrough (what compares across machines, where the rates do not) is consistent in ${ratios.length - apart.length} of ${ratios.length}: each crossing is known to its bracket, so a ratio to about 1.44 × (both intervals under each cell)` +
      (apart.length ? `; apart in: ${apart.map((cell) => mdCell(cell.label)).join(', ')}.` : '.'),
    '',
  ];
}

/** The ½ crossing of both benches' runs together, per paired cell that has one (bracket-agreement.ts). */
function pooledLines(benches: readonly CellChange[], withheld: string | null): string[] {
  if (withheld) return [mdCell(withheld), ''];
  const pooled = benches.filter((cell) => cell.sustainable?.pooled);
  if (!pooled.length) return [];
  return [
    "Both benches' runs pooled, rate by rate (a figure where both ran one commit on one machine):",
    '',
    ...pooled.map((cell) => `- ${mdCell(cell.label)}: ${mdCell(cell.sustainable!.pooled!)}`),
    '',
  ];
}

function throughputMeaning(c: Comparison): string {
  const kinds = new Set([c.a.throughput, c.b.throughput]);
  const meaning = (k: string) =>
    k === 'outputs/s' ? "a run's mean outputs/s" : "a bench's sustainable throughput (events/s)";
  return [...kinds].map(meaning).join(' in one side and ');
}

/** One line: passed or failed, and on what. */
export function verdictLine(c: Comparison): string {
  const cells = `${c.cells.length} paired cell${c.cells.length === 1 ? '' : 's'}`;
  if (c.rules.length === 0) return `No \`--fail-on\` rules: ${cells} compared, nothing judged.`;
  const quote = (rules: string[]) => rules.map((r) => `\`${r}\``).join(', ');
  if (c.passed) {
    const open = c.notJudged.length ? ` (${c.notJudged.length} not judged, listed below)` : '';
    return `**passed**: ${quote(c.rules)} held in ${cells}${open}.`;
  }
  const failedCells = new Set(c.failures.map((f) => f.cell)).size;
  const failedRules = [...new Set(c.failures.map((f) => f.rule))];
  const held = c.rules.filter((r) => !failedRules.includes(r));
  return (
    `**FAILED**: B is worse than A beyond ${quote(failedRules)} in ${failedCells} of ${cells}` +
    `${held.length ? `; ${quote(held)} held` : ''}.`
  );
}

function cellSection(cell: CellChange): string[] {
  const runs = (n: number) => `${n} run${n === 1 ? '' : 's'}`;
  const lines = [`## ${mdCell(cell.label)}`, ''];
  lines.push(
    `${runs(cell.runsA)} in A, ${runs(cell.runsB)} in B.` +
      (cell.variantChange.length ? ` Variant: ${cell.variantChange.map(mdCell).join(', ')}.` : ''),
    '',
  );
  lines.push(
    '| figure | A | B | change | relative | 95 % interval of the change |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const f of cell.figures) {
    if (f.a.text === '—' && f.b.text === '—') continue;
    lines.push(
      `| ${FIGURE_HEADERS[f.figure]} | ${mdCell(f.a.text)} | ${mdCell(f.b.text)} | ${mdCell(changeText(f))} | ${relativeText(f)} | ${intervalText(f)} |`,
    );
  }
  lines.push('');
  const s = cell.sustainable;
  if (s)
    lines.push(
      `Sustainable: A ${s.a}; B ${s.b}: ${s.agree ? 'agree' : '**disagree**'}, ${mdCell(s.why)}.`,
      ...(s.fitted
        ? [
            '',
            `Fitted ½ crossing [95 %]: A ${s.fitted.a}; B ${s.fitted.b}: ${s.fitted.overlap ? '' : '**apart**, '}${mdCell(s.fitted.why)}.`,
          ]
        : []),
      ...(s.ratio
        ? [
            '',
            `Ratio to its bench's parallel passthrough: A ${s.ratio.a}; B ${s.ratio.b}: ${s.ratio.consistent ? 'consistent' : '**apart**'}, ${mdCell(s.ratio.why)}.`,
          ]
        : []),
      ...(s.disputed ? ['', `Where they part: ${mdCell(s.disputed)}.`] : []),
      ...(s.references ? ['', `Low load: ${mdCell(s.references)}.`] : []),
      '',
    );
  if (cell.rules.length) {
    for (const r of cell.rules)
      lines.push(`- ${MARK[r.outcome]} \`${r.rule}\` ${r.outcome}: ${mdCell(r.why)}`);
    lines.push('');
  }
  return lines;
}

export function changeText(f: FigureChange): string {
  if (f.difference === null) return f.note ?? '—';
  return signed(formatterOf(f.figure), f.difference);
}

function relativeText(f: FigureChange): string {
  if (f.relative === null) return f.difference === null ? '' : '—';
  if (f.relative === 0) return '0 %';
  return `${f.relative > 0 ? '+' : '−'}${(Math.abs(f.relative) * 100).toFixed(1)} %`;
}

function intervalText(f: FigureChange): string {
  if (f.ci === null) return f.difference === null ? '' : '—';
  const format = formatterOf(f.figure);
  return `[${signed(format, f.ci[0])}, ${signed(format, f.ci[1])}]`;
}
