import { describe, expect, it } from 'vitest';
import { fitCrossing, fitsOverlap, fitText } from './crossing-fit.ts';
import { tallyOf } from './fixtures/tally-of.ts';

const fitted = (runs: string, fromRate = 0) => fitCrossing(tallyOf(runs), fromRate);

describe('fitCrossing', () => {
  it('puts the crossing where half the runs pass, the interval around it', () => {
    // Symmetric in the log rate about 2000/s: 1000 all pass, 2000 half, 4000 none.
    const f = fitted('1000 3/3 · 2000 2/4 · 4000 0/3');
    expect(f).toMatchObject({ ratePerS: 2000, runs: 10, rates: 3, testedPerS: { min: 1000, max: 4000 } });
    expect(f!.lowPerS).toBeGreaterThan(1000);
    expect(f!.lowPerS).toBeLessThan(2000);
    expect(f!.highPerS).toBeGreaterThan(2000);
    expect(f!.highPerS).toBeLessThan(4000);
  });

  it('narrows its interval as the runs grow, at the same pass rates', () => {
    const few = fitted('1000 3/3 · 1500 2/3 · 2200 1/3 · 3300 0/3')!;
    const many = fitted('1000 9/9 · 1500 6/9 · 2200 3/9 · 3300 0/9')!;
    expect(many.ratePerS).toBe(few.ratePerS);
    const width = (f: typeof few) => Math.log(f.highPerS! / f.lowPerS!);
    // Three times the runs: about 1/√3 of the width (0.49 here).
    expect(width(many) / width(few)).toBeLessThan(0.6);
    expect(width(many) / width(few)).toBeGreaterThan(0.4);
  });

  it('separated runs: the crossing at the gap’s geometric middle, the interval about the gap', () => {
    const f = fitted('1000 3/3 · 1200 0/3')!;
    expect(f.ratePerS).toBe(Math.round(Math.sqrt(1000 * 1200)));
    expect(f.lowPerS).toBeGreaterThanOrEqual(1000);
    expect(f.highPerS).toBeLessThanOrEqual(1200);
  });

  it('fits nothing without both a pass and a failure', () => {
    expect(fitted('1000 3/3 · 1200 3/3')).toBeNull();
    expect(fitted('1000 0/3')).toBeNull();
    expect(fitCrossing([])).toBeNull();
  });

  it('leaves out the runs below the start rate (the low-load reference passes by construction)', () => {
    expect(fitted('250 0/1 · 1000 3/3 · 2000 2/4 · 4000 0/3', 1000)).toEqual(
      fitted('1000 3/3 · 2000 2/4 · 4000 0/3'),
    );
  });

  it('an interval reaching past the tested rates is open there', () => {
    const f = fitted('1000 1/1 · 1500 2/3 · 2200 1/3')!;
    expect(f).toMatchObject({ lowPerS: null, highPerS: null });
    expect(fitText(f)).toBe(`${f.ratePerS} [<1000–>2200]`);
  });

  it('tells apart two benches of one commit that measured different things, and not two that did not', () => {
    // docs/benches 2026-12-05b and c (one commit's code, one VM, 90 min apart), runs passed per rate from the start
    // rate: operator-checkpoint at-least-once, whose bounds came from low-load p50s of 6.1 and 9.3 ms, and
    // barrier-snapshot exactly-once.
    const ocB = fitted(
      '1000 1/1 · 2200 1/1 · 4700 1/1 · 5600 3/3 · 6800 2/3 · 8200 2/3 · 10000 1/3 · 12000 0/3 · 15000 0/1 · 22000 0/1',
    )!;
    const ocC = fitted(
      '1000 1/1 · 2200 1/1 · 4700 1/1 · 10000 3/3 · 12000 2/3 · 15000 2/3 · 18000 0/3 · 22000 0/1',
    )!;
    expect(fitText(ocB)).toBe('8502 [6851–10680]');
    expect(fitText(ocC)).toBe('14391 [11685–18254]');
    expect(fitsOverlap(ocB, ocC)).toBe(false);
    const bsB = fitted(
      '1000 1/1 · 2200 1/1 · 4700 1/1 · 5600 3/3 · 6800 2/3 · 8200 2/3 · 10000 1/3 · 12000 0/3',
    )!;
    const bsC = fitted('1000 1/1 · 2200 1/1 · 4700 3/3 · 5600 1/3 · 6800 1/3 · 8200 0/3 · 10000 0/1')!;
    expect(fitsOverlap(bsB, bsC)).toBe(true);
  });
});

describe('fitsOverlap', () => {
  const interval = (lowPerS: number | null, highPerS: number | null) => ({
    ratePerS: 1,
    lowPerS,
    highPerS,
    runs: 1,
    rates: 1,
    testedPerS: { min: 1, max: 1 },
  });
  it('an open end reaches as far as it may', () => {
    expect(fitsOverlap(interval(1000, 2000), interval(2000, 3000))).toBe(true);
    expect(fitsOverlap(interval(1000, 2000), interval(2001, 3000))).toBe(false);
    expect(fitsOverlap(interval(1000, null), interval(50000, 60000))).toBe(true);
    expect(fitsOverlap(interval(null, 900), interval(1000, 2000))).toBe(false);
  });
});
