/**
 * kafkajs clients as faultline's processes use them: quiet unless something goes wrong, logs to stderr. The only
 * door to kafkajs: its read_committed fix and faster produce encoding must be in place before kafkajs loads, and
 * its request queue must not spin while idle (see kafkajs-read-committed.ts, kafkajs-produce-encoding.ts,
 * kafkajs-request-queue.ts).
 */
import './kafkajs-read-committed.ts';
import './kafkajs-produce-encoding.ts';
import './kafkajs-request-queue.ts';
import { connect } from 'node:net';
import {
  type Admin,
  AssignerProtocol,
  type Consumer,
  type ICustomPartitioner,
  type ISocketFactory,
  type ITopicConfig,
  Kafka,
  type KafkaConfig,
  type KafkaMessage,
  logLevel,
  type PartitionAssigner,
  Partitioners,
  type Producer,
  type ProducerConfig,
} from 'kafkajs';
import { systemClock } from '../core/clock.ts';
import type { OutputRecord } from '../core/types.ts';
import { murmur2 } from './murmur2.ts';

export type { Consumer, EachBatchPayload, KafkaConfig, KafkaMessage, Producer, Transaction } from 'kafkajs';
export { Kafka, logLevel, Partitioners } from 'kafkajs';

/**
 * A socket factory that sends every connection for the broker at `broker` ("host:port") to `via` instead: the
 * worker's own Toxiproxy proxy. Metadata still names the real broker, so without this the client would bypass
 * the proxy after bootstrap. (Single broker: every broker connection is that one.)
 */
export function viaProxy(broker: string, via: { host: string; port: number }): ISocketFactory {
  return ({ host, port, onConnect }) => {
    const target = `${host}:${port}` === broker ? via : { host, port };
    const socket = connect({ host: target.host, port: target.port }, onConnect);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5000);
    return socket;
  };
}

/**
 * kafkajs's DefaultPartitioner with clients/murmur2.ts: a message's own partition if it names one, else its key's
 * `toPositive(murmur2(key)) % partitions`, else (no key) kafkajs's round robin.
 */
export const keyHashPartitioner: ICustomPartitioner = () => {
  const unkeyed = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key === null || message.key === undefined) return unkeyed(args);
    return (murmur2(message.key) & 0x7fffffff) % partitionMetadata.length;
  };
};

/** A kafkajs client whose producers partition keys with keyHashPartitioner (the same partitions, faster). */
class KeyHashKafka extends Kafka {
  override producer(config?: ProducerConfig): Producer {
    return super.producer({ createPartitioner: keyHashPartitioner, ...config });
  }
}

/**
 * A kafkajs client. Its error lines go to `logTo` (default stderr: a worker's stderr is its log file); the
 * harness sends them to the run's folder, so a broker restart does not fill the user's terminal.
 */
export function createKafka(
  bootstrap: string,
  clientId: string,
  extra: Partial<KafkaConfig> = {},
  logTo: (line: string) => void = (line) => process.stderr.write(line),
): Kafka {
  return new KeyHashKafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.ERROR,
    logCreator:
      () =>
      ({ namespace, label, log }) => {
        const { message, ...rest } = log as { message: string };
        logTo(
          `${new Date().toISOString()} kafkajs ${label} [${namespace}] ${message} ${JSON.stringify(rest)}\n`,
        );
      },
    retry: { initialRetryTime: 100, retries: 8 },
    ...extra,
  });
}

/** Metadata errors of a topic created a moment ago, while the broker's view catches up with its controller's. */
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Creates `topics` (an existing one is left as it is) and waits until every partition of each has a leader.
 * kafkajs's own `waitForLeaders` retries only LEADER_NOT_AVAILABLE; a KRaft broker whose metadata has not yet
 * caught up with its controller answers UNKNOWN_TOPIC_OR_PARTITION ("This server does not host this
 * topic-partition") for a topic created a moment before, and kafkajs throws it (bench26b: a run at 22000/s failed
 * at its start so, and the bench with it). Both are waited out here, up to `timeoutMs`.
 */
export async function createTopicsWithLeaders(
  admin: Admin,
  topics: ITopicConfig[],
  timeoutMs = 30_000,
): Promise<void> {
  await admin.createTopics({ topics, waitForLeaders: false });
  const names = topics.map((t) => t.topic);
  const deadline = Date.now() + timeoutMs;
  let last = 'no metadata yet';
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: names });
      const waiting = topics.filter((t) => {
        const partitions = found.find((f) => f.name === t.topic)?.partitions ?? [];
        return partitions.length < (t.numPartitions ?? 1) || partitions.some((p) => p.leader < 0);
      });
      if (waiting.length === 0) return;
      last = `no leader yet for every partition of ${waiting.map((t) => t.topic).join(', ')}`;
    } catch (err) {
      // kafkajs throws the broker's error, or after its own retries one that has it as its cause.
      const { type, cause } = err as { type?: string; cause?: { type?: string } };
      if (!NOT_YET.has(type ?? cause?.type ?? '')) throw err;
      last = (err as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(
        `topics ${names.join(', ')} were not ready ${timeoutMs / 1000} s after they were created (${last}): is the broker healthy?`,
      );
    await systemClock.sleep(100);
  }
}

/** An output record without its write time: what a sink has in hand before it writes. */
export type ScoredRecord = Omit<OutputRecord, 'w' | 'score'> & { score?: number };

/**
 * Kafka messages for scored records, keyed like the input, every one stamped with the same write time `w`
 * (now): the output format the collector reads, whatever engine wrote it.
 */
