import { describe, expect, it } from 'vitest';
import { BadInputError, EXIT } from '../core/errors.ts';
import {
  type FailRule,
  judgeRule,
  parseFailRules,
  type RuleInput,
  type SideValues,
  signed,
} from './compare-rules.ts';

describe('parseFailRules', () => {
  it('reads relative, change and limit rules with their units', () => {
    expect(parseFailRules('p99:+20%, lost:>0,recovery:+2s,throughput:-10%,p50:+5ms,p99.9:>1.5s')).toEqual([
      { text: 'p99:+20%', figure: 'p99', kind: 'relative', threshold: 0.2 },
      { text: 'lost:>0', figure: 'lost', kind: 'limit', threshold: 0 },
      { text: 'recovery:+2s', figure: 'recovery', kind: 'change', threshold: 2000 },
      { text: 'throughput:-10%', figure: 'throughput', kind: 'relative', threshold: 0.1 },
      { text: 'p50:+5ms', figure: 'p50', kind: 'change', threshold: 5 },
      { text: 'p99.9:>1.5s', figure: 'p999', kind: 'limit', threshold: 1500 },
    ]);
    expect(parseFailRules('dup:+10,throughput:<400/s')).toEqual([
      { text: 'dup:+10', figure: 'duplicated', kind: 'change', threshold: 10 },
      { text: 'throughput:<400/s', figure: 'throughput', kind: 'limit', threshold: 400 },
    ]);
  });

  const bad: [string, string][] = [
    ['p99+20%', 'not of the form <figure>:<threshold>'],
    ['p99:20%', 'not of the form <figure>:<threshold>'],
    ['latency:+20%', 'unknown figure "latency"'],
    ['p99:-20%', 'p99 gets worse going up (+ or >)'],
    ['throughput:+10%', 'throughput gets worse going down (- or <)'],
    ['p99:+20', 'p99 is a time: give ms or s'],
    ['lost:+2s', 'lost takes no unit'],
    ['lost:>5%', 'a limit (> or <) is an amount, not a percentage'],
    ['', 'no rule given'],
  ];
  for (const [rule, problem] of bad) {
    it(`rejects "${rule}" as bad input, naming the rule and the syntax`, () => {
      const parse = () => parseFailRules(rule);
      expect(parse).toThrow(BadInputError);
      expect(parse).toThrow(
        expect.objectContaining({
          exitCode: EXIT.badInput,
          message: `bad --fail-on rule "${rule}": ${problem}`,
          fix: expect.stringContaining('<figure>:<threshold>'),
        }),
      );
    });
  }
});

const rule = (text: string): FailRule => parseFailRules(text)[0]!;
const side = (values: number[], atLeast: number[] = [], never = 0, unknown = 0): SideValues => ({
  values,
  atLeast,
  never,
  unknown,
});
/** Single runs (no interval) or repeats with the interval given. */
const input = (a: SideValues, b: SideValues, ci: [number, number] | null = null): RuleInput => {
  const med = (s: SideValues) =>
    s.values.length && !s.atLeast.length && !s.never && !s.unknown ? median(s.values) : null;
  const ma = med(a);
  const mb = med(b);
  return { a, b, difference: ma !== null && mb !== null ? mb - ma : null, ci, medianA: ma };
};
const median = (v: number[]) => [...v].sort((x, y) => x - y)[v.length >> 1]!;

describe('judgeRule on single runs', () => {
  it('fails a relative rule only beyond the threshold (strictly)', () => {
    expect(judgeRule(rule('p99:+20%'), input(side([100]), side([130]))).outcome).toBe('failed');
    expect(judgeRule(rule('p99:+20%'), input(side([100]), side([120]))).outcome).toBe('passed');
    expect(judgeRule(rule('p99:+20%'), input(side([100]), side([60]))).outcome).toBe('passed');
  });

  it('reads a drop as worse for throughput', () => {
    expect(judgeRule(rule('throughput:-10%'), input(side([500]), side([440]))).outcome).toBe('failed');
    expect(judgeRule(rule('throughput:-10%'), input(side([500]), side([460]))).outcome).toBe('passed');
    expect(judgeRule(rule('throughput:-10%'), input(side([500]), side([900]))).outcome).toBe('passed');
  });

  it('takes any increase from zero as beyond a relative threshold', () => {
    expect(judgeRule(rule('lost:+50%'), input(side([0]), side([1]))).outcome).toBe('failed');
    expect(judgeRule(rule('lost:+50%'), input(side([0]), side([0]))).outcome).toBe('passed');
  });

  it('judges a change rule on the amount', () => {
    const r = judgeRule(rule('recovery:+2s'), input(side([4000]), side([6500])));
    expect(r).toEqual({
      outcome: 'failed',
      why: 'change +2.5 s is beyond +2.0 s',
    });
    expect(judgeRule(rule('recovery:+2s'), input(side([4000]), side([5900]))).outcome).toBe('passed');
  });

  it('judges a limit on B alone, every run of it', () => {
    expect(judgeRule(rule('lost:>0'), input(side([5]), side([0, 0, 0]))).outcome).toBe('passed');
    const r = judgeRule(rule('lost:>0'), input(side([0]), side([0, 3, 0])));
    expect(r).toEqual({ outcome: 'failed', why: 'B: 3 (limit 0)' });
    expect(judgeRule(rule('throughput:<400'), input(side([500]), side([450, 390]))).outcome).toBe('failed');
  });
});

