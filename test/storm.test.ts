/**
 * The real Storm engine's Java side against the reference (issue 20): the feature and scoring code the bolts run
 * (the shared ports in engines/jvm-workloads, the state through its Redis JSON: RedisJsonState) must give the
 * reference scorer's doubles bit for bit, or every Storm output would count as incorrect. Runs the built
 * topology's FeatureCheck in a JVM on the first 5000 events of seed 1 of each workload; no cluster. With the
 * committed titanic H2O GBM, the reference is what the checker uses for it: infra/h2o's batch MOJO scorer on the
 * reference fold's features. Cost: a few seconds per case (one JVM each; the GBM case two). The end-to-end runs
 * (no faults, a SIGKILL of the worker JVM) are the engine contract's (contract.test.ts).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ensureStormTopology } from '../engines/storm/provision.ts';
import { scoreWithMojo } from '../infra/h2o/index.ts';
import {
  createReferenceScorer,
  defaultModelPath,
  foldFeatures,
  getWorkload,
  loadModel,
  mojoPathOf,
  readModelFile,
} from '../scenarios/workloads/index.ts';

const EVENTS = 5000;
const GBM = new URL('../scenarios/workloads/models/titanic-h2o-gbm.model.json', import.meta.url).pathname;

function javaScoreBits(modelPath: string, workload: string, lines: string[]): Promise<string[]> {
  return ensureStormTopology().then(
    (program) =>
      new Promise((resolve, reject) => {
        const child = spawn(program.java, [
          '-cp',
          program.classpath,
          'dev.faultline.storm.FeatureCheck',
          modelPath,
          workload,
        ]);
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
        });
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
        });
        child.on('error', reject);
        child.on('close', (code) =>
          code === 0
            ? resolve(out.trim().split('\n'))
            : reject(new Error(`FeatureCheck exited ${code}: ${err}`)),
        );
        child.stdin.end(`${lines.join('\n')}\n`);
      }),
  );
}

function bitsOf(scores: ArrayLike<number>): string[] {
  const bits = new DataView(new ArrayBuffer(8));
  return Array.from(scores, (s) => {
    bits.setFloat64(0, s);
    return bits.getBigUint64(0).toString(16);
  });
}

describe('storm: the Java features and score', () => {
  // titanic: 5000 events are more than five loops over its 1309 passengers, so tickets recur across loops.
  it.each(['transactions', 'titanic'])(
    '%s: agree bit for bit with the reference scorer, state through its Redis JSON',
    async (name) => {
      const workload = getWorkload(name);
      const source = await workload.source({ seed: 1 });
      const model = loadModel(defaultModelPath(name), name);
      const ids = Array.from({ length: EVENTS }, (_, i) => i);
      const expected = bitsOf(createReferenceScorer(workload, source, model).expectedScores(ids));
      const actual = await javaScoreBits(
        defaultModelPath(name),
        name,
        ids.map((id) => JSON.stringify(source.event(id))),
      );
      const mismatches = actual.flatMap((b, id) => (b === expected[id] ? [] : [id]));
      expect(actual).toHaveLength(EVENTS);
      expect(mismatches.slice(0, 5)).toEqual([]);
    },
  );

  it("titanic with the H2O GBM: the scoring bolt's MOJO gives the checker's reference (batch MOJO scorer) bit for bit", async () => {
    const workload = getWorkload('titanic');
    const source = await workload.source({ seed: 1 });
    const model = readModelFile(GBM, 'titanic');
    expect(model.kind).toBe('gradient-boosting');
    const ids = Array.from({ length: EVENTS }, (_, i) => i);
    const rows = Array.from(foldFeatures(workload, source, model.params, ids), (r) => r.features);
    const expected = bitsOf(await scoreWithMojo(mojoPathOf(model, GBM), model.features, rows));
    const actual = await javaScoreBits(
      GBM,
      'titanic',
      ids.map((id) => JSON.stringify(source.event(id))),
    );
    const mismatches = actual.flatMap((b, id) => (b === expected[id] ? [] : [id]));
    expect(actual).toHaveLength(EVENTS);
    expect(mismatches.slice(0, 5)).toEqual([]);
    // A GBM's scores take few values; this many says the features reached the model, not a constant.
    expect(new Set(expected).size).toBeGreaterThan(100);
  });
});
