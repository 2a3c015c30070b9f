/**
 * The sustainable rate as a fitted ½ crossing with a 95 % interval, from every run of a bench's search at once.
 *
 * The search (bench-search.ts) reports the highest grid rate at which, and at every tested rate below, at least
 * half the runs passed: a figure on the grid, from three runs a rate. Where an engine passes and fails over several
 * grid steps (its latency creeps up to a bound rather than jumping at a knee), that figure moves by two or three
 * steps between benches of one commit on one host (docs/benches 2026-12-05b and c: barrier-snapshot exactly-once
 * 8200 and 4700/s, operator-checkpoint 8200 and 15000/s), and nothing on the grid says how far it could move.
 *
 * Here the runs' verdicts are read as draws of a pass probability that falls with the rate, the logistic of the
 * log rate: P(pass | r) = 1 / (1 + (r / c)^k), with c the rate passed half the time and k ≥ 0 how sharply it
 * falls there (the psychometric function, fitted by maximum likelihood). Its 95 % interval on c is the profile
 * likelihood's: every c whose best log-likelihood over k is within χ²₁(0.95) / 2 = 1.92 of the maximum (Wilks;
 * approximate at a few dozen runs, and the runs of one bench are not independent of the host's drift, so read it
 * as the runs' own spread, not the host's). Two benches whose intervals are apart did not measure the same thing
 * (the host or its drift, the code, or the latency bounds each set from its own low-load reference); where they
 * overlap, their difference is within what the runs can tell.
 *
 * Perfectly separated runs (every run passed below some rate and failed above it) have no finite k: k is capped at
 * K_MAX, which puts c at the geometric middle of the gap and the interval a little beyond its ends. A fit needs a
 * pass and a failure among the runs; without either the crossing is outside the tested rates and nothing is fitted.
 */

import type { RateTally } from './bench-search.ts';

export interface CrossingFit {
  /** The fitted rate passed half the time (events/s). */
  ratePerS: number;
  /** Its 95 % interval; null: the interval reaches past the lowest (low) or highest (high) tested rate. */
  lowPerS: number | null;
  highPerS: number | null;
  /** Runs the fit rests on, the rates they ran at, and the lowest and highest of those. */
  runs: number;
  rates: number;
  testedPerS: { min: number; max: number };
}

/** χ²₁ at 0.95 over two: the drop in log-likelihood that bounds the 95 % profile interval. */
const HALF_CHI2_95 = 1.92;
/** The steepest fall allowed (per unit of ln rate): from ~99 % to ~1 % passes within ±2.3 % of c. */
const K_MAX = 200;
/** The grid of c searched first, in ln rate (1 %; the interval's ends are then bisected to 0.1 %), and how far past
 *  the tested rates the interval is looked for. */
const LN_STEP = 0.01;
const LN_MARGIN = Math.log(2);

type Point = { x: number; passed: number; failed: number };

/** ln(1 + e^t), stable for large |t|. */
const softplus = (t: number) => (t > 30 ? t : t < -30 ? Math.exp(t) : Math.log1p(Math.exp(t)));

/** The maximum of a concave function on [a, b] (golden section, to ~1e-6 of the span), at its argument. */
function goldenMax(f: (t: number) => number, a: number, b: number): { at: number; value: number } {
  const phi = (Math.sqrt(5) - 1) / 2;
  let c = b - phi * (b - a);
  let d = a + phi * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < 30; i++) {
    if (fc >= fd) {
      [b, d, fd] = [d, c, fc];
      c = b - phi * (b - a);
      fc = f(c);
    } else {
      [a, c, fc] = [c, d, fd];
      d = a + phi * (b - a);
      fd = f(d);
    }
  }
  return [
    { at: a, value: f(a) },
    { at: b, value: f(b) },
    fc >= fd ? { at: c, value: fc } : { at: d, value: fd },
  ].reduce((x, y) => (y.value > x.value ? y : x));
}

/** Σ ln P(observed) for one c (as ln c) and k over the tallies (x = ln rate). */
function logLikelihood(points: readonly Point[], lnC: number, k: number): number {
  let ll = 0;
  for (const p of points) {
    // ln P(pass) = −ln(1 + e^z), ln P(fail) = −ln(1 + e^−z), z = k (x − ln c).
    const z = k * (p.x - lnC);
    if (p.passed) ll -= p.passed * softplus(z);
    if (p.failed) ll -= p.failed * softplus(-z);
  }
  return ll;
}

