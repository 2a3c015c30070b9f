import { describe, expect, it } from 'vitest';
import { parseMasterRecord } from './messages.ts';

describe("the master's record", () => {
  it('reads a record with each operator’s recovery checkpoint', () => {
    const text = JSON.stringify({
      startMs: 1700000000000,
      committed: 19,
      recovery: { 'features[0]': 19, 'sink[0]': 21 },
    });
    expect(parseMasterRecord(text)).toEqual({
      startMs: 1700000000000,
      committed: 19,
      recovery: { 'features[0]': 19, 'sink[0]': 21 },
    });
  });

  it('reads the first record, written before any recovery checkpoint was known', () => {
    expect(parseMasterRecord('{"startMs":5,"committed":-1}')).toEqual({ startMs: 5, committed: -1 });
  });

  it('names what it found when the key holds something else', () => {
    expect(() => parseMasterRecord('{"startMs":5}')).toThrow(
      /not \{startMs, committed, recovery\}: \{"startMs":5\}/,
    );
    expect(() => parseMasterRecord('{"startMs":5,"committed":1,"recovery":{"a":"x"}}')).toThrow(/recovery/);
    expect(() => parseMasterRecord('{"startMs":5,"committed":1.5}')).toThrow(/committed/);
  });
});
