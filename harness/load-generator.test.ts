import { describe, expect, it } from 'vitest';
import type { Kafka } from '../clients/kafka.ts';
import type { Clock } from '../core/clock.ts';
import { createLoadGenerator, GENERATOR_LINGER_MS } from './load-generator.ts';
import { createSchedule } from './schedule.ts';

/** Virtual time: a sleep advances it; a send takes `sendUs`. */
function virtualClock(startUs: number): Clock & { advance(us: number): void } {
  let now = startUs;
  return {
    nowUs: () => now,
    nowMs: () => now / 1000,
    sleep: async (ms) => {
      now += ms * 1000;
    },
    advance: (us) => {
      now += us;
    },
  };
}

/** A producer that records each request (pure unit test: the real one is exercised by every run). */
function recordingKafka(clock: ReturnType<typeof virtualClock>, sendUs: number) {
  const requests: { atUs: number; ids: number[] }[] = [];
  const kafka = {
    producer: () => ({
      connect: async () => {},
      disconnect: async () => {},
      send: async ({ messages }: { messages: { value: string }[] }) => {
        requests.push({
          atUs: clock.nowUs(),
          ids: messages.map((m) => (JSON.parse(m.value) as { id: number }).id),
        });
        clock.advance(sendUs);
      },
    }),
  } as unknown as Kafka;
  return { kafka, requests };
}

async function generate(rate: number, lingerMs: number | undefined, sendUs: number) {
  const startUs = 1_000_000;
  const clock = virtualClock(startUs);
  const { kafka, requests } = recordingKafka(clock, sendUs);
  const schedule = createSchedule({ rate, durationS: 1 });
  const acked: number[] = [];
  const acks: { from: number; to: number; atUs: number; sentUs: number }[] = [];
  const stats = await createLoadGenerator({
    kafka,
    topic: 'in',
    source: { event: (id) => ({ key: `k${id % 7}`, body: { v: id } }) },
    schedule,
    startUs,
    clock,
    onAcked: (from, to, atUs, sentUs) => {
      for (let id = from; id < to; id++) acked.push(id);
      acks.push({ from, to, atUs, sentUs });
    },
    ...(lingerMs === undefined ? {} : { lingerMs }),
  }).run();
  return { requests, acked, acks, stats, dueUs: (id: number) => startUs + schedule.offsetUs(id) };
}

describe('load generator', () => {
  it('sends every event once, in id order, and Kafka acknowledges them all', async () => {
    const { requests, acked, stats } = await generate(10_000, undefined, 300);
    const sent = requests.flatMap((r) => r.ids);
    expect(sent).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(acked).toEqual(sent);
    expect(stats).toMatchObject({ attempted: 10_000, acked: 10_000, failed: 0 });
  });

  it('holds the oldest due event up to the linger, so events due together share a request', async () => {
    // 10000/s with a 0.3 ms round trip: without a linger each request carries the ~3 events of one round trip.
    const without = await generate(10_000, 0, 300);
    const withLinger = await generate(10_000, 2, 300);
    expect(without.requests.length).toBeGreaterThan(2500);
    expect(withLinger.requests.length).toBeLessThan(600);
    // No event is sent before it is due, and none waits much past the linger (a send in flight aside).
    for (const { atUs, ids } of withLinger.requests) {
      expect(atUs).toBeGreaterThanOrEqual(withLinger.dueUs(ids.at(-1)!));
      expect(atUs - withLinger.dueUs(ids[0]!)).toBeLessThanOrEqual(2000 + 300 + 1000);
    }
  });

  it('says when each request was sent: when its ids could first be read, before the ack', async () => {
    const { requests, acks } = await generate(10_000, undefined, 300);
    expect(acks.map((a) => a.sentUs)).toEqual(requests.map((r) => r.atUs));
    for (const a of acks) expect(a.atUs - a.sentUs).toBe(300);
  });

  it('lingers GENERATOR_LINGER_MS by default', async () => {
    const { requests, dueUs } = await generate(1000, undefined, 100);
    const waits = requests.map((r) => r.atUs - dueUs(r.ids[0]!));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(GENERATOR_LINGER_MS * 1000);
  });
});
