/** `faultline soak`: many short runs under seeded random fault schedules (resumable), violations shrunk. */
import type { Guarantee } from '../core/index.ts';
import { EXIT } from '../core/index.ts';
import { defaultSoakSpec, formatSoak, runSoak, type SoakAttempt, soakTotals } from '../harness/index.ts';
import { onInterrupt } from './interrupt.ts';
import { terminalProgress } from './progress-reporter.ts';

export interface SoakFlags {
  engine: string;
  guarantee?: Guarantee;
  schedules: number;
  seed: number;
  duration: number;
  tail: number;
  kinds?: string;
  scenario: string;
  rate?: number;
  warmup?: number;
  maxFaults: number;
  shrinkRuns: number;
  option?: Record<string, unknown>;
  out?: string;
  verbose?: boolean;
}

export async function soakCommand(flags: SoakFlags): Promise<number> {
  const spec = defaultSoakSpec({
    engine: flags.engine,
    ...(flags.guarantee ? { guarantee: flags.guarantee } : {}),
    schedules: flags.schedules,
    seed: flags.seed,
    durationS: flags.duration,
    ...(flags.tail ? { tailS: flags.tail } : {}),
    ...(flags.kinds !== undefined
      ? {
          kinds: flags.kinds
            .split(',')
            .map((k) => k.trim())
            .filter(Boolean),
        }
      : {}),
    scenario: flags.scenario,
    rate: flags.rate,
    warmupS: flags.warmup,
    maxFaults: flags.maxFaults,
    shrinkRuns: flags.shrinkRuns,
    engineOptions: flags.option ?? {},
  });
  using interrupt = onInterrupt();
  const started = Date.now();
  const { dir, file } = await runSoak({
    spec,
    dir: flags.out,
    signal: interrupt.signal,
    progress: flags.verbose ? terminalProgress() : undefined,
    infraProgress: terminalProgress(),
    onRun: (run, phase, what) => process.stderr.write(runLine(run, phase, what, started)),
  });
  process.stdout.write(formatSoak(file, dir));
  const totals = soakTotals(file);
  if (interrupt.signal.aborted) {
    process.stdout.write(
      `interrupted: resume with faultline soak --engine ${spec.engine} --guarantee ${file.spec.guarantee} --seed ${spec.seed} --schedules ${file.spec.schedules} --out ${dir}\n`,
    );
    return totals.violated > 0 ? EXIT.checkFailed : EXIT.harnessFailed;
  }
  if (totals.violated > 0) return EXIT.checkFailed;
  return totals.harnessErrors > 0 ? EXIT.harnessFailed : EXIT.ok;
}

export function runLine(
  run: SoakAttempt,
  phase: 'start' | 'end' | 'skip',
  what: string,
  started: number,
): string {
  const elapsed = `${Math.round((Date.now() - started) / 1000)} s`;
  if (phase === 'skip') return `${what}: already ${run.status}\n`;
  if (phase === 'start')
    return `${what}: ${run.faults.length} fault${run.faults.length === 1 ? '' : 's'} … (${elapsed} elapsed)\n`;
  const verdict =
    run.status === 'failed'
      ? `HARNESS ERROR: ${run.error}`
      : run.status === 'pending'
        ? 'interrupted'
        : run.verdict === true
          ? 'guarantee held'
          : run.verdict === false
            ? 'GUARANTEE VIOLATED'
            : `verdict unknown (${(run.reasons ?? []).join('; ')})`;
  const e = run.evidence;
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, n) => a + n, 0);
  const evidence = e
    ? ` · ${sum(e.injected)}/${run.faults.length} injected, ${sum(e.detected)} detected${e.workersRestarted ? `, ${e.workersRestarted} worker${e.workersRestarted === 1 ? '' : 's'} restarted` : ''}`
    : '';
  return `${what}: ${verdict}${evidence} (${run.seconds} s)\n`;
}
