import { describe, expect, it } from 'vitest';
import { parseWorkerId, workerId } from './worker-id.ts';

describe('worker ids', () => {
  it('round-trip, and anything else is not a worker', () => {
    expect(parseWorkerId(workerId('features', 1))).toEqual({ operator: 'features', instance: 1 });
    expect(parseWorkerId('coordinator')).toBeUndefined();
    expect(parseWorkerId('link:source[0]->features[1]')).toBeUndefined();
  });
});
