import { isAbsolute } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../core/errors.ts';
import { DEFAULT_WORKLOAD, defaultModelPath, getWorkload, workloadNames } from './registry.ts';

describe('workload registry', () => {
  it('knows transactions (the default) and titanic', () => {
    expect(workloadNames()).toEqual(['transactions', 'titanic']);
    expect(getWorkload(DEFAULT_WORKLOAD).name).toBe('transactions');
    expect(getWorkload('titanic').name).toBe('titanic');
  });

  it('refuses an unknown name with UNKNOWN_WORKLOAD and lists the known ones', () => {
    for (const name of ['fraud', 'toString', '__proto__']) {
      let error: unknown;
      try {
        getWorkload(name);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(BadInputError);
      expect((error as BadInputError).code).toBe('UNKNOWN_WORKLOAD');
      expect((error as BadInputError).fix).toContain('transactions, titanic');
    }
  });

  it('puts models next to the workloads, as absolute paths', () => {
    const path = defaultModelPath('titanic');
    expect(isAbsolute(path)).toBe(true);
    expect(path.endsWith('scenarios/workloads/models/titanic.model.json')).toBe(true);
  });
});
