/**
 * The collector: reads the output topic with read_committed (so uncommitted transactional output is never
 * counted), hands every delivery to the checker, and records end-to-end latency = read time − intended send
 * time (µs) into HdrHistograms: `total` after warm-up for the summary, one interval histogram per second for
 * `latency.hlog` and `timeseries.csv`. Its three parts go to histograms of their own, to show where latency
 * goes: input (source read − intended send: generator, Kafka, the source's fetch), processing (sink write −
 * source read) and delivery (read − sink write: the produce, a transaction's commit, the collector's fetch);
 * latency-split.ts says what becomes of an output whose stamps, from different processes, disagree.
 *
 * The intended send time comes from the generator's own schedule (`intendedUs`), never from the engine: an
 * engine that re-stamps `t` on replay would otherwise hide its latency. An output whose echoed `t` disagrees
 * with the schedule, or whose id the schedule never had, goes to `onUntrusted` (the checker counts it as
 * unexpected) and not into latency.
 *
 * The collector must outlive the faults it watches. A Kafka restart can kill its kafkajs consumer for good (a
 * non-retriable crash, e.g. "Failed to find group coordinator") or leave it restarting forever; a dead collector
 * would read as loss and as a quiet drain (soak seed 29, session 9). So it watches its consumer: a crash that kafkajs
 * will not restart, or no fetch for `stallMs`, and it replaces the consumer with a new one, in a group of its own
 * (the old one may not have left its group), seeking to where the old one stopped. Records below the next offset
 * of their partition are skipped, so a re-read is never counted as a duplicate. Each crash,
 * replacement and return to reading is reported (`onIncident`, the run's events), and `reading()` says whether the
 * consumer fetched lately: the drain is not quiet while it does not.
 */

import type { Consumer, EachBatchPayload, Kafka, KafkaConfig } from '../clients/kafka.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import type { OutputRecord } from '../core/types.ts';
import { IdSet } from './id-set.ts';
import { createLatencyHistogram, type Histogram, recordUs } from './latency.ts';
import { createLatencySplit, type LatencySplit } from './latency-split.ts';

export interface SecondRow {
  /** Seconds since run start (the bucket [second, second + 1)). */
  second: number;
  outputs: number;
  /** Outputs that were the first trusted delivery of their id (and branch): what the engine newly delivered. */
  firstDeliveries: number;
  /**
   * Events sent in this second that Kafka acknowledged to the generator (0 when the collector is not told);
   * final once the last of them was acknowledged, a few ms after the second closed.
   */
  produced: number;
  p50Us: number | null;
  p99Us: number | null;
  maxUs: number | null;
}

export interface CollectorOptions {
  /**
   * A Kafka client of the collector's own, made with `extra` (its retries: a replacement consumer connects
   * through the client's, not the consumer's, and kafkajs' default spaces them up to 30 s apart).
   */
  kafka: (extra: Pick<KafkaConfig, 'retry'>) => Kafka;
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
  /**
   * Events produced in a second (sent then, acknowledged since), read when `rows()` is called: acks of a
   * second's last requests arrive after it closed.
   */
  producedIn?: (second: number) => number;
  /** A crash of the consumer, its replacement, its return to reading: for the run's events. */
  onIncident?: (incident: CollectorIncident) => void;
  /** No fetch for this long (ms) and the consumer is replaced (default 5 s). */
  stallMs?: number;
  clock?: Clock;
}

export type CollectorIncident =
  | { type: 'collector.crashed'; atUs: number; error: string; kafkaRestarts: boolean }
  | { type: 'collector.replaced'; atUs: number; why: string }
  | { type: 'collector.reading'; atUs: number; gapMs: number };

/** summary.json `collector`: what the harness's reader went through . */
export interface CollectorHealth {
  crashes: number;
  replacements: number;
  /** Time it did not read, ms (a gap still open at the end counts up to then). */
  notReadingMs: number;
  /** Whether it read again after its last incident. */
  readAgain: boolean;
}

