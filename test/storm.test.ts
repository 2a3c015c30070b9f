/**
 * The real Storm engine's Java side against the reference (issue 20): the feature and scoring code the bolts run
 * (the shared ports in engines/jvm-workloads, the state through its Redis JSON: RedisJsonState) must give the
 * reference scorer's doubles bit for bit, or every Storm output would count as incorrect. Runs the built
 * topology's FeatureCheck in a JVM on the first 5000 events of seed 1 of each workload; no cluster. With the
 * committed titanic H2O GBM, the reference is what the checker uses for it: infra/h2o's batch MOJO scorer on the
 * reference fold's features. Cost: a few seconds per case (one JVM each; the GBM case two). The end-to-end runs
 * (no faults, a SIGKILL of the worker JVM) are the engine contract's (contract.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ensureStormTopology } from '../engines/storm/provision.ts';
import { featureCheck } from './java-feature-check.ts';

const GBM = new URL('../scenarios/workloads/models/titanic-h2o-gbm.model.json', import.meta.url).pathname;

describe('storm: the Java features and score', () => {
  // titanic: 5000 events are more than five loops over its 1309 passengers, so tickets recur across loops.
  it.each(['transactions', 'titanic'])(
    '%s: agree bit for bit with the reference scorer, state through its Redis JSON',
    async (name) => {
      const result = await featureCheck(
        await ensureStormTopology(),
        'dev.faultline.storm.FeatureCheck',
        name,
      );
      expect(result.scores).toBe(5000);
      expect(result.mismatches.slice(0, 5)).toEqual([]);
    },
  );

  it("titanic with the H2O GBM: the scoring bolt's MOJO gives the checker's reference (batch MOJO scorer) bit for bit", async () => {
    const result = await featureCheck(
      await ensureStormTopology(),
      'dev.faultline.storm.FeatureCheck',
      'titanic',
      {
        modelPath: GBM,
      },
    );
    expect(result.scores).toBe(5000);
    expect(result.mismatches.slice(0, 5)).toEqual([]);
    // A GBM's scores take few values; this many says the features reached the model, not a constant.
    expect(result.distinct).toBeGreaterThan(100);
  });
});
