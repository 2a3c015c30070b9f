import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../core/errors.ts';
import { KeyedState } from './keyed-state.ts';
import { APEX_DEFAULTS, parseOperatorCheckpointOptions } from './options.ts';

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

  it('maps guarantees to processing modes: exactly-once is AT_LEAST_ONCE operators (plus the exactly-once output)', () => {
    const all = (mode: string) => ({ source: mode, features: mode, score: mode, sink: mode });
    expect(parseOperatorCheckpointOptions({}, 'at-least-once').processingModes).toEqual(all('AT_LEAST_ONCE'));
    expect(parseOperatorCheckpointOptions({}, 'exactly-once').processingModes).toEqual(all('AT_LEAST_ONCE'));
    // AT_MOST_ONCE on the input operator; Apex's validation carries it down the DAG.
    expect(parseOperatorCheckpointOptions({}, 'at-most-once').processingModes).toEqual(all('AT_MOST_ONCE'));
  });

  it('reads processingModes as operator:MODE pairs (CLI) or as a mapping (YAML)', () => {
    expect(
      parseOperatorCheckpointOptions({ processingModes: 'features:exactly_once, score:AT_MOST_ONCE' })
        .processingModes,
    ).toEqual({ features: 'EXACTLY_ONCE', score: 'AT_MOST_ONCE' });
    expect(
      parseOperatorCheckpointOptions({ processingModes: { sink: 'EXACTLY_ONCE' } }).processingModes,
    ).toEqual({
      sink: 'EXACTLY_ONCE',
    });
    expect(parseOperatorCheckpointOptions({ processingModes: '' }).processingModes).toEqual({});
    // With the guarantee: every operator's effective mode, and parsing that again gives the same.
    const resolved = parseOperatorCheckpointOptions({ processingModes: 'sink:EXACTLY_ONCE' }, 'exactly-once');
    expect(resolved.processingModes).toEqual({
      source: 'AT_LEAST_ONCE',
      features: 'AT_LEAST_ONCE',
      score: 'AT_LEAST_ONCE',
      sink: 'EXACTLY_ONCE',
    });
    expect(
      parseOperatorCheckpointOptions(resolved as unknown as Record<string, unknown>, 'exactly-once'),
    ).toEqual(resolved);
  });

  it('refuses a malformed processingModes, naming what is wrong', () => {
    const bad: [unknown, RegExp][] = [
      ['features', /"features" is not operator:MODE/],
      ['filter:AT_MOST_ONCE', /no operator "filter"/],
      ['features:ONCE', /"ONCE" is not a processing mode/],
      ['score:AT_MOST_ONCE,score:AT_MOST_ONCE', /score is given twice/],
      [3, /must be operator:MODE pairs/],
      [['features'], /must be operator:MODE pairs/],
    ];
    for (const [processingModes, message] of bad) {
      expect(() => parseOperatorCheckpointOptions({ processingModes })).toThrow(BadInputError);
      expect(() => parseOperatorCheckpointOptions({ processingModes })).toThrow(message);
    }
  });

  it("refuses processing modes that break Apex's DAG rule, or the run's guarantee", () => {
    expect(() => parseOperatorCheckpointOptions({ processingModes: 'features:EXACTLY_ONCE' })).toThrow(
      'Processing mode for score should be AT_MOST_ONCE for source features/EXACTLY_ONCE',
    );
    expect(() =>
      parseOperatorCheckpointOptions({ processingModes: 'features:AT_LEAST_ONCE' }, 'at-most-once'),
    ).toThrow('Processing mode features/AT_LEAST_ONCE not valid for source source/AT_MOST_ONCE');
    expect(() =>
      parseOperatorCheckpointOptions({ processingModes: 'score:AT_MOST_ONCE' }, 'exactly-once'),
    ).toThrow(/score, sink AT_MOST_ONCE.*exactly-once guarantee could not hold/);
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
