import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../core/errors.ts';
import {
  effectiveProcessingModes,
  type LogicalDag,
  type ModeAttributes,
  STANDARD_DAG,
  validateProcessingModes,
} from './processing-mode.ts';

/** The DAG of Apex's LogicalPlanTest: two input operators into one generic operator, then an output one. */
const APEX_TEST_DAG: LogicalDag = {
  operators: ['input1', 'input2', 'amoOper', 'outputOper'],
  streams: [
    ['input1', 'amoOper'],
    ['input2', 'amoOper'],
    ['amoOper', 'outputOper'],
  ],
};

const invalid = (dag: LogicalDag, set: ModeAttributes) => () => validateProcessingModes(dag, set);

describe("Apex's processing-mode validation (LogicalPlan.validateProcessingMode)", () => {
  it('AT_MOST_ONCE: a downstream operator with another mode is invalid, an unset one becomes AT_MOST_ONCE (testAtMostOnceProcessingModeValidation)', () => {
    expect(invalid(APEX_TEST_DAG, { amoOper: 'AT_MOST_ONCE', outputOper: 'AT_LEAST_ONCE' })).toThrow(
      'Processing mode outputOper/AT_LEAST_ONCE not valid for source amoOper/AT_MOST_ONCE',
    );
    expect(validateProcessingModes(APEX_TEST_DAG, { amoOper: 'AT_MOST_ONCE' })).toEqual({
      input1: 'AT_LEAST_ONCE',
      input2: 'AT_LEAST_ONCE',
      amoOper: 'AT_MOST_ONCE',
      outputOper: 'AT_MOST_ONCE',
    });
  });

  it('EXACTLY_ONCE: a downstream operator must be set, and set to AT_MOST_ONCE (testExactlyOnceProcessingModeValidation)', () => {
    expect(invalid(APEX_TEST_DAG, { amoOper: 'EXACTLY_ONCE' })).toThrow(
      'Processing mode for outputOper should be AT_MOST_ONCE for source amoOper/EXACTLY_ONCE',
    );
    expect(invalid(APEX_TEST_DAG, { amoOper: 'EXACTLY_ONCE', outputOper: 'AT_LEAST_ONCE' })).toThrow(
      'Processing mode outputOper/AT_LEAST_ONCE not valid for source amoOper/EXACTLY_ONCE',
    );
    expect(
      validateProcessingModes(APEX_TEST_DAG, { amoOper: 'EXACTLY_ONCE', outputOper: 'AT_MOST_ONCE' }),
    ).toEqual({
      input1: 'AT_LEAST_ONCE',
      input2: 'AT_LEAST_ONCE',
      amoOper: 'EXACTLY_ONCE',
      outputOper: 'AT_MOST_ONCE',
    });
  });

  it('valid on source → features → score → sink: AT_LEAST_ONCE anywhere, EXACTLY_ONCE at the leaf or above AT_MOST_ONCE', () => {
    const valid: [ModeAttributes, string][] = [
      [{}, 'AT_LEAST_ONCE AT_LEAST_ONCE AT_LEAST_ONCE AT_LEAST_ONCE'],
      [{ sink: 'EXACTLY_ONCE' }, 'AT_LEAST_ONCE AT_LEAST_ONCE AT_LEAST_ONCE EXACTLY_ONCE'],
      [{ source: 'AT_MOST_ONCE' }, 'AT_MOST_ONCE AT_MOST_ONCE AT_MOST_ONCE AT_MOST_ONCE'],
      [{ features: 'AT_MOST_ONCE' }, 'AT_LEAST_ONCE AT_MOST_ONCE AT_MOST_ONCE AT_MOST_ONCE'],
      [
        { features: 'EXACTLY_ONCE', score: 'AT_MOST_ONCE' },
        'AT_LEAST_ONCE EXACTLY_ONCE AT_MOST_ONCE AT_MOST_ONCE',
      ],
      [
        { score: 'EXACTLY_ONCE', sink: 'AT_MOST_ONCE' },
        'AT_LEAST_ONCE AT_LEAST_ONCE EXACTLY_ONCE AT_MOST_ONCE',
      ],
      [
        { source: 'EXACTLY_ONCE', features: 'AT_MOST_ONCE' },
        'EXACTLY_ONCE AT_MOST_ONCE AT_MOST_ONCE AT_MOST_ONCE',
      ],
    ];
    for (const [set, modes] of valid)
      expect(Object.values(validateProcessingModes(STANDARD_DAG, set)).join(' ')).toBe(modes);
  });

  it('invalid on source → features → score → sink, with the message Apex gives and the rule and fix', () => {
    const bad: [ModeAttributes, string][] = [
      [
        { source: 'EXACTLY_ONCE' },
        'Processing mode for features should be AT_MOST_ONCE for source source/EXACTLY_ONCE',
      ],
      [
        { features: 'EXACTLY_ONCE', score: 'AT_LEAST_ONCE' },
        'Processing mode score/AT_LEAST_ONCE not valid for source features/EXACTLY_ONCE',
      ],
      [
        { features: 'EXACTLY_ONCE', score: 'EXACTLY_ONCE' },
        'Processing mode score/EXACTLY_ONCE not valid for source features/EXACTLY_ONCE',
      ],
      // The AT_MOST_ONCE given to score by propagation binds the sink as well.
      [
        { features: 'AT_MOST_ONCE', sink: 'AT_LEAST_ONCE' },
        'Processing mode sink/AT_LEAST_ONCE not valid for source score/AT_MOST_ONCE',
      ],
      [
        { features: 'EXACTLY_ONCE', score: 'AT_MOST_ONCE', sink: 'EXACTLY_ONCE' },
        'Processing mode sink/EXACTLY_ONCE not valid for source score/AT_MOST_ONCE',
      ],
    ];
    for (const [set, message] of bad) {
      let error: unknown;
      try {
        validateProcessingModes(STANDARD_DAG, set);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(BadInputError);
      const e = error as BadInputError;
      expect(e.message).toContain(message);
      expect(e.exitCode).toBe(2);
      expect(e.fix).toContain('LogicalPlan.validateProcessingMode');
      expect(e.fix).toMatch(/Set \w+ to AT_MOST_ONCE, or take (EXACTLY|AT_MOST)_ONCE off \w+/);
    }
  });

  it('the guarantee sets its modes first: at-most-once makes the input operator AT_MOST_ONCE, which binds the rest', () => {
    expect(() =>
      effectiveProcessingModes('at-most-once', { score: 'EXACTLY_ONCE', sink: 'AT_MOST_ONCE' }),
    ).toThrow('Processing mode score/EXACTLY_ONCE not valid for source features/AT_MOST_ONCE');
    expect(Object.values(effectiveProcessingModes('exactly-once', {}))).toEqual([
      'AT_LEAST_ONCE',
      'AT_LEAST_ONCE',
      'AT_LEAST_ONCE',
      'AT_LEAST_ONCE',
    ]);
    expect(effectiveProcessingModes('exactly-once', { sink: 'EXACTLY_ONCE' }).sink).toBe('EXACTLY_ONCE');
  });

  it('at-least-once and exactly-once refuse a valid DAG that makes an operator AT_MOST_ONCE (it would lose windows)', () => {
    for (const guarantee of ['at-least-once', 'exactly-once'] as const) {
      expect(() =>
        effectiveProcessingModes(guarantee, { features: 'EXACTLY_ONCE', score: 'AT_MOST_ONCE' }),
      ).toThrow(BadInputError);
      expect(() => effectiveProcessingModes(guarantee, { sink: 'AT_MOST_ONCE' })).toThrow(
        `processing modes make sink AT_MOST_ONCE, which loses the windows in flight on a redeploy: the ${guarantee} guarantee could not hold`,
      );
    }
  });
});
