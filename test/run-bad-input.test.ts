/** Bad input to `faultline run`: exit 2, a message that names the problem, and no results directory. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.ts';

const out = mkdtempSync(join(tmpdir(), 'faultline-bad-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const cases: [string, string[], string][] = [
  ['an unknown engine', ['--engine', 'spark'], 'unknown engine "spark"'],
  ['an unknown workload', ['--engine', 'passthrough', '--workload', 'stocks'], 'unknown workload "stocks"'],
  [
    'an unknown scenario',
    ['--engine', 'passthrough', '--scenario', 'meteor-strike'],
    'unknown scenario "meteor-strike"',
  ],
  [
    'a negative rate',
    ['--engine', 'passthrough', '--rate', '-5'],
    '--rate must be a positive number, got -5',
  ],
  [
    'a guarantee the engine does not offer',
    ['--engine', 'passthrough', '--guarantee', 'exactly-once'],
    'does not offer guarantee',
  ],
  [
    'a topology the engine cannot deploy',
    ['--engine', 'passthrough', '--scenario', 'fan-out-kill'],
    'engine passthrough does not support topology "fan-out" (it supports: chain)',
  ],
];

describe('faultline run with bad input', () => {
  for (const [what, args, message] of cases) {
    it(`${what} exits 2`, async () => {
      const r = await runCli(['run', ...args, '--out', out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(message);
      expect(readdirSync(out)).toEqual([]);
    });
  }

  it('a bench whose low-load reference is above its start rate, or whose steal share is 0, exits 2, names it, and writes nothing', async () => {
    const r = await runCli(['bench', '--reference-rate', '2000', '--out', out]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      'the reference rate (2000/s) at most the start rate (1000/s), the start at most the max rate (64000/s); lower --reference-rate or raise --start-rate',
    );
    expect(readdirSync(out)).toEqual([]);
    const steal = await runCli(['bench', '--steal-rerun', '0', '--out', out]);
    expect(steal.code, steal.stderr).toBe(2);
    expect(steal.stderr).toContain(
      "bench --steal-rerun must be above 0 and at most 100 (% of the machine's time stolen), got 0; 100 never runs a stolen run again",
    );
    expect(readdirSync(out)).toEqual([]);
  });

  it('an unreadable model file exits 2 and names the file', async () => {
    const model = join(out, '..', `bad-model-${process.pid}.json`);
    writeFileSync(model, '{ not json');
    try {
      const r = await runCli(['run', '--engine', 'passthrough', '--model', model, '--out', out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(model);
      expect(readdirSync(out)).toEqual([]);
    } finally {
      rmSync(model, { force: true });
    }
  });

  it('a scenario with an unknown fault kind exits 2 and names it, before starting anything', async () => {
    const file = join(out, '..', `bad-fault-${process.pid}.yaml`);
    writeFileSync(file, 'name: mine\nfaults:\n  - { kind: meteor, target: "features[1]", at: 5s }\n');
    try {
      const r = await runCli(['run', '--engine', 'ack-tree', '--scenario', file, '--out', out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('faults[0] (meteor features[1]): unknown fault kind "meteor"');
      expect(readdirSync(out)).toEqual([]);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('a fault on a target the deployment does not have exits 2 and names it', async () => {
    const file = join(out, '..', `bad-target-${process.pid}.yaml`);
    writeFileSync(file, 'name: mine\nfaults:\n  - { kind: kill, target: "features[9]", at: 5s }\n');
    try {
      const r = await runCli(['run', '--engine', 'passthrough', '--scenario', file, '--out', out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('unknown target "features[9]" (known: passthrough[0])');
      expect(readdirSync(out)).toEqual([]);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('a scenario file with a bad field exits 2 with its line', async () => {
    const file = join(out, '..', `bad-scenario-${process.pid}.yaml`);
    writeFileSync(file, 'name: mine\nrate: fast\n');
    try {
      const r = await runCli(['run', '--engine', 'passthrough', '--scenario', file, '--out', out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${file}:2:7: rate must be a number`);
      expect(readdirSync(out)).toEqual([]);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
