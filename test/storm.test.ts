/**
 * The real Storm engine's Java side against the TypeScript reference (issue 20): the feature and scoring code
 * the bolts run (TransactionFeatures, LinearModel, state through its Redis JSON) must give the reference
 * scorer's doubles bit for bit, or every Storm output would count as incorrect. Runs the built topology's
 * FeatureCheck in a JVM on the first 5000 events of seed 1; no cluster. The end-to-end runs (no faults, a
 * SIGKILL of the worker JVM) are the engine contract's (contract.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ensureStormTopology } from '../engines/storm/provision.ts';
import { featureCheck } from './java-feature-check.ts';

describe('storm: the Java features and score', () => {
  it('agree bit for bit with the reference scorer', async () => {
    const result = await featureCheck(
      await ensureStormTopology(),
      'dev.faultline.storm.FeatureCheck',
      'transactions',
    );
    expect(result.scores).toBe(5000);
    expect(result.mismatches.slice(0, 5)).toEqual([]);
  });
});
