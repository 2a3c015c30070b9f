import { describe, expect, it } from 'vitest';
import { median } from './stats.ts';

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones, and leaves its argument as it was', () => {
    const values = [30, 10, 40, 20];
    expect(median(values)).toBe(25);
    expect(values).toEqual([30, 10, 40, 20]);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([Number.POSITIVE_INFINITY, 1, Number.POSITIVE_INFINITY])).toBe(Number.POSITIVE_INFINITY);
    expect(median([])).toBeNull();
  });
});
