import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../../core/errors.ts';
import type { ModelArtefact } from '../../core/workload.ts';
import { defaultModelPath, getWorkload } from './registry.ts';
import { evaluate, loadModel, readModelFile, rocAuc, trainAndSave, trainModel } from './train.ts';

const tempDir = mkdtempSync(join(tmpdir(), 'faultline-models-'));

describe('rocAuc', () => {
  it('counts tied scores as half a correctly ordered pair', () => {
    expect(rocAuc([0.1, 0.4, 0.4, 0.8], [0, 0, 1, 1])).toBe(0.875);
    expect(rocAuc([0.3, 0.3, 0.3], [0, 1, 1])).toBe(0.5);
    expect(rocAuc([0.9, 0.1], [1, 0])).toBe(1);
    expect(rocAuc([0.9, 0.1], [0, 1])).toBe(0);
    expect(rocAuc([0.2, 0.5], [1, 1])).toBeNaN();
  });
});

describe('evaluate', () => {
  it('reports accuracy at 0.5 and mean log loss of the scores', () => {
    const model = {
      features: ['x'],
      preprocessing: { mean: [0], std: [1] },
      coefficients: [1],
      intercept: 0,
    } as unknown as ModelArtefact;
    // x = 0 scores 0.5 (counted as 1), x = ln 3 scores 0.75.
    const result = evaluate(model, [
      { features: [0], label: 1 },
      { features: [Math.log(3)], label: 0 },
    ]);
    expect(result.accuracy).toBe(0.5);
    expect(result.logLoss).toBeCloseTo((-Math.log(0.5) - Math.log(0.25)) / 2, 12);
    expect(result.rows).toBe(2);
  });
});