/** How long without a fetch before the consumer counts as stalled and is replaced. */
export const COLLECTOR_STALL_MS = 5_000;
/**
 * The consumer's retries, and its client's (connecting, finding the coordinator): at most 1 s apart, so it reads
 * again within about a second of the broker's return. The kafkajs default (5 retries up to 30 s apart, then a
 * crash) left it blind for 1–5 s after a Kafka restart; the harness client's (8 retries from 100 ms, doubling)
 * left a replacement blind up to 3.1 s (soak of 37b6f65: 18 of 68 recoveries unknown).
 */
export const COLLECTOR_RETRY = { initialRetryTime: 100, maxRetryTime: 1000, retries: 30 };
/** A consumer that fetched within this long is reading (idle, it fetches every 50 ms). */
const READING_MS = 1_000;

export interface Collector {
  /** Resolves once the consumer joined its group and is fetching. */
  start(): Promise<void>;
  /** Stops consuming and closes the current second. */
  stop(): Promise<void>;
  total: Histogram;
  /** The three parts of the latency after warm-up (input, processing, delivery). */
  split: LatencySplit;
  delivered(): number;
  /** Rows closed so far. */
  rows(): readonly SecondRow[];
  /** Read time (µs since the epoch) of the first output of each second that had one: sub-second recovery. */
  firstReadsUs(): readonly number[];
  malformed(): number;
  /** Whether the consumer fetched within the last second: false while it is down or being replaced. */
  reading(): boolean;
  /** Crashes and replacements of the consumer so far (their details went to `onIncident`). */
  incidents(): readonly CollectorIncident[];
  /** When the consumer was not reading, µs since the epoch; `toUs` null for a gap still open. */
  gapsUs(): { fromUs: number; toUs: number | null }[];
  /** Whether it read a trusted delivery of this id on this branch ('' on a chain). */
  read(branch: string, id: number): boolean;
  /** Its incidents in sum (summary.json `collector`); undefined without any. */
  health(): CollectorHealth | undefined;
}

