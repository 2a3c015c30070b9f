import { describe, expect, it } from 'vitest';
import { expandRandomFaults } from './schedule.ts';

const spec = {
  kinds: ['kill', 'pause', 'latency'],
  targets: ['features[0]', 'score[1]', 'link:source[0]->features[1]'],
  start: 2,
  interval: 6,
  count: 5,
  for: 3,
};

describe('random fault schedules', () => {
  it('the same seed gives the same faults; another seed other faults', () => {
    expect(expandRandomFaults(spec, 42)).toEqual(expandRandomFaults(spec, 42));
    expect(expandRandomFaults(spec, 42)).not.toEqual(expandRandomFaults(spec, 43));
  });

  it('faults start in order within their slots, network kinds get links, process kinds get processes', () => {
    const faults = expandRandomFaults(spec, 7);
    expect(faults).toHaveLength(5);
    faults.forEach((f, i) => {
      expect(f.at).toBeGreaterThanOrEqual(2 + i * 6);
      expect(f.at).toBeLessThan(2 + i * 6 + 3);
      if (f.kind === 'latency') expect(f.target.startsWith('link:')).toBe(true);
      else expect(f.target.startsWith('link:')).toBe(false);
      expect(f.for).toBe(f.kind === 'kill' ? undefined : 3);
    });
  });
});
