/**
 * Models built with H2O, end to end through the CLI against a real H2O-3 (no mock): train a GLM and a GBM on
 * titanic, check the validation figures the issue measured, that the engines' TypeScript scorer agrees with
 * H2O's own predictions within 1e-12 for the GLM and the MOJO (h2o-genmodel) within 1e-15 for the GBM, and
 * that a mini engine refuses the GBM before any side effect. H2O starts in 6–9 s; each training is short.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AnyModelArtefact, score } from '../core/workload.ts';
import type { ModelValidation } from '../harness/index.ts';
import { getWorkload } from '../scenarios/workloads/index.ts';
import { runCli } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-h2o-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Trains with the CLI, then validates with the CLI: the artefact, train's stdout, and validate's JSON. */
async function trainAndValidate(trainer: 'h2o-glm' | 'h2o-gbm') {
  const out = join(dir, `${trainer}.model.json`);
  const train = await runCli(
    ['model', 'train', '--workload', 'titanic', '--trainer', trainer, '--out', out],
    {
      timeoutMs: 170_000,
    },
  );
  expect(train.code, train.stderr).toBe(0);
  expect(train.stderr).toContain('Starting H2O 3.44.0.1');
  expect(train.stdout).toContain('current model');
  expect(existsSync(join(dir, `${trainer}.mojo.zip`))).toBe(true);
  const model = JSON.parse(readFileSync(out, 'utf8')) as AnyModelArtefact;
  expect(model.trainer).toBe(trainer);
  expect(model.h2o?.version).toBe('3.44.0.1');
  const validate = await runCli(['model', 'validate', '--model', out, '--json']);
  expect(validate.code, validate.stderr).toBe(0);
  return { out, model, stdout: train.stdout, validation: JSON.parse(validate.stdout) as ModelValidation };
}

describe('faultline model train / validate with H2O', () => {
  it('trains an H2O GLM whose coefficients, scored in TypeScript, match H2O within 1e-12', async () => {
    const { model, stdout, validation: v } = await trainAndValidate('h2o-glm');
    expect(stdout).toContain('AUC 0.80866');
    expect(model.validation.auc).toBeCloseTo(0.80866, 4);
    expect(model.validation.accuracy).toBeCloseTo(0.7977, 4);
    if (model.kind !== 'logistic-regression') throw new Error(`kind ${model.kind}, expected linear`);
    // The engines' own score() on the workload's own validation rows, against H2O's predict().
    const { validation } = await getWorkload('titanic').trainingData({ seed: 1 });
    const h2o = model.h2o!.validationPredictions.p1;
    expect(h2o).toHaveLength(validation.length);
    const worst = Math.max(...validation.map((row, i) => Math.abs(score(model, row.features) - h2o[i]!)));
    expect(worst).toBeLessThanOrEqual(1e-12);
    expect(v.scorer).toBe('typescript');
    expect(v.h2o!.maxAbsDelta).toBeLessThanOrEqual(1e-12);
    expect(v.h2o!.labelsAgree).toBe(validation.length);
  });

  it('trains an H2O GBM, scores its MOJO in Java within 1e-15 of H2O, and the mini engines refuse it', async () => {
    const { out, model, stdout, validation: v } = await trainAndValidate('h2o-gbm');
    expect(stdout).toContain('AUC 0.83279');
    expect(model.kind).toBe('gradient-boosting');
    expect(model.validation.auc).toBeCloseTo(0.83279, 4);
    expect(model.validation.accuracy).toBeCloseTo(0.7977, 4);
    expect(v.scorer).toBe('mojo');
    expect(v.h2o!.maxAbsDelta).toBeLessThanOrEqual(1e-15);
    expect(v.h2o!.labelsAgree).toBe(v.rows);

    const runs = join(dir, 'runs');
    const run = await runCli([
      'run',
      '--engine',
      'operator-checkpoint',
      '--workload',
      'titanic',
      '--model',
      out,
      '--out',
      runs,
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('engine operator-checkpoint scores linear models only');
    expect(existsSync(runs) ? readdirSync(runs) : []).toEqual([]);
  });
});
