/**
 * The throughput benchmark (not a test): for each engine and workload, find the sustainable throughput by
 * stepping the open-loop rate up (doubling) until a step is not sustainable, then bisecting; then measure
 * latency at 50 % of it. Engines are reported as ratios to the passthrough baseline measured in the same
 * benchmark run, because absolute numbers on a shared 2-core machine do not travel.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BadInputError } from '../core/errors.ts';
import { noProgress, type ProgressSink } from '../core/progress.ts';
import type { Guarantee } from '../core/types.ts';
import type { InfraEndpoints } from '../infra/index.ts';
import { DEFAULT_RESULTS_DIR, runScenario } from './runner.ts';
import { judgeStep, type StepJudgement } from './sustainable.ts';

export interface BenchOptions {
  /** Engines, each optionally with its own options: `barrier-snapshot:checkpointIntervalMs=0:bufferTimeoutMs=10`. */
  engines: string[];
  workloads: string[];
  guarantee?: Guarantee;
  startRate?: number;
  maxRate?: number;
  /** Measured seconds per step (after a warm-up of `warmupS`). */
  stepS?: number;
  warmupS?: number;
  bisections?: number;
  engineOptions?: Record<string, unknown>;
  outDir?: string;
  infra?: InfraEndpoints;
  progress?: ProgressSink;
  onStep?: (step: BenchStep & { engine: string; workload: string }) => void;
}

export interface BenchStep {
  rate: number;
  judgement: StepJudgement;
  runDir: string;
}

export interface BenchEntry {
  engine: string;
  workload: string;
  guarantee: Guarantee;
  sustainablePerS: number;
  steps: BenchStep[];
  atHalf: {
    rate: number;
    p50Ms: number;
    p99Ms: number;
    p999Ms: number;
    maxMs: number;
    runDir: string;
  } | null;
  /** sustainablePerS / passthrough's for the same workload, when passthrough was part of the run. */
  ratioToPassthrough: number | null;
}

export interface BenchResult {
  schema: 'faultline/bench@1';
  startedAt: string;
  dir: string;
  entries: BenchEntry[];
}

export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const dir = join(resolve(opts.outDir ?? DEFAULT_RESULTS_DIR), `bench-${stamp}`);
  mkdirSync(dir, { recursive: true });
  const startRate = opts.startRate ?? 1000;
  const maxRate = opts.maxRate ?? 64_000;
  const stepS = opts.stepS ?? 10;
  const warmupS = opts.warmupS ?? 3;
  const bisections = opts.bisections ?? 2;
  const entries: BenchEntry[] = [];

  for (const workload of opts.workloads) {
    for (const spec of opts.engines) {
      const { engine, options: parsed } = parseEngineSpec(spec);
      // `guarantee=` in a variant picks the run's guarantee; every other key is an engine option.
      const { guarantee: variantGuarantee, ...variantOptions } = parsed;
      const steps: BenchStep[] = [];
      const guarantee = (variantGuarantee as Guarantee | undefined) ?? opts.guarantee;
      const step = async (rate: number, durationS = stepS) => {
        const r = await runScenario({
          engine,
          scenario: 'steady',
          workload,
          guarantee,
          rate,
          durationS,
          warmupS,
          drainS: 5,
          outDir: join(dir, 'runs'),
          runId: `${spec.replace(/[^A-Za-z0-9-]+/g, '_')}-${workload}-${rate}-${steps.length}`,
          engineOptions: { ...opts.engineOptions, ...variantOptions },
          infra: opts.infra,
          progress: opts.progress ?? noProgress,
        });
        return r;
      };
      const judged = async (rate: number) => {
        const r = await step(rate);
        const judgement = judgeStep(r.series, rate, warmupS, warmupS + stepS);
        const s: BenchStep = { rate, judgement, runDir: r.dir };
        steps.push(s);
        opts.onStep?.({ ...s, engine: spec, workload });
        return judgement.sustainable;
      };

      let good = 0;
      let bad = 0;
      for (let rate = startRate; rate <= maxRate; rate *= 2) {
        if (await judged(rate)) good = rate;
        else {
          bad = rate;
          break;
        }
      }
      if (good > 0 && bad > 0) {
        for (let i = 0; i < bisections; i++) {
          const mid = Math.round((good + bad) / 2);
          if (await judged(mid)) good = mid;
          else bad = mid;
        }
      }
      let atHalf: BenchEntry['atHalf'] = null;
      if (good > 0) {
        const rate = Math.round(good / 2);
        const r = await step(rate);
        const l = r.summary.latencyMs;
        atHalf = { rate, p50Ms: l.p50, p99Ms: l.p99, p999Ms: l.p999, maxMs: l.max, runDir: r.dir };
      }
      entries.push({
        engine: spec,
        workload,
        guarantee: guarantee ?? 'none',
        sustainablePerS: good,
        steps,
        atHalf,
        ratioToPassthrough: null,
      });
    }
  }
  for (const e of entries) {
    const base = entries.find((b) => b.engine === 'passthrough' && b.workload === e.workload);
    if (base && base.sustainablePerS > 0)
      e.ratioToPassthrough = Math.round((e.sustainablePerS / base.sustainablePerS) * 1000) / 1000;
  }
  const result: BenchResult = {
    schema: 'faultline/bench@1',
    startedAt: new Date().toISOString(),
    dir,
    entries,
  };
  writeFileSync(join(dir, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, 'bench.md'), formatBench(result));
  return result;
}

export function formatBench(result: BenchResult): string {
  const lines = [
    '| engine | workload | sustainable events/s | ratio to passthrough | rate at 50 % | p50 ms | p99 ms | p99.9 ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const e of result.entries) {
    const h = e.atHalf;
    lines.push(
      `| ${e.engine} | ${e.workload} | ${e.sustainablePerS} | ${e.ratioToPassthrough ?? '-'} | ${h?.rate ?? '-'} | ${h?.p50Ms ?? '-'} | ${h?.p99Ms ?? '-'} | ${h?.p999Ms ?? '-'} |`,
    );
  }
  lines.push('', 'Steps (rate → verdict):');
  for (const e of result.entries) {
    lines.push(
      `- ${e.engine}/${e.workload}: ${e.steps.map((s) => `${s.rate} ${s.judgement.sustainable ? '✓' : `✗ (${s.judgement.reason})`}`).join(', ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `name[:key=value]...` → the engine and its options for this variant. */
export function parseEngineSpec(spec: string): { engine: string; options: Record<string, unknown> } {
  const [engine, ...pairs] = spec.split(':');
  const options: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new BadInputError(`bad engine variant "${spec}": expected name:key=value[:key=value]`);
    const raw = pair.slice(eq + 1);
    const n = Number(raw);
    options[pair.slice(0, eq)] =
      raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(n) ? n : raw;
  }
  return { engine: engine!, options };
}