describe('judgeRule with repeats', () => {
  it('fails only when the whole interval of the difference is beyond the threshold', () => {
    // A's median 100, B's 130: +30 % at the medians, but the interval reaches down to +10.
    const wide = input(side([90, 100, 110]), side([120, 130, 140]), [10, 50]);
    expect(judgeRule(rule('p99:+20%'), wide)).toEqual({
      outcome: 'passed',
      why: 'interval of the change [+10.0 ms, +50.0 ms] is not wholly beyond +20.0 ms (20 % of A)',
    });
    const tight = input(side([99, 100, 101]), side([129, 130, 131]), [28, 32]);
    expect(judgeRule(rule('p99:+20%'), tight).outcome).toBe('failed');
  });

  it('uses the less-worse end of the interval for throughput', () => {
    const drop = input(side([500, 500]), side([400, 420]), [-100, -80]);
    expect(judgeRule(rule('throughput:-10%'), drop).outcome).toBe('failed');
    const maybe = input(side([500, 500]), side([400, 480]), [-100, -20]);
    expect(judgeRule(rule('throughput:-10%'), maybe).outcome).toBe('passed');
  });
});

describe('judgeRule on a recovery that is not a number', () => {
  it('does not subtract a censored recovery: the rule is not judged', () => {
    expect(judgeRule(rule('recovery:+2s'), input(side([4000]), side([], [9800])))).toEqual({
      outcome: 'not judged',
      why: 'B > 9.8 s (load ended): not a number, not subtracted',
    });
  });

  it('fails a limit on a censored recovery only when its lower bound is past the limit', () => {
    expect(judgeRule(rule('recovery:>5s'), input(side([4000]), side([], [9800]))).outcome).toBe('failed');
    expect(judgeRule(rule('recovery:>12s'), input(side([4000]), side([], [9800]))).outcome).toBe(
      'not judged',
    );
  });

  it('fails when B never recovered and A did', () => {
    expect(judgeRule(rule('recovery:+2s'), input(side([4000]), side([], [], 1)))).toEqual({
      outcome: 'failed',
      why: 'B never recovered, A did (4.0 s)',
    });
  });

  it('judges no rule on a recovery that is unknown (the collector not reading, a drain too short to tell)', () => {
    // Unknown is no fault-free run ("not applicable") and no "never" ("failed"): it is no figure at all.
    expect(judgeRule(rule('recovery:+2s'), input(side([4000]), side([], [], 0, 1)))).toEqual({
      outcome: 'not judged',
      why: 'B 1× unknown: not a number, not subtracted',
    });
    expect(judgeRule(rule('recovery:>5s'), input(side([4000]), side([3000], [], 0, 1))).outcome).toBe(
      'not judged',
    );
    // A run past the limit fails it whatever the unknown one was.
    expect(judgeRule(rule('recovery:>5s'), input(side([4000]), side([9000], [], 0, 1))).outcome).toBe(
      'failed',
    );
    // An unknown A cannot make B's "never" a regression.
    expect(judgeRule(rule('recovery:+2s'), input(side([], [], 0, 1), side([], [], 1))).outcome).toBe(
      'not judged',
    );
  });

  it('does not apply where B has no fault', () => {
    expect(judgeRule(rule('recovery:+2s'), input(side([4000]), side([]))).outcome).toBe('not applicable');
  });
});

describe('signed', () => {
  const fmt = (v: number) => v.toFixed(0);
  it('puts a sign on changes but not on zero, nor on what prints as zero', () => {
    expect(signed(fmt, 3)).toBe('+3');
    expect(signed(fmt, -3)).toBe('−3');
    expect(signed(fmt, 0)).toBe('0');
    expect(signed(fmt, -0.2)).toBe('0');
  });
});
