import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../core/errors.ts';
import { catalogNames, formatScenario, loadScenario, parseScenario, parseSeconds } from './schema.ts';

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

  it('topology is chain unless the file says fan-out; fan-out-kill kills a worker on one branch', () => {
    expect(loadScenario('kill-worker').topology).toBe('chain');
    const s = loadScenario('fan-out-kill');
    expect(s.topology).toBe('fan-out');
    expect(s.faults.map((f) => f.target)).toEqual(['challenger[1]']);
    expect(s.engineOptions).toEqual(loadScenario('kill-worker').engineOptions);
    expect(badInput(() => parseScenario('name: t\ntopology: star\n', 't.yaml')).message).toMatch(
      /t.yaml:2:11: topology must be one of chain, fan-out/,
    );
  });

  it('recovery settings are optional, validated, and named on error', () => {
    const base = 'name: r\nfaults: []\n';
    expect(parseScenario(base, 'r.yaml').recovery).toBeUndefined();
    expect(
      parseScenario(`${base}recovery: { window: 3s, rateTolerance: 0.2, p99Factor: 3 }\n`, 'r.yaml').recovery,
    ).toEqual({ windowS: 3, rateTolerance: 0.2, p99Factor: 3 });
    expect(badInput(() => parseScenario(`${base}recovery: { windows: 3s }\n`, 'r.yaml')).message).toMatch(
      /recovery.windows is not a field of recovery/,
    );
    expect(badInput(() => parseScenario(`${base}recovery: { p99Factor: 0.5 }\n`, 'r.yaml')).message).toMatch(
      /recovery.p99Factor/,
    );
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

describe("a run's saved scenario.json", () => {
  it('loads as the scenario it was, engine options nested again under the engine', () => {
    const saved = {
      name: 'kill-worker',
      description: 'd',
      source: 'kill-worker',
      workload: 'transactions',
      rate: 700,
      durationS: 12,
      warmupS: 2,
      drainS: 9,
      seed: 5,
      parallelism: { source: 2, features: 2, score: 2, sink: 1 },
      engineOptions: { messageTimeoutS: 4 },
      resolvedEngineOptions: { messageTimeoutS: 4, ackers: null },
      faults: [{ kind: 'latency', target: 'link:*->redis', at: 3, for: 2, params: { latency: 50 } }],
      recovery: { windowS: 3 },
      engine: 'ack-tree',
      guarantee: 'at-least-once',
      modelPath: '/x/model.json',
      topology: { parallelism: {}, edges: [] },
      runId: 'r1',
    };
    const dir = mkdtempSync(join(tmpdir(), 'faultline-saved-'));
    const path = join(dir, 'scenario.json');
    writeFileSync(path, JSON.stringify(saved));
    const s = loadScenario(path);
    expect(s).toMatchObject({
      name: 'kill-worker',
      rate: 700,
      durationS: 12,
      warmupS: 2,
      drainS: 9,
      seed: 5,
      guarantee: 'at-least-once',
      engineOptions: { 'ack-tree': { messageTimeoutS: 4 } },
      faults: [{ kind: 'latency', target: 'link:*->redis', at: 3, for: 2, params: { latency: 50 } }],
      recovery: { windowS: 3 },
    });
    writeFileSync(path, '{"name": "x"}');
    expect(badInput(() => loadScenario(path)).message).toMatch(/not a run's scenario.json/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('formatScenario', () => {
  it('writes YAML that loads back to the same scenario, faults and engine options included', () => {
    const s = {
      ...loadScenario('kill-worker'),
      description: '',
      faults: [
        { kind: 'kill', target: 'features[1]', at: 2.5, for: undefined, params: {} },
        { kind: 'latency', target: 'link:source[0]->features[1]', at: 3, for: 4.2, params: { latency: 500 } },
      ],
    };
    const text = formatScenario(s, 'a header\nof two lines');
    expect(text.startsWith('# a header\n# of two lines\n')).toBe(true);
    const back = parseScenario(text, 'x.yaml');
    expect({ ...back, source: s.source }).toEqual(s);
  });
});
