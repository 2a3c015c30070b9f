/**
 * The load generator on its own thread against a real Kafka: every scheduled event produced and acknowledged, in
 * id order per key, its statistics and profile back on the run's thread; a stop ends it early; a failure in the
 * thread is the run's error, not a hang. Costs ~10 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createKafka, createTopicsWithLeaders } from '../clients/kafka.ts';
import { systemClock } from '../core/clock.ts';
import { readProfiles } from '../harness/cpu-profile.ts';
import { startGeneratorThread } from '../harness/generator-thread.ts';
import { randomName } from './helpers.ts';

const infra = inject('infra');
const runId = randomName('generator');
const topic = `fl.${runId}.in`;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('the load generator on its own thread', () => {
  const kafka = createKafka(infra.kafka.bootstrap, 'test-generator-reader', {}, () => undefined);
  const base = {
    bootstrap: infra.kafka.bootstrap,
    clientId: `fl-${runId}-generator`,
    topic,
    outputShaped: false,
    workload: 'transactions',
    seed: 7,
  };

  it('produces the whole schedule, reports each acknowledged range with its time, and its lag and profile', async () => {
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await createTopicsWithLeaders(admin, [{ topic, numPartitions: 2 }]);
    cleanups.push(() => admin.deleteTopics({ topics: [topic] }));
    const profileDir = mkdtempSync(join(tmpdir(), 'faultline-gen-'));
    cleanups.push(async () => rmSync(profileDir, { recursive: true, force: true }));

    const startUs = systemClock.nowUs() + 500_000;
    const ranges: { from: number; to: number; atUs: number; sentUs: number }[] = [];
    const logs: string[] = [];
    const generator = startGeneratorThread({
      ...base,
      schedule: { rate: 2000, durationS: 2 },
      startUs,
      profileDir,
      onAcked: (from, to, atUs, sentUs) => void ranges.push({ from, to, atUs, sentUs }),
      log: (line) => void logs.push(line),
    });
    const stats = await generator.run();

    expect(stats).toMatchObject({ attempted: 4000, acked: 4000, failed: 0 });
    expect(generator.stats().acked).toBe(4000);
    // Contiguous ranges in id order, each acknowledged after its last event was due.
    expect(ranges[0]!.from).toBe(0);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.from).toBe(ranges[i - 1]!.to);
    expect(ranges.at(-1)!.to).toBe(4000);
    // Each sent once its last event was due, and acknowledged after that.
    for (const r of ranges) {
      expect(r.sentUs).toBeGreaterThanOrEqual(startUs + (r.to - 1) * 500);
      expect(r.atUs).toBeGreaterThanOrEqual(r.sentUs);
    }
    // The lag histogram came back whole: one handoff per event.
    expect(stats.lag.totalCount).toBe(4000);
    // Kafka has them all.
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(4000);
    // The thread profiled itself; its hottest code is the generator's.
    const [profile] = readProfiles(profileDir, 50);
    expect(profile?.worker).toBe('generator');
    expect(profile!.top.map((h) => h.name).join('\n')).toMatch(/load-generator\.ts/);
  });

  it('a stop ends it early with what it sent; a failure in the thread rejects the run', async () => {
    const generator = startGeneratorThread({
      ...base,
      schedule: { rate: 1000, durationS: 30 },
      startUs: systemClock.nowUs(),
      onAcked: () => undefined,
      log: () => undefined,
    });
    const running = generator.run();
    await systemClock.sleep(1500);
    generator.stop();
    const stats = await running;
    expect(stats.attempted).toBeGreaterThan(0);
    expect(stats.attempted).toBeLessThan(30_000);
    expect(stats.acked).toBe(stats.attempted);

    const broken = startGeneratorThread({
      ...base,
      workload: 'no-such-workload',
      schedule: { rate: 1000, durationS: 1 },
      startUs: systemClock.nowUs(),
      onAcked: () => undefined,
      log: () => undefined,
    });
    await expect(broken.run()).rejects.toThrow(/the load generator failed: .*no-such-workload/);
  });
});
