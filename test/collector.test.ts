/**
 * The collector outlives its Kafka consumer (soak seed 29, session 9: a Kafka restart killed the consumer for good
 * and the run reported 13000 records as lost that were in the topic). Real Kafka; the collector's client reaches
 * it through a Toxiproxy proxy that is disabled for a while, as a broker restart would cut it off. And the output
 * audit, the independent second reader behind a loss, on transactional output. Costs ~10 s.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { partition } from '../chaos/toxics.ts';
import { createKafka, createTopicsWithLeaders, type KafkaConfig, viaProxy } from '../clients/kafka.ts';
import { systemClock } from '../core/clock.ts';
import { createProxies } from '../engines/runtime/proxies.ts';
import { COLLECTOR_RETRY, type CollectorIncident, createCollector } from '../harness/collector.ts';
import { auditOutput } from '../harness/output-audit.ts';
import { randomName } from './helpers.ts';

const infra = inject('infra');
const runId = randomName('collector');
const topic = `fl.${runId}.out`;
const LINK = 'link:collector->kafka';
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await systemClock.sleep(100);
  }
}

describe('the collector', () => {
  it('reads every record exactly once across a cut of its Kafka connection, and says it was not reading', async () => {
    const direct = createKafka(infra.kafka.bootstrap, 'test-collector-writer', {}, () => undefined);
    const admin = direct.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await createTopicsWithLeaders(admin, [{ topic, numPartitions: 2 }]);
    cleanups.push(() => admin.deleteTopics({ topics: [topic] }));
    const producer = direct.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());

    const proxies = await createProxies(
      infra.toxiproxy.api,
      { listenHost: '127.0.0.1', clientHost: '127.0.0.1' },
      runId,
      [{ name: LINK, upstream: { host: infra.kafka.host, port: infra.kafka.port } }],
    );
    cleanups.push(() => proxies.removeAll());
    const kafkaLog: string[] = [];
    const viaProxyKafka = (extra: Pick<KafkaConfig, 'retry'>) =>
      createKafka(
        infra.kafka.bootstrap,
        'test-collector',
        { socketFactory: viaProxy(infra.kafka.bootstrap, proxies.address(LINK)), ...extra },
        (line) => void kafkaLog.push(line),
      );

    const startUs = systemClock.nowUs();
    const tOf = (id: number) => startUs + id * 1000;
    const counts = new Map<number, number>();
    const incidents: CollectorIncident[] = [];
    const collector = createCollector({
      kafka: viaProxyKafka,
      topic,
      groupId: `fl-${runId}-collector`,
      runStartUs: startUs,
      warmupEndUs: startUs,
      observe: (id) => void counts.set(id, (counts.get(id) ?? 0) + 1),
      intendedUs: (id) => (id >= 0 && id < 2000 ? tOf(id) : null),
      onUntrusted: (id, why) => {
        throw new Error(`untrusted ${id}: ${why}`);
      },
      onSecond: () => undefined,
      onIncident: (i) => void incidents.push(i),
      stallMs: 2000,
    });
    const write = (from: number, to: number) =>
      producer.send({
        topic,
        messages: Array.from({ length: to - from }, (_, k) => {
          const id = from + k;
          const t = tOf(id);
          return {
            key: `k${id % 7}`,
            value: JSON.stringify({ id, key: `k${id % 7}`, t, r: t, w: t, score: 0 }),
          };
        }),
      });

    await collector.start();
    cleanups.push(() => collector.stop());
    await write(0, 1000);
    await until('the first 1000 records', () => collector.delivered() >= 1000, 15_000);

    // The cut: the consumer's connections are closed and refused; it stops fetching, and is replaced.
    const heal = await partition(infra.toxiproxy.api, [proxies.proxyName(LINK)]);
    await until('the collector to notice', () => !collector.reading(), 5000);
    await write(1000, 2000); // written while the collector cannot read
    await until('a replacement', () => incidents.some((i) => i.type === 'collector.replaced'), 10_000);
    await systemClock.sleep(1000);
    await heal();
    await until('the records written during the cut', () => collector.delivered() >= 2000, 40_000);
    await systemClock.sleep(2000); // a re-read after the replacement would arrive now
    expect(collector.reading()).toBe(true);
    await collector.stop();

    expect(collector.delivered()).toBe(2000);
    expect(counts.size).toBe(2000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(incidents.at(-1)?.type).toBe('collector.reading');
    const gaps = collector.gapsUs();
    expect(gaps.length).toBeGreaterThanOrEqual(1);
    expect(gaps.every((g) => g.toUs !== null && g.toUs > g.fromUs)).toBe(true);
    expect(collector.health()).toMatchObject({ readAgain: true, replacements: expect.any(Number) });
    expect(collector.health()!.notReadingMs).toBeGreaterThan(2000); // cut at least 3 s, read again at once
    // Its client retried (the replacement connecting through the cut) at most 1 s apart, as COLLECTOR_RETRY says.
    const retryTimes = kafkaLog.flatMap((l) =>
      [...l.matchAll(/"retryTime":(\d+)/g)].map((m) => Number(m[1])),
    );
    expect(retryTimes.length).toBeGreaterThan(0);
    expect(Math.max(...retryTimes)).toBeLessThanOrEqual(COLLECTOR_RETRY.maxRetryTime);
  });

  it('audits a transactional topic to its end, and finds exactly the deliveries the collector did not read', async () => {
    const auditTopic = `fl.${runId}.audit`;
    const kafka = createKafka(infra.kafka.bootstrap, 'test-audit', {}, () => undefined);
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await createTopicsWithLeaders(admin, [{ topic: auditTopic, numPartitions: 2 }]);
    cleanups.push(() => admin.deleteTopics({ topics: [auditTopic] }));
    const producer = kafka.producer({
      transactionalId: `${runId}-tx`,
      maxInFlightRequests: 1,
      idempotent: true,
    });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const message = (id: number) => ({
      key: `k${id % 5}`,
      value: JSON.stringify({ id, key: `k${id % 5}`, t: id, r: id, w: id, score: 0 }),
    });
    // Committed 0..299, aborted 300..399 (never to be read), committed 400..499: the topic ends in commit markers.
    for (const [from, to, commit] of [
      [0, 300, true],
      [300, 400, false],
      [400, 500, true],
    ] as const) {
      const tx = await producer.transaction();
      await tx.send({
        topic: auditTopic,
        messages: Array.from({ length: to - from }, (_, k) => message(from + k)),
      });
      await (commit ? tx.commit() : tx.abort());
    }
    const audit = (collectorRead: (id: number) => boolean) =>
      auditOutput({
        kafka,
        topic: auditTopic,
        groupId: randomName(`fl-${runId}-audit`),
        trusted: (id, t) => id === t && id !== 260, // id 260 is "untrusted": never counted as missed
        collectorRead: (branch, id) => branch === '' && collectorRead(id),
        capMs: 15_000,
      });
    const all = await audit((id) => id < 300 || id >= 400);
    expect(all).toMatchObject({ records: 400, complete: true, missed: 0 });
    // A collector that died at id 250 missed 250..299 and 400..499 but 260 (the aborted ones were never there).
    const dead = await audit((id) => id < 250);
    expect(dead).toMatchObject({ records: 400, complete: true, missed: 149 });
    expect(dead.missedSample.every((id) => (id >= 250 && id < 300) || id >= 400)).toBe(true);
  });
});
