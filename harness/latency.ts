/**
 * Latency instruments: HdrHistogram everywhere (integer microseconds), merged and never averaged.
 *
 * - `total` holds end-to-end latency after warm-up (the summary's percentiles).
 * - Every second an interval histogram goes to `latency.hlog` in the standard HdrHistogram log format
 *   (readable by the Java HistogramLogProcessor), and a row to `timeseries.csv`.
 * End-to-end latency is measured from the event's intended send time, so coordinated omission cannot hide a
 * stall; there is deliberately no expected-interval correction on top of that.
 */
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** 1 µs .. 1 hour at 3 significant digits. */
export function createLatencyHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  p9999: number;
  max: number;
  mean: number;
}

/** Percentiles in milliseconds (3 decimals) from a µs histogram; zeros when empty. */
export function summarizeMs(h: Histogram): LatencySummary {
  const ms = (us: number) => Math.round(us) / 1000;
  if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, p9999: 0, max: 0, mean: 0 };
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    p9999: ms(h.getValueAtPercentile(99.99)),
    max: ms(h.maxValue),
    mean: Math.round(h.mean) / 1000,
  };
}

export function recordUs(h: Histogram, us: number): void {
  // Clock skew between processes can make a tiny latency negative: clamp to 1 µs rather than drop it.
  h.recordValue(Math.max(1, Math.round(us)));
}

/** Writes interval histograms in the HdrHistogram log format through `write`. */
export function createHlogWriter(write: (text: string) => void, startMs: number) {
  const writer = new hdr.HistogramLogWriter(write);
  writer.outputComment('faultline end-to-end latency, microseconds, 1 s intervals');
  writer.outputLogFormatVersion();
  writer.outputStartTime(startMs);
  writer.baseTime = startMs;
  writer.outputLegend();
  return {
    /** `fromS`/`toS` are seconds since `startMs`. */
    interval(h: Histogram, fromS: number, toS: number) {
      h.startTimeStampMsec = startMs + fromS * 1000;
      h.endTimeStampMsec = startMs + toS * 1000;
      writer.outputIntervalHistogram(h, fromS, toS, 1);
    },
  };
}

/** Reads an hlog back into one merged histogram (report, compare, tests). */
export function readHlog(text: string): { total: Histogram; intervals: number } {
  const reader = new hdr.HistogramLogReader(text, 64);
  const total = createLatencyHistogram();
  let intervals = 0;
  for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
    total.add(h);
    intervals++;
  }
  return { total, intervals };
}