export function createCollector(opts: CollectorOptions): Collector {
  const clock = opts.clock ?? systemClock;
  const total = createLatencyHistogram();
  const split = createLatencySplit();
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
  /** The consumer's generation: a batch from a replaced consumer is dropped (its records are read again). */
  let generation = 0;
  let stopped = false;
  /** Set from a replacement's start (its incident) to its end; `replacements` counts them all. */
  let replacing = false;
  let replacements = 0;
  /** Replaced consumers still disconnecting: stop() waits for them (bounded). */
  const retiring: Promise<unknown>[] = [];
  /** The replacement under way, if any: stop() waits for it, so no consumer outlives the collector. */
  let replacement: Promise<void> | undefined;
  let lastFetchUs = 0;
  /** Since when the consumer has not read (a crash or a stall), until it fetches again. */
  let downSinceUs: number | undefined;
  const incidents: CollectorIncident[] = [];
  /** Next offset to read, per partition: a record below it was read already (a re-read after a replacement). */
  const nextOffset = new Map<number, bigint>();
  const stallMs = opts.stallMs ?? COLLECTOR_STALL_MS;
  const kafka = opts.kafka({ retry: COLLECTOR_RETRY });
  const incident = (i: CollectorIncident) => {
    incidents.push(i);
    opts.onIncident?.(i);
  };

  const gapsUs = () => [
    ...incidents.flatMap((i) =>
      i.type === 'collector.reading'
        ? [{ fromUs: i.atUs - i.gapMs * 1000, toUs: i.atUs as number | null }]
        : [],
    ),
    ...(downSinceUs === undefined ? [] : [{ fromUs: downSinceUs, toUs: null }]),
  ];
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
    split,
    delivered: () => delivered,
    rows: () => {
      const producedIn = opts.producedIn;
      return producedIn ? rows.map((r) => ({ ...r, produced: producedIn(r.second) })) : rows;
    },
    firstReadsUs: () => firstReads,
    malformed: () => malformed,
    reading: () => !replacing && clock.nowUs() - lastFetchUs <= READING_MS * 1000,
    incidents: () => incidents,
    gapsUs,
    read: (branch, id) => seen.get(branch)?.has(id) ?? false,
    health() {
      if (incidents.length === 0) return undefined;
      const nowUs = clock.nowUs();
      const gaps = gapsUs();
      return {
        crashes: incidents.filter((i) => i.type === 'collector.crashed').length,
        replacements,
        notReadingMs: Math.round(gaps.reduce((a, g) => a + ((g.toUs ?? nowUs) - g.fromUs), 0) / 1000),
        readAgain: downSinceUs === undefined,
      };
    },
    async start() {
      // Before launch: kafkajs reports a crash while joining (e.g. "The coordinator is loading") as an event, and
      // a gap runs from the last fetch.
      lastFetchUs = clock.nowUs();
      const joined = await launch();
      ticker = setInterval(() => {
        const nowUs = clock.nowUs();
        closeUpTo(secondOf(nowUs));
        if (!replacing && !stopped && nowUs - lastFetchUs > stallMs * 1000)
          replace(`no fetch for ${Math.round((nowUs - lastFetchUs) / 1000)} ms`);
      }, 250);
      await joined;
    },
    async stop() {
      stopped = true;
      if (ticker) clearInterval(ticker);
      await replacement;
      await consumer?.disconnect();
      await Promise.race([Promise.all(retiring), clock.sleep(5000)]);
      closeUpTo(secondOf(clock.nowUs()) + 1);
    },
  };

  /** A consumer of this generation, connected, subscribed and running; resolves to "it joined its group". */
  async function launch(): Promise<Promise<void>> {
    const gen = ++generation;
    // A replacement joins a group of its own: a replaced consumer that has not left yet cannot take its partitions.
    const groupId = replacements === 0 ? opts.groupId : `${opts.groupId}-r${replacements}`;
    const c = kafka.consumer({
      groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 50,
      retry: COLLECTOR_RETRY,
    });
    consumer = c;
    const joined = new Promise<void>((resolve) => c.on(c.events.GROUP_JOIN, () => resolve()));
    c.on(c.events.FETCH, () => {
      if (gen !== generation) return;
      const nowUs = clock.nowUs();
      lastFetchUs = nowUs;
      if (downSinceUs !== undefined) {
        incident({ type: 'collector.reading', atUs: nowUs, gapMs: Math.round((nowUs - downSinceUs) / 1000) });
        downSinceUs = undefined;
      }
    });
    c.on(c.events.CRASH, ({ payload }) => {
      if (gen !== generation || stopped) return;
      const atUs = clock.nowUs();
      downSinceUs ??= lastFetchUs; // it stopped reading after its last fetch
      incident({
        type: 'collector.crashed',
        atUs,
        error: payload.error.message,
        kafkaRestarts: payload.restart,
      });
      // kafkajs restarts a consumer after a retriable crash (the stall watch catches a restart that hangs).
      if (!payload.restart) replace(`crashed: ${payload.error.message}`);
    });
    try {
      await c.connect();
      await c.subscribe({ topic: opts.topic, fromBeginning: true });
      // No commits: nothing reads the collector's offsets (a replacement seeks to nextOffset in a group of its
      // own). kafkajs' autoCommit commits after every batch, and at a low rate every batch is a record or two: in a
      // harness-pipe run at 250/s the broker served 3570 OffsetCommits beside 4885 produces and 2628 fetches, and
      // at 33000/s they were its busiest request (2939, beside 1651 produces and 1562 fetches).
      await c.run({
        autoCommit: false,
        eachBatch: (payload) => (gen === generation ? readBatch(payload) : Promise.resolve()),
      });
      // It starts where its predecessor stopped (from the beginning where it read nothing).
      for (const [partition, offset] of nextOffset)
        c.seek({ topic: opts.topic, partition, offset: String(offset) });
    } catch (e) {
      await c.disconnect().catch(() => undefined); // a half-started consumer must not hold partitions
      throw e;
    }
    return joined;
  }

  /** Replaces the consumer: the old one is disconnected (bounded), a new one launched until one starts. */
  function replace(why: string): void {
    if (replacing || stopped) return;
    replacing = true;
    replacement = replaceNow(why).finally(() => {
      replacing = false;
      replacement = undefined;
    });
  }

  async function replaceNow(why: string): Promise<void> {
    const atUs = clock.nowUs();
    downSinceUs ??= lastFetchUs;
    incident({ type: 'collector.replaced', atUs, why });
    replacements++;
    generation++; // the old consumer's batches and events are ignored from now on
    // The old consumer leaves in the background: the new one, in a group of its own, need not wait for it.
    const old = consumer;
    if (old) retiring.push(old.disconnect().catch(() => undefined));
    for (let attempt = 0; !stopped; attempt++) {
      try {
        await launch();
        break;
      } catch {
        await clock.sleep(Math.min(250 * 2 ** attempt, COLLECTOR_RETRY.maxRetryTime));
      }
    }
    lastFetchUs = Math.max(lastFetchUs, clock.nowUs()); // the stall watch starts over from here
  }

  /** A fetched batch: the records not read before, then its offset resolved (kafkajs fetches on from there). */
  async function readBatch({ batch, resolveOffset }: EachBatchPayload): Promise<void> {
    const readUs = clock.nowUs();
    const second = secondOf(readUs);
    closeUpTo(second);
    const from = nextOffset.get(batch.partition) ?? 0n;
    const fresh = batch.messages.filter((m) => BigInt(m.offset) >= from);
    if (second > firstReadSecond && fresh.length > 0) {
      firstReads.push(readUs);
      firstReadSecond = second;
    }
    for (const m of fresh) read(m.value, readUs);
    const last = batch.messages.at(-1)?.offset;
    if (last !== undefined && BigInt(last) >= from) nextOffset.set(batch.partition, BigInt(last) + 1n);
    resolveOffset(last ?? batch.highWatermark);
  }

  /** One output message: trusted or not, into the checker; trusted ones into latency. */
  function read(value: Buffer | null, readUs: number): void {
    let out: OutputRecord;
    try {
      out = JSON.parse(value?.toString('utf8') ?? '') as OutputRecord;
    } catch {
      malformed++;
      return;
    }
    delivered++;
    const branch = out.branch === undefined ? undefined : String(out.branch);
    const t = Number.isInteger(out.id) ? opts.intendedUs(out.id) : null;
    if (t === null) {
      opts.onUntrusted(out.id, 'never produced', branch);
      return;
    }
    if (out.t !== t) {
      opts.onUntrusted(out.id, `echoed intended send time ${out.t} µs, the schedule's is ${t} µs`, branch);
      return;
    }
    opts.observe(out.id, out.score, readUs, branch);
    const ids = seen.get(branch ?? '') ?? seen.set(branch ?? '', new IdSet()).get(branch ?? '')!;
    if (ids.add(out.id)) firstDeliveries++;
    const e2e = readUs - t;
    recordUs(interval, e2e);
    if (t >= opts.warmupEndUs) {
      recordUs(total, e2e);
      split.record(t, out.r, out.w, readUs);
    }
  }
}

