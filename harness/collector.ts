/**
 * The collector: reads the output topic with read_committed (so uncommitted transactional output is never
 * counted), hands every delivery to the checker, and records end-to-end latency = read time − intended send
 * time (µs) into HdrHistograms: `total` after warm-up for the summary, one interval histogram per second for
 * `latency.hlog` and `timeseries.csv`. Its three parts go to histograms of their own, to show where latency
 * goes: input (source read − intended send: generator, Kafka, the source's fetch), processing (sink write −
 * source read) and delivery (read − sink write: the produce, a transaction's commit, the collector's fetch).
 *
 * The intended send time comes from the generator's own schedule (`intendedUs`), never from the engine: an
 * engine that re-stamps `t` on replay would otherwise hide its latency. An output whose echoed `t` disagrees
 * with the schedule, or whose id the schedule never had, goes to `onUntrusted` (the checker counts it as
 * unexpected) and not into latency.
 */

import type { Consumer, Kafka } from '../clients/kafka.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import type { OutputRecord } from '../core/types.ts';
import { IdSet } from './id-set.ts';
import { createLatencyHistogram, type Histogram, recordUs } from './latency.ts';

export interface SecondRow {
  /** Seconds since run start (the bucket [second, second + 1)). */
  second: number;
  outputs: number;
  /** Outputs that were the first trusted delivery of their id (and branch): what the engine newly delivered. */
  firstDeliveries: number;
  /** Events Kafka acknowledged to the generator in this second (0 when the collector is not told). */
  produced: number;
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
  /** A trusted output: its id, score, read time (µs since the epoch) and the branch it names (fan-out). */
  observe: (id: number, score: number, readUs: number, branch: string | undefined) => void;
  /** Intended send time (µs since the epoch) of an id of the schedule; null for an id it never had. */
  intendedUs: (id: number) => number | null;
  /** An output that is no trusted delivery of its id; `why` says what was wrong. */
  onUntrusted: (id: number, why: string, branch: string | undefined) => void;
  /** Each closed second: its row and its interval histogram (for the hlog). */
  onSecond: (row: SecondRow, interval: Histogram) => void;
  /** Events acknowledged to the generator in a second, read when that second closes (its acks are all in). */
  producedIn?: (second: number) => number;
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
  /** Read time (µs since the epoch) of the first output of each second that had one: sub-second recovery. */
  firstReadsUs(): readonly number[];
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
  const firstReads: number[] = [];
  let firstReadSecond = -1;
  let delivered = 0;
  let malformed = 0;
  /** Trusted deliveries seen so far, per branch ('' on a chain): a repeat is no new delivery. */
  const seen = new Map<string, IdSet>();
  let firstDeliveries = 0;
  let consumer: Consumer | undefined;
  let ticker: NodeJS.Timeout | undefined;

  const closeUpTo = (second: number) => {
    while (currentSecond < second) {
      const h = interval;
      const empty = h.totalCount === 0;
      const row: SecondRow = {
        second: currentSecond,
        outputs: h.totalCount,
        firstDeliveries,
        produced: opts.producedIn?.(currentSecond) ?? 0,
        p50Us: empty ? null : h.getValueAtPercentile(50),
        p99Us: empty ? null : h.getValueAtPercentile(99),
        maxUs: empty ? null : h.maxValue,
      };
      rows.push(row);
      opts.onSecond(row, h);
      interval = createLatencyHistogram();
      firstDeliveries = 0;
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
    firstReadsUs: () => firstReads,
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
          const second = secondOf(readUs);
          closeUpTo(second);
          if (second > firstReadSecond && batch.messages.length > 0) {
            firstReads.push(readUs);
            firstReadSecond = second;
          }
          for (const m of batch.messages) {
            let out: OutputRecord;
            try {
              out = JSON.parse(m.value?.toString('utf8') ?? '') as OutputRecord;
            } catch {
              malformed++;
              continue;
            }
            delivered++;
            const branch = out.branch === undefined ? undefined : String(out.branch);
            const t = Number.isInteger(out.id) ? opts.intendedUs(out.id) : null;
            if (t === null) {
              opts.onUntrusted(out.id, 'never produced', branch);
              continue;
            }
            if (out.t !== t) {
              opts.onUntrusted(
                out.id,
                `echoed intended send time ${out.t} µs, the schedule's is ${t} µs`,
                branch,
              );
              continue;
            }
            opts.observe(out.id, out.score, readUs, branch);
            const ids = seen.get(branch ?? '') ?? seen.set(branch ?? '', new IdSet()).get(branch ?? '')!;
            if (ids.add(out.id)) firstDeliveries++;
            const e2e = readUs - t;
            recordUs(interval, e2e);
            if (t >= opts.warmupEndUs) {
              recordUs(total, e2e);
              if (out.r >= t) recordUs(input, out.r - t);
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
