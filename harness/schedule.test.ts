import { describe, expect, it } from 'vitest';
import { createSchedule } from './schedule.ts';

describe('open-loop schedule', () => {
  it('a constant rate spaces events evenly', () => {
    const s = createSchedule({ rate: 2000, durationS: 30 });
    expect(s.count).toBe(60_000);
    expect(s.offsetUs(0)).toBe(0);
    expect(s.offsetUs(1)).toBe(500);
    expect(s.offsetUs(59_999)).toBeCloseTo(29_999_500, 3);
  });

  it('a ramp sends the integral of the rate and is monotone', () => {
    const s = createSchedule({ rate: 1000, durationS: 20, ramp: { fromRate: 0, overS: 10 } });
    expect(s.count).toBe(5000 + 10_000);
    let prev = -1;
    for (let i = 0; i < s.count; i += 37) {
      const t = s.offsetUs(i);
      expect(t).toBeGreaterThan(prev);
      prev = t;
    }
    // Half-way through the ramp, N(5 s) = 1000 * 25 / 20 = 1250 events.
    expect(s.offsetUs(1250) / 1e6).toBeCloseTo(5, 6);
    expect(s.offsetUs(5000) / 1e6).toBeCloseTo(10, 6);
    expect(s.offsetUs(6000) / 1e6).toBeCloseTo(11, 6);
    expect(s.rateAt(5)).toBe(500);
  });
});
