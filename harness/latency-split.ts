/**
 * Where an output's latency went, from four stamps: the generator's intended send time `t`, the engine source's
 * read time `r`, its sink's write time `w` and the collector's read time. Input = r − t (generator, Kafka, the
 * source's fetch), processing = w − r, delivery = read − w (the produce, a transaction's commit, the collector's
 * fetch). The stamps come from up to four processes: where their clocks disagree, a part falls below zero and the
 * part before it is inflated by as much, so such an output's parts are counted, never clamped into the figures.
 */
import { createLatencyHistogram, type Histogram, recordUs, summarizeMs } from './latency.ts';

/**
 * How far below zero a part may fall before it counts as a disagreement of clocks. Every process, the JVMs too,
 * stamps µs on one clock calibrated to a few µs (core/clock.ts); the margin is kept wide so that only a real
 * disagreement (a process on another clock) counts.
 */
const RESOLUTION_US = 2_000;

/** More than this share of outputs with a part below zero, and no part is reported. */
const UNKNOWN_ABOVE = 1 / 1000;

/** One part's figures, ms. */
export type LatencyPart = { p50: number; p99: number; max: number };
type Part = LatencyPart;

/** summary.json's fields for the split (RunSummary's, declared here: summary.ts imports the collector). */
export interface SplitFields {
  inputLatencyMs?: Part;
  processingLatencyMs?: Part;
  deliveryLatencyMs?: Part;
  latencySplitUnknown?: string;
}

export interface LatencySplit {
  /** One output's stamps, µs since the epoch; an output without the engine's stamps (NaN) has no split. */
  record(t: number, r: number, w: number, readUs: number): void;
  /** Outputs left out because a part was below zero, and the largest such gap (ms). */
  disagreement(): { outputs: number; worstMs: number };
  /**
   * summary.json's three parts, or why they are absent: when more than 1 in 1000 outputs had a part below zero the
   * processes' clocks disagree and no part can be trusted. Fewer are left out, and a note in `notes` says how many.
   */
  fields(notes: string[]): SplitFields;
}

export function createLatencySplit(): LatencySplit {
  const input = createLatencyHistogram();
  const processing = createLatencyHistogram();
  const delivery = createLatencyHistogram();
  let apart = 0;
  let worstUs = 0;
  /** Which part fell below zero, per output left out (it says which two stamps disagree). */
  const below = { input: 0, processing: 0, delivery: 0 };
  const part = (h: Histogram) => {
    const { p50, p99, max } = summarizeMs(h);
    return { p50, p99, max };
  };
  return {
    record(t, r, w, readUs) {
      const inputUs = r - t;
      const processingUs = w - r;
      const deliveryUs = readUs - w;
      const lowest = Math.min(inputUs, processingUs, deliveryUs);
      if (Number.isNaN(lowest)) return;
      if (lowest < -RESOLUTION_US) {
        apart++;
        worstUs = Math.max(worstUs, -lowest);
        if (inputUs < -RESOLUTION_US) below.input++;
        if (processingUs < -RESOLUTION_US) below.processing++;
        if (deliveryUs < -RESOLUTION_US) below.delivery++;
        return;
      }
      recordUs(input, inputUs);
      recordUs(processing, processingUs);
      recordUs(delivery, deliveryUs);
    },
    disagreement: () => ({ outputs: apart, worstMs: Math.round(worstUs) / 1000 }),
    fields(notes) {
      const split = processing.totalCount;
      const parts = Object.entries(below)
        .filter(([, n]) => n > 0)
        .map(([name, n]) => `${name} ${n}`)
        .join(', ');
      const gap = `${apart} of ${apart + split} outputs had a part below zero (${parts}), by up to ${(worstUs / 1000).toFixed(1)} ms`;
      if (apart > (apart + split) * UNKNOWN_ABOVE)
        return {
          latencySplitUnknown: `the processes' clocks disagree: ${gap} (a process off faultline's clock? each must stamp the machine's monotonic clock + FAULTLINE_CLOCK_OFFSET_US)`,
        };
      if (apart > 0) notes.push(`latency split: ${gap} (clocks apart), left out of it`);
      if (split === 0) return {};
      return {
        inputLatencyMs: part(input),
        processingLatencyMs: part(processing),
        deliveryLatencyMs: part(delivery),
      };
    },
  };
}
