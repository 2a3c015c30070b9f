/**
 * `faultline report <dir>... [--out FILE]`: the HTML dashboard and the Markdown tradeoff report from run
 * directories, matrix directories and folders of runs; prints where they went and one screen of claims.
 */
import type { Command } from 'commander';
import { EXIT } from '../core/index.ts';
import { writeReport } from '../dashboards/index.ts';
import type { ReportModel } from '../dashboards/report-model.ts';

export interface ReportFlags {
  out?: string;
}

export function registerReportCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('report')
    .description('HTML dashboard + Markdown tradeoff report from run dirs, matrix dirs or a folder of runs')
    .argument('<dir...>', 'run directories, matrix directories or folders that hold them (e.g. results/)')
    .option('--out <file>', 'report.html path (report.md goes next to it); default: into the first <dir>')
    .action(async (dirs: string[], flags: ReportFlags) => setExit(await reportCommand(dirs, flags)));
}

export async function reportCommand(dirs: string[], flags: ReportFlags): Promise<number> {
  const { htmlPath, markdownPath, model } = writeReport({ paths: dirs, out: flags.out });
  for (const s of model.soaks) {
    const t = s.totals;
    const seeds = s.violations.map((v) => v.seed).join(', ');
    process.stdout.write(
      `soak ${s.engine} · ${s.guarantee} (${s.path}): runs ${t.runs}, held ${t.held}, violated ${t.violated}${seeds ? ` (seeds ${seeds})` : ''}, unknown ${t.unknown}, harness errors ${t.harnessErrors}\n`,
    );
  }
  if (model.soaks.length && model.runs.length === 0) {
    process.stdout.write(`\n  html      ${htmlPath}\n  markdown  ${markdownPath}\n`);
    return EXIT.ok;
  }
  process.stdout.write(`${formatClaimsSummary(model, process.stdout.columns ?? 120)}\n`);
  process.stdout.write(`\n  html      ${htmlPath}\n  markdown  ${markdownPath}\n`);
  return EXIT.ok;
}

const MARK = { confirmed: '✓', contradicted: '✗', 'not measured': '·' } as const;

export function formatClaimsSummary(model: ReportModel, width: number): string {
  const runs = model.runs.length;
  const lines = [
    `${runs} run${runs === 1 ? '' : 's'} in ${model.scenarios.length} scenario${model.scenarios.length === 1 ? '' : 's'}` +
      `${model.skipped.length ? ` (${model.skipped.length} left out, listed in the report)` : ''}: ` +
      model.scenarios
        .map((s) => `${s.scenario} ${s.groups.reduce((a, g) => a + g.runs.length, 0)}`)
        .join(', '),
    '',
    "The talk's claims:",
  ];
  const clip = (s: string) => (s.length > width - 1 ? `${s.slice(0, width - 2)}…` : s);
  for (const c of model.claims) {
    lines.push(clip(`  ${MARK[c.verdict]} ${c.verdict.padEnd(13)} ${c.claim}`));
    const measured = c.parts.filter((p) => p.verdict !== 'not measured');
    const missing = c.parts.filter((p) => p.verdict === 'not measured').map((p) => p.name);
    const evidence = measured
      .map((p) => (c.parts.length === 1 ? p.evidence.join('; ') : `${p.name}: ${p.evidence.join('; ')}`))
      .join(' · ');
    const gap = missing.length ? `not measured: ${missing.join(', ')}` : '';
    lines.push(clip(`                  ${[evidence, gap].filter(Boolean).join(' · ')}`));
  }
  return lines.join('\n');
}
