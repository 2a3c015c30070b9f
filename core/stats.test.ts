import { describe, expect, it } from 'vitest';
import { median, quantile } from './stats.ts';

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

describe('quantile', () => {
  it('interpolates between the closest ranks of sorted values', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6);
    expect(quantile([7], 0.9)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