export function outputMessages(records: readonly ScoredRecord[]): { key: string; value: string }[] {
  const w = systemClock.nowUs();
  return records.map((v) => ({
    key: v.key,
    value: JSON.stringify({
      id: v.id,
      key: v.key,
      t: v.t,
      score: v.score!,
      r: v.r,
      w,
      // Fan-out only: a chain's outputs stay exactly as they were.
      ...(v.branch === undefined ? {} : { branch: v.branch }),
    } satisfies OutputRecord),
  }));
}

/**
 * A source instance's consumer: its own group, the fixed partitions it owns (never rebalanced onto another
 * instance), committed reads only, and a short fetch wait so records flow as they come.
 */
export function ownedConsumer(
  kafka: Kafka,
  opts: { groupId: string; partitions: number[]; maxWaitTimeInMs?: number },
): Consumer {
  return kafka.consumer({
    groupId: opts.groupId,
    partitionAssigners: [fixedPartitions(() => opts.partitions)],
    maxWaitTimeInMs: opts.maxWaitTimeInMs ?? 50,
    readUncommitted: false,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
}

/**
 * Connects a transactional producer and registers its transactional id (InitProducerId), which fences every
 * earlier producer with that id and ends its open transaction (aborted, or committed if its commit had begun).
 * kafkajs registers the id only at a producer's first `transaction()`, not at `connect()`: without this, a
 * predecessor's transaction would stay open until the new producer first wrote, holding back the last stable
 * offset and still able to commit.
 */
export async function connectTransactional(producer: Producer): Promise<void> {
  await producer.connect();
  // A broker that just started (or restarted) answers "the coordinator is loading" until its transaction
  // state is loaded; kafkajs gives up on that at once here, so wait for it, within a bound.
  const deadline = Date.now() + COORDINATOR_WAIT_MS;
  for (let delay = 100; ; delay = Math.min(2 * delay, 2000)) {
    try {
      const registration = await producer.transaction();
      await registration.abort();
      return;
    } catch (e) {
      const type = (e as { type?: string }).type ?? '';
      if (!COORDINATOR_NOT_READY.has(type) || Date.now() + delay > deadline) throw e;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

const COORDINATOR_WAIT_MS = 30_000;
const COORDINATOR_NOT_READY = new Set([
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'CONCURRENT_TRANSACTIONS',
]);

/**
 * Reads `partitions` of `topic` read_committed from the beginning up to their last stable offsets as of the call,
 * handing each message to `onMessage`, and resolves once every one is reached; rejects after `timeoutMs`.
 * Commit and abort markers and aborted data take offsets but are never handed to `eachBatch`, so progress is
 * taken from kafkajs' end-of-batch events, which cover those batches too.
 */
export async function readCommittedToEnd(
  kafka: Kafka,
  opts: {
    topic: string;
    partitions: number[];
    groupId: string;
    timeoutMs: number;
    onMessage: (message: KafkaMessage, partition: number) => void;
  },
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  // ListOffsets is read_committed by default in kafkajs: `high` is the last stable offset.
  const offsets = await admin.fetchTopicOffsets(opts.topic).finally(() => admin.disconnect());
  const ends = new Map(
    offsets
      .filter((o) => opts.partitions.includes(o.partition) && Number(o.high) > 0)
      .map((o) => [o.partition, Number(o.high)]),
  );
  if (ends.size === 0) return;
  const consumer = ownedConsumer(kafka, { groupId: opts.groupId, partitions: [...ends.keys()] });
  const reached = new Map<number, number>();
  const done = new Promise<void>((resolve, reject) => {
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      reached.set(payload.partition, Number(payload.lastOffset) + 1);
      if ([...ends].every(([p, end]) => (reached.get(p) ?? 0) >= end)) resolve();
    });
    // kafkajs restarts the consumer after a retriable crash (e.g. "the coordinator is loading" on a broker that
    // just started): only a crash it will not recover from ends the read.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!(payload as { restart?: boolean }).restart) reject(payload.error);
    });
    setTimeout(() => {
      const at = [...ends].map(([p, end]) => `partition ${p} at ${reached.get(p) ?? 0} of ${end}`);
      reject(new Error(`could not read ${opts.topic} to its end in ${opts.timeoutMs} ms (${at.join(', ')})`));
    }, opts.timeoutMs).unref();
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) opts.onMessage(m, batch.partition);
      },
    });
    await done;
  } finally {
    await consumer.disconnect().catch(() => {});
  }
}

/** Kafka message value of an input record, as the load generator writes it. */
export function decodeJson<T>(value: Buffer | null): T {
  if (!value) throw new Error('message without a value');
  return JSON.parse(value.toString('utf8')) as T;
}

/**
 * A partition assigner that gives this (only) group member a fixed set of partitions: a Storm spout task or
 * a Flink source subtask owns its partitions and keeps them across restarts, instead of a consumer group
 * rebalancing them onto a surviving instance. Each source instance uses its own group id with this assigner.
 */
export function fixedPartitions(partitionsFor: (topic: string) => number[]): PartitionAssigner {
  return () => ({
    name: 'faultline-fixed',
    version: 1,
    async assign({ members, topics }) {
      return members.map((m, i) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          // A second member of the same group (a restarted instance joining before the old one left) gets none.
          assignment: i === 0 ? Object.fromEntries(topics.map((t) => [t, partitionsFor(t)])) : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: 'faultline-fixed',
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
      };
    },
  });
}

/** Partitions of `partitions` that source instance `instance` of `parallelism` owns. */
export function ownedPartitions(instance: number, parallelism: number, partitions: number): number[] {
  return Array.from({ length: partitions }, (_, p) => p).filter((p) => p % parallelism === instance);
}
