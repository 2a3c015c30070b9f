import { describe, expect, it } from 'vitest';
import { parseSpoutEvent } from './local-cluster.ts';

describe("the spout's event lines", () => {
  it('become engine events when their type is of the vocabulary', () => {
    expect(parseSpoutEvent('{"type":"tuple.replayed","worker":"source[0]","count":12}')).toEqual({
      type: 'tuple.replayed',
      worker: 'source[0]',
      count: 12,
    });
  });

  it('are only logged when they are not JSON or name an unknown type', () => {
    expect(parseSpoutEvent('{"type":"tuple.lost"}')).toBeUndefined();
    expect(parseSpoutEvent('not json')).toBeUndefined();
  });
});
