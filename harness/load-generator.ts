/**
 * The load generator: produces the workload's events to the input topic on an open-loop schedule. Each event
 * carries its id and its *intended* send time; the generator measures how far behind the schedule it hands
 * events to Kafka (its own lag, reported, never hidden) and records which ids Kafka acknowledged.
 *
 * Sends are sequential (one request in flight, idempotent producer), so each key's events land in its
 * partition in id order: the order the reference scorer folds. While a send is in flight, due events queue up
 * and go in the next batch; the schedule never waits for the system under test.
 *
 * A due event waits up to GENERATOR_LINGER_MS for the events due after it, and they go in one request (the
 * Java producer's linger.ms, 5 ms by default since Kafka 4.0). Without it a send was issued the moment the last
 * one returned, carrying the 2–5 events due in that round trip: at 32000 events/s the harness alone (harness-pipe,
 * generator → Kafka → collector) made ~8000 produce requests/s and kept the machine 75 % busy (harness 1.04
 * cores, its thread saturated; Kafka 0.44); with 1 ms, 44 % (harness 0.70, Kafka 0.20), input p50 +0.8 ms. The
 * wait is in every latency figure (latency counts from the intended send time), never hidden.
 */

import type { Kafka, Producer } from '../clients/kafka.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import type { InputRecord, OutputRecord } from '../core/types.ts';
import type { EventSource } from '../core/workload.ts';
import { createLatencyHistogram, type Histogram, recordUs } from './latency.ts';
import type { Schedule } from './schedule.ts';

export interface LoadGeneratorOptions {
  kafka: Kafka;
  topic: string;
  source: EventSource<unknown>;
  schedule: Schedule;
  /** Schedule start, µs since the epoch. */
  startUs: number;
  /**
   * Called with [from, to) after Kafka acknowledged those ids, at `atUs`; `sentUs` is when their request was
   * handed to the client (both µs since the epoch). No consumer can read an id before `sentUs`.
   */
  onAcked: (from: number, to: number, atUs: number, sentUs: number) => void;
  /** Called with [from, to) when a send failed for good (outcome unknown: the ids may or may not be in Kafka). */
  onFailed?: (from: number, to: number, error: Error) => void;
  clock?: Clock;
  maxBatch?: number;
  /** How long the oldest due event may wait for others to share its request (default GENERATOR_LINGER_MS). */
  lingerMs?: number;
  /**
   * Write output-shaped records (`{id, key, t, score: 0, r, w, body}` with r = w = the handoff) instead of input
   * records: the bench's harness-only pipe, where the generator writes straight to the output topic.
   */
  outputShaped?: boolean;
}

export interface LoadGeneratorStats {
  attempted: number;
  acked: number;
  failed: number;
  /** Handoff time − intended time, µs. */
  lag: Histogram;
}

export interface LoadGenerator {
  /** Resolves when every scheduled event was handed to Kafka (acknowledged or failed). */
  run(): Promise<LoadGeneratorStats>;
  /** Stops early (the events not yet sent are never attempted). */
  stop(): void;
  stats(): LoadGeneratorStats;
}

/** The generator's linger (ms): see the header. */
export const GENERATOR_LINGER_MS = 1;

/**
 * Events per request at most. kafkajs groups a request's messages by partition copying the group's array for
 * every message (groupMessagesPerPartition.js: `[...current, message]`), quadratic in the request's size: with
 * 5000 a generator that fell behind once sent ever larger, ever slower requests and never caught up (64000/s:
 * its thread 98 % busy, 15 % of it in that function, p50 435 ms). 500 bounds that cost to a fraction of a
 * millisecond per request and still carries 100000+ events/s at a few ms per round trip.
 */
export const GENERATOR_MAX_BATCH = 500;

export function createLoadGenerator(opts: LoadGeneratorOptions): LoadGenerator {
  const clock = opts.clock ?? systemClock;
  const maxBatch = opts.maxBatch ?? GENERATOR_MAX_BATCH;
  const lingerUs = (opts.lingerMs ?? GENERATOR_LINGER_MS) * 1000;
  const lag = createLatencyHistogram();
  let next = 0;
  let acked = 0;
  let failed = 0;
  let stopped = false;
  const stats = (): LoadGeneratorStats => ({ attempted: next, acked, failed, lag });

  async function run(): Promise<LoadGeneratorStats> {
    const producer: Producer = opts.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    try {
      const { schedule, startUs } = opts;
      while (next < schedule.count && !stopped) {
        const now = clock.nowUs();
        const dueUs = startUs + schedule.offsetUs(next);
        if (dueUs > now) {
          await clock.sleep(Math.max(1, Math.min(50, (dueUs - now) / 1000)));
          continue;
        }
        // The oldest due event waits up to the linger for others to share its request (Kafka's linger.ms).
        if (lingerUs > 0 && now - dueUs < lingerUs) {
          await clock.sleep(Math.max(1, (dueUs + lingerUs - now) / 1000));
          continue;
        }
        const from = next;
        const messages: { key: string; value: string }[] = [];
        while (next < schedule.count && messages.length < maxBatch) {
          const t = Math.round(startUs + schedule.offsetUs(next));
          if (t > now) break;
          const { key, body } = opts.source.event(next);
          // Output-shaped, the input's body kept: the generator produces the same bytes as for an engine, and the
          // collector parses more than an engine's output, so the harness pipe's limit errs low, never high.
          const record = opts.outputShaped
            ? { ...({ id: next, key, t, score: 0, r: now, w: now } satisfies OutputRecord), body }
            : ({ id: next, key, t, body } satisfies InputRecord);
          messages.push({ key, value: JSON.stringify(record) });
          recordUs(lag, now - t);
          next++;
        }
        const sentUs = clock.nowUs();
        try {
          await producer.send({ topic: opts.topic, messages, acks: -1 });
          acked += next - from;
          opts.onAcked(from, next, clock.nowUs(), sentUs);
        } catch (e) {
          failed += next - from;
          opts.onFailed?.(from, next, e as Error);
        }
      }
    } finally {
      await producer.disconnect().catch(() => {});
    }
    return stats();
  }

  return {
    run,
    stop: () => {
      stopped = true;
    },
    stats,
  };
}
