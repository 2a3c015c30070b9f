/**
 * barrier-snapshot's two-phase-commit sink against a real Kafka broker, incarnation by incarnation, the way the
 * job manager drives it: a sink that dies with transactions pre-committed but not committed, a restore from
 * checkpoint n, and a second failover right after. A read_committed reader must see every record exactly once,
 * and a restore must never write again a transaction that already committed.
 */

import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  connectTransactional,
  createTopicsWithLeaders,
  Kafka,
  logLevel,
  outputMessages,
  readCommittedToEnd,
} from '../clients/kafka.ts';
import { retryUntil } from '../core/clock.ts';
import type { OutputRecord } from '../core/types.ts';
import {
  createTwoPhaseSink,
  type SinkSnapshot,
  type TwoPhaseSink,
} from '../engines/barrier-snapshot/two-phase-sink.ts';
import { randomName } from './helpers.ts';

const infra = inject('infra');
const kafka = new Kafka({
  clientId: 'two-phase-sink-test',
  brokers: [infra.kafka.bootstrap],
  logLevel: logLevel.NOTHING,
});
const opened: TwoPhaseSink[] = [];
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
});

const records = (from: number, to: number): OutputRecord[] =>
  Array.from({ length: to - from }, (_, i) => ({
    id: from + i,
    key: `k${(from + i) % 7}`,
    t: 0,
    score: 0,
    r: 0,
    w: 0,
  }));

/** Every record a read_committed reader sees, up to the topic's last stable offset. */
async function committedIds(topic: string): Promise<number[]> {
  const ids: number[] = [];
  await readCommittedToEnd(kafka, {
    topic,
    partitions: [0, 1],
    groupId: randomName('2pc-reader'),
    timeoutMs: 20_000,
    onMessage: (m) => ids.push((JSON.parse(m.value!.toString()) as OutputRecord).id),
  });
  return ids.sort((a, b) => a - b);
}

/**
 * Fresh output and control topics, and `open(restore)`: a sink incarnation on them (the same transactional ids
 * and control partition each time, as across restarts, unless given others) with the ids of the transactions it
 * committed while restoring.
 */
async function fixture(o: { controlPartitions: number; controlPartition: number; poolSize: number }) {
  const topic = randomName('2pc-out');
  const controlTopic = randomName('2pc-control');
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsWithLeaders(admin, [
    { topic, numPartitions: 2 },
    { topic: controlTopic, numPartitions: o.controlPartitions },
  ]);
  await admin.disconnect();
  const ownIds = randomName('fl-2pc-sink');
  const open = async (
    restore: SinkSnapshot | null,
    { controlPartition = o.controlPartition, transactionalIdPrefix = ownIds } = {},
  ) => {
    const restoredCommits: number[] = [];
    const sink = await createTwoPhaseSink({
      kafka,
      topic,
      controlTopic,
      controlPartition,
      transactionalIdPrefix,
      poolSize: o.poolSize,
      restore,
      onCommitted: (id) => restoredCommits.push(id),
    });
    opened.push(sink);
    return { sink, restoredCommits: [...restoredCommits] };
  };
  return { topic, open };
}

