/**
 * Sustainable throughput (ARCHITECTURE.md): the highest rate at which latency and consumer lag stay bounded,
 * i.e. show no upward trend after warm-up. A step at a rate is judged from its own per-second time series.
 */
import type { SecondRow } from './collector.ts';

export interface StepJudgement {
  sustainable: boolean;
  /** Mean outputs per second over the measured seconds. */
  meanPerS: number;
  /** Median p50 latency (ms) in the first and the last quarter of the measured seconds. */
  earlyP50Ms: number | null;
  lateP50Ms: number | null;
  reason: string;
}

/**
 * A rate is sustainable when the outputs keep up (mean ≥ 95 % of the target over the measured seconds) and
 * latency does not trend upward: the median p50 of the last quarter is at most twice that of the first
 * quarter plus 20 ms of slack (a queue that grows makes latency grow without bound; noise does not double it).
 */
export function judgeStep(
  rows: readonly SecondRow[],
  targetRate: number,
  fromS: number,
  toS: number,
): StepJudgement {
  const measured: SecondRow[] = [];
  for (let s = fromS; s < toS; s++)
    measured.push(
      rows.find((r) => r.second === s) ?? { second: s, outputs: 0, p50Us: null, p99Us: null, maxUs: null },
    );
  const meanPerS = measured.reduce((a, r) => a + r.outputs, 0) / Math.max(1, measured.length);
  const quarter = Math.max(1, Math.floor(measured.length / 4));
  // The upper middle value (not core/stats.ts median, which averages the two middle ones): kept as it was so
  // that bench verdicts do not move.
  const medianP50 = (part: typeof measured) => {
    const v = part
      .map((r) => r.p50Us)
      .filter((x): x is number => x !== null)
      .sort((a, b) => a - b);
    return v.length ? v[Math.floor(v.length / 2)]! / 1000 : null;
  };
  const earlyP50Ms = medianP50(measured.slice(0, quarter));
  const lateP50Ms = medianP50(measured.slice(-quarter));
  if (meanPerS < 0.95 * targetRate) {
    return {
      sustainable: false,
      meanPerS,
      earlyP50Ms,
      lateP50Ms,
      reason: `output ${meanPerS.toFixed(0)}/s < 95 % of ${targetRate}/s`,
    };
  }
  if (earlyP50Ms === null || lateP50Ms === null) {
    return { sustainable: false, meanPerS, earlyP50Ms, lateP50Ms, reason: 'no latency measured' };
  }
  if (lateP50Ms > 2 * earlyP50Ms + 20) {
    return {
      sustainable: false,
      meanPerS,
      earlyP50Ms,
      lateP50Ms,
      reason: `latency grows: p50 ${earlyP50Ms.toFixed(1)} → ${lateP50Ms.toFixed(1)} ms`,
    };
  }
  return { sustainable: true, meanPerS, earlyP50Ms, lateP50Ms, reason: 'bounded' };
}
