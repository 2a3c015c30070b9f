import { describe, expect, it } from 'vitest';
import { BadInputError } from '../core/errors.ts';
import { defaultModelPath } from '../scenarios/workloads/index.ts';
import { describeValidation, exportRefused, parseTrainer, validateModel } from './model-training.ts';

describe('model training options', () => {
  it('knows the three trainers and refuses others with the list', () => {
    expect(parseTrainer('h2o-gbm')).toBe('h2o-gbm');
    expect(() => parseTrainer('xgboost')).toThrow(BadInputError);
    expect(() => parseTrainer('xgboost')).toThrow(/unknown trainer "xgboost"/);
  });

  it('says plainly when H2O refuses an export, and why the version is pinned', () => {
    const e = exportRefused('3.46.0.12', 'mojo', 'MOJO export requires H2O-3 Secure');
    expect(e.message).toContain('H2O 3.46.0.12 refused to export the model as a MOJO');
    expect(e.message).toContain('requires H2O-3 Secure');
    expect(e.fix).toContain('pins H2O 3.44.0.1');
  });
});

describe('validateModel', () => {
  it("scores faultline's own model through the TypeScript scorer; there are no H2O predictions to compare", async () => {
    const v = await validateModel(defaultModelPath('titanic'));
    expect(v.scorer).toBe('typescript');
    expect(v.trainer).toBe('own');
    expect(v.rows).toBe(262);
    expect(v.figures.auc).toBeCloseTo(0.80866, 5);
    expect(v.h2o).toBeUndefined();
    expect(describeValidation(v)).toContain('nothing to compare with');
  });

  it('refuses a missing file with the fix', async () => {
    await expect(validateModel('/nonexistent/model.json')).rejects.toThrow(/does not exist/);
  });
});
