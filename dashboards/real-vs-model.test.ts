import { describe, expect, it } from 'vitest';
import { loadMatrixSpec } from '../harness/index.ts';
import { loadScenario } from '../scenarios/index.ts';
import { COMPARED_SETTINGS, comparedSettings, MODEL_OF } from './real-vs-model.ts';

describe('the real-vs-model matrix', () => {
  const spec = loadMatrixSpec('real-vs-model');
  const cells = spec.parts.flatMap((p) => p.scenarios.map((s) => ({ part: p, scenario: s })));

  it('runs each real system beside its model, at the same guarantees', () => {
    for (const { part } of cells) {
      for (const [real, model] of Object.entries(MODEL_OF)) {
        expect(part.engines).toEqual(expect.arrayContaining([real, model]));
        expect(part.guarantees[real]).toEqual(part.guarantees[model]);
      }
    }
  });

  it.each(cells.map((c) => c.scenario))('%s gives the real system and the model equal settings', (name) => {
    const scenario = loadScenario(name);
    for (const [real, model] of Object.entries(MODEL_OF)) {
      expect(scenario.engineOptions[real], `${name} has a ${real} block`).toBeDefined();
      const a = comparedSettings(real, scenario.engineOptions[real] ?? {});
      const b = comparedSettings(model, scenario.engineOptions[model] ?? {});
      for (const k of COMPARED_SETTINGS) expect(a[k], `${name}: ${k}`).not.toBeUndefined();
      expect(a).toEqual(b);
    }
  });
});