describe('titanic model', () => {
  let model: ModelArtefact;
  beforeAll(async () => {
    model = await trainModel(getWorkload('titanic'), { seed: 1 });
  });

  it('lands in the usual range for logistic regression on this data', () => {
    expect(model.validation.accuracy).toBeGreaterThanOrEqual(0.76);
    expect(model.validation.accuracy).toBeLessThanOrEqual(0.84);
    expect(model.validation.auc).toBeGreaterThan(0.8);
    expect(model.validation.rows).toBe(262);
    expect(model.training).toMatchObject({ seed: 1, trainRows: 1047, validationRows: 262 });
  });

  it('learns the obvious: women and first class survive more, men less', () => {
    const coefficient = (name: string) => model.coefficients[model.features.indexOf(name)]!;
    expect(coefficient('female')).toBeGreaterThan(0);
    expect(coefficient('pclass1')).toBeGreaterThan(0);
    expect(coefficient('titleMr')).toBeLessThan(0);
  });

  it('is deterministic: the same seed gives the same artefact, byte for byte', async () => {
    const again = await trainModel(getWorkload('titanic'), { seed: 1 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(model));
  });

  it('matches the committed model file (retrain it when features change)', () => {
    expect(loadModel(defaultModelPath('titanic'), 'titanic')).toEqual(model);
  });
});

describe('transactions model', () => {
  let model: ModelArtefact;
  beforeAll(async () => {
    model = await trainModel(getWorkload('transactions'), { seed: 1 });
  });

  it('separates fraud from normal payments', () => {
    expect(model.validation.auc).toBeGreaterThan(0.75);
    expect(model.validation.logLoss).toBeLessThan(0.3);
    expect(model.training.trainRows + model.training.validationRows).toBe(100_000);
  });

  it('matches the committed model file (retrain it when features change)', () => {
    expect(loadModel(defaultModelPath('transactions'), 'transactions')).toEqual(model);
  });

  it('is deterministic: the same seed gives the same artefact, byte for byte', async () => {
    const a = await trainModel(getWorkload('transactions'), { seed: 9, rows: 20_000 });
    const b = await trainModel(getWorkload('transactions'), { seed: 9, rows: 20_000 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.coefficients).not.toEqual(model.coefficients);
  });
});

describe('trainAndSave', () => {
  it('writes a model file that loads, and reports the validation figures', async () => {
    const out = join(tempDir, 'nested', 'titanic.json');
    const { artefact, path, report } = await trainAndSave('titanic', { seed: 1, out });
    expect(path).toBe(out);
    expect(loadModel(out, 'titanic')).toEqual(artefact);
    expect(report).toContain(`accuracy ${artefact.validation.accuracy.toFixed(4)}`);
    expect(report).toContain(`AUC ${artefact.validation.auc.toFixed(5)}`);
    expect(report).toContain('1047 rows');
    expect(report).toContain(out);
  });
});

describe('loadModel', () => {
  const good = JSON.parse(readFileSync(defaultModelPath('titanic'), 'utf8')) as Record<string, unknown>;
  const write = (name: string, content: string) => {
    const file = join(tempDir, name);
    writeFileSync(file, content);
    return file;
  };
  const failure = (file: string, workload = 'titanic'): BadInputError => {
    try {
      loadModel(file, workload);
    } catch (e) {
      expect(e).toBeInstanceOf(BadInputError);
      return e as BadInputError;
    }
    throw new Error(`loadModel accepted ${file}`);
  };
  const cases: [string, string, RegExp][] = [
    ['not-json.json', '{"schema": ', /not valid JSON/],
    ['array.json', '[]', /not a JSON object/],
    ['schema.json', JSON.stringify({ ...good, schema: 'faultline/model@0' }), /schema "faultline\/model@0"/],
    [
      'workload.json',
      JSON.stringify({ ...good, workload: 'transactions' }),
      /workload "transactions", not "titanic"/,
    ],
    ['version.json', JSON.stringify({ ...good, version: 99 }), /feature version 99/],
    [
      'features.json',
      JSON.stringify({ ...good, features: (good.features as string[]).toReversed() }),
      /lists features .* but titanic computes/,
    ],
    [
      'length.json',
      JSON.stringify({ ...good, coefficients: (good.coefficients as number[]).slice(1) }),
      /coefficients has 17 values for 18 features/,
    ],
    [
      'std.json',
      JSON.stringify({ ...good, preprocessing: { ...(good.preprocessing as object), std: 'x' } }),
      /preprocessing.std must be a list/,
    ],
  ];

  it.each(cases)('refuses %s with BAD_MODEL, naming the file and the problem', (name, content, problem) => {
    const file = write(name, content);
    const error = failure(file);
    expect(error.code).toBe('BAD_MODEL');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(problem);
    expect(error.fix).toContain('faultline model train --workload titanic');
  });

  const h2o = (mojo: string) => ({
    version: '3.44.0.1',
    algo: 'gbm',
    modelId: 'm',
    mojo,
    parameters: {},
    validationPredictions: { p1: [0.25, 0.75], label: [0, 1], threshold: 0.5 },
  });
  const gbm = (mojo: string) => ({
    schema: 'faultline/model@1',
    workload: 'titanic',
    version: good.version,
    kind: 'gradient-boosting',
    trainer: 'h2o-gbm',
    features: good.features,
    params: good.params,
    training: { seed: 1, trainRows: 1047, validationRows: 2 },
    validation: good.validation,
    h2o: h2o(mojo),
  });

  it('refuses an H2O GBM for the mini engines, naming the way out, but reads it for validate', () => {
    writeFileSync(join(tempDir, 'gbm.mojo.zip'), 'not read here');
    const file = write('gbm.model.json', JSON.stringify(gbm('gbm.mojo.zip')));
    const error = failure(file);
    expect(error.code).toBe('BAD_MODEL');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('mini engines score linear models only');
    expect(error.fix).toContain('--trainer h2o-glm');
    expect(readModelFile(file, 'titanic').kind).toBe('gradient-boosting');
  });

  it('refuses an H2O model whose MOJO is missing, or whose trainer does not fit its kind', () => {
    const missing = write('lost.model.json', JSON.stringify(gbm('lost.mojo.zip')));
    expect(() => readModelFile(missing, 'titanic')).toThrow(/MOJO .*lost\.mojo\.zip is missing/);
    const mixed = write('mixed.model.json', JSON.stringify({ ...good, trainer: 'h2o-gbm' }));
    expect(() => readModelFile(mixed, 'titanic')).toThrow(
      /trainer "h2o-gbm", which does not build a logistic/,
    );
    const bare = write('bare.model.json', JSON.stringify({ ...good, trainer: 'h2o-glm' }));
    expect(() => readModelFile(bare, 'titanic')).toThrow(/no "h2o" section/);
  });

  it('reads an H2O GLM as a linear model', () => {
    const file = write(
      'glm.model.json',
      JSON.stringify({ ...good, trainer: 'h2o-glm', h2o: h2o('glm.mojo.zip') }),
    );
    expect(loadModel(file, 'titanic').trainer).toBe('h2o-glm');
  });

  it('refuses a file that cannot be read', () => {
    const file = join(tempDir, 'missing.model.json');
    const error = failure(file);
    expect(error.code).toBe('BAD_MODEL');
    expect(error.message).toContain(file);
    expect(error.message).toContain('ENOENT');
  });

  it('refuses a model of one workload loaded for another', () => {
    const error = failure(defaultModelPath('titanic'), 'transactions');
    expect(error.message).toMatch(/workload "titanic", not "transactions"/);
    expect(error.fix).toContain('--workload transactions');
  });
});
