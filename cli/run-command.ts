/** `faultline run`: one scenario against one engine; prints progress on stderr and the summary at the end. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Guarantee, TopologyKind } from '../core/index.ts';
import { EXIT } from '../core/index.ts';
import type { Provider, RunSummary } from '../harness/index.ts';
import { formatCpuAccount, formatRecovery, type RunTick, runScenario } from '../harness/index.ts';
import { onInterrupt } from './interrupt.ts';
import { terminalProgress } from './progress-reporter.ts';

export interface RunFlags {
  engine: string;
  scenario: string;
  guarantee?: Guarantee;
  workload?: string;
  topology?: TopologyKind;
  rate?: number;
  duration?: number;
  warmup?: number;
  drain?: number;
  seed?: number;
  out?: string;
  data?: string;
  model?: string;
  option?: Record<string, unknown>;
  provider?: Provider;
  cpus?: number;
  cpuProfile?: boolean;
  json?: boolean;
}

export async function runCommand(flags: RunFlags): Promise<number> {
  using interrupt = onInterrupt();
  const { dir, summary } = await runScenario({
    engine: flags.engine,
    scenario: flags.scenario,
    guarantee: flags.guarantee,
    workload: flags.workload,
    topology: flags.topology,
    rate: flags.rate,
    durationS: flags.duration,
    warmupS: flags.warmup,
    drainS: flags.drain,
    seed: flags.seed,
    outDir: flags.out,
    dataPath: flags.data,
    modelPath: flags.model,
    engineOptions: flags.option,
    provider: flags.provider,
    cpus: flags.cpus,
    cpuProfile: flags.cpuProfile,
    progress: terminalProgress(),
    onTick: printTick,
    signal: interrupt.signal,
  });
  if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(formatSummary(summary, dir));
  const profiles = join(dir, 'profiles', 'summary.txt');
  if (flags.cpuProfile && !flags.json)
    process.stdout.write(
      existsSync(profiles)
        ? `\n  CPU profiles (self time; ${join(dir, 'profiles')}):\n${readFileSync(profiles, 'utf8').replace(/^/gm, '  ')}`
        : '\n  CPU profiles: none written (an engine of JVMs, or its workers did not exit cleanly)\n',
    );
  process.stderr.write(`results in ${dir}\n`);
  return exitCodeOf(summary);
}

/** 1 when the guarantee was violated; 3 when the run itself had errors (a fault not injected, an analysis
 *  that failed: the verdict is then "unknown"); 0 otherwise. */
export function exitCodeOf(summary: RunSummary): number {
  if (summary.verdict.guaranteeHeld === false) return EXIT.checkFailed;
  if ((summary.errors ?? []).length > 0) return EXIT.harnessFailed;
  return EXIT.ok;
}

function printTick(t: RunTick): void {
  if (t.second < 0) return;
  const p99 = t.p99Ms === null ? '-' : `${t.p99Ms.toFixed(1)} ms`;
  process.stderr.write(
    `  [${String(t.second).padStart(3)} s ${t.phase.padEnd(6)}] sent ${t.attempted}  acked ${t.acked}  delivered ${t.delivered}  ${t.ratePerS}/s  p99 ${p99}\n`,
  );
}

export function formatSummary(s: RunSummary, dir: string): string {
  const c = s.counts;
  const l = s.latencyMs;
  const verdict =
    s.verdict.guaranteeHeld === true ? 'HELD' : s.verdict.guaranteeHeld === false ? 'VIOLATED' : 'UNKNOWN';
  const lines = [
    '',
    `${s.engine} · ${s.guarantee} · ${s.scenario}${s.topology ? ` (${s.topology})` : ''} · ${s.workload} · ${s.rate}/s for ${s.durationS} s (+${s.warmupS} s warm-up) · seed ${s.seed}`,
    ...(s.model
      ? [
          `  model ${s.model.trainer} (${s.model.kind}${s.model.h2oVersion ? `, H2O ${s.model.h2oVersion}` : ''}): ${s.model.path}`,
        ]
      : []),
    '',
    `  produced   ${pad(c.produced)}   delivered ${pad(c.delivered)}   unique ${pad(c.unique)}`,
    `  lost       ${pad(c.lost)}   duplicated ${pad(c.duplicated)}  unexpected ${pad(c.unexpected)}  incorrect ${pad(c.incorrect)}`,
    ...(s.branches ?? []).map(
      (b) =>
        `    branch ${b.branch.padEnd(10)} (${b.operators.join(', ')}): delivered ${b.delivered}  lost ${b.lost}  duplicated ${b.duplicated}  unexpected ${b.unexpected}  incorrect ${b.incorrect}`,
    ),
    ...(s.branches?.length
      ? ['    (fan-out: lost / duplicated count a record missing / repeated on any branch)']
      : []),
    '',
    `  latency ms p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  p99.9 ${l.p999}  max ${l.max}  mean ${l.mean}`,
    ...(s.latencySplitUnknown ? [`    split: unknown, ${s.latencySplitUnknown}`] : []),
    ...(s.inputLatencyMs && s.processingLatencyMs && s.deliveryLatencyMs
      ? [
          `    split p50/p99 ms: input ${s.inputLatencyMs.p50}/${s.inputLatencyMs.p99}  processing ${s.processingLatencyMs.p50}/${s.processingLatencyMs.p99}  delivery ${s.deliveryLatencyMs.p50}/${s.deliveryLatencyMs.p99}`,
        ]
      : []),
    `  throughput ${s.throughput.meanPerS}/s of ${s.throughput.targetPerS}/s target`,
    ...(s.cpu ? [`  ${formatCpuAccount(s.cpu)}`] : []),
    `  blast radius ${s.blastRadius.workersRestarted}/${s.blastRadius.workersTotal} workers restarted, ${s.blastRadius.recordsReplayed === null ? 'records replayed not measured' : `${s.blastRadius.recordsReplayed} records replayed`}`,
    ...(s.horizon ? [`  replay horizon: ${s.horizon.text}`] : []),
  ];
  for (const f of s.faults)
    lines.push(`  fault ${f.kind} ${f.target} at ${f.at} s${f.until === null ? '' : ` until ${f.until} s`}`);
  for (const r of s.recovery) {
    lines.push(
      `  recovery of ${r.fault}: detected ${ms(r.detectedMs)}${r.detectedBy ? ` (${r.detectedBy})` : ''}, first output ${ms(r.firstOutputMs)}, recovered ${formatRecovery(r)}`,
    );
  }
  if (s.drain)
    lines.push(
      `  drain ${(s.drain.durationMs / 1000).toFixed(1)} s (ended by ${s.drain.endedBy === 'quiet' ? `${s.drain.quietMs / 1000} s without new output` : s.drain.endedBy === 'cap' ? `its cap${s.drain.stillStarting ? ` with ${s.drain.stillStarting.join(', ')} still starting` : ''}` : 'the interrupt'}` +
        `${s.drain.startingMs ? `; a restart held it open ${(s.drain.startingMs / 1000).toFixed(1)} s` : ''}), ${s.drain.outputs} outputs read in it`,
    );
  for (const e of s.errors ?? []) lines.push(`  ERROR (${e.phase}): ${e.error}`);
  lines.push('', `  guarantee ${s.guarantee}: ${verdict}`);
  for (const n of s.verdict.notes) lines.push(`    - ${n}`);
  lines.push(`  results: ${dir}`, '');
  return lines.join('\n');
}

const pad = (n: number) => String(n).padStart(8);
const ms = (v: number | null) => (v === null ? 'none' : `${v} ms`);
