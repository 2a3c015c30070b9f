import { describe, expect, it } from 'vitest';
import type { BenchEntry } from '../harness/index.ts';
import { bracketAgreement, bracketStep, fitOf, type SustainableBracket } from './bracket-agreement.ts';

type Step = BenchEntry['steps'][number];
const BOUNDS = { p50: 62, p99: 94 };

/** A judged step as bench.json keeps it; only the fields compare reads are filled in. */
function step(
  rate: number,
  p50: number,
  p99: number,
  reason?: string,
  bounds: typeof BOUNDS | null = BOUNDS,
): Step {
  const over = bounds !== null && (p50 > bounds.p50 || p99 > bounds.p99);
  return {
    rate,
    runDir: `runs/${rate}`,
    judgement: {
      sustainable: reason === undefined && !over,
      reason: reason ?? (over ? 'latency over its bound' : 'backlog bounded'),
      lateP50Ms: p50,
      lateP99Ms: p99,
      latencyBoundMs: bounds,
    },
  } as Step;
}

const bracket = (passedPerS: number, failedAtPerS: number | null, steps: Step[]): SustainableBracket => ({
  passedPerS,
  failedAtPerS,
  maxRatePerS: 32000,
  passedAtWinner: 2,
  runsAtWinner: 2,
  steps: steps.map(bracketStep),
});

describe('bracketStep', () => {
  it('names the latency a verdict turned on: the one over its bound, or the closest to it', () => {
    expect(bracketStep(step(8000, 31, 116))).toMatchObject({
      sustainable: false,
      text: 'p99 116 > 94 ms',
      deciding: 'p99',
    });
    expect(bracketStep(step(8000, 70, 80))).toMatchObject({ text: 'p50 70 > 62 ms', deciding: 'p50' });
    // 13 / 62 < 56 / 94: p99 is the closer to its bound.
    expect(bracketStep(step(4000, 13, 56))).toMatchObject({
      sustainable: true,
      text: 'p99 56 ≤ 94 ms',
      latency: { p50: { ms: 13, boundMs: 62 }, p99: { ms: 56, boundMs: 94 } },
    });
  });

  it('keeps the rule’s reason when the backlog or the generator failed the step, and marks the low-load step', () => {
    expect(bracketStep(step(40000, 20, 50, 'backlog grows: +182034 events'))).toMatchObject({
      sustainable: false,
      text: 'backlog grows: +182034 events',
      deciding: null,
    });
    expect(bracketStep(step(1000, 4, 15, undefined, null))).toMatchObject({
      text: 'low-load reference',
      latency: {},
      deciding: null,
    });
  });
  it('says over how many runs a close call was pooled', () => {
    const pooled = step(8000, 20, 90);
    pooled.judgement.pooledRuns = 2;
    expect(bracketStep(pooled).text).toBe('p99 90 ≤ 94 ms over 2 runs');
  });
});

