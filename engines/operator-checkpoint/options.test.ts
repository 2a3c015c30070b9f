import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../core/errors.ts';
import { KeyedState } from './keyed-state.ts';
import { APEX_DEFAULTS, parseOperatorCheckpointOptions, processingModeFor } from './options.ts';

describe('operator-checkpoint options', () => {
  it("defaults to Apex's values", () => {
    expect(parseOperatorCheckpointOptions({})).toEqual(APEX_DEFAULTS);
    expect(APEX_DEFAULTS).toMatchObject({
      windowMs: 500,
      checkpointWindowCount: 60,
      heartbeatMs: 1000,
      heartbeatTimeoutS: 30,
      timeoutWindowCount: 120,
      proxied: true,
    });
  });

  it('accepts scaled-down values, numbers given as strings too (CLI -o key=value)', () => {
    expect(
      parseOperatorCheckpointOptions({ windowMs: 100, checkpointWindowCount: '10', proxied: false }),
    ).toMatchObject({
      windowMs: 100,
      checkpointWindowCount: 10,
      proxied: false,
    });
  });

  it('names the option in every error', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ windowSize: 100 }, /no option "windowSize"/],
      [{ windowMs: 0 }, /windowMs must be an integer ≥ 1/],
      [{ checkpointWindowCount: 1.5 }, /checkpointWindowCount must be an integer/],
      [{ heartbeatTimeoutS: 'soon' }, /heartbeatTimeoutS/],
      [{ proxied: 'yes' }, /proxied must be true or false/],
      [{ windowMs: 120_000 }, /windowMs must be ≤ 60000/],
    ];
    for (const [raw, message] of bad) {
      expect(() => parseOperatorCheckpointOptions(raw)).toThrow(BadInputError);
      expect(() => parseOperatorCheckpointOptions(raw)).toThrow(message);
    }
  });

  it('maps guarantees to processing modes', () => {
    expect(processingModeFor('at-least-once')).toBe('AT_LEAST_ONCE');
    expect(processingModeFor('at-most-once')).toBe('AT_MOST_ONCE');
    expect(processingModeFor('exactly-once')).toBe('EXACTLY_ONCE');
  });
});

describe('KeyedState', () => {
  it('round-trips through a checkpoint and re-serializes only what changed', () => {
    const s = new KeyedState<{ n: number }>();
    s.set('a', { n: 1 });
    s.set('b"q', { n: 2 });
    const first = s.serialize();
    expect(JSON.parse(first)).toEqual({ a: { n: 1 }, 'b"q': { n: 2 } });
    s.set('a', { n: 3 });
    const second = KeyedState.restore<{ n: number }>(s.serialize());
    expect(second.get('a')).toEqual({ n: 3 });
    expect(second.get('b"q')).toEqual({ n: 2 });
    expect(second.size).toBe(2);
    expect(KeyedState.restore(null).size).toBe(0);
  });
});
