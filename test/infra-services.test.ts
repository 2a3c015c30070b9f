/** The real services answer through the real clients: kafkajs, ioredis, toxiproxy-node-client. */
import { Redis } from 'ioredis';
import { Toxiproxy } from 'toxiproxy-node-client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createTopicsWithLeaders, Kafka, logLevel } from '../clients/kafka.ts';
import { freePort } from '../clients/ports.ts';
import { createProxies, linkName, removeProxies } from '../engines/runtime/proxies.ts';
import { randomName } from './helpers.ts';

const infra = inject('infra');

describe('kafka', () => {
  it('produces 10 000 messages and consumes all of them back, in order per partition', async () => {
    const kafka = new Kafka({
      clientId: 'test',
      brokers: [infra.kafka.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const topic = randomName('roundtrip');
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsWithLeaders(admin, [{ topic, numPartitions: 3 }]);
    await admin.disconnect();

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const total = 10_000;
    for (let start = 0; start < total; start += 1000) {
      const messages = [];
      for (let i = start; i < start + 1000; i++) messages.push({ key: `k${i % 17}`, value: String(i) });
      await producer.send({ topic, messages });
    }
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: randomName('g') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: number[] = [];
    const lastPerKey = new Map<string, number>();
    let outOfOrder = 0;
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const v = Number(message.value?.toString());
          const key = message.key!.toString();
          if ((lastPerKey.get(key) ?? -1) > v) outOfOrder++;
          lastPerKey.set(key, v);
          seen.push(v);
          if (seen.length === total) resolve();
        },
      });
    });
    await done;
    await consumer.disconnect();
    expect(seen.length).toBe(total);
    expect(new Set(seen).size).toBe(total);
    expect(outOfOrder).toBe(0);
  });
});

describe('redis', () => {
  const redis = new Redis({ host: infra.redis.host, port: infra.redis.port });
  afterAll(() => redis.quit());

  it('SET/GET', async () => {
    const key = randomName('k');
    await redis.set(key, 'v1');
    expect(await redis.get(key)).toBe('v1');
  });

  it('MULTI and a Lua script', async () => {
    const key = randomName('counter');
    const results = await redis.multi().incr(key).incrby(key, 41).exec();
    expect(results?.map(([, v]) => v)).toEqual([1, 42]);
    const doubled = await redis.eval(
      "return redis.call('INCRBY', KEYS[1], redis.call('GET', KEYS[1]))",
      1,
      key,
    );
    expect(doubled).toBe(84);
  });
});

describe('toxiproxy', () => {
  const toxiproxy = new Toxiproxy(infra.toxiproxy.api);

  it('a latency toxic delays a PING through the proxy; removing it, disabling and enabling the proxy act', async () => {
    const listenPort = await freePort();
    const proxy = await toxiproxy.createProxy({
      name: randomName('redis'),
      listen: `127.0.0.1:${listenPort}`,
      upstream: `${infra.redis.host}:${infra.redis.port}`,
    });
    const client = new Redis({
      host: '127.0.0.1',
      port: listenPort,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 50,
      lazyConnect: true,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      const timePing = async () => {
        const t0 = performance.now();
        await client.ping();
        return performance.now() - t0;
      };
      expect(await timePing()).toBeLessThan(100);

      const toxic = await proxy.addToxic({
        name: 'slow',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: 200, jitter: 0 },
      });
      expect(await timePing()).toBeGreaterThanOrEqual(200);
      await toxic.remove();
      expect(await timePing()).toBeLessThan(100);

      await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
      await expect(client.ping()).rejects.toThrow();
      await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
      let answered = false;
      for (let i = 0; i < 100 && !answered; i++) {
        answered = await client.ping().then(
          () => true,
          () => false,
        );
        if (!answered) await new Promise((r) => setTimeout(r, 100));
      }
      expect(answered).toBe(true);
    } finally {
      client.disconnect();
      await proxy.remove();
    }
  });

  it("a run's link proxies listen on ports Toxiproxy bound itself, beside another run's that are still up", async () => {
    const link = linkName('features[0]', 'redis');
    const spec = [{ name: link, upstream: { host: infra.redis.host, port: infra.redis.port } }];
    const at = { listenHost: '127.0.0.1', clientHost: '127.0.0.1' };
    const [first, second] = [randomName('run-a'), randomName('run-b')];
    const a = await createProxies(infra.toxiproxy.api, at, first, spec);
    const b = await createProxies(infra.toxiproxy.api, at, second, spec);
    try {
      expect(b.address(link).port).not.toBe(a.address(link).port);
      const listed = (await toxiproxy.get(b.proxyName(link))).listen;
      expect(listed).toBe(`127.0.0.1:${b.address(link).port}`);
      const client = new Redis({ ...b.address(link), maxRetriesPerRequest: 0, lazyConnect: true });
      try {
        await client.connect();
        expect(await client.ping()).toBe('PONG');
      } finally {
        client.disconnect();
      }
    } finally {
      await removeProxies(infra.toxiproxy.api, first);
      await removeProxies(infra.toxiproxy.api, second);
    }
    const names = Object.keys(await toxiproxy.getAll());
    expect(names.filter((n) => n.startsWith(first) || n.startsWith(second))).toEqual([]);
  });
});
