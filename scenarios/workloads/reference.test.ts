import { describe, expect, it } from 'vitest';
import { createRng, hashString } from '../../core/rng.ts';
import type { EventSource, ModelArtefact } from '../../core/workload.ts';
import { createReferenceScorer, runPipelineStep } from './reference.ts';
import { defaultModelPath, getWorkload, type RegisteredWorkload } from './registry.ts';
import { loadModel } from './train.ts';

/**
 * What an engine does: records keyed into partitions, each partition consumed in its own order, partitions
 * interleaved arbitrarily, per-key state stored as JSON between records (as in Redis), and the body arriving
 * through JSON (as from Kafka).
 */
function simulatePipeline(
  workload: RegisteredWorkload,
  source: EventSource<unknown>,
  model: ModelArtefact,
  ids: number[],
  partitionCount: number,
  interleaveSeed: string,
): Map<number, number> {
  const partitions: number[][] = Array.from({ length: partitionCount }, () => []);
  for (const id of ids) partitions[hashString(source.event(id).key) % partitionCount]!.push(id);
  const positions = new Array<number>(partitionCount).fill(0);
  const stateStore = new Map<string, string>();
  const scores = new Map<number, number>();
  const rng = createRng(interleaveSeed);
  for (;;) {
    const open = partitions.flatMap((p, i) => (positions[i]! < p.length ? [i] : []));
    if (open.length === 0) break;
    const partition = open[rng.int(open.length)]!;
    // Take a small batch from the chosen partition, as a consumer poll would.
    const batch = 1 + rng.int(20);
    for (let k = 0; k < batch && positions[partition]! < partitions[partition]!.length; k++) {
      const id = partitions[partition]![positions[partition]!++]!;
      const record = JSON.parse(JSON.stringify({ id, ...source.event(id) })) as {
        key: string;
        body: unknown;
      };
      const stored = stateStore.get(record.key);
      const result = runPipelineStep(
        workload,
        model,
        stored === undefined ? undefined : JSON.parse(stored),
        record.body,
      );
      stateStore.set(record.key, JSON.stringify(result.state));
      scores.set(id, result.score);
    }
  }
  return scores;
}

describe.each(['transactions', 'titanic'])('reference scorer for %s', (name) => {
  const workload = getWorkload(name);
  const model = loadModel(defaultModelPath(name), name);

  it('matches a 2-partition pipeline with JSON state bit for bit on 10 000 events', async () => {
    const source = await workload.source({ seed: 1 });
    const ids = Array.from({ length: 10_000 }, (_, id) => id);
    const expected = createReferenceScorer(workload, source, model).expectedScores(ids);
    expect(expected).toHaveLength(10_000);
    const actual = simulatePipeline(workload, source, model, ids, 2, `${name}:interleave`);
    const mismatches = ids.filter((id) => actual.get(id) !== expected[id]);
    expect(mismatches).toEqual([]);
    const distinctScores = new Set(expected).size;
    expect(distinctScores).toBeGreaterThan(name === 'titanic' ? 500 : 5000);
    for (const s of expected) expect(s > 0 && s < 1).toBe(true);
  });

  it('skips ids that were not acknowledged, state and all, and leaves NaN there', async () => {
    const source = await workload.source({ seed: 5 });
    const acknowledged = Array.from({ length: 10_000 }, (_, id) => id).filter((id) => id % 7 !== 3);
    const expected = createReferenceScorer(workload, source, model).expectedScores(acknowledged, 10_000);
    expect(expected).toHaveLength(10_000);
    expect(Number.isNaN(expected[3])).toBe(true);
    expect(Number.isNaN(expected[9_999])).toBe(true);
    const actual = simulatePipeline(workload, source, model, acknowledged, 2, `${name}:skip`);
    expect(acknowledged.filter((id) => actual.get(id) !== expected[id])).toEqual([]);
    // Skipping ids changes later scores (their state contribution is gone), so the skip really happened.
    const full = createReferenceScorer(workload, source, model).expectedScores(
      Array.from({ length: 10_000 }, (_, id) => id),
    );
    expect(acknowledged.filter((id) => full[id] !== expected[id]).length).toBeGreaterThan(0);
  });

  it('accepts any iterable of ids and refuses ids out of order or beyond the size', async () => {
    const source = await workload.source({ seed: 1 });
    const scorer = createReferenceScorer(workload, source, model);
    function* evens() {
      for (let id = 0; id < 100; id += 2) yield id;
    }
    const scores = scorer.expectedScores(evens());
    expect(scores).toHaveLength(99);
    expect(Number.isNaN(scores[1])).toBe(true);
    expect(scores[98]).toBeGreaterThan(0);
    expect(() => scorer.expectedScores([1, 1])).toThrow(RangeError);
    expect(() => scorer.expectedScores([2, 1])).toThrow(RangeError);
    expect(() => scorer.expectedScores([5], 5)).toThrow(RangeError);
  });
});
