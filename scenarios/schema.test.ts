import { describe, expect, it } from 'vitest';
import { BadInputError } from '../core/errors.ts';
import { catalogNames, loadScenario, parseScenario, parseSeconds } from './schema.ts';

const badInput = (fn: () => unknown): BadInputError => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BadInputError);
    return e as BadInputError;
  }
  throw new Error('expected a BadInputError');
};

describe('scenario files', () => {
  it('the catalogue loads and kill-worker kills features[1] 10 s after warm-up', () => {
    expect(catalogNames()).toEqual(expect.arrayContaining(['steady', 'kill-worker']));
    const s = loadScenario('kill-worker');
    expect(s.faults).toEqual([{ kind: 'kill', target: 'features[1]', at: 10, for: undefined, params: {} }]);
    expect(s.parallelism).toEqual({ source: 2, features: 2, score: 2, sink: 1 });
    expect(loadScenario('steady').faults).toEqual([]);
  });

  it('durations accept seconds, ms, minutes', () => {
    expect(parseSeconds('500ms')).toBe(0.5);
    expect(parseSeconds('10s')).toBe(10);
    expect(parseSeconds('2m')).toBe(120);
    expect(parseSeconds(3)).toBe(3);
    expect(parseSeconds('soon')).toBeNaN();
  });

  it('errors point at the line and field', () => {
    const text = 'name: x\nrate: 100\nfaults:\n  - kind: pause\n    target: features[0]\n    at: later\n';
    const e = badInput(() => parseScenario(text, 'my.yaml'));
    expect(e.message).toBe(
      'bad scenario my.yaml:6:9: faults[0].at must be a duration like 10s, 500ms, 2m or a number of seconds, got "later"',
    );
    expect(e.exitCode).toBe(2);
  });

  it('unknown fields, bad guarantees, bad YAML and unknown names are named', () => {
    expect(badInput(() => parseScenario('name: x\nrat: 5\n', 'f.yaml')).message).toContain(
      'f.yaml:2:6: rat is not a scenario field',
    );
    expect(badInput(() => parseScenario('name: x\nguarantee: twice\n', 'f.yaml')).message).toContain(
      'guarantee must be one of',
    );
    expect(badInput(() => parseScenario('name: [x\n', 'f.yaml')).message).toContain('not valid YAML');
    expect(badInput(() => parseScenario('rate: 5\n', 'f.yaml')).message).toContain('name is required');
    const unknown = badInput(() => loadScenario('no-such-scenario'));
    expect(unknown.message).toBe('unknown scenario "no-such-scenario"');
    expect(unknown.fix).toContain('steady');
  });
});
