/**
 * Which engines take an H2O GBM model file (kind gradient-boosting, scored from its MOJO): the ones that declare
 * `scoresMojo` (storm); the mini engines refuse it as bad input before anything starts. Pure: reads the committed
 * model file and the titanic data, starts nothing.
 */
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../core/errors.ts';
import { getEngine } from '../engines/index.ts';
import { defaultModelPath } from '../scenarios/workloads/index.ts';
import { modelFor } from './run-model.ts';
import { resolveRun } from './runner.ts';

const GBM = new URL('../scenarios/workloads/models/titanic-h2o-gbm.model.json', import.meta.url).pathname;

describe('modelFor: an H2O GBM', () => {
  it.each(['passthrough', 'ack-tree', 'barrier-snapshot', 'operator-checkpoint'])(
    'the mini engine %s refuses it, naming the engines that score MOJOs',
    async (name) => {
      const run = resolveRun({ engine: name, scenario: 'steady', workload: 'titanic', modelPath: GBM });
      await expect(run).rejects.toThrow(BadInputError);
      await expect(run).rejects.toThrow(`engine ${name} scores linear models only`);
      const error = await run.catch((e: BadInputError) => e);
      expect((error as BadInputError).fix).toContain('--engine storm');
    },
  );

  it('storm takes it on the chain, and not on the fan-out (its challenger recalibrates a linear model)', () => {
    expect(modelFor(getEngine('storm'), GBM, 'titanic', 'chain').kind).toBe('gradient-boosting');
    expect(() => modelFor(getEngine('storm'), GBM, 'titanic', 'fan-out')).toThrow(BadInputError);
  });

  it('a linear model passes for every engine', () => {
    const path = defaultModelPath('titanic');
    for (const name of ['ack-tree', 'storm', 'flink']) {
      expect(modelFor(getEngine(name), path, 'titanic', 'chain').kind).toBe('logistic-regression');
    }
  });
});
