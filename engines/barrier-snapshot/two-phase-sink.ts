/**
 * The two-phase-commit Kafka sink (protocol step 4; Flink's TwoPhaseCommitSinkFunction / FlinkKafkaProducer):
 * - records go into the current Kafka transaction, written in batches as they arrive;
 * - on barrier n: flush (pre-commit), keep the transaction as pending under n, begin a new one on the next
 *   producer of the pool (a kafkajs producer holds one transaction at a time, as Flink's pool does);
 * - on notifyCheckpointComplete(n): commit every pending transaction ≤ n;
 * - on restore: producers re-register their transactional ids, which fences the previous incarnation and aborts
 *   its open transactions; pending transactions of the restored checkpoint that never committed are written
 *   again and committed. Kafka offers no way to resume another process's transaction (Flink reaches into the
 *   producer's internals for that); re-writing the same records in a new transaction has the same effect.
 *
 * Each transaction also writes a marker (sink, transaction id) to a control topic; markers are read
 * read_committed at restore, so "was transaction n committed?" is answered atomically with its data.
 */
import type { Kafka, Producer, Transaction } from 'kafkajs';
import { systemClock } from '../../core/clock.ts';
import type { OutputRecord } from '../../core/types.ts';

export interface PendingTransaction {
  /** The checkpoint whose barrier pre-committed it. */
  id: number;
  records: OutputRecord[];
}

export interface SinkSnapshot {
  pending: PendingTransaction[];
}

interface OpenTransaction {
  producerIndex: number;
  tx: Transaction;
  records: OutputRecord[];
  writes: Promise<void>;
}

export interface TwoPhaseSink {
  write(records: OutputRecord[]): void;
  /** Barrier n: flush the open transaction and keep it pending under n; returns the snapshot for n. */
  preCommit(n: number): Promise<SinkSnapshot>;
  /** notifyCheckpointComplete(n): commit pending transactions ≤ n. Returns the ids committed. */
  commitUpTo(n: number): Promise<number[]>;
  close(): Promise<void>;
}

export async function createTwoPhaseSink(opts: {
  kafka: Kafka;
  topic: string;
  controlTopic: string;
  /** Stable per sink instance across restarts, e.g. `fl-<runId>-sink[0]`. */
  transactionalIdPrefix: string;
  poolSize: number;
  restore: SinkSnapshot | null;
  onCommitted: (id: number, records: number) => void;
}): Promise<TwoPhaseSink> {
  const producers: Producer[] = [];
  for (let i = 0; i < opts.poolSize; i++) {
    const p = opts.kafka.producer({
      transactionalId: `${opts.transactionalIdPrefix}-${i}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
    });
    // Registering the transactional id fences the previous incarnation and aborts its open transaction.
    await p.connect();
    producers.push(p);
  }
  const busy = new Set<number>();
  const pending: (PendingTransaction & { open: OpenTransaction })[] = [];

  if (opts.restore && opts.restore.pending.length > 0) {
    const committed = await committedMarkers(opts.kafka, opts.controlTopic, opts.transactionalIdPrefix);
    for (const p of opts.restore.pending) {
      if (committed.has(p.id)) continue;
      const tx = await producers[0]!.transaction();
      await tx.send({ topic: opts.topic, messages: p.records.map(toMessage) });
      await tx.send({ topic: opts.controlTopic, messages: [marker(opts.transactionalIdPrefix, p.id)] });
      await tx.commit();
      opts.onCommitted(p.id, p.records.length);
    }
  }

  const begin = async (): Promise<OpenTransaction> => {
    let index = -1;
    while (index < 0) {
      index = producers.findIndex((_, i) => !busy.has(i));
      // All producers hold pending transactions: wait for a checkpoint to complete (back-pressure).
      if (index < 0) await systemClock.sleep(5);
    }
    busy.add(index);
    const tx = await producers[index]!.transaction();
    return { producerIndex: index, tx, records: [], writes: Promise.resolve() };
  };
  let open = await begin();

  return {
    write(records) {
      const current = open;
      current.records.push(...records);
      current.writes = current.writes.then(() =>
        current.tx.send({ topic: opts.topic, messages: records.map(toMessage) }).then(() => undefined),
      );
    },
    async preCommit(n) {
      const current = open;
      open = await begin();
      await current.writes;
      await current.tx.send({ topic: opts.controlTopic, messages: [marker(opts.transactionalIdPrefix, n)] });
      pending.push({ id: n, records: current.records, open: current });
      return { pending: pending.map(({ id, records }) => ({ id, records })) };
    },
    async commitUpTo(n) {
      const ids: number[] = [];
      while (pending.length > 0 && pending[0]!.id <= n) {
        const p = pending.shift()!;
        await p.open.tx.commit();
        busy.delete(p.open.producerIndex);
        ids.push(p.id);
        opts.onCommitted(p.id, p.records.length);
      }
      return ids;
    },
    async close() {
      await Promise.all(producers.map((p) => p.disconnect().catch(() => {})));
    },
  };
}

function toMessage(r: OutputRecord) {
  return { key: r.key, value: JSON.stringify(r) };
}

function marker(sink: string, id: number) {
  return { key: sink, value: JSON.stringify({ sink, id }) };
}

const MARKERS_READ_MS = 30_000;

/** Transaction ids this sink committed, from the control topic (read_committed, up to its end). */
async function committedMarkers(kafka: Kafka, topic: string, sink: string): Promise<Set<number>> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).catch(() => []);
  await admin.disconnect();
  const targets = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  const committed = new Set<number>();
  if ([...targets.values()].every((h) => h === 0)) return committed;
  const consumer = kafka.consumer({
    groupId: `${sink}-restore-${Date.now()}`,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const reached = new Map<number, number>();
      const done = () => [...targets].every(([p, high]) => high === 0 || (reached.get(p) ?? 0) >= high);
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            const v = JSON.parse(m.value?.toString() ?? '{}') as { sink?: string; id?: number };
            if (v.sink === sink && typeof v.id === 'number') committed.add(v.id);
          }
          // With read_committed, the batch ends at the last stable offset; aborted data and markers are skipped.
          reached.set(batch.partition, Math.max(Number(batch.lastOffset()) + 1, Number(batch.highWatermark)));
          if (done()) resolve();
        },
      });
      // Without the whole topic we cannot tell which pending transactions committed: guessing would rewrite a
      // committed one (duplicates). Fail instead; the job restarts and the restore is tried again.
      setTimeout(
        () => reject(new Error(`restore: could not read ${topic} to its end in ${MARKERS_READ_MS} ms`)),
        MARKERS_READ_MS,
      ).unref();
    });
  } finally {
    await consumer.disconnect().catch(() => {});
  }
  return committed;
}
