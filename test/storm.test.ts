/**
 * The real Storm engine's Java side against the TypeScript reference (issue 20): the feature and scoring code
 * the bolts run (TransactionFeatures, LinearModel, state through its Redis JSON) must give the reference
 * scorer's doubles bit for bit, or every Storm output would count as incorrect. Runs the built topology's
 * FeatureCheck in a JVM on the first 5000 events of seed 1; no cluster. The end-to-end runs (no faults, a
 * SIGKILL of the worker JVM) are the engine contract's (contract.test.ts).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ensureStormTopology } from '../engines/storm/provision.ts';
import {
  createReferenceScorer,
  defaultModelPath,
  getWorkload,
  loadModel,
} from '../scenarios/workloads/index.ts';

const EVENTS = 5000;

function javaScoreBits(lines: string[]): Promise<string[]> {
  return ensureStormTopology().then(
    (program) =>
      new Promise((resolve, reject) => {
        const child = spawn(program.java, [
          '-cp',
          program.classpath,
          'dev.faultline.storm.FeatureCheck',
          defaultModelPath('transactions'),
          'transactions',
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

describe('storm: the Java features and score', () => {
  it('agree bit for bit with the reference scorer', async () => {
    const workload = getWorkload('transactions');
    const source = await workload.source({ seed: 1 });
    const model = loadModel(defaultModelPath('transactions'), 'transactions');
    const ids = Array.from({ length: EVENTS }, (_, i) => i);
    const expected = createReferenceScorer(workload, source, model).expectedScores(ids);
    const bits = new DataView(new ArrayBuffer(8));
    const expectedBits = Array.from(expected, (s) => {
      bits.setFloat64(0, s);
      return bits.getBigUint64(0).toString(16);
    });
    const actual = await javaScoreBits(ids.map((id) => JSON.stringify(source.event(id))));
    const mismatches = actual.flatMap((b, id) => (b === expectedBits[id] ? [] : [id]));
    expect(actual).toHaveLength(EVENTS);
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});
