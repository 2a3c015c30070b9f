/**
 * The collector: reads the output topic with read_committed (so uncommitted transactional output is never
 * counted), hands every delivery to the checker, and records end-to-end latency = read time − intended send
 * time (µs) into HdrHistograms: `total` after warm-up for the summary, one interval histogram per second for
 * `latency.hlog` and `timeseries.csv`. Its three parts go to histograms of their own, to show where latency
 * goes: input (source read − intended send: generator, Kafka, the source's fetch), processing (sink write −
 * source read) and delivery (read − sink write: the produce, a transaction's commit, the collector's fetch).
 */

import type { Consumer, Kafka } from '../clients/kafka.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import type { OutputRecord } from '../core/types.ts';
import { createLatencyHistogram, type Histogram, recordUs } from './latency.ts';

export interface SecondRow {
  /** Seconds since run start (the bucket [second, second + 1)). */
  second: number;
  outputs: number;
  p50Us: number | null;
  p99Us: number | null;
  maxUs: number | null;
}

export interface CollectorOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  /** Run start, µs since the epoch: second 0 of the time series. */
  runStartUs: number;
  /** Outputs of events intended before this (µs) are warm-up: checked, but not in `total`. */
  warmupEndUs: number;
  observe: (id: number, score: number) => void;
  /** Each closed second: its row and its interval histogram (for the hlog). */
  onSecond: (row: SecondRow, interval: Histogram) => void;
  clock?: Clock;
}

export interface Collector {
  /** Resolves once the consumer joined its group and is fetching. */
  start(): Promise<void>;
  /** Stops consuming and closes the current second. */
  stop(): Promise<void>;
  total: Histogram;
  input: Histogram;
  processing: Histogram;
  delivery: Histogram;
  delivered(): number;
  /** Rows closed so far. */
  rows(): readonly SecondRow[];
  malformed(): number;
}

export function createCollector(opts: CollectorOptions): Collector {
  const clock = opts.clock ?? systemClock;
  const total = createLatencyHistogram();
  const input = createLatencyHistogram();
  const processing = createLatencyHistogram();
  const delivery = createLatencyHistogram();
  const rows: SecondRow[] = [];
  let interval = createLatencyHistogram();
  let currentSecond = 0;
  let delivered = 0;
  let malformed = 0;
  let consumer: Consumer | undefined;
  let ticker: NodeJS.Timeout | undefined;

  const closeUpTo = (second: number) => {
    while (currentSecond < second) {
      const h = interval;
      const empty = h.totalCount === 0;
      const row: SecondRow = {
        second: currentSecond,
        outputs: h.totalCount,
        p50Us: empty ? null : h.getValueAtPercentile(50),
        p99Us: empty ? null : h.getValueAtPercentile(99),
        maxUs: empty ? null : h.maxValue,
      };
      rows.push(row);
      opts.onSecond(row, h);
      interval = createLatencyHistogram();
      currentSecond++;
    }
  };
  const secondOf = (us: number) => Math.max(0, Math.floor((us - opts.runStartUs) / 1e6));

  return {
    total,
    input,
    processing,
    delivery,
    delivered: () => delivered,
    rows: () => rows,
    malformed: () => malformed,
    async start() {
      consumer = opts.kafka.consumer({ groupId: opts.groupId, readUncommitted: false, maxWaitTimeInMs: 50 });
      await consumer.connect();
      await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
      const joined = new Promise<void>((resolve) =>
        consumer!.on(consumer!.events.GROUP_JOIN, () => resolve()),
      );
      await consumer.run({
        eachBatch: async ({ batch, resolveOffset }) => {
          const readUs = clock.nowUs();
          closeUpTo(secondOf(readUs));
          for (const m of batch.messages) {
            let out: OutputRecord;
            try {
              out = JSON.parse(m.value?.toString('utf8') ?? '') as OutputRecord;
            } catch {
              malformed++;
              continue;
            }
            delivered++;
            opts.observe(out.id, out.score);
            const e2e = readUs - out.t;
            recordUs(interval, e2e);
            if (out.t >= opts.warmupEndUs) {
              recordUs(total, e2e);
              if (out.r >= out.t) recordUs(input, out.r - out.t);
              if (out.w >= out.r) recordUs(processing, out.w - out.r);
              if (readUs >= out.w) recordUs(delivery, readUs - out.w);
            }
          }
          resolveOffset(batch.messages.at(-1)?.offset ?? batch.highWatermark);
        },
      });
      ticker = setInterval(() => closeUpTo(secondOf(clock.nowUs())), 250);
      await joined;
    },
    async stop() {
      if (ticker) clearInterval(ticker);
      await consumer?.disconnect();
      closeUpTo(secondOf(clock.nowUs()) + 1);
    },
  };
}