describe('two-phase-commit sink', () => {
  it('a record written during a pre-commit belongs to the next transaction, even with the pool exhausted', async () => {
    // Pool of 2: after pre-commit 1 the next transaction needs the producer of 1 back, so it cannot start
    // before checkpoint 1 commits (the pre-commit's begin() waits). A record written meanwhile — after barrier
    // 2 reached the sink — must not land in transaction 2, which checkpoint 2 records.
    const { topic, open } = await fixture({ controlPartitions: 1, controlPartition: 0, poolSize: 2 });
    const { sink } = await open(null);
    sink.write(records(0, 10));
    await sink.preCommit(1);
    sink.write(records(10, 20));
    const precommit2 = sink.preCommit(2); // not awaited: the barrier's snapshot is still running
    sink.write(records(20, 30)); // a record after barrier 2
    await sink.commitUpTo(1); // frees a producer, so the next transaction can start
    const checkpoint2 = await precommit2;
    expect(checkpoint2.pending.map((p) => [p.id, p.records.map((r) => r.id)])).toEqual([
      [2, records(10, 20).map((r) => r.id)],
    ]);
    const checkpoint3 = await sink.preCommit(3);
    expect(checkpoint3.pending.at(-1)!.records.map((r) => r.id)).toEqual(records(20, 30).map((r) => r.id));
    await sink.commitUpTo(3);
    expect(await committedIds(topic)).toEqual(records(0, 30).map((r) => r.id));
  });

  it('transaction n becomes visible when checkpoint n completes (commitUpTo), not at its pre-commit', async () => {
    const { topic, open } = await fixture({ controlPartitions: 1, controlPartition: 0, poolSize: 3 });
    const { sink } = await open(null);
    sink.write(records(0, 10));
    await sink.preCommit(1);
    sink.write(records(10, 20));
    await sink.preCommit(2);
    expect(await committedIds(topic)).toEqual([]);
    // notifyCheckpointComplete(1) commits 1 and leaves 2 pending. EndTxn returns once the coordinator logged the
    // commit; the markers reach the partitions after that, so visibility is awaited, not read at once.
    expect(await sink.commitUpTo(1)).toEqual([1]);
    const visible = (n: number) =>
      retryUntil(
        `the first ${n} records visible`,
        async () => {
          const ids = await committedIds(topic);
          return ids.length >= n ? ids : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 300 },
      );
    expect(await visible(10)).toEqual(records(0, 10).map((r) => r.id));
    expect(await sink.commitUpTo(2)).toEqual([2]);
    expect(await visible(20)).toEqual(records(0, 20).map((r) => r.id));
  });

  it('a second failover soon after a restore rewrites nothing that committed: each record is read once', async () => {
    const { topic, open } = await fixture({ controlPartitions: 1, controlPartition: 0, poolSize: 5 });

    // Incarnation A: checkpoints 1 and 2 complete and commit; 3 is pre-committed (on the pool's third producer)
    // and the task dies before checkpoint 3 completes, with more records in its open transaction.
    const a = (await open(null)).sink;
    a.write(records(0, 100));
    await a.preCommit(1);
    a.write(records(100, 200));
    const checkpoint2 = await a.preCommit(2);
    await a.commitUpTo(2);
    a.write(records(200, 300));
    await a.preCommit(3);
    a.write(records(300, 350));

    // The job restores from checkpoint 2: both of its pending transactions committed, so nothing is rewritten.
    const b = await open(checkpoint2);
    expect(b.restoredCommits).toEqual([]);
    b.sink.write(records(200, 400));
    const checkpoint4 = await b.sink.preCommit(4);
    await b.sink.commitUpTo(4);

    // A second failover restores from checkpoint 4, whose transaction committed: it must not be written again,
    // although A's pre-committed transaction 3 was still open on a producer B never used.
    const c = await open(checkpoint4);
    expect(c.restoredCommits).toEqual([]);
    c.sink.write(records(400, 450));
    await c.sink.preCommit(5);
    await c.sink.commitUpTo(5);

    expect(await committedIds(topic)).toEqual(records(0, 450).map((r) => r.id));
  });

  it('a restore writes again, once, the pre-committed transactions of its checkpoint that never committed', async () => {
    const { topic, open } = await fixture({ controlPartitions: 2, controlPartition: 1, poolSize: 3 });

    // Checkpoint 1 completes at the job manager, but the task dies before notifyCheckpointComplete(1) arrives.
    const a = (await open(null)).sink;
    a.write(records(0, 120));
    const checkpoint1 = await a.preCommit(1);
    a.write(records(120, 150));
    // Another sink of the job, with its own control partition, holds a pre-committed transaction open meanwhile:
    // it must not hide this sink's committed markers.
    const other = (
      await open(null, { controlPartition: 0, transactionalIdPrefix: randomName('fl-2pc-other') })
    ).sink;
    other.write(records(1000, 1010));
    await other.preCommit(1);

    const b = await open(checkpoint1);
    expect(b.restoredCommits).toEqual([1]);
    // The same checkpoint again (the restarted job failed before its next checkpoint): 1 committed by now.
    const c = await open(checkpoint1);
    expect(c.restoredCommits).toEqual([]);
    c.sink.write(records(120, 150));
    await c.sink.preCommit(2);
    await c.sink.commitUpTo(2);
    await other.commitUpTo(1);

    expect(await committedIds(topic)).toEqual([...records(0, 150), ...records(1000, 1010)].map((r) => r.id));
  });

  it('connectTransactional fences the predecessor at once: its open transaction ends, and its commit fails', async () => {
    const { topic } = await fixture({ controlPartitions: 1, controlPartition: 0, poolSize: 1 });
    const transactionalId = randomName('fl-2pc-fence');
    const producer = () => kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    const zombie = producer();
    await zombie.connect();
    const open = await zombie.transaction();
    await open.send({ topic, messages: outputMessages(records(0, 10)) });
    const lastStable = async () => {
      const admin = kafka.admin();
      await admin.connect();
      const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
      return ends.reduce((n, e) => n + Number(e.high), 0);
    };
    expect(await lastStable()).toBe(0); // the open transaction holds the last stable offset back

    const successor = producer();
    await connectTransactional(successor);
    expect(await lastStable()).toBeGreaterThan(10); // ended (aborted): its records and abort markers are stable
    await expect(open.commit()).rejects.toThrow();
    expect(await committedIds(topic)).toEqual([]);
    await Promise.all([zombie.disconnect(), successor.disconnect()]);
  });
});