describe('bracketAgreement', () => {
  it('says nothing more where the benches agree', () => {
    const a = bracket(4000, 8000, [step(4000, 10, 50), step(8000, 30, 120)]);
    const b = bracket(6000, 8000, [step(6000, 20, 80), step(8000, 30, 130)]);
    expect(bracketAgreement(a, b)).toMatchObject({ agree: true });
    expect(bracketAgreement(a, b).disputed).toBeUndefined();
  });

  it('where they part, lists both benches’ steps between the two verdicts and the spread of the failing figure', () => {
    // Bench A: 4000 passed, then 5000 failed and 4000's repeat failed: the search went down to 3000.
    const a = bracket(3000, 4000, [
      step(1000, 4, 15, undefined, null),
      step(4000, 13, 56),
      step(5000, 23, 106),
      step(4000, 20, 102),
      step(3000, 14, 57),
      step(3000, 12, 46),
    ]);
    const b = bracket(5000, 6000, [
      step(4000, 11, 49),
      step(6000, 29, 134),
      step(5000, 17, 69),
      step(5000, 19, 77),
    ]);
    const agreement = bracketAgreement(a, b);
    expect(agreement).toMatchObject({
      agree: false,
      why: 'more than a search step apart: one sustained 5000/s, the other failed at 4000/s',
    });
    expect(agreement.disputed).toBe(
      'at 4000–5000/s, in the order run, A ran 4000 ✓ (p99 56 ≤ 94 ms), 5000 ✗ (p99 106 > 94 ms), 4000 ✗ (p99 102 > 94 ms); ' +
        'B ran 4000 ✓ (p99 49 ≤ 94 ms), 5000 ✓ (p99 69 ≤ 94 ms), 5000 ✓ (p99 77 ≤ 94 ms); ' +
        '4000/s and 5000/s both passed and failed; p99 there ranged 49–106 ms against bounds of 94 ms. ' +
        "A rate failed below one that passed: the step's figure varies from run to run by more than its gap to the bound there, or the two benches did not measure the same system",
    );
  });

  it('where both ran a disputed rate with its CPU measured, says whether the host or the runs parted them', () => {
    // The CPU the engine and the harness used, in cores; per event at the rate: cores / rate.
    const cpu = (st: Step, engine: number, harness: number): Step => ({
      ...st,
      cpu: {
        wallS: 20,
        cpus: 2,
        machineBusy: 0.8,
        cores: { engine, kafka: 0.2, toxiproxy: 0, redis: 0.05, harness, other: 0 },
      },
    });
    // docs/benches 2026-12-04e and f, the single passthrough at 27000/s: three failures at 32.0 + 24.4 µs per event,
    // three passes at 27.3 + 19.5 µs.
    const slow = bracket(18000, 22000, [
      cpu(step(27000, 20, 233), 0.864, 0.659),
      cpu(step(27000, 20, 261), 0.86, 0.66),
    ]);
    const fast = bracket(27000, 33000, [
      cpu(step(27000, 20, 41), 0.737, 0.528),
      cpu(step(27000, 20, 36), 0.737, 0.524),
    ]);
    expect(bracketAgreement(slow, fast).disputed).toContain(
      ". CPU per event there (engine + harness, each bench's median over its runs): 27000/s A 31.9 + 24.4 µs, B 27.3 + 19.5 µs: a slower host there: at 27000/s the harness spent 1.25 × as much per event on A's",
    );
    // The same cost per event, other verdicts: the runs' own spread.
    const spread = bracket(18000, 22000, [cpu(step(27000, 20, 233), 0.74, 0.53)]);
    expect(bracketAgreement(spread, fast).disputed).toContain(
      "27000/s A 27.4 + 19.6 µs, B 27.3 + 19.5 µs: the harness's alike within 15 %: no slower host in the CPU it took (a host's latency can still differ: the probes)",
    );
    // No CPU measured on one side: nothing said.
    expect(bracketAgreement(bracket(18000, 22000, [step(27000, 20, 233)]), fast).disputed).not.toContain(
      'CPU',
    );
  });

  it('without kept steps (an older bench.json), says only that they disagree', () => {
    const { steps: _a, ...a } = bracket(3000, 4000, []);
    const { steps: _b, ...b } = bracket(5000, 6000, []);
    expect(bracketAgreement(a, b)).toMatchObject({ agree: false });
    expect(bracketAgreement(a, b).disputed).toBeUndefined();
  });
});

describe('the low-load references of two benches', () => {
  const ref = (rate: number, p99Ms: number, busy: number | null, p50Ms = 10) => ({
    rate,
    p50Ms,
    p99Ms,
    busy,
  });
  /** A reference of a bench judged before the p99 lost its factor: its steps kept the bounds it applied. */
  const oldRule = (r: ReturnType<typeof ref>) => ({
    ...r,
    boundsMs: {
      p50: Math.min(3 * r.p50Ms + 50, r.p50Ms + 250),
      p99: Math.min(3 * r.p99Ms + 50, r.p99Ms + 250),
    },
  });
  const withRef = (lowLoad: ReturnType<typeof ref>): SustainableBracket => ({
    ...bracket(680, 820, []),
    lowLoad,
  });

  it('are named where they sat at other rates or set bounds more than a grid step apart', () => {
    // bench26a vs bench26c's ack-tree: 1000/s on a saturated machine against 125/s (the bounds they applied).
    const moved = bracketAgreement(
      withRef(oldRule(ref(1000, 122.3, 0.99))),
      withRef(oldRule(ref(125, 32.9, 0.77))),
    );
    expect(moved.references).toBe(
      "A's low-load reference was at 1000/s (p50/p99 10.0/122.3 ms, machine 99 % busy), B's at 125/s (p50/p99 10.0/32.9 ms, machine 77 % busy): their p99 bounds were 372 and 149 ms (every latency bound is set from the reference), so the two did not judge their steps alike",
    );
    // Same rate, bounds 1.5 × apart.
    expect(
      bracketAgreement(withRef(oldRule(ref(1000, 28, 0.93))), withRef(oldRule(ref(1000, 60, null))))
        .references,
    ).toContain('1000/s (p50/p99 10.0/60.0 ms, machine unmeasured): their p99 bounds were 134 and 230 ms');
    // The current rule: the p99 may add 250 ms (278 and 310 ms, alike); the p50s' bounds 80 and 110 ms are apart.
    expect(
      bracketAgreement(withRef(ref(1000, 28, 0.5, 10)), withRef(ref(1000, 60, 0.5, 20))).references,
    ).toContain('their p50 bounds were 80 and 110 ms');
  });

  it('are not mentioned where they agree: same rate, bounds within a grid step, or one not kept', () => {
    expect(
      bracketAgreement(withRef(ref(1000, 30, 0.5)), withRef(ref(1000, 33, 0.6))).references,
    ).toBeUndefined();
    // The current rule's p99 bounds (278 and 310 ms) are within a grid step where the old ones were not.
    expect(
      bracketAgreement(withRef(ref(1000, 28, 0.93)), withRef(ref(1000, 60, null))).references,
    ).toBeUndefined();
    expect(bracketAgreement(bracket(680, 820, []), withRef(ref(125, 33, 0.7))).references).toBeUndefined();
  });
});