/** The best log-likelihood at ln c over k in [0, K_MAX]: concave in k (a linear predictor), so a golden section. */
const profile = (points: readonly Point[], lnC: number) =>
  goldenMax((k) => logLikelihood(points, lnC, k), 0, K_MAX).value;

/** The ln c between `inside` (profile ≥ level) and `outside` (below it) where the profile crosses the level. */
function boundary(points: readonly Point[], inside: number, outside: number, level: number): number {
  for (let i = 0; i < 10; i++) {
    const mid = (inside + outside) / 2;
    if (profile(points, mid) >= level) inside = mid;
    else outside = mid;
  }
  return inside;
}

/**
 * The fitted ½ crossing of the runs at `fromRate` and above (the search's: the low-load reference below the start
 * rate passes by construction and is left out); null without both a pass and a failure among them.
 */
export function fitCrossing(tally: readonly RateTally[], fromRate = 0): CrossingFit | null {
  const used = tally.filter((t) => t.rate >= fromRate && t.runs > 0);
  const points = used.map((t) => ({ x: Math.log(t.rate), passed: t.passed, failed: t.runs - t.passed }));
  if (!points.some((p) => p.passed) || !points.some((p) => p.failed)) return null;
  const xs = points.map((p) => p.x);
  const [lo, hi] = [Math.min(...xs) - LN_MARGIN, Math.max(...xs) + LN_MARGIN];
  const grid: { lnC: number; ll: number }[] = [];
  for (let lnC = lo; lnC <= hi; lnC += LN_STEP) grid.push({ lnC, ll: profile(points, lnC) });
  const peak = grid.reduce((x, y) => (y.ll > x.ll ? y : x));
  // The maximum can be a plateau (separated runs, k at its cap): its middle; else refined between its neighbours.
  const top = grid.filter((g) => g.ll >= peak.ll - 1e-9);
  const refined =
    top.length > 1
      ? { at: (top[0]!.lnC + top[top.length - 1]!.lnC) / 2, value: peak.ll }
      : goldenMax((lnC) => profile(points, lnC), peak.lnC - LN_STEP, peak.lnC + LN_STEP);
  const level = Math.max(peak.ll, refined.value) - HALF_CHI2_95;
  const firstIn = grid.findIndex((g) => g.ll >= level);
  const lastIn = grid.length - 1 - [...grid].reverse().findIndex((g) => g.ll >= level);
  const first = firstIn === 0 ? null : boundary(points, grid[firstIn]!.lnC, grid[firstIn - 1]!.lnC, level);
  const last =
    lastIn === grid.length - 1 ? null : boundary(points, grid[lastIn]!.lnC, grid[lastIn + 1]!.lnC, level);
  const tested = used.map((t) => t.rate);
  const round = (lnC: number) => Math.round(Math.exp(lnC));
  return {
    ratePerS: round(refined.at),
    lowPerS: first === null || round(first) < Math.min(...tested) ? null : round(first),
    highPerS: last === null || round(last) > Math.max(...tested) ? null : round(last),
    runs: used.reduce((n, t) => n + t.runs, 0),
    rates: used.length,
    testedPerS: { min: Math.min(...tested), max: Math.max(...tested) },
  };
}

/** `8498 [6865–10988]`, with `<` or `>` the lowest or highest tested rate where the interval reaches past it. */
export function fitText(f: CrossingFit): string {
  const low = f.lowPerS ?? `<${f.testedPerS.min}`;
  const high = f.highPerS ?? `>${f.testedPerS.max}`;
  return `${f.ratePerS} [${low}–${high}]`;
}

/** Whether two fits' intervals overlap (an open end reaches as far as it may). */
export function fitsOverlap(a: CrossingFit, b: CrossingFit): boolean {
  const lo = Math.max(a.lowPerS ?? 0, b.lowPerS ?? 0);
  const hi = Math.min(a.highPerS ?? Number.POSITIVE_INFINITY, b.highPerS ?? Number.POSITIVE_INFINITY);
  return lo <= hi;
}
