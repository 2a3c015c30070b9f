/** `faultline bench`: sustainable throughput per engine and workload, the limits, and the goals as measured. */
import type { Guarantee } from '../core/index.ts';
import { cpuText, formatBench, runBench, sampleText } from '../harness/index.ts';
import { onInterrupt } from './interrupt.ts';
import { terminalProgress } from './progress-reporter.ts';

export interface BenchFlags {
  engines: string;
  workloads: string;
  guarantee?: Guarantee;
  startRate: number;
  referenceRate?: number;
  maxRate: number;
  step: number;
  warmup?: number;
  halfWarmup?: number;
  repeats: number;
  halfRuns: number;
  brokerWarmup: number;
  stealRerun: number;
  limits: boolean;
  interleave?: boolean;
  out?: string;
  option?: Record<string, unknown>;
  json?: boolean;
  verbose?: boolean;
}

export async function benchCommand(flags: BenchFlags): Promise<number> {
  using interrupt = onInterrupt();
  const result = await runBench({
    signal: interrupt.signal,
    engines: flags.engines.split(','),
    workloads: flags.workloads.split(','),
    guarantee: flags.guarantee,
    startRate: flags.startRate,
    referenceRate: flags.referenceRate,
    maxRate: flags.maxRate,
    stepS: flags.step,
    warmupS: flags.warmup,
    halfWarmupS: flags.halfWarmup,
    repeats: flags.repeats,
    halfRuns: flags.halfRuns,
    brokerWarmupS: flags.brokerWarmup,
    quietHost: { stealShare: flags.stealRerun / 100 },
    limits: flags.limits,
    interleave: flags.interleave === true,
    engineOptions: flags.option,
    outDir: flags.out,
    progress: flags.verbose ? terminalProgress() : undefined,
    onMachine: (sample, where) => process.stderr.write(`  machine ${where}: ${sampleText(sample)}\n`),
    onStep: (s) =>
      process.stderr.write(
        `  ${s.engine}/${s.workload} at ${s.rate}/s: ${s.stolen ? `${Math.round(s.stolen.share * 100)} % of the machine's time stolen: not counted, ${s.stolen.quiet ? `the host read quiet after ${s.stolen.waitedS} s` : `the host still stolen from after ${s.stolen.waitedS} s`}, running it again; ` : ''}${s.rerun && !s.stolen ? `${s.judgement.sustainable ? 'sustainable' : 'NOT sustainable'} so far (the low-load reference), running it again` : s.judgement.sustainable ? 'sustainable' : 'NOT sustainable'} (${s.judgement.reason}; produced ${s.judgement.producedPerS.toFixed(0)}/s, delivered ${s.judgement.deliveredPerS.toFixed(0)}/s, backlog end ${s.judgement.backlog.endEvents}${s.judgement.consumerLag ? `, Kafka lag end ${s.judgement.consumerLag.endEvents}` : ''}, later p50/p99 ${msText(s.judgement.lateP50Ms)}/${msText(s.judgement.lateP99Ms)} ms)${cpuText(s.cpu, s.wallClockStepMs)}\n`,
      ),
  });
  if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`\n${formatBench(result)}\nresults in ${result.dir}\n`);
  if (result.interrupted) {
    const { entry, workload, failure, runDir } = result.interrupted;
    process.stderr.write(
      `${failure ? `stopped: a run of ${entry}/${workload} failed (${runDir}): ${failure}` : `interrupted during ${entry}/${workload}`}; bench.json and bench.md keep what was measured so far\n`,
    );
    return 3;
  }
  return 0;
}

/** A latency as the step line prints it: 0.1 ms resolution (a median of per-second figures carries float noise). */
function msText(ms: number | null): string {
  return ms === null ? '-' : String(Math.round(ms * 10) / 10);
}