describe("both benches' runs pooled", () => {
  const t = (...rows: [number, number, number][]) =>
    rows.map(([rate, passed, runs]) => ({ rate, runs, passed }));
  // bench 2026-12-04c's ack-tree, and a bench that passed higher: 1200/s against 2200/s, apart.
  const a = {
    ...bracket(1200, 1500, []),
    tally: t([250, 1, 1], [1000, 1, 1], [1200, 3, 3], [1500, 1, 3], [1800, 0, 3], [2200, 1, 3], [2700, 0, 3]),
  };
  const b = {
    ...bracket(2200, 2700, []),
    tally: t([250, 1, 1], [1000, 1, 1], [1500, 3, 3], [1800, 3, 3], [2200, 2, 3], [2700, 0, 3]),
  };

  it('places the ½ crossing over the runs of both, rate by rate (half of an even count passes, as in one bench)', () => {
    const agreement = bracketAgreement(a, b);
    expect(agreement.agree).toBe(false);
    expect(agreement.pooled).toBe(
      '2200 [2200–2700), 3/6 at it, band [1200–2700): 1200 3/3 · 1500 4/6 · 1800 3/6 · 2200 3/6 · 2700 0/6',
    );
  });

  it('is left out where a bench kept no tally, or the two judged their steps by other low-load references', () => {
    expect(bracketAgreement(a, bracket(2200, 2700, [])).pooled).toBeUndefined();
    const ref = (p50Ms: number) => ({ rate: 250, p50Ms, p99Ms: 30, busy: 0.5 });
    expect(bracketAgreement({ ...a, lowLoad: ref(10) }, { ...b, lowLoad: ref(30) }).pooled).toBeUndefined();
    expect(bracketAgreement({ ...a, lowLoad: ref(10) }, { ...b, lowLoad: ref(11) }).pooled).toContain(
      '2200 [2200–2700)',
    );
  });
});

describe('the fitted crossings of two benches', () => {
  const t = (...rows: [number, number, number][]) =>
    rows.map(([rate, passed, runs]) => ({ rate, runs, passed }));
  // docs/benches 2026-12-05b and c, one commit on one VM: operator-checkpoint at-least-once, grid figures 8200 and 15000.
  const fitted = (passedPerS: number, failedAtPerS: number, ...rows: [number, number, number][]) => ({
    ...bracket(passedPerS, failedAtPerS, []),
    ...fitOf({ tally: t([1000, 1, 1], ...rows) }, 1000),
  });
  const a = fitted(8200, 10000, [5600, 3, 3], [6800, 2, 3], [8200, 2, 3], [10000, 1, 3], [12000, 0, 3]);
  const b = fitted(15000, 18000, [10000, 3, 3], [12000, 2, 3], [15000, 2, 3], [18000, 0, 3]);

  it('says whether their difference is beyond the runs’ own spread', () => {
    const apart = bracketAgreement(a, b).fitted!;
    expect(apart).toMatchObject({ overlap: false });
    expect(apart.a).toMatch(/^\d+ \[\d+–\d+\]$/);
    expect(apart.why).toContain('beyond the runs');
    // The same runs on both sides: within.
    expect(bracketAgreement(a, { ...a }).fitted).toMatchObject({
      overlap: true,
      why: expect.stringContaining('1.00 × apart'),
    });
  });

  it('is left out where a side has no fit (no tally kept, or no run failed)', () => {
    expect(bracketAgreement(a, bracket(15000, 18000, [])).fitted).toBeUndefined();
    expect(fitOf({ tally: t([1000, 3, 3], [2000, 3, 3]) }, 1000)).toEqual({});
    expect(fitOf({}, 1000)).toEqual({});
  });
});