/**
 * The run's note on its collector's incidents, or undefined when it had none: how often its consumer crashed and
 * was replaced, how long it did not read, and whether it read again (what it read late has late read times).
 */
export function collectorIncidentsNote(
  incidents: readonly CollectorIncident[],
  runStartUs: number,
): string | undefined {
  if (incidents.length === 0) return undefined;
  const at = (us: number) => `${((us - runStartUs) / 1e6).toFixed(1)} s`;
  const crashes = incidents.filter((i) => i.type === 'collector.crashed');
  const replaced = incidents.filter((i) => i.type === 'collector.replaced');
  const gaps = incidents.filter((i) => i.type === 'collector.reading');
  const first = incidents[0]!;
  const what = [
    crashes.length > 0 ? `crashed ${crashes.length}×` : undefined,
    replaced.length > 0 ? `was replaced ${replaced.length}×` : undefined,
  ]
    .filter(Boolean)
    .join(' and ');
  const firstWhy =
    first.type === 'collector.crashed' ? first.error : first.type === 'collector.replaced' ? first.why : '';
  const gapMs = gaps.reduce((a, g) => a + g.gapMs, 0);
  const end =
    incidents.at(-1)!.type === 'collector.reading'
      ? `it did not read for ${(gapMs / 1000).toFixed(1)} s in all and then read on from where it stopped: what ` +
        'was written meanwhile was read late (its latency includes the gap; a recovery the gap could distort, ' +
        "beyond Kafka's own outage, is given as unknown)"
      : 'it had not read again when the run ended: outputs it did not read count as lost, the verdict cannot rest on them';
  return `the collector's Kafka consumer ${what || 'had incidents'} (first at ${at(first.atUs)}: ${firstWhy}); ${end}`;
}
