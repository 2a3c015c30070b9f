/**
 * The measuring chain end to end: a deliberately faulty engine (test/fixtures/faulty-engine.ts) drops,
 * duplicates, corrupts, invents, re-stamps and holds back known ids; through real Kafka, the collector, the
 * drain and the checker, the run must report exactly the counts those defects imply. A checker that miscounts
 * anything, or a drain that stops before the held batch arrives, fails this test.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runScenario } from '../harness/runner.ts';
import { DEFECTS, expectedCounts, faultyEngine } from './fixtures/faulty-engine.ts';

const infra = inject('infra');
const out = mkdtempSync(join(tmpdir(), 'faultline-chain-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the measuring chain', () => {
  it('reports exactly the loss, duplicates, wrong scores and junk a faulty engine produces', async () => {
    const { dir, summary } = await runScenario({
      engine: faultyEngine(),
      scenario: 'steady',
      rate: 400,
      durationS: 5,
      warmupS: 1,
      outDir: out,
      infra,
    });
    expect(summary.counts).toEqual(expectedCounts(2400));
    // The loss is confirmed by a second, independent reader of the output topic.
    expect(summary.verdict.notes).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `independent read of the output topic .* found nothing the collector missed: the ${summary.counts.lost} lost ids are not in the topic`,
        ),
      ),
    );
    // The held batch came after the load ended and was counted because the drain waited for it.
    expect(summary.drain?.endedBy).toBe('quiet');
    expect(summary.drain?.outputs).toBeGreaterThanOrEqual(DEFECTS.holdTo - DEFECTS.holdFrom);
    const samples = JSON.parse(readFileSync(join(dir, 'samples.json'), 'utf8'));
    expect(samples.incorrect).toEqual([expect.objectContaining({ id: DEFECTS.corruptId })]);
    expect(samples.unexpected).toEqual(expect.arrayContaining([DEFECTS.phantomId, DEFECTS.restampId]));
    expect(samples.untrusted.map((u: { id: number }) => u.id)).toEqual(
      expect.arrayContaining([DEFECTS.phantomId, DEFECTS.restampId]),
    );
    expect(samples.lost).toEqual(expect.arrayContaining([DEFECTS.dropAt, DEFECTS.restampId]));
  });
});
