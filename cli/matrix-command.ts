/** `faultline matrix`: run a benchmark matrix (resumable), then write its report. */
import {
  checkedModelPath,
  loadMatrixSpec,
  type MatrixCell,
  parseProvider,
  runMatrix,
  setRepeat,
} from '../harness/index.ts';
import { onInterrupt } from './interrupt.ts';
import { terminalProgress } from './progress-reporter.ts';
import { reportCommand } from './report-command.ts';

export interface MatrixFlags {
  repeat?: number;
  out?: string;
  report: boolean;
  verbose?: boolean;
  providers?: string;
  model?: string;
}

export async function matrixCommand(name: string, flags: MatrixFlags): Promise<number> {
  const spec = loadMatrixSpec(name);
  if (flags.repeat !== undefined) setRepeat(spec, flags.repeat);
  if (flags.model) spec.model = checkedModelPath(flags.model, spec.workload, '--model');
  if (flags.providers) spec.providers = flags.providers.split(',').map((p) => parseProvider(p.trim()));
  const started = Date.now();
  using interrupt = onInterrupt();
  const { dir, file } = await runMatrix({
    spec,
    signal: interrupt.signal,
    dir: flags.out,
    progress: flags.verbose ? terminalProgress() : undefined,
    // Provisioning (first run: Kafka jars, the Toxiproxy build) always shows its progress.
    infraProgress: terminalProgress(),
    onCell: (cell, i, total, phase) => process.stderr.write(cellLine(cell, i, total, phase, started)),
  });
  const counts = { done: 0, failed: 0, skipped: 0 };
  for (const c of file.cells) if (c.status !== 'pending') counts[c.status]++;
  process.stdout.write(
    `\nmatrix ${spec.name}: ${counts.done} done, ${counts.failed} failed, ${counts.skipped} skipped in ${((Date.now() - started) / 60000).toFixed(1)} min\n${dir}\n`,
  );
  if (interrupt.signal.aborted) {
    process.stdout.write(`interrupted: resume with faultline matrix ${name} --out ${dir}\n`);
    return 3;
  }
  if (flags.report) await reportCommand([dir], {});
  return counts.failed > 0 ? 3 : 0;
}

function cellLine(
  cell: MatrixCell,
  i: number,
  total: number,
  phase: 'start' | 'end' | 'skip',
  started: number,
): string {
  const n = `[${String(i + 1).padStart(String(total).length)}/${total}]`;
  const where = cell.provider && cell.provider !== 'local' ? ` · ${cell.provider}` : '';
  const what = `${cell.scenario} · ${cell.engine} · ${cell.guarantee}${where}${cell.repeat ? ` · repeat ${cell.repeat + 1}` : ''}`;
  const elapsed = `${Math.round((Date.now() - started) / 1000)} s`;
  if (phase === 'skip') return `${n} ${what}: already ${cell.status}\n`;
  if (phase === 'start') return `${n} ${what} … (${elapsed} elapsed)\n`;
  const verdict =
    cell.verdict === true
      ? 'guarantee held'
      : cell.verdict === false
        ? 'GUARANTEE VIOLATED'
        : 'verdict unknown';
  return `${n} ${what}: ${cell.status}${cell.status === 'done' ? `, ${verdict}` : `: ${cell.error}`} (${cell.seconds} s)\n`;
}
