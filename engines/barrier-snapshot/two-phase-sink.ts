/**
 * The two-phase-commit Kafka sink (protocol step 4; Flink's TwoPhaseCommitSinkFunction / FlinkKafkaProducer):
 * - records go into the current Kafka transaction, written in batches as they arrive;
 * - on barrier n: flush (pre-commit), keep the transaction as pending under n, begin a new one on the next
 *   producer of the pool (a kafkajs producer holds one transaction at a time, as Flink's pool does). The swap
 *   to the new transaction is synchronous: a record written after barrier n, even while the new transaction
 *   is still being started (the pool may be exhausted), goes into transaction n+1, never into n;
 * - on notifyCheckpointComplete(n): commit every pending transaction ≤ n;
 * - on (re)start: every producer of the pool registers its transactional id before anything else, which fences
 *   the previous incarnation and aborts its open transactions, pre-committed or not (kafkajs registers the id
 *   only at a producer's first `transaction()`, not at `connect()`, so the sink does it explicitly);
 * - on restore: pending transactions of the restored checkpoint that never committed are written again and
 *   committed. Kafka offers no way to resume another process's transaction (Flink reaches into the producer's
 *   internals for that); re-writing the same records in a new transaction has the same effect.
 *
 * Each transaction also writes a marker (sink, transaction id) to this sink's own partition of a control topic;
 * markers are read read_committed at restore, so "was transaction n committed?" is answered atomically with
 * its data. The partition is the sink's own so that no other sink's open transaction holds back its last
 * stable offset (a read_committed reader stops there and would miss later committed markers).
 */

import {
  connectTransactional,
  type Kafka,
  type Producer,
  readCommittedToEnd,
  type Transaction,
} from '../../clients/kafka.ts';
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
  /** Settles once a producer of the pool is free and its transaction has begun. */
  started: Promise<{ producerIndex: number; tx: Transaction }>;
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
  /** This sink's partition of the control topic (its instance index): nobody else writes there. */
  controlPartition: number;
  /** Stable per sink instance across restarts, e.g. `fl-<runId>-sink[0]`. */
  transactionalIdPrefix: string;
  poolSize: number;
  restore: SinkSnapshot | null;
  onCommitted: (id: number, records: number) => void;
}): Promise<TwoPhaseSink> {
  const producers: Producer[] = Array.from({ length: opts.poolSize }, (_, i) =>
    opts.kafka.producer({
      transactionalId: `${opts.transactionalIdPrefix}-${i}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
    }),
  );
  // Fences the previous incarnation's producers (all of them, at once) and ends their open transactions. Left
  // open, one would hold back the control partition's last stable offset, so a later restore would not see
  // markers committed after it and would write committed transactions again.
  await Promise.all(producers.map(connectTransactional));
  const control = { topic: opts.controlTopic, partition: opts.controlPartition };
  const busy = new Set<number>();
  const pending: (PendingTransaction & { open: OpenTransaction })[] = [];

  if (opts.restore && opts.restore.pending.length > 0) {
    const committed = await committedMarkers(opts.kafka, control, opts.transactionalIdPrefix);
    for (const p of opts.restore.pending) {
      if (committed.has(p.id)) continue;
      const tx = await producers[0]!.transaction();
      await tx.send({ topic: opts.topic, messages: p.records.map(toMessage) });
      await tx.send({
        topic: control.topic,
        messages: [marker(control.partition, opts.transactionalIdPrefix, p.id)],
      });
      await tx.commit();
      opts.onCommitted(p.id, p.records.length);
    }
  }

  /** The next transaction, at once; it starts when a producer is free (writes queue behind its start). */
  const begin = (after: Promise<unknown>): OpenTransaction => {
    const started = after.then(async () => {
      let index = -1;
      while (index < 0) {
        index = producers.findIndex((_, i) => !busy.has(i));
        // All producers hold pending transactions: wait for a checkpoint to complete (back-pressure).
        if (index < 0) await systemClock.sleep(5);
      }
      busy.add(index);
      return { producerIndex: index, tx: await producers[index]!.transaction() };
    });
    // A failure to start surfaces at the pre-commit (through `writes`), which fails the checkpoint.
    started.catch(() => {});
    return { started, records: [], writes: started.then(() => undefined) };
  };
  // Transactions start one after another, in barrier order (each waits for its predecessor's start).
  let open = begin(Promise.resolve());
  await open.started;

  return {
    write(records) {
      const current = open;
      current.records.push(...records);
      current.writes = current.writes.then(async () => {
        const { tx } = await current.started;
        await tx.send({ topic: opts.topic, messages: records.map(toMessage) });
      });
      // A failed write (e.g. this incarnation was fenced) surfaces at the pre-commit, which then fails the
      // checkpoint; until then it is not an unhandled rejection.
      current.writes.catch(() => {});
    },
    async preCommit(n) {
      // Swapped before anything is awaited: from here on, writes go to the next transaction.
      const current = open;
      open = begin(current.started);
      await current.writes;
      const { tx } = await current.started;
      await tx.send({
        topic: control.topic,
        messages: [marker(control.partition, opts.transactionalIdPrefix, n)],
      });
      pending.push({ id: n, records: current.records, open: current });
      return { pending: pending.map(({ id, records }) => ({ id, records })) };
    },
    async commitUpTo(n) {
      const ids: number[] = [];
      while (pending.length > 0 && pending[0]!.id <= n) {
        const p = pending.shift()!;
        const { tx, producerIndex } = await p.open.started;
        await tx.commit();
        busy.delete(producerIndex);
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

function marker(partition: number, sink: string, id: number) {
  return { partition, key: sink, value: JSON.stringify({ sink, id }) };
}

const MARKERS_READ_MS = 30_000;

/**
 * Transaction ids this sink committed: its control partition read read_committed to the last stable offset.
 * Called after the pool registered its transactional ids, so no transaction of this sink is open there. Without
 * the whole partition we cannot tell which pending transactions committed, and guessing would rewrite a committed
 * one (duplicates): a read that does not finish fails the task, the job restarts and restores again.
 */
async function committedMarkers(
  kafka: Kafka,
  control: { topic: string; partition: number },
  sink: string,
): Promise<Set<number>> {
  const committed = new Set<number>();
  await readCommittedToEnd(kafka, {
    topic: control.topic,
    partitions: [control.partition],
    groupId: `${sink}-restore-${Date.now()}`,
    timeoutMs: MARKERS_READ_MS,
    onMessage: (m) => {
      const v = JSON.parse(m.value?.toString() ?? '{}') as { sink?: string; id?: number };
      if (v.sink === sink && typeof v.id === 'number') committed.add(v.id);
    },
  });
  return committed;
}
