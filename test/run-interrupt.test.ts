/**
 * An interrupted run (Ctrl-C: the CLI aborts the run's signal) keeps what it measured: the run's files and a
 * summary.json marked interrupted, with the verdict "unknown" and the counts so far; the fault still active
 * at that moment is healed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runScenario } from '../harness/runner.ts';
import type { RunSummary } from '../harness/summary.ts';
import { testScenario } from './helpers.ts';

const infra = inject('infra');
const out = mkdtempSync(join(tmpdir(), 'faultline-interrupt-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('an interrupted run', () => {
  it('leaves its files and a summary.json marked interrupted, verdict unknown, counts so far, faults healed', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const { dir, summary } = await runScenario({
      engine: 'barrier-snapshot',
      scenario: testScenario(
        'interrupted',
        '\n  - { kind: pause, target: "features[0]", at: 1s, for: 30s }',
        {
          duration: 30,
        },
      ),
      engineOptions: { checkpointIntervalMs: 500 },
      outDir: out,
      infra,
      signal: controller.signal,
      // Ctrl-C 3 s into the measured load (after a 3 s warm-up), while features[0] is paused.
      onTick: (t) => {
        if (t.second >= 6) controller.abort(new Error('SIGINT'));
      },
    });
    // Cut short: far less than the 33 s load plus its drain.
    expect(Date.now() - started).toBeLessThan(90_000);
    for (const f of ['scenario.json', 'environment.json', 'events.jsonl', 'timeseries.csv', 'latency.hlog'])
      expect(existsSync(join(dir, f)), f).toBe(true);
    const saved = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    expect(saved).toEqual(summary);
    expect(saved.interrupted).toBe(true);
    expect(saved.verdict.guaranteeHeld).toBe('unknown');
    expect(saved.errors?.map((e) => e.phase)).toContain('interrupted');
    expect(saved.drain?.endedBy).toBe('interrupted');
    // The counts so far: about 6 s of the 33 s schedule at 400/s were sent.
    expect(saved.counts.produced).toBeGreaterThan(1000);
    expect(saved.counts.produced).toBeLessThan(33 * 400);
    expect(saved.faults).toEqual([expect.objectContaining({ kind: 'pause', target: 'features[0]' })]);
    expect(saved.faults[0]!.until).not.toBeNull();
    // No recovery figure claims more than the cut-short run saw: a lower bound no longer than the load really
    // ran after the fault (not the 30 s the plan had left), or "unknown" where records owed had not arrived (the
    // drain was cut short too), never "never".
    const recovery = saved.recovery[0]!;
    expect(recovery.recoveredMs).toBeNull();
    expect(recovery.reason ?? '').not.toMatch(/never delivered/);
    const ranAfterFaultMs = (saved.faults[0]!.until! - saved.faults[0]!.at) * 1000;
    if (recovery.censoredMs !== undefined)
      expect(recovery.censoredMs).toBeLessThanOrEqual(ranAfterFaultMs + 1);
    else expect(recovery.undecided).toMatch(/interrupted during its drain/);
  });
});
