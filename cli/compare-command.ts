/**
 * `faultline compare <A> <B> [--fail-on rules] [--json] [--out FILE]`: two runs, matrices or benches side by
 * side, cell by cell; exit 1 when a `--fail-on` rule finds B worse than A, so a team can gate a change in CI.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT } from '../core/index.ts';
import { compareResults, renderCompareMarkdown, verdictLine } from '../dashboards/index.ts';

export interface CompareFlags {
  failOn?: string;
  ignoreVariant?: string;
  json?: boolean;
  out?: string;
}

const RULES_HELP = `
--fail-on rules, comma-separated (B worse than A beyond any of them in any paired cell → exit 1); quote them,
the shell reads > as a redirection:
  p99:+20%          B's median p99 more than 20 % above A's (also p50, p999, lost, duplicated, incorrect, recovery)
  recovery:+2s      B's median recovery more than 2 s longer (times take ms or s; counts no unit: lost:+10)
  throughput:-10%   B's median throughput more than 10 % below A's (throughput:-200 for an amount in events/s)
  lost:>0           a limit on B alone: any run of B above it fails (p99:>250ms; throughput:<400)
The sign must be the way the figure gets worse (+ or > up, - or < for throughput).

With repeats (≥ 2 runs on both sides) a relative (%) or amount (+N) rule fails only when the whole 95 %
bootstrap interval of the difference of medians lies beyond the threshold, so noise between repeats does not
fail; a relative threshold is that share of A's median. A limit (> or <) is checked on every run of B.
A censored recovery ("> 9.8 s (load ended)") is a lower bound, not a number: it is never subtracted, and a rule
that would need it is listed as "not judged" (it does not fail), except that a recovery that never happened
in B when A recovered fails, and so does a censored one whose bound is already past a limit.

Exit codes: 0 no rule failed, 1 a rule failed, 2 bad input (paths, rule syntax, nothing to pair).

Example:
  faultline compare results/base results/change --fail-on 'p99:+20%,lost:>0,recovery:+2s'
`;

export function registerCompareCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('compare')
    .description(
      'two runs, matrices or benches side by side: per cell the change in lost/duplicated/incorrect, latency, recovery and throughput, with bootstrap intervals',
    )
    .argument(
      '<A>',
      'the baseline: a run directory, a matrix directory, a folder of runs, or a bench (bench.json)',
    )
    .argument('<B>', 'the candidate, of the same kinds')
    .option('--fail-on <rules>', 'exit 1 when B is worse than A beyond these rules (see below)')
    .option(
      '--ignore-variant <fields>',
      'comma-separated variant fields left out when pairing cells (rate, durationS, workload, provider, or an engine option such as bufferTimeoutMs)',
    )
    .option('--json', 'a JSON document (schema faultline/compare@1) instead of Markdown')
    .option(
      '--out <file>',
      'write the document to this file instead of stdout (a verdict line goes to stdout)',
    )
    .addHelpText('after', RULES_HELP)
    .action(async (a: string, b: string, flags: CompareFlags) => setExit(await compareCommand(a, b, flags)));
}

export async function compareCommand(a: string, b: string, flags: CompareFlags): Promise<number> {
  const comparison = compareResults({
    a,
    b,
    failOn: flags.failOn,
    ignoreVariant: flags.ignoreVariant
      ?.split(',')
      .map((f) => f.trim())
      .filter(Boolean),
  });
  const document = flags.json
    ? `${JSON.stringify(comparison, null, 2)}\n`
    : renderCompareMarkdown(comparison);
  if (flags.out) {
    writeFileSync(flags.out, document);
    process.stdout.write(
      `${verdictLine(comparison).replace(/\*\*|`/g, '')}\n  written to ${resolve(flags.out)}\n`,
    );
  } else process.stdout.write(document);
  return comparison.passed ? EXIT.ok : EXIT.checkFailed;
}
